"""Scaling and tick labels shared by every text chart.

The braille line chart (``tui/widgets/line_chart.py``), the stats screen's bars and
heatmap (``tui/widgets/bars.py``) and the demo CLI's sparklines
(``demo_runner/cli.py``) place values with :func:`scaler` and :func:`bucket` and
label their axes with :func:`format_tick`; the evidence tables of the TUI and of plain
mode line numbers up on the decimal point with :func:`align_decimals`.  Any finite numbers work: a constant
1e17 series, ranges of +-1e308 whose width is larger than the largest float.

Standard library only, so that any layer can use it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

__all__ = ["align_decimals", "bucket", "format_tick", "middle", "power10", "scaler", "widen"]

_MAX = sys.float_info.max


def format_tick(value: float) -> str:
    """A short axis label: ``0``, ``0.25``, ``12.5``, ``1.2e+03``."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if abs(value - round(value)) < 1e-6 * max(1.0, abs(value)):
        value = float(round(value))
    if abs(value) >= 100000 or abs(value) < 0.001:
        return f"{value:.2g}"
    if value.is_integer():
        return str(int(value))
    return f"{value:.3g}"


def scaler(lo: float, hi: float) -> Callable[[float], float]:
    """Map [lo, hi] (lo < hi) onto [0, 1]; hi - lo may be larger than the largest float."""
    span = hi - lo
    if math.isfinite(span):
        return lambda v: (v - lo) / span
    half = hi / 2 - lo / 2
    return lambda v: (v / 2 - lo / 2) / half


def bucket(fraction: float, levels: int) -> int:
    """Which of ``levels`` equal steps ``fraction`` (0 to 1) falls in: 0 to levels - 1."""
    return min(levels - 1, max(0, int(fraction * (levels - 0.001))))


def widen(v: float, least: float, *, keep_low: bool = False) -> tuple[float, float]:
    """A range around (or, with ``keep_low``, above) ``v`` for a constant series; the
    margin grows with ``v`` so that it still shows at 1e17, and stays finite at 1.8e308."""
    pad = max(least, abs(v) / 10)
    if keep_low and math.isfinite(v + 2 * pad):
        return v, v + 2 * pad
    return max(v - pad, -_MAX), min(v + pad, _MAX)


def middle(lo: float, hi: float) -> float:
    """The middle of [lo, hi], also when lo + hi overflows."""
    total = lo + hi
    return total / 2 if math.isfinite(total) else lo / 2 + hi / 2


def power10(v: float) -> float:
    """10 ** v, the largest float where that overflows (a log axis's end)."""
    try:
        return 10.0**v
    except OverflowError:
        return _MAX


def align_decimals(values: Sequence[float]) -> list[str]:
    """Numbers as text of one width, their decimal points in one column (the point is
    implied after a whole number): right-justified, they line up in a table."""
    texts = [f"{v:g}" for v in values]
    if any(not math.isfinite(v) or "e" in t for v, t in zip(values, texts, strict=True)):
        width = max(map(len, texts), default=0)
        return [t.rjust(width) for t in texts]
    parts = [t.split(".", 1) if "." in t else [t, ""] for t in texts]
    whole = max(len(w) for w, _ in parts)
    frac = max(len(f) for _, f in parts)
    tail = frac + 1 if frac else 0  # the point and the decimals
    return [w.rjust(whole) + ("." + f if f else "").ljust(tail) for w, f in parts]
