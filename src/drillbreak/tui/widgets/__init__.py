"""Widgets of the TUI.  A widget's default CSS lives beside its module as NAME.tcss."""

from __future__ import annotations

from pathlib import Path


def default_css(module_file: str) -> str:
    """The default CSS of the widget defined in ``module_file``: its ``.tcss`` twin."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")
