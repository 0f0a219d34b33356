"""Rubric points for an open card: up/down move, space toggles a point as covered
(j/k scroll the card, as everywhere on the study screen)."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from drillbreak.deck.models import RubricPoint


class RubricList(Widget, can_focus=True):
    BINDINGS = [
        # not in the footer: the rubric's own line says it ("space toggles")
        Binding("space", "toggle_point", "Toggle point", show=False, id="rubric.toggle"),
        Binding("up", "move(-1)", "Previous point", show=False, id="rubric.up"),
        Binding("down", "move(1)", "Next point", show=False, id="rubric.down"),
    ]

    cursor: reactive[int] = reactive(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points: list[RubricPoint] = []
        self.covered: set[int] = set()
        self.hits: dict[int, list[str]] = {}
        self.on_toggle: Callable[[int], None] | None = None

    def set_points(
        self, points: list[RubricPoint], covered: set[int], hits: dict[int, list[str]]
    ) -> None:
        self.points = points
        self.covered = covered
        self.hits = hits
        self.cursor = 0
        self.refresh(layout=True)

    def action_move(self, delta: int) -> None:
        if self.points:
            self.cursor = (self.cursor + delta) % len(self.points)

    def action_toggle_point(self) -> None:
        if self.points and self.on_toggle is not None:
            self.on_toggle(self.cursor)
            self.refresh()

    def render(self) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1)
        head = Text()
        head.append(f"Rubric: {len(self.covered)}/{len(self.points)} covered", style="bold")
        head.append("   (↑↓ move, space toggles)", style="dim")
        grid.add_row(Text(""), head)
        for i, point in enumerate(self.points):
            here = i == self.cursor and self.has_focus
            box = "[x]" if i in self.covered else "[ ]"
            marker = Text("▸ " if here else "  ")
            marker.append(box, style="bold green" if i in self.covered else "dim")
            body = Text(point.point, style="reverse" if here else "")
            if self.hits.get(i):
                body.append("  found: ", style="dim")
                body.append(", ".join(self.hits[i]), style="bold yellow")
            grid.add_row(marker, body)
        return grid
