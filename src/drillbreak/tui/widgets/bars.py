"""Text bar charts and a heatmap for the stats screen (pure rendering, no data access)."""

from __future__ import annotations

from datetime import date, timedelta

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widget import Widget

from drillbreak.chartscale import bucket, format_tick, scaler

BLOCKS = " ▁▂▃▄▅▆▇█"
SHADES = ["·", "░", "▒", "▓", "█"]


def bar_chart(
    values: list[int],
    height: int = 6,
    style: str = "cyan",
    labels: tuple[str, str] = ("", ""),
    width: int | None = None,
) -> Text:
    """Vertical bars, max on the left axis, drawn in ``width`` cells (no limit if None):
    each value two cells wide where that fits, else one; where even one does not fit,
    neighbouring values share a bar (the largest of them).  Lines never wrap."""
    top = max(values) if values and max(values) > 0 else 1
    frac = scaler(0, top)
    top_label = format_tick(top)
    axis_width = len(top_label)
    room = None if width is None else max(1, width - axis_width - 2)
    bars, cell = _fit(values, room)
    text = Text(no_wrap=True, overflow="crop")
    for row in range(height, 0, -1):
        axis = top_label if row == height else (format_tick(0) if row == 1 else "")
        text.append(f"{axis:>{axis_width}} ┤", style="dim")
        for v in bars:
            level = frac(v) * height
            full = level - (row - 1)
            if full >= 1:
                ch = BLOCKS[-1]
            elif full > 0:
                ch = BLOCKS[max(1, int(full * 8))]
            else:
                ch = " "
            text.append(ch * cell, style=style)
        text.append("\n")
    span = len(bars) * cell
    text.append(" " * axis_width + " └" + "─" * span + "\n", style="dim")
    text.append(" " * (axis_width + 2) + _ends(*labels, span), style="dim")
    return text


class BarChart(Widget):
    """A titled bar chart as wide as the widget: redrawn to the new width on a resize."""

    def __init__(
        self, title: str, *, style: str, labels: tuple[str, str], height: int = 5, id: str
    ) -> None:
        super().__init__(id=id)
        self.title = title
        self.bar_style = style
        self.labels = labels
        self.chart_height = height
        self.values: list[int] = []

    def set_values(self, values: list[int]) -> None:
        self.values = values
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        width = self.content_size.width or None
        chart = bar_chart(self.values, self.chart_height, self.bar_style, self.labels, width)
        return Group(Text(self.title, style="bold underline"), chart, Text(""))


def _fit(values: list[int], room: int | None) -> tuple[list[int], int]:
    """The bars to draw in ``room`` cells and each one's width in cells."""
    if room is None or len(values) * 2 <= room:
        return values, 2
    if len(values) <= room:
        return values, 1
    per_bar = -(-len(values) // room)  # ceil
    return [max(values[i : i + per_bar]) for i in range(0, len(values), per_bar)], 1


def _ends(left: str, right: str, span: int) -> str:
    """``left`` under the first bar and ``right`` ending under the last, in ``span`` cells;
    a label that does not fit is cut with an ellipsis (the right one first)."""
    if len(left) + 1 + len(right) > span:
        right = _cut(right, max(0, span - len(left) - 1))
    if len(left) + 1 + len(right) > span:
        left = _cut(left, span)
        right = ""
    gap = span - len(left) - len(right)
    return left + " " * max(1, gap) + right if right else left


def _cut(label: str, width: int) -> str:
    if len(label) <= width:
        return label
    return label[: width - 1] + "…" if width > 1 else ""


def heatmap(per_day: list[int], today: date, weeks: int) -> Text:
    """Reviews per day as a weeks x weekdays grid (oldest week on the left)."""
    days = weeks * 7
    values = per_day[-days:]
    top = max(values) if values and max(values) > 0 else 1
    frac = scaler(0, top)
    start = today - timedelta(days=len(values) - 1)
    # align columns to weeks starting on Monday
    offset = start.weekday()
    grid: list[list[str | None]] = [[None] * (weeks + 1) for _ in range(7)]
    counts: list[list[int]] = [[0] * (weeks + 1) for _ in range(7)]
    for i, v in enumerate(values):
        pos = offset + i
        col, row = divmod(pos, 7)
        if col > weeks:
            break
        level = 0 if v == 0 else 1 + bucket(frac(v), 4)
        grid[row][col] = SHADES[level]
        counts[row][col] = v
    text = Text()
    for row, name in enumerate(["Mon", "", "Wed", "", "Fri", "", "Sun"]):
        text.append(f"{name:>3} ", style="dim")
        for col in range(weeks + 1):
            cell = grid[row][col]
            if cell is None:
                text.append("  ")
            else:
                text.append(cell * 2, style="green" if cell != SHADES[0] else "dim")
        text.append("\n")
    text.append("    less " + "".join(s * 2 for s in SHADES) + " more", style="dim")
    return text
