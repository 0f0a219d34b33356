"""The core never imports textual or torch; the TUI never imports torch.

Each layer is imported in a fresh interpreter and ``sys.modules`` is checked.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "drillbreak.deck.loader",
    "drillbreak.deck.lint",
    "drillbreak.store.db",
    "drillbreak.schedule.queue",
    "drillbreak.study.session",
    "drillbreak.study.stats",
    "drillbreak.context",
    "drillbreak.plain",
    "drillbreak.cli",
]


def imported_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize("module", CORE)
def test_core_imports_neither_textual_nor_torch(module):
    loaded = imported_after(module)
    assert "torch" not in loaded
    assert "textual" not in loaded


def test_tui_does_not_import_torch():
    loaded = imported_after("drillbreak.tui.app")
    assert "torch" not in loaded
    assert "textual" in loaded
