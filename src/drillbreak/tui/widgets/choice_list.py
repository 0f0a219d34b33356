"""Lettered choices: letter keys pick (several for select-all); after submitting,
every choice shows whether it was right and why, the learner's picks marked ▸ and the
right choices they did not pick marked "missed".

One row widget per choice (made once, for the most choices a card may have), so that
the screen can scroll a learner's pick into view and a new card is drawn without
mounting anything.
"""

from __future__ import annotations

import string

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from drillbreak.deck.models import Choice

# Eight choices at most, nine on a generated diagnosis card (every fault family).
LETTERS = string.ascii_lowercase[:9]


def _row(marker: Text, body: Text) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(marker, body)
    return grid


class ChoiceList(Vertical, can_focus=True):
    """Focused while the learner answers; its letter bindings win over the screen's."""

    BINDINGS = [
        Binding(letter, f"pick({i})", "Pick that choice", show=False, id=f"choice.{letter}")
        for i, letter in enumerate(LETTERS)
    ]

    selected: reactive[frozenset[int]] = reactive(frozenset(), init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices: list[Choice] = []
        self.multi = False
        self.answered = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Select all that apply.", style="italic dim"), id="choices-multi")
        for letter in LETTERS:
            yield Static(id=f"choice-{letter}", classes="choice")

    def row(self, index: int) -> Static:
        """The row widget of the choice at display position ``index``."""
        return self.query_one(f"#choice-{LETTERS[index]}", Static)

    def set_choices(self, choices: list[Choice], multi: bool) -> None:
        self.choices = choices
        self.multi = multi
        self.answered = False
        self.set_reactive(ChoiceList.selected, frozenset())
        self._draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pick":
            index = parameters[0]
            return not self.answered and isinstance(index, int) and index < len(self.choices)
        return True

    def action_pick(self, index: int) -> None:
        if self.multi:
            self.selected = self.selected ^ {index}
        else:
            self.selected = frozenset({index})

    def watch_selected(self) -> None:
        self._draw()

    def show_feedback(self) -> None:
        self.answered = True
        self._draw()

    def first_to_read(self) -> int:
        """After the answer: the row to bring into view (the first pick, else the first
        right choice)."""
        if self.selected:
            return min(self.selected)
        return next((i for i, c in enumerate(self.choices) if c.correct), 0)

    def _draw(self) -> None:
        self.query_one("#choices-multi").display = self.multi and not self.answered
        for i, letter in enumerate(LETTERS):
            row = self.row(i)
            row.display = i < len(self.choices)
            if i < len(self.choices):
                row.update(self._render_choice(i, letter, self.choices[i]))

    def _render_choice(self, i: int, letter: str, choice: Choice) -> Table:
        chosen = i in self.selected
        if not self.answered:
            box = ("[x]" if chosen else "[ ]") if self.multi else ("(•)" if chosen else "( )")
            return _row(
                Text(f" {box} {letter})", style="bold" if chosen else "dim"),
                Text(choice.text, style="bold reverse" if chosen else ""),
            )
        missed = choice.correct and not chosen
        if missed:
            mark, style = "✓", "bold yellow"
        else:
            mark, style = ("✓", "bold green") if choice.correct else ("✗", "red")
        pointer = "▸" if chosen else " "
        body = Text(choice.text, style="bold" if chosen or choice.correct else "")
        if missed:
            body.append("  ◂ missed", style="bold yellow")
        if choice.why:
            body.append("\n")
            body.append(choice.why, style="" if chosen or missed else "dim")
        return _row(Text(f"{pointer} {mark} {letter})", style=style), body)
