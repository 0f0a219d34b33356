"""Stats: reviews per day, due forecast, retention, a heatmap, counts by state.

Every number comes from the core's SQL aggregation (drillbreak.study.stats), read in a
thread; the bar charts fit the terminal's width.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from drillbreak.context import Context
from drillbreak.settings import Settings
from drillbreak.study.stats import Stats
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.screens.help import HELP_KEY
from drillbreak.tui.widgets.bars import BarChart, heatmap

HEATMAP_WEEKS = 12


@dataclass(frozen=True)
class StatsView:
    """What the screen draws, all read from the database at once."""

    stats: Stats
    settings: Settings
    fit_due: str | None  # when the optimizer should be run again, if it should
    local_today: date


class StatsScreen(DrillbreakScreen):
    BINDINGS = [HELP_KEY, Binding("escape,q", "back", "Back", id="stats.back")]
    HELP_GROUPS = {"Leave": ("back",)}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats"):
            yield Static(Text("Reading your review history…", style="dim"), id="stats-today")
            yield BarChart(
                "Reviews per day, last 30 days",
                style="cyan",
                labels=("30 days ago", "today"),
                id="stats-reviews",
            )
            yield BarChart(
                "Due forecast, next 30 days",
                style="green",
                labels=("today", "+29 days"),
                id="stats-forecast",
            )
            yield Static(id="stats-heatmap")
            yield Static(id="stats-states")
        yield Footer()

    def on_mount(self) -> None:
        for chart in self.query(BarChart):
            chart.display = False
        clock = self.drill_app.clock
        decks = [d.id for d in self.ctx.collection.decks]

        def read_stats(ctx: Context) -> StatsView:
            from drillbreak.optimizer.reminder import reminder_line
            from drillbreak.schedule.days import day_start
            from drillbreak.study.stats import compute

            now, settings = clock(), ctx.settings
            stats = compute(ctx.db, settings, now, decks=decks, history_days=HEATMAP_WEEKS * 7)
            with ctx.db.read() as conn:
                fit_due = reminder_line(conn)
            local_today = day_start(now, settings.rollover_hour).astimezone().date()
            return StatsView(stats, settings, fit_due, local_today)

        self.read_in_thread(read_stats, self._draw)

    def _draw(self, view: StatsView) -> None:
        stats = view.stats
        today = Text()
        today.append("Today  ", style="bold")
        today.append(
            f"{_plural(stats.reviews_today, 'review')} · {stats.new_today} new · "
            f"{stats.time_today_s / 60:.0f} min\n"
        )
        today.append("True retention  ", style="bold")
        for ret in (stats.retention_7, stats.retention_30):
            rate = f"{ret.rate:.0%}" if ret.rate is not None else "—"
            today.append(f"{ret.days} days: {rate} ({ret.passed}/{ret.reviews})   ")
        today.append(f"target {view.settings.desired_retention:.0%}", style="dim")
        if view.fit_due:
            today.append(f"\n{view.fit_due}", style="yellow")
        self.query_one("#stats-today", Static).update(today)
        for chart_id, values in (
            ("#stats-reviews", stats.reviews_per_day[-30:]),
            ("#stats-forecast", stats.due_forecast),
        ):
            chart = self.query_one(chart_id, BarChart)
            chart.set_values(values)
            chart.display = True
        self.query_one("#stats-heatmap", Static).update(
            _titled(
                f"Reviews, last {HEATMAP_WEEKS} weeks",
                heatmap(stats.reviews_per_day, view.local_today, HEATMAP_WEEKS),
            )
        )
        table = Table(box=None, header_style="bold", padding=(0, 1))
        # the numbers keep their width; a long deck id is cut with an ellipsis
        table.add_column("Deck", overflow="ellipsis")
        for name in ("New", "Learn", "Review", "Relearn", "Susp."):
            table.add_column(name, justify="right", min_width=len(name))
        for deck, counts in stats.states_by_deck.items():
            table.add_row(
                Text(deck, no_wrap=True, overflow="ellipsis"),
                *(str(counts[k]) for k in ("new", "learning", "review", "relearning", "suspended")),
            )
        self.query_one("#stats-states", Static).update(_titled("Cards by state", table))

    def action_back(self) -> None:
        self.dismiss()


def _titled(title: str, body: RenderableType) -> Table:
    grid = Table.grid()
    grid.add_row(Text(title, style="bold underline"))
    grid.add_row(body)
    grid.add_row(Text(""))
    return grid


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
