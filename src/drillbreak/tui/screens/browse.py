"""Browse: a searchable table of every card; enter previews, s (un)suspends.

The table shows each card's question; the columns that fit the terminal's width are
shown (the question takes what is left), the rest are in the preview with the schedule.
The cards are read, and (un)suspended, in a thread.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Markdown, Static

from drillbreak.deck.models import ChoiceCard, DiagnosisCard
from drillbreak.plain import plain_text
from drillbreak.study import browse, content
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.screens.help import HELP_KEY

if TYPE_CHECKING:
    from drillbreak.context import Context

MAX_ROWS = 1000
# (column, its width, the least terminal width that shows it); the Question column
# comes first and takes the width that is left
COLUMNS = (
    ("Deck", 14, 80),
    ("Type", 9, 100),
    ("State", 10, 0),
    ("Due", 10, 0),
    ("Stab.", 6, 100),
    ("Retr.", 5, 0),
    ("Lapses", 6, 120),
    ("Tags", 14, 140),
)
QUESTION_MIN = 16
# the table's margin and scrollbar, then one cell of padding either side of each column
FRAME = 4
PADDING = 2
# a character Markdown may give a meaning to: only such questions are parsed
MARKUP = re.compile(r"[*_`\[\\<&]")


class BrowseScreen(DrillbreakScreen):
    BINDINGS = [
        HELP_KEY,
        Binding("slash", "focus_search", "Search", id="browse.search"),
        Binding("s", "toggle_suspend", "(Un)suspend", id="browse.suspend"),
        Binding("escape", "back", "Back", id="browse.back"),
    ]
    HELP_GROUPS = {
        "Cards": ("focus_search", "toggle_suspend"),
        "Leave": ("back",),
    }

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="search: words, deck:ID type:cloze state:review tag:T is:suspended",
            id="search",
        )
        yield DataTable(id="cards", cursor_type="row")
        yield Static(Text("Reading your cards…", style="dim"), id="browse-count")
        yield Footer()

    def on_mount(self) -> None:
        self.rows: list[browse.BrowseRow] | None = None
        self.shown: list[browse.BrowseRow] = []
        self.columns: list[tuple[str, int]] = []
        self.query_one(DataTable).focus()
        self.read_in_thread(self._read_rows(), self._loaded)

    def _read_rows(self, suspend: tuple[int, bool] | None = None):
        """The read that loads every row (after (un)suspending a card, if asked)."""
        collection, clock = self.ctx.collection, self.drill_app.clock

        def browse_rows(ctx: Context) -> list[browse.BrowseRow]:
            if suspend is not None:
                browse.set_suspended(ctx.db, *suspend)
            return browse.load_rows(ctx.db, collection, clock())

        return browse_rows

    def _loaded(self, rows: list[browse.BrowseRow]) -> None:
        self.rows = rows
        self.fill(self.query_one(Input).value)

    def on_resize(self, event: events.Resize) -> None:
        self.fill(self.query_one(Input).value)

    def _fit_columns(self, width: int) -> list[tuple[str, int]]:
        """The columns shown at this terminal width, the question's width first."""
        shown = [(name, w) for name, w, least in COLUMNS if width >= least]
        used = FRAME + PADDING * (len(shown) + 1) + sum(w for _, w in shown)
        return [("Question", max(QUESTION_MIN, width - used)), *shown]

    def fill(self, query: str) -> None:
        if self.rows is None:
            return
        table = self.query_one(DataTable)
        columns = self._fit_columns(self.size.width)
        cursor = table.cursor_row
        table.clear(columns=columns != self.columns)
        if columns != self.columns:
            self.columns = columns
            for name, width in columns:
                table.add_column(name, key=name.lower(), width=width)
        found = browse.search(self.rows, query)
        self.shown = found[:MAX_ROWS]
        for row in self.shown:
            cells = _cells(row)
            table.add_row(*(_fit(cells[name], w) for name, w in columns), key=str(row.card_id))
        if cursor is not None and cursor < table.row_count:
            table.move_cursor(row=cursor)
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

        def done(rows: list[browse.BrowseRow]) -> None:
            self._loaded(rows)
            self.notify(
                ("Unsuspended " if row.suspended else "Suspended ") + row.key,
                markup=False,
                timeout=2,
            )

        # a store error (disk full, database busy) changes nothing: a message, try again
        self.read_in_thread(
            self._read_rows((row.card_id, not row.suspended)), done, failed="Not saved"
        )

    def action_back(self) -> None:
        if self.query_one(Input).has_focus:
            self.query_one(DataTable).focus()
        else:
            self.dismiss()


def _cells(row: browse.BrowseRow) -> dict[str, Text]:
    due = row.due.astimezone().strftime("%Y-%m-%d") if row.due else "—"
    stab = f"{row.stability:.1f}d" if row.stability is not None else "—"
    ret = f"{row.retrievability:.0%}" if row.retrievability is not None else "—"
    style = "dim" if row.suspended else ""
    return {
        "Question": Text(_plain(row.question), style=style),
        "Deck": Text(row.deck, style=style),
        "Type": Text(row.item.type),
        "State": Text(row.state, style="yellow" if row.suspended else ""),
        "Due": Text(due),
        "Stab.": Text(stab, justify="right"),
        "Retr.": Text(ret, justify="right"),
        "Lapses": Text(str(row.lapses), justify="right"),
        "Tags": Text(" ".join(row.item.tags), style="dim"),
    }


@lru_cache(maxsize=4096)
def _plain(question: str) -> str:
    """A question's Markdown as the table shows it: plain text on one line, without the
    emphasis marks and code ticks (``**overfitting**`` is "overfitting")."""
    if MARKUP.search(question) is None:
        return question
    return " ".join(plain_text(question).split())


def _fit(text: Text, width: int) -> Text:
    text.truncate(width, overflow="ellipsis")
    return text


class PreviewScreen(ModalScreen):
    BINDINGS = [HELP_KEY, Binding("escape,enter,space", "dismiss", "Close", id="preview.close")]
    HELP_GROUPS = {"Preview": ("dismiss",)}

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
            yield Static(Text(browse.schedule_line(self.row)), id="preview-schedule")
            yield Markdown(body)
        yield Footer()
