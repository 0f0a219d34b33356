"""Stats: reviews per day, due forecast, retention, a heatmap, counts by state.

Every number comes from the core's SQL aggregation (drillbreak.study.stats).
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from drillbreak.optimizer.reminder import reminder_line
from drillbreak.schedule.days import day_start
from drillbreak.study.stats import compute
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.widgets.bars import bar_chart, heatmap

HEATMAP_WEEKS = 12


class StatsScreen(DrillbreakScreen):
    BINDINGS = [Binding("escape,q", "back", "Back", id="stats.back")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats"):
            yield Static(id="stats-today")
            yield Static(id="stats-reviews")
            yield Static(id="stats-forecast")
            yield Static(id="stats-heatmap")
            yield Static(id="stats-states")
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.ctx
        now = self.drill_app.clock()
        settings = ctx.settings
        decks = [d.id for d in ctx.collection.decks]
        stats = compute(ctx.db, settings, now, decks=decks, history_days=HEATMAP_WEEKS * 7)
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
        today.append(f"target {settings.desired_retention:.0%}", style="dim")
        with ctx.db.read() as conn:
            if fit_due := reminder_line(conn):
                today.append(f"\n{fit_due}", style="yellow")
        self.query_one("#stats-today", Static).update(today)
        last30 = stats.reviews_per_day[-30:]
        self.query_one("#stats-reviews", Static).update(
            _titled(
                "Reviews per day, last 30 days",
                bar_chart(last30, 5, "cyan", ("30 days ago", "today")),
            )
        )
        self.query_one("#stats-forecast", Static).update(
            _titled(
                "Due forecast, next 30 days",
                bar_chart(stats.due_forecast, 5, "green", ("today", "+29 days")),
            )
        )
        local_today = day_start(now, settings.rollover_hour).astimezone().date()
        self.query_one("#stats-heatmap", Static).update(
            _titled(
                f"Reviews, last {HEATMAP_WEEKS} weeks",
                heatmap(stats.reviews_per_day, local_today, HEATMAP_WEEKS),
            )
        )
        table = Table(box=None, header_style="bold", padding=(0, 2))
        for name in ("Deck", "New", "Learning", "Review", "Relearning", "Suspended"):
            table.add_column(name, justify="left" if name == "Deck" else "right")
        for deck, counts in stats.states_by_deck.items():
            table.add_row(
                Text(deck),
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
