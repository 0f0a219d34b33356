"""After a session: what was studied, how it went, when the next card is due."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from drillbreak.study.session import Summary
from drillbreak.tui.screens.help import HELP_KEY


class SummaryScreen(Screen):
    BINDINGS = [
        HELP_KEY,
        Binding("enter,escape,space", "close", "Back to decks", id="summary.close"),
    ]
    HELP_GROUPS = {"Leave": ("close",)}

    def __init__(self, summary: Summary, messages: list[str]) -> None:
        super().__init__()
        self.summary = summary
        self.messages = messages

    def compose(self) -> ComposeResult:
        s = self.summary
        minutes, seconds = divmod(int(s.elapsed.total_seconds()), 60)
        text = Text()
        text.append("Session finished\n\n", style="bold")
        text.append(f"  Cards studied   {s.cards}\n")
        text.append(f"  Ratings given   {s.ratings}\n")
        pct = f" ({s.correct / s.ratings:.0%})" if s.ratings else ""
        text.append(f"  Answered right  {s.correct}{pct}\n")
        text.append(f"  Time            {minutes}:{seconds:02d}\n")
        if s.cram:
            text.append("  Cram session: the schedule was not changed.\n", style="dim")
        if s.due_now:
            text.append("  Next card due   now (cards in learning)\n")
        elif s.next_due is not None:
            text.append(f"  Next card due   {s.next_due.astimezone():%a %d %b, %H:%M}\n")
        else:
            text.append("  Nothing is scheduled yet.\n")
        for message in self.messages:
            text.append(f"\n  {message}\n", style="yellow")
        text.append("\n  enter: back to decks", style="dim")
        with Center(), Vertical(id="summary-box"):
            yield Static(text)
        yield Footer()

    def action_close(self) -> None:
        # DrillbreakApp.back_to_decks: the decks screen, whatever is above it (not imported:
        # the app imports the screens)
        back_to_decks = getattr(self.app, "back_to_decks", None)
        if back_to_decks is None:  # shown by another app (tests)
            self.dismiss()
        else:
            back_to_decks()
