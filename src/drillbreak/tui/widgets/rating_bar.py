"""The four rating buttons, each with the interval that rating gives."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class RatingBar(Horizontal):
    def compose(self) -> ComposeResult:
        for rating in (1, 2, 3, 4):
            yield Static(id=f"rate-{rating}", classes=f"rating rating-{rating}")

    def show(self, labels: dict[int, str], suggested: int | None) -> None:
        for rating in (1, 2, 3, 4):
            cell = self.query_one(f"#rate-{rating}", Static)
            text = Text(justify="center")
            text.append(f"{rating} ", style="bold")
            text.append(NAMES[rating])
            if labels.get(rating):
                text.append(f"  {labels[rating]}", style="dim")
            cell.update(text)
            cell.set_class(rating == suggested, "suggested")
