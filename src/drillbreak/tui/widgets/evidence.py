"""A diagnosis card's evidence: line charts of each column against x, or a table (t).

Columns in different units never share a y axis: :func:`group_columns` puts
percentages, and other numbers by their size, into separate panels,
drawn side by side when they fit (:func:`render_panels`), with one legend below.
The chart is compact (a quarter of the terminal's height) so that a card's
question and options stay in view beside it.  The table aligns numbers on the
decimal point (:func:`align_decimals`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from drillbreak.chartscale import align_decimals
from drillbreak.deck.models import Evidence
from drillbreak.tui.widgets.line_chart import COLOURS, Series, draw_legend, render_chart

# A column named *_pct or *_percent is in percent, whatever its values.
_PERCENT_SUFFIXES = ("_pct", "_percent")
# Numbers of a like size share a panel: the largest at most this many times the smallest.
_SAME_SCALE = 5.0
# A panel narrower than this is stacked under the others instead of beside them.
PANEL_MIN_WIDTH = 24
GAP = 2


def evidence_series(evidence: Evidence) -> dict[str, Series]:
    """Each column other than x, against x: what the chart draws."""
    xs = [float(x) for x in evidence.columns[evidence.x]]
    return {
        name: (xs, [float(v) for v in values])
        for name, values in evidence.columns.items()
        if name != evidence.x
    }


def _size(values: Sequence[float]) -> float:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max(finite, default=0.0)


def unit_of(name: str) -> str:
    """ "%" for a percent column (named *_pct or *_percent), else "" (a plain number)."""
    return "%" if name.endswith(_PERCENT_SUFFIXES) else ""


def group_columns(columns: Mapping[str, Sequence[float]]) -> list[list[str]]:
    """The panels: column names that may share a y axis, in the columns' order.

    Percent columns share one panel.  Other columns share a panel when their largest
    values are within a factor of 5 of each other (a loss beside a loss, accuracy
    0.7-0.95 apart from a count of 2-31); an all-zero column joins the first.
    """
    groups: list[list[str]] = []
    keys: list[tuple[str, float, float]] = []  # per group: its unit, smallest and largest size
    for name, values in columns.items():
        unit, size = unit_of(name), _size(values)
        for i, (g_unit, lo, hi) in enumerate(keys):
            if g_unit != unit:
                continue
            if unit or size == 0:
                groups[i].append(name)
                break
            lo, hi = min(lo, size), max(hi, size)
            if hi <= _SAME_SCALE * lo:
                groups[i].append(name)
                keys[i] = (unit, lo, hi)
                break
        else:
            groups.append([name])
            keys.append((unit, size, size))
    return groups


def panel_grid(panels: int, width: int) -> tuple[int, int]:
    """(columns, rows) of the panel grid: side by side while each is wide enough."""
    cols = max(1, min(panels, (width + GAP) // (PANEL_MIN_WIDTH + GAP)))
    return cols, math.ceil(panels / cols)


def chart_rows(viewport_height: int) -> int:
    """Rows of one panel row: a quarter of the terminal (6 at 24 rows), 5 to 12."""
    return min(12, max(5, viewport_height // 4))


def render_panels(evidence: Evidence, width: int, panel_height: int) -> Text:
    """The evidence as one chart per group of columns (:func:`group_columns`), side by
    side while they fit, then one legend for all of them; colours follow the columns."""
    series = evidence_series(evidence)
    names = list(series)
    colour = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}
    groups = group_columns({n: evidence.columns[n] for n in names})
    cols, _rows = panel_grid(len(groups), width)
    panel_w = (width - GAP * (cols - 1)) // cols
    out = Text(no_wrap=True, overflow="crop")
    for start in range(0, len(groups), cols):
        drawn = [
            render_chart(
                {n: series[n] for n in group},
                panel_w,
                panel_height,
                x_label=evidence.x,
                colours=[colour[n] for n in group],
                legend=False,
            ).split("\n")
            for group in groups[start : start + cols]
        ]
        for row in range(max(len(lines) for lines in drawn)):
            line = Text()
            for i, lines in enumerate(drawn):
                cell = lines[row] if row < len(lines) else Text()
                line.append_text(cell)
                if i < len(drawn) - 1:
                    line.append(" " * (panel_w - cell.cell_len + GAP))
            out.append_text(line)
            out.append("\n")
    legend = draw_legend(names, [colour[n] for n in names], width)
    for i, legend_line in enumerate(legend):
        legend_line.truncate(width)
        out.append_text(legend_line)
        if i < len(legend) - 1:
            out.append("\n")
    return out


class EvidenceChart(Widget):
    """The panels of :func:`render_panels`, as high as the terminal allows (compact)."""

    DEFAULT_CSS = "EvidenceChart { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.evidence: Evidence | None = None

    def show(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.refresh(layout=True)

    def _panel_rows(self) -> int:
        return chart_rows(self.app.size.height)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.evidence is None:
            return 0
        return len(render_panels(self.evidence, width, self._panel_rows()).plain.split("\n"))

    def render(self) -> Text:
        if self.evidence is None:
            return Text()
        return render_panels(self.evidence, self.size.width, self._panel_rows())


class EvidenceView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="evidence-title")
        yield EvidenceChart(id="evidence-chart")
        yield Static(id="evidence-table")

    def set_evidence(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.query_one(EvidenceChart).show(evidence)
        self.query_one("#evidence-table", Static).update(_table(evidence))
        self.show_table(False)

    @property
    def table_shown(self) -> bool:
        return bool(self.query_one("#evidence-table").display)

    def show_table(self, table: bool) -> None:
        self.query_one(EvidenceChart).display = not table
        self.query_one("#evidence-table").display = table
        title = self.evidence.title or "Evidence"
        hint = "t: show chart" if table else "t: show table"
        self.query_one("#evidence-title", Static).update(
            Text.assemble((title, "bold"), (f"   ({hint})", "dim"))
        )

    def toggle_table(self) -> None:
        self.show_table(not self.table_shown)


def _table(evidence: Evidence) -> Table:
    """The columns, x first; each column's numbers padded to one width (Rich would strip
    the spaces after a number that keep the decimal points in line)."""
    table = Table(box=None, padding=(0, 2), header_style="bold")
    names = [evidence.x, *(n for n in evidence.columns if n != evidence.x)]
    cells = []
    for name in names:
        numbers = align_decimals(evidence.columns[name])
        width = max(len(name), *(len(n) for n in numbers))
        table.add_column(Text(name, justify="right"), justify="left", no_wrap=True)
        cells.append([n.rjust(width) for n in numbers])
    for row in zip(*cells, strict=False):
        table.add_row(*(Text(v) for v in row))
    return table
