"""Home: every deck with new / learning / due / total; broken decks with their first error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from drillbreak.tui.screens.base import DrillbreakScreen

if TYPE_CHECKING:
    from drillbreak.study.overview import DeckCounts

ALL = "__all__"


class DecksScreen(DrillbreakScreen):
    BINDINGS = [
        Binding("enter", "study", "Study", id="decks.study", show=True),
        Binding("c", "cram", "Cram", id="decks.cram"),
        Binding("b", "browse", "Browse", id="decks.browse"),
        Binding("t", "stats", "Stats", id="decks.stats"),
        Binding("o", "settings", "Settings", id="decks.settings"),
        Binding("q", "app.quit", "Quit", id="decks.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="decks-title")
        yield DataTable(id="decks", cursor_type="row", zebra_stripes=False)
        yield Static(
            Text("enter: study the selected deck · c: cram it · ctrl+p: commands", style="dim"),
            id="decks-hint",
        )
        yield Static(id="broken")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Deck", key="deck")
        for name in ("New", "Learn", "Due", "Total"):
            table.add_column(Text(name, justify="right"), key=name.lower())
        self.refresh_counts()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_counts()

    def refresh_counts(self) -> None:
        from drillbreak.study.overview import deck_counts

        ctx = self.ctx
        decks = ctx.collection.decks
        overview = deck_counts(ctx.db, [d.id for d in decks], ctx.settings, self.drill_app.clock())
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for deck in decks:
            c = overview.decks[deck.id]
            table.add_row(Text(deck.title), *_counts(c), key=deck.id)
        t = overview.total
        table.add_row(Text("All decks", style="bold"), *_counts(t), key=ALL)
        if cursor is not None and cursor < table.row_count:
            table.move_cursor(row=cursor)
        head = Text()
        head.append(" drillbreak ", style="bold reverse")
        head.append(f"  {len(decks)} decks · {t.total} cards · ")
        head.append(f"{t.new + t.learning + t.due} to study today", style="bold")
        self.query_one("#decks-title", Static).update(head)
        broken = Text()
        for result in ctx.collection.broken:
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

        self.drill_app.start_study(StudyRequest(self._selected()))

    def action_cram(self) -> None:
        from drillbreak.tui.app import StudyRequest

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
