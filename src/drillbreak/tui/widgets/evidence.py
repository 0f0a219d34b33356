"""A diagnosis card's evidence: a line chart of each column against x, or a table (t)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from drillbreak.deck.models import Evidence
from drillbreak.tui.widgets.line_chart import LineChart, Series


def evidence_series(evidence: Evidence) -> dict[str, Series]:
    """Each column other than x, against x: what the chart draws."""
    xs = [float(x) for x in evidence.columns[evidence.x]]
    return {
        name: (xs, [float(v) for v in values])
        for name, values in evidence.columns.items()
        if name != evidence.x
    }


class EvidenceView(Vertical):
    def compose(self) -> ComposeResult:
        yield Static(id="evidence-title")
        yield LineChart(id="evidence-chart")
        yield Static(id="evidence-table")

    def set_evidence(self, evidence: Evidence) -> None:
        self.evidence = evidence
        title = evidence.title or "Evidence"
        self.query_one("#evidence-title", Static).update(
            Text.assemble((title, "bold"), ("   (t: table)", "dim"))
        )
        chart = self.query_one(LineChart)
        chart.clear()
        for name, (xs, ys) in evidence_series(evidence).items():
            chart.set_series(name, xs, ys)
        chart.x_label = evidence.x
        self.query_one("#evidence-table", Static).update(_table(evidence))
        self.show_table(False)

    def show_table(self, table: bool) -> None:
        self.query_one(LineChart).display = not table
        self.query_one("#evidence-table").display = table

    def toggle_table(self) -> None:
        self.show_table(not self.query_one("#evidence-table").display)


def _table(evidence: Evidence) -> Table:
    table = Table(box=None, padding=(0, 2), header_style="bold")
    names = [evidence.x, *(n for n in evidence.columns if n != evidence.x)]
    for name in names:
        table.add_column(Text(name), justify="right")
    for row in zip(*(evidence.columns[n] for n in names), strict=False):
        table.add_row(*(Text(f"{v:g}") for v in row))
    return table
