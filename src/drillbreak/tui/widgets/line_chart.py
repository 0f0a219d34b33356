"""A line chart drawn with braille dots: several coloured series, axes, legend.

Used for diagnosis evidence (3-50 points) and live demo curves (points appended
as they arrive).  Pure Rich rendering, no plotting dependency.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.widget import Widget

COLOURS = ["cyan", "orange1", "green", "magenta", "yellow", "red", "blue", "white"]
# braille dot bits for (column 0-1, row 0-3)
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


class LineChart(Widget):
    DEFAULT_CSS = "LineChart { height: 12; }"

    def __init__(self, *, x_label: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.series: dict[str, tuple[list[float], list[float]]] = {}
        self.x_label = x_label

    def clear(self) -> None:
        self.series = {}
        self.refresh()

    def set_series(self, name: str, xs: list[float], ys: list[float]) -> None:
        self.series[name] = (list(map(float, xs)), list(map(float, ys)))
        self.refresh()

    def add_point(self, name: str, x: float, y: float) -> None:
        xs, ys = self.series.setdefault(name, ([], []))
        xs.append(float(x))
        ys.append(float(y))
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        return render_chart(self.series, width, height, self.x_label)


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1000 or abs(v) < 0.01:
        return f"{v:.2g}"
    return f"{v:.3g}"


def render_chart(
    series: dict[str, tuple[list[float], list[float]]], width: int, height: int, x_label: str = ""
) -> Text:
    points = [
        (x, y)
        for xs, ys in series.values()
        for x, y in zip(xs, ys, strict=False)
        if math.isfinite(x) and math.isfinite(y)
    ]
    text = Text()
    if not points or width < 12 or height < 4:
        return Text("(no data yet)", style="dim")
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    label_w = max(len(_fmt(y0)), len(_fmt(y1)))
    rows = height - 3  # x axis, x labels and legend
    cols = width - label_w - 2
    grid = [[0] * cols for _ in range(rows)]
    owner: list[list[int]] = [[-1] * cols for _ in range(rows)]
    dot_w, dot_h = cols * 2, rows * 4

    def plot(px: int, py: int, s: int) -> None:
        if 0 <= px < dot_w and 0 <= py < dot_h:
            r, c = py // 4, px // 2
            grid[r][c] |= _DOTS[py % 4][px % 2]
            owner[r][c] = s

    for s, (xs, ys) in enumerate(series.values()):
        pts = [
            (round((x - x0) / (x1 - x0) * (dot_w - 1)), round((y1 - y) / (y1 - y0) * (dot_h - 1)))
            for x, y in zip(xs, ys, strict=False)
            if math.isfinite(x) and math.isfinite(y)
        ]
        for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            steps = max(abs(bx - ax), abs(by - ay), 1)
            for i in range(steps + 1):
                plot(round(ax + (bx - ax) * i / steps), round(ay + (by - ay) * i / steps), s)
        for px, py in pts[:1]:
            plot(px, py, s)
    for r in range(rows):
        label = _fmt(y1) if r == 0 else (_fmt(y0) if r == rows - 1 else "")
        text.append(f"{label:>{label_w}} ┤" if label else " " * label_w + " │", style="dim")
        for c in range(cols):
            bits = grid[r][c]
            if bits:
                text.append(chr(0x2800 + bits), style=COLOURS[owner[r][c] % len(COLOURS)])
            else:
                text.append(" ")
        text.append("\n")
    left, right = _fmt(x0), _fmt(x1)
    axis = " " * label_w + " └" + "─" * cols
    text.append(axis + "\n", style="dim")
    text.append(" " * (label_w + 2) + left, style="dim")
    mid = f" {x_label} " if x_label else ""
    gap = max(1, cols - len(left) - len(right))
    text.append(mid.center(gap)[:gap] if mid else " " * gap, style="dim italic")
    text.append(right, style="dim")
    legend = Text("   ")
    for s, name in enumerate(series):
        legend.append("━━ ", style=COLOURS[s % len(COLOURS)])
        legend.append(f"{name}  ")
    text.append("\n")
    text.append_text(legend)
    return text
