"""Plain-text formatting shared by the demo CLI and the demo screen (no torch, no textual)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["format_number", "format_table"]


def format_number(value: float) -> str:
    """A headline number: integers as integers, others with 3 decimals or 4 digits."""
    if value != value:
        return "n/a"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value)}"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.4g}"


def _looks_numeric(text: str) -> bool:
    try:
        float(text.rstrip("%x").lstrip("+"))
    except ValueError:
        return False
    return True


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows under columns: text left-aligned, numeric columns right-aligned."""
    cells = [[str(c) for c in columns]] + [[str(v) for v in row] for row in rows]
    n = max(len(r) for r in cells)
    cells = [r + [""] * (n - len(r)) for r in cells]
    widths = [max(len(r[i]) for r in cells) for i in range(n)]
    numeric = [
        len(cells) > 1 and all(_looks_numeric(r[i]) for r in cells[1:] if r[i]) for i in range(n)
    ]

    def line(row: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(row, widths, numeric, strict=True)
        ).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)
