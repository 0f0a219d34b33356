"""A line chart drawn with braille dots: several coloured series, axes, legend.

Used for live demo curves (points appended as they arrive) and for diagnosis-card
evidence (3-50 points).  Pure Rich rendering, no plotting dependency.  Each
terminal cell holds a 2x4 grid of braille dots, so an 80-column chart has about
150 horizontal dots.

:func:`render_chart` is the pure drawing function; :class:`LineChart` is the
widget around it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeGuard

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from drillbreak.chartscale import format_tick, middle, power10, scaler, widen
from drillbreak.tui.widgets import default_css

__all__ = ["COLOURS", "LineChart", "draw_legend", "format_ticks", "render_chart"]

# Distinct on dark and light backgrounds.
COLOURS = (
    "#4aa3ff",  # blue
    "#ff9f1c",  # orange
    "#3ccf6e",  # green
    "#ff4f7b",  # pink-red
    "#b48cff",  # purple
    "#19c8c8",  # teal
    "#e8c547",  # yellow
    "#a0a0a0",  # grey
)
# Braille dot bit for (row 0-3, column 0-1) inside one cell.
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
# Series with at most this many points get a visible marker at each point.
_MARK_POINTS = 16

Series = tuple[list[float], list[float | None]]


def _finite(v: float | None) -> TypeGuard[float]:
    return v is not None and math.isfinite(v)


def format_ticks(values: Sequence[float]) -> list[str]:
    """Labels for one axis in one format, its ends (the first and last value) first.

    Every label has as many decimals as the ends need (3 significant digits, as
    :func:`format_tick`) and the steps between labels show, the labels between
    rounded to them: ``0.95``, ``0.82``, ``0.70``; ``1.0``, ``0.5``, ``0.0``.  When the numbers are very large or very small, every label is in
    scientific notation (``1.0e+17``, ``9.0e+16``).
    """
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return [format_tick(v) for v in values]
    big = max(abs(v) for v in finite)
    if big >= 100000 or 0 < big < 0.001:
        return [f"{v:.1e}" if math.isfinite(v) else format_tick(v) for v in values]
    ends = [v for v in (values[0], values[-1]) if math.isfinite(v)]
    decimals = max((_decimals(v) for v in ends), default=0)
    step = (max(finite) - min(finite)) / max(1, len(finite) - 1)
    if step > 0:  # labels between the ends differ from them
        decimals = max(decimals, -math.floor(math.log10(step)))
    return [f"{v:.{decimals}f}" if math.isfinite(v) else format_tick(v) for v in values]


def _decimals(v: float) -> int:
    """The decimals of :func:`format_tick`'s 3 significant digits of ``v`` in fixed
    notation: it writes -8181.9 as -8.18e+03, whose "decimals" are not 6 but none."""
    tick = format_tick(v)
    if "e" in tick:
        return max(0, 2 - math.floor(math.log10(abs(v))))
    return len(tick.split(".")[1]) if "." in tick else 0


def draw_legend(names: Sequence[str], colours: Sequence[str], width: int) -> list[Text]:
    """One "━━ name" per series in its colour, wrapped into lines of ``width`` cells."""
    lines: list[Text] = []
    line = Text()
    for i, name in enumerate(names):
        item_len = 3 + len(name) + 2
        if line.cell_len and line.cell_len + item_len > width:
            lines.append(line)
            line = Text()
        line.append("━━ ", style=colours[i % len(colours)])
        line.append(name + "  ")
    if line.cell_len:
        lines.append(line)
    return lines


def render_chart(
    series: Mapping[str, Series],
    width: int,
    height: int,
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    x_log: bool = False,
    y_log: bool = False,
    colours: Sequence[str] = COLOURS,
    legend: bool = True,
) -> Text:
    """Draw ``series`` (name -> (xs, ys)) into ``width`` x ``height`` cells.

    ``None`` or non-finite y values are gaps.  ``y_min`` / ``y_max`` fix the y range
    (values outside are drawn at the edge); ``x_log`` / ``y_log`` put x / y on a log
    scale (points with x <= 0 / y <= 0 are skipped).  Any finite numbers draw, 1e17
    constants and ranges of +-1e308 included.  ``legend=False`` leaves the legend out (a
    caller that draws several charts with one shared legend).  Tick labels share one format.
    """
    names = list(series)
    out = Text(no_wrap=True, overflow="crop")
    header = Text(no_wrap=True)
    if title:
        header.append(title, style="bold")
    if y_label or y_log:
        y_name = y_label + (" (log scale)" if y_log and "log" not in y_label else "")
        header.append(("   " if title else "") + f"y: {y_name.strip()}", style="dim")

    def tx(x: float) -> float | None:
        if not math.isfinite(x):
            return None
        if x_log:
            return math.log10(x) if x > 0 else None
        return x

    def ty(y: float | None) -> float | None:
        if not _finite(y):
            return None
        if y_log:
            return math.log10(y) if y > 0 else None
        return y

    lo_fixed, hi_fixed = ty(y_min), ty(y_max)
    pts: list[list[tuple[float, float] | None]] = []
    for xs, ys in series.values():
        line: list[tuple[float, float] | None] = []
        for x, y in zip(xs, ys, strict=False):
            t, v = tx(x), ty(y)
            line.append((t, v) if t is not None and v is not None else None)
        pts.append(line)
    flat = [p for line in pts for p in line if p is not None]
    if flat:
        x0, x1 = min(p[0] for p in flat), max(p[0] for p in flat)
        data_lo, data_hi = min(p[1] for p in flat), max(p[1] for p in flat)
        y0 = lo_fixed if _finite(lo_fixed) else data_lo
        y1 = hi_fixed if _finite(hi_fixed) else data_hi
        if y1 <= y0:
            y0, y1 = widen(y0, 0.5, keep_low=_finite(lo_fixed) or _finite(hi_fixed))
        if x1 == x0:
            x0, x1 = widen(x0, 1.0)
        ends = [y1, middle(y0, y1), y0]
        labels = format_ticks([power10(v) if y_log else v for v in ends])
        label_w = max(len(s) for s in labels)
    else:
        label_w = 0
    legend_lines = draw_legend(names, colours, max(10, width - label_w - 2)) if legend else []
    fixed = (1 if header.cell_len else 0) + 2 + len(legend_lines)
    rows = height - fixed
    if rows < 2 and legend_lines:  # drop the legend before giving up
        legend_lines, rows = [], rows + len(legend_lines)
    if header.cell_len:
        out.append_text(header)
        out.append("\n")
    if not flat:
        out.append("(no data yet)", style="dim")
        return out
    if rows < 2 or width < 16:
        out.append("(too small to draw)", style="dim")
        return out

    x_frac, y_frac = scaler(x0, x1), scaler(y0, y1)
    cols = width - label_w - 2
    dot_w, dot_h = cols * 2, rows * 4
    grid = [[0] * cols for _ in range(rows)]
    owner = [[-1] * cols for _ in range(rows)]

    def plot(px: int, py: int, s: int) -> None:
        if 0 <= px < dot_w and 0 <= py < dot_h:
            r, c = py // 4, px // 2
            grid[r][c] |= _DOTS[py % 4][px % 2]
            owner[r][c] = s

    def to_dots(p: tuple[float, float]) -> tuple[int, int]:
        y = min(max(p[1], y0), y1)
        px = round(x_frac(p[0]) * (dot_w - 1))
        py = round((1 - y_frac(y)) * (dot_h - 1))
        return px, py

    for s, line in enumerate(pts):
        dots = [None if p is None else to_dots(p) for p in line]
        for a, b in zip(dots, dots[1:], strict=False):
            if a is None or b is None:
                continue
            steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
            for i in range(steps + 1):
                plot(
                    round(a[0] + (b[0] - a[0]) * i / steps),
                    round(a[1] + (b[1] - a[1]) * i / steps),
                    s,
                )
        present = [d for d in dots if d is not None]
        if len(present) <= _MARK_POINTS:
            for px, py in present:
                for dx in (0, 1):
                    for dy in (0, 1):
                        plot(px - (px % 2) + dx, py + dy - (1 if py == dot_h - 1 else 0), s)

    mid_row = rows // 2 if rows >= 5 else -1
    for r in range(rows):
        label = labels[0] if r == 0 else labels[2] if r == rows - 1 else ""
        if r == mid_row:
            label = labels[1]
        out.append(f"{label:>{label_w}} ┤" if label else " " * label_w + " │", style="dim")
        run_style: str | None = None
        run = ""
        for c in range(cols):
            bits = grid[r][c]
            style = colours[owner[r][c] % len(colours)] if bits else None
            char = chr(0x2800 + bits) if bits else " "
            if style != run_style and run:
                out.append(run, style=run_style)
                run = ""
            run_style = style
            run += char
        if run:
            out.append(run, style=run_style)
        out.append("\n")
    out.append(" " * label_w + " └" + "─" * cols + "\n", style="dim")
    left, right = format_ticks([power10(x0), power10(x1)] if x_log else [x0, x1])
    if len(left) + 1 + len(right) > cols:  # a number cut short would mislead: leave it out
        right = ""
        left = left if len(left) <= cols else ""
    axis_name = x_label + (" (log scale)" if x_log and "log" not in x_label else "")
    gap = max(0, cols - len(left) - len(right))
    centre = f" {axis_name} " if axis_name else ""
    out.append(" " * (label_w + 2) + left, style="dim")
    out.append(centre.center(gap)[:gap] if len(centre) <= gap else " " * gap, style="italic dim")
    out.append(right, style="dim")
    for legend_line in legend_lines:
        out.append("\n" + " " * (label_w + 2))
        legend_line.truncate(cols)  # a name longer than the chart is cut
        out.append_text(legend_line)
    return out


class LineChart(Widget):
    """One or more named series as a braille line chart with axes and a legend.

    Append live points with :meth:`add_point`, replace a whole series with
    :meth:`set_series`.  Series keep their colour in the order they were added.
    """

    DEFAULT_CSS = default_css(__file__)

    chart_title: reactive[str] = reactive("")
    x_label: reactive[str] = reactive("")
    y_label: reactive[str] = reactive("")
    y_min: reactive[float | None] = reactive(None)
    y_max: reactive[float | None] = reactive(None)
    x_log: reactive[bool] = reactive(False)
    y_log: reactive[bool] = reactive(False)

    def __init__(
        self,
        chart_title: str = "",
        *,
        x_label: str = "",
        y_label: str = "",
        y_min: float | None = None,
        y_max: float | None = None,
        x_log: bool = False,
        y_log: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._series: dict[str, Series] = {}
        self.set_reactive(LineChart.chart_title, chart_title)
        self.set_reactive(LineChart.x_label, x_label)
        self.set_reactive(LineChart.y_label, y_label)
        self.set_reactive(LineChart.y_min, y_min)
        self.set_reactive(LineChart.y_max, y_max)
        self.set_reactive(LineChart.x_log, x_log)
        self.set_reactive(LineChart.y_log, y_log)

    @property
    def series(self) -> dict[str, Series]:
        """A copy of the data: name -> (xs, ys)."""
        return {k: (list(xs), list(ys)) for k, (xs, ys) in self._series.items()}

    def add_point(self, series: str, x: float, y: float | None) -> None:
        """Append one point to ``series`` (created on first use); ``None`` is a gap."""
        xs, ys = self._series.setdefault(series, ([], []))
        xs.append(float(x))
        ys.append(None if y is None else float(y))
        self.refresh()

    def set_series(self, name: str, xs: Iterable[float], ys: Iterable[float | None]) -> None:
        """Replace (or add) the whole series ``name``."""
        self._series[name] = (
            [float(x) for x in xs],
            [None if y is None else float(y) for y in ys],
        )
        self.refresh()

    def clear(self) -> None:
        """Remove every series."""
        self._series = {}
        self.refresh()

    def render(self) -> Text:
        return render_chart(
            self._series,
            self.size.width,
            self.size.height,
            title=self.chart_title,
            x_label=self.x_label,
            y_label=self.y_label,
            y_min=self.y_min,
            y_max=self.y_max,
            x_log=self.x_log,
            y_log=self.y_log,
        )
