"""Lint problems: ``path:line:col: error: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int  # 1-based
    col: int  # 1-based
    severity: Severity
    message: str

    def __post_init__(self) -> None:
        # one problem, one line: YAML's messages sometimes span several
        object.__setattr__(self, "message", " ".join(self.message.split()))

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def display_path(path: Path) -> str:
    """A path as the user will recognise it: relative to the cwd when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
