"""Browse: a searchable table of every card; enter previews, s (un)suspends."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Markdown, Static

from drillbreak.deck.models import ChoiceCard, DiagnosisCard
from drillbreak.store.db import StoreError
from drillbreak.study import browse, content
from drillbreak.tui.screens.base import DrillbreakScreen

MAX_ROWS = 1000


class BrowseScreen(DrillbreakScreen):
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="browse.search"),
        Binding("s", "toggle_suspend", "(Un)suspend", id="browse.suspend"),
        Binding("escape", "back", "Back", id="browse.back"),
    ]

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="search: words, deck:ID type:cloze state:review tag:T is:suspended",
            id="search",
        )
        yield DataTable(id="cards", cursor_type="row")
        yield Static(id="browse-count")
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.ctx
        self.rows = browse.load_rows(ctx.db, ctx.collection, self.drill_app.clock())
        table = self.query_one(DataTable)
        for name in ("Deck", "Card", "Type", "State", "Due", "Stab.", "Retr.", "Lapses", "Tags"):
            table.add_column(name, key=name.lower())
        self.shown: list[browse.BrowseRow] = []
        self.fill("")
        table.focus()

    def fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        found = browse.search(self.rows, query)
        self.shown = found[:MAX_ROWS]
        for row in self.shown:
            table.add_row(*_cells(row), key=str(row.card_id))
        more = f" (showing the first {MAX_ROWS})" if len(found) > MAX_ROWS else ""
        self.query_one("#browse-count", Static).update(
            Text(f"{len(found)} of {len(self.rows)} cards{more} · enter: preview", style="dim")
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def _current(self) -> browse.BrowseRow | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(PreviewScreen(row))

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_toggle_suspend(self) -> None:
        row = self._current()
        if row is None:
            return
        try:
            browse.set_suspended(self.ctx.db, row.card_id, not row.suspended)
        except StoreError as exc:  # disk full, database busy: nothing changed, try again
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        query = self.query_one(Input).value
        cursor = self.query_one(DataTable).cursor_row
        self.rows = browse.load_rows(self.ctx.db, self.ctx.collection, self.drill_app.clock())
        self.fill(query)
        self.query_one(DataTable).move_cursor(row=cursor)
        self.notify(
            ("Unsuspended " if row.suspended else "Suspended ") + row.key, markup=False, timeout=2
        )

    def action_back(self) -> None:
        if self.query_one(Input).has_focus:
            self.query_one(DataTable).focus()
        else:
            self.dismiss()


def _cells(row: browse.BrowseRow) -> list[Text]:
    due = row.due.astimezone().strftime("%Y-%m-%d") if row.due else "—"
    stab = f"{row.stability:.1f}d" if row.stability is not None else "—"
    ret = f"{row.retrievability:.0%}" if row.retrievability is not None else "—"
    style = "dim" if row.suspended else ""
    return [
        Text(row.deck, style=style),
        Text(row.key, style=style),
        Text(row.item.type),
        Text(row.state, style="yellow" if row.suspended else ""),
        Text(due),
        Text(stab, justify="right"),
        Text(ret, justify="right"),
        Text(str(row.lapses), justify="right"),
        Text(" ".join(row.item.tags), style="dim"),
    ]


class PreviewScreen(ModalScreen):
    BINDINGS = [Binding("escape,enter,space", "dismiss", "Close", id="preview.close")]

    def __init__(self, row: browse.BrowseRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        item = self.row.item
        body = f"### Question\n\n{content.question(item)}\n\n### Answer\n\n{content.answer(item)}"
        card = item.card
        if isinstance(card, ChoiceCard | DiagnosisCard):
            lines = [
                f"- {'✓' if c.correct else '✗'} {c.text}" + (f" — {c.why}" if c.why else "")
                for c in card.choices
            ]
            body += "\n\n" + "\n".join(lines)
        with VerticalScroll(id="preview"):
            yield Static(Text(f"{item.deck_id} / {item.key} ({item.type})", style="bold"))
            yield Markdown(body)
        yield Footer()
