"""Lettered choices: letter keys pick (several for select-all); after submitting,
every choice shows whether it was right and why."""

from __future__ import annotations

import string

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from drillbreak.deck.models import Choice

# Eight choices at most, nine on a generated diagnosis card (every fault family).
LETTERS = string.ascii_lowercase[:9]


class ChoiceList(Widget, can_focus=True):
    """Focused while the learner answers; its letter bindings win over the screen's."""

    BINDINGS = [
        Binding(letter, f"pick({i})", f"choose {letter}", show=False, id=f"choice.{letter}")
        for i, letter in enumerate(LETTERS)
    ]

    selected: reactive[frozenset[int]] = reactive(frozenset(), layout=True)
    answered: reactive[bool] = reactive(False, layout=True)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices: list[Choice] = []
        self.multi = False

    def set_choices(self, choices: list[Choice], multi: bool) -> None:
        self.choices = choices
        self.multi = multi
        self.selected = frozenset()
        self.answered = False
        self.refresh(layout=True)

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

    def show_feedback(self) -> None:
        self.answered = True

    def render(self) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        if self.multi and not self.answered:
            grid.add_row(Text(""), Text("Select all that apply.", style="italic dim"))
        for i, choice in enumerate(self.choices):
            letter = LETTERS[i]
            chosen = i in self.selected
            if self.answered:
                mark, style = ("✓", "bold green") if choice.correct else ("✗", "red")
                pointer = "▸" if chosen else " "
                body = Text(choice.text, style="bold" if chosen or choice.correct else "")
                if choice.why:
                    body.append("\n")
                    body.append(choice.why, style="" if chosen else "dim")
                grid.add_row(Text(f"{pointer} {mark} {letter})", style=style), body)
            else:
                box = ("[x]" if chosen else "[ ]") if self.multi else ("(•)" if chosen else "( )")
                grid.add_row(
                    Text(f" {box} {letter})", style="bold" if chosen else "dim"),
                    Text(choice.text, style="bold reverse" if chosen else ""),
                )
        return grid
