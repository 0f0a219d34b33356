"""Text bar charts and a heatmap for the stats screen (pure rendering, no data access)."""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text

from drillbreak.chartscale import bucket, format_tick, scaler

BLOCKS = " ▁▂▃▄▅▆▇█"
SHADES = ["·", "░", "▒", "▓", "█"]


def bar_chart(
    values: list[int], height: int = 6, style: str = "cyan", labels: tuple[str, str] = ("", "")
) -> Text:
    """Vertical bars, one column per value (two characters wide), max on the left axis."""
    top = max(values) if values and max(values) > 0 else 1
    frac = scaler(0, top)
    top_label = format_tick(top)
    width = len(top_label)
    text = Text()
    for row in range(height, 0, -1):
        axis = top_label if row == height else (format_tick(0) if row == 1 else "")
        text.append(f"{axis:>{width}} ┤", style="dim")
        for v in values:
            level = frac(v) * height
            full = level - (row - 1)
            if full >= 1:
                ch = BLOCKS[-1]
            elif full > 0:
                ch = BLOCKS[max(1, int(full * 8))]
            else:
                ch = " "
            text.append(ch * 2, style=style)
        text.append("\n")
    text.append(" " * width + " └" + "──" * len(values) + "\n", style="dim")
    left, right = labels
    gap = max(1, len(values) * 2 - len(left) - len(right))
    text.append(" " * (width + 2) + left + " " * gap + right, style="dim")
    return text


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
