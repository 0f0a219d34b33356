"""The four rating buttons, each with the interval that rating gives."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from drillbreak.domain import Rating


class RatingBar(Horizontal):
    def compose(self) -> ComposeResult:
        for rating in Rating:
            yield Static(id=f"rate-{rating.value}", classes=f"rating rating-{rating.value}")

    def show(self, labels: Mapping[Rating, str], suggested: int | None) -> None:
        for rating in Rating:
            cell = self.query_one(f"#rate-{rating.value}", Static)
            text = Text(justify="center")
            text.append(f"{rating.value} ", style="bold")
            text.append(rating.label)
            if labels.get(rating):
                text.append(f" {labels[rating]}", style="dim")  # fits 4 across at 60 columns
            cell.update(text)
            cell.set_class(rating == suggested, "suggested")
