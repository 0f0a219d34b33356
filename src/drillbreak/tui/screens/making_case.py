"""The wait for a generated case: shown only when a generated card is the last card
left and its pool is empty (the first review of a new family).

The case is made in the background by the app's refiller (a real training run in
the case child); this screen shows how far the round has got and closes with True
as soon as a case of its pool has been made (or the round ended: the study screen
then tries again), or with False when the learner ends the session (esc).  It never
shows a stand-in case.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from drillbreak.study.cases import Refiller
from drillbreak.tui.screens.help import HELP_KEY

TITLE = "Making a fresh case from a real training run…"


class MakingCaseScreen(Screen[bool]):
    CSS_PATH = "making_case.tcss"
    BINDINGS = [HELP_KEY, Binding("escape", "end", "End", id="making.end")]
    HELP_GROUPS = {"Making a case": ("end",)}

    def __init__(self, refiller: Refiller, key: str) -> None:
        super().__init__()
        self.refiller = refiller
        self.key = key
        self._made = refiller.made(key)
        self._errors = len(refiller.errors)
        self._started = time.monotonic()

    def compose(self) -> ComposeResult:
        with Vertical(id="making"):
            yield Static(TITLE, id="making-title")
            yield Static(
                "A small network is training on a task with a hidden fault. Its log becomes "
                "your next case; it appears here as soon as the run ends.",
                id="making-about",
            )
            yield ProgressBar(id="making-progress", show_eta=False, show_percentage=False)
            yield Static(id="making-status")
        yield Footer()

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.25, self._poll)
        self._poll()

    def _poll(self) -> None:
        refiller = self.refiller
        if refiller.made(self.key) > self._made:
            self.dismiss(True)
            return
        if len(refiller.errors) > self._errors:
            self._failed(refiller.errors[-1])
            return
        if refiller.idle:  # the round ended without a case for this card: look again
            self.dismiss(True)
            return
        elapsed = int(time.monotonic() - self._started)
        bar = self.query_one(ProgressBar)
        status = self.query_one("#making-status", Static)
        if refiller.progress is None:
            bar.update(total=None)
            status.update(f"Starting the training process… {elapsed} s")
        else:
            made, wanted = refiller.progress
            bar.update(total=wanted, progress=made)
            status.update(f"{made} of {wanted} cases made (one per training run) · {elapsed} s")

    def _failed(self, error: Exception) -> None:
        self._timer.stop()
        self.query_one(ProgressBar).display = False
        self.query_one("#making-status", Static).update(
            Text(f"Could not make a case: {error}\nPress esc to end the session.", style="red")
        )

    def action_end(self) -> None:
        self.dismiss(False)
