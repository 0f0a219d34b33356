"""The ``drillbreak`` entry point: the one module that knows both the CLI and the app.

``drillbreak.cli`` parses and runs the line commands; when the command is the app
(no command, or ``study`` without ``--plain``) it calls the launcher given here, so
the CLI never imports the Textual app and the app is loaded only when it runs.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Sequence

from drillbreak import cli


def open_app(args: argparse.Namespace) -> int:
    """Run the Textual app; without textual installed, study in plain mode instead."""
    # No cyclic GC passes while the app imports and loads the decks: both only add
    # objects, and each pass rescans them all (the app re-enables it once the decks are
    # loaded, after moving them out of its reach: DrillbreakApp.on_loaded).
    gc.disable()
    try:
        from drillbreak.tui.app import run_app
    except ImportError:
        gc.enable()
        return cli.study_plain(args)
    try:
        return run_app(args)
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, open_app=open_app)
