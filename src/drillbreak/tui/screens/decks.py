"""Home: every deck with new / learning / due / total; broken decks with their first error.

The starter deck comes first; on a first run (nothing studied yet) the cursor is on it
and a line says what to do.  The counts are read in a thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.screens.help import HELP_KEY

if TYPE_CHECKING:
    from drillbreak.context import Context
    from drillbreak.deck.loader import Collection
    from drillbreak.study.overview import DeckCounts, Overview

ALL = "__all__"
STARTER = "starter"  # cards/starter.yaml: one card of every type, for day one
COUNTS = ("New", "Learn", "Due", "Total")
COUNT_WIDTH = 5  # "Total"; wider for a total of more digits
NARROW = 80  # below this many columns the footer is compact
FIRST_RUN_HINT = "New here? Press enter to study the starter deck."
HINT = "enter: study the deck · c: cram it · ctrl+p: commands"


class DecksScreen(DrillbreakScreen):
    BINDINGS = [
        HELP_KEY,
        # priority: over the table's own enter ("Select"), so that the help says it; not in
        # the footer, which keeps q Quit at 60 columns (the hint line says it)
        Binding("enter", "study", "Study", id="decks.study", priority=True, show=False),
        Binding("c", "cram", "Cram", id="decks.cram"),
        Binding("b", "browse", "Browse", id="decks.browse"),
        Binding("t", "stats", "Stats", id="decks.stats"),
        Binding("o", "settings", "Settings", id="decks.settings"),
        Binding("q", "app.quit", "Quit", id="decks.quit"),
    ]
    HELP_GROUPS = {
        "Study": ("study", "cram"),
        "Look and change": ("browse", "stats", "settings"),
        "Leave": ("app.quit",),
    }

    def compose(self) -> ComposeResult:
        yield Static(id="decks-title")
        yield DataTable(id="decks", cursor_type="row", zebra_stripes=False)
        yield Static(id="decks-hint")
        yield Static(id="broken")
        yield Footer()

    def on_mount(self) -> None:
        self.overview: Overview | None = None
        self.query_one("#broken").display = False
        self.query_one("#decks-title", Static).update(Text(" drillbreak ", style="bold reverse"))
        self.query_one(DataTable).focus()
        self.refresh_counts()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def decks_landed(self, _collection: Collection) -> None:
        """A deck file finished loading (a progressive load): its deck is listed now."""
        self.refresh_counts()

    def on_resize(self, event: events.Resize) -> None:
        self.query_one(Footer).compact = event.size.width < NARROW
        self._draw()

    def _decks(self) -> list[str]:
        """The deck ids in the order shown: the starter deck first, then by title."""
        ids = [d.id for d in self.ctx.collection.decks]
        return sorted(ids, key=lambda d: d != STARTER)

    def refresh_counts(self) -> None:
        decks, clock = self._decks(), self.drill_app.clock

        def deck_overview(ctx: Context) -> Overview:
            from drillbreak.study.overview import deck_counts

            return deck_counts(ctx.db, decks, ctx.settings, clock())

        self.read_in_thread(deck_overview, self._counted)

    def _counted(self, overview: Overview) -> None:
        self.overview = overview
        self._draw()
        self.call_after_refresh(self.drill_app.first_screen_drawn)

    def _draw(self) -> None:
        overview = self.overview
        if overview is None:
            return
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        t = overview.total
        # each column has one cell of padding either side; room kept for a scrollbar
        count_width = max(COUNT_WIDTH, len(str(t.total)))
        deck_width = max(8, table.size.width - len(COUNTS) * (count_width + 2) - 4)
        table.add_column("Deck", key="deck", width=deck_width)
        for name in COUNTS:
            table.add_column(Text(name, justify="right"), key=name.lower(), width=count_width)
        collection = self.ctx.collection
        for deck_id, c in overview.decks.items():
            deck = collection.deck(deck_id)
            title = Text(deck.title if deck else deck_id)
            title.truncate(deck_width, overflow="ellipsis")
            table.add_row(title, *_counts(c), key=deck_id)
        table.add_row(Text("All decks", style="bold"), *_counts(t), key=ALL)
        if cursor is not None and cursor < table.row_count:
            table.move_cursor(row=cursor)
        head = Text()
        head.append(" drillbreak ", style="bold reverse")
        head.append(f"  {len(overview.decks)} decks · {t.total} cards · ")
        head.append(f"{t.new + t.learning + t.due} to study today", style="bold")
        self.query_one("#decks-title", Static).update(head)
        first_run = STARTER in overview.decks and t.total > 0 and t.new_total >= t.total
        hint = Text(FIRST_RUN_HINT, style="bold") if first_run else Text(HINT, style="dim")
        if files := self.drill_app.loading:
            hint = Text(f"Reading {files} more deck file{'s' if files != 1 else ''}…", style="dim")
        self.query_one("#decks-hint", Static).update(hint)
        broken = Text()
        for result in collection.broken:
            first = result.first_error
            if first is not None:
                broken.append("Skipped broken deck: ", style="bold red")
                broken.append(first.format() + "\n")
        if broken:
            broken.append("Run 'drillbreak lint' to see every problem.", style="dim")
        self.query_one("#broken", Static).update(broken)
        self.query_one("#broken").display = bool(broken)

    def _selected(self) -> tuple[str, ...]:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return ()
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return () if key is None or key == ALL else (key,)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_study()

    def action_study(self) -> None:
        from drillbreak.tui.app import StudyRequest

        if self.overview is not None:  # the counts are on screen
            self.drill_app.start_study(StudyRequest(self._selected()))

    def action_cram(self) -> None:
        from drillbreak.tui.app import StudyRequest

        if self.overview is not None:
            self.drill_app.start_study(StudyRequest(self._selected(), cram=True))

    def action_browse(self) -> None:
        self.drill_app.open_screen("browse")

    def action_stats(self) -> None:
        self.drill_app.open_screen("stats")

    def action_settings(self) -> None:
        self.drill_app.open_screen("settings")


def _counts(c: DeckCounts) -> list[Text]:
    return [
        Text(str(c.new), style="cyan" if c.new else "dim", justify="right"),
        Text(str(c.learning), style="red" if c.learning else "dim", justify="right"),
        Text(str(c.due), style="green" if c.due else "dim", justify="right"),
        Text(str(c.total), justify="right"),
    ]
