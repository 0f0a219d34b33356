"""The demo screen for a predict card: the live run, recorded for the card and the
run cache, or a cached run replayed (the same charts, tables and text, at once).

Escape closes the screen and hands the outcome (None without a result) to the card.
"""

from __future__ import annotations

from rich.text import Text as RichText
from textual.widgets import ProgressBar, Static

from drillbreak.clock import Clock, utc_now
from drillbreak.demo_runner.catalog import CatalogError, UnknownDemo, get_demo
from drillbreak.demo_runner.events import Event
from drillbreak.errors import UserError
from drillbreak.study import predict as predicting
from drillbreak.study.predict import PredictRound, RunOutcome, RunRecorder
from drillbreak.tui.screens.demo import DemoScreen


class PredictDemoScreen(DemoScreen):
    """Run this review's demo live, or replay ``cached``."""

    def __init__(
        self, rnd: PredictRound, *, cached: RunOutcome | None = None, clock: Clock = utc_now
    ) -> None:
        request = rnd.request()
        super().__init__(request)
        self.round = rnd
        self.cached = cached
        self.clock = clock
        self.recorder = RunRecorder(rnd.card, rnd.params, request.seed)

    async def _start(self) -> None:
        if self.cached is None:
            self.recorder = RunRecorder(self.round.card, self.round.params, self.request.seed)
            await super()._start()
            return
        feed = self.query_one("#demo-feed")
        await feed.remove_children()
        note = RichText("Cached run, replayed: ", style="bold reverse")
        note.append(" " + predicting.describe_source(self.cached) + ". Nothing was trained now.")
        await feed.mount(Static(note, classes="demo-note"))
        await feed.mount(self._intro())
        for event in predicting.replay(self.cached):
            await self._show(event)
        self.state = "finished"
        bar = self.query_one(ProgressBar)
        bar.update(total=1, progress=1)
        self._update_header()

    async def on_mount(self) -> None:
        if self.cached is None:
            await super().on_mount()
            return
        try:
            self.info = get_demo(self.request.name, self.request.demos_dir)
        except (UnknownDemo, CatalogError):
            self.info = None  # the replay does not need it
        await self._start()

    def _update_header(self) -> None:
        if self.cached is None:
            super()._update_header()
            return
        text = RichText(self._title(), style="bold")
        assert self.cached is not None
        text.append("  ·  replayed: " + predicting.describe_source(self.cached), style="dim")
        self.query_one("#demo-header", Static).update(text)

    async def _show(self, event: Event) -> None:
        if self.cached is None:
            self.recorder.see(event)
        await super()._show(event)

    def outcome(self) -> RunOutcome | None:
        if self.cached is not None:
            return self.cached
        try:
            return self.recorder.outcome(self.clock)
        except UserError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None

    def action_close(self) -> None:
        self._stop()
        self.dismiss(self.outcome())

    async def action_rerun(self) -> None:
        if self.cached is None:
            await super().action_rerun()
