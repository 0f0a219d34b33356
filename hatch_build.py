"""Hatch build hook: ship the tracked deck and demo files inside the wheel.

``force-include`` on a folder copies it verbatim, ``__pycache__`` and all; this
hook adds the files one by one instead, leaving bytecode and editor litter out.
"""

from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = ("cards", "demos")
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".swp", ".tmp"}


class ShippedFiles(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        for top in SHIPPED:
            for path in sorted((root / top).rglob("*")):
                rel = path.relative_to(root)
                if (
                    path.is_file()
                    and not SKIP_DIRS.intersection(rel.parts)
                    and path.suffix not in SKIP_SUFFIXES
                    and not path.name.startswith(".")
                ):
                    build_data["force_include"][str(path)] = f"drillbreak/_shipped/{rel.as_posix()}"
