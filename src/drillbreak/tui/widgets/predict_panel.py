"""A predict card's body: the review's parameters, the prediction (a range picked by
its letter, or a number typed), then the run (live, or the cached run on ``c``) and
the prediction beside what the run measured.

The grading and the run cache live in :mod:`drillbreak.study.predict`; this widget
draws a :class:`PredictRound` and forwards keys.  The cache is read and written in a
thread worker, under the app's database lock.  When the outcome is known the panel
posts :class:`PredictPanel.Ran`; the study screen then shows the rating bar.

Until then the panel keeps the keyboard: tab does not move the focus away from the
range letters (or the number box, or the run keys), where ``b`` would bury the card.
The study screen's bottom line is :meth:`PredictPanel.prompt`, redrawn on
:class:`PredictPanel.NextStep`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from drillbreak.clock import Clock, from_ms, utc_now
from drillbreak.deck.predict import (
    format_gap,
    format_param,
    format_tolerance,
    range_choices,
)
from drillbreak.errors import UserError
from drillbreak.store.db import Database, StoreError
from drillbreak.tui.widgets import default_css
from drillbreak.tui.widgets.choice_list import ChoiceList

if TYPE_CHECKING:  # the round's module loads with the first predict card, not the screen
    from drillbreak.study.predict import PredictRound, RunOutcome


class PredictPanel(Vertical, can_focus=True):
    """Focused once the prediction is in: enter runs the demo live, c shows the cached run."""

    DEFAULT_CSS = default_css(__file__)
    BINDINGS = [
        Binding("enter,space", "run(False)", "Run live", id="predict.live"),
        Binding("c", "run(True)", "Cached run", id="predict.cached"),
        Binding("tab,shift+tab", "stay", show=False, id="predict.stay"),
    ]

    class NextStep(Message):
        """The prediction was taken, or the cache looked up: :meth:`prompt` changed."""

    class Running(Message):
        """The demo screen is about to open for this review's run."""

    class Ran(Message):
        """The run's outcome is recorded on the round: time to rate."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.round: PredictRound | None = None
        self.db: Database | None = None
        self.clock: Clock = utc_now
        self.cached: RunOutcome | None = None
        self.looked_up = False  # the cache was searched for this round

    def compose(self):
        yield Static(id="predict-params")
        yield ChoiceList(id="predict-ranges")
        yield Input(id="predict-number", placeholder="your prediction, then enter")
        yield Static(id="predict-run")
        yield Static(id="predict-compare")

    # drawing ------------------------------------------------------------------------
    def show_round(self, rnd: PredictRound, db: Database, clock: Clock) -> None:
        """Draw a new review of a predict card (or the same one again, as it stands);
        ``db`` holds the run cache, ``clock`` dates a live run."""
        if rnd is not self.round:
            self.cached, self.looked_up = None, False
        self.round, self.db, self.clock = rnd, db, clock
        card = rnd.card
        params = self.query_one("#predict-params", Static)
        params.display = bool(rnd.params)
        shown = ", ".join(f"{k} = {format_param(v)}" for k, v in rnd.params.items())
        params.update(Text(f"This review's run: {shown}"))
        ranges = self.query_one(ChoiceList)
        ranges.display = card.ranges is not None
        if card.ranges is not None:
            ranges.set_choices(range_choices(card), multi=False)
        number = self.query_one(Input)
        number.display = card.tolerance is not None
        number.value = ""
        if card.tolerance is not None:
            unit = "a percentage" if card.percent else "a number"
            number.placeholder = f"{unit}; right within {format_tolerance(card)}"
        self._draw()

    def focus_answer(self) -> None:
        if self.round is None or self.round.committed:
            self.focus()
        elif self.round.card.ranges is not None:
            self.query_one(ChoiceList).focus()
        else:
            self.query_one(Input).focus()

    def on_focus(self) -> None:
        # the panel itself (a click on its text) hands the focus on to the ranges or the box
        if self.round is not None and not self.round.committed:
            self.focus_answer()

    def prompt(self) -> str:
        """The study screen's bottom line for this review: what to do next."""
        rnd = self.round
        assert rnd is not None
        if not rnd.committed:
            if rnd.card.ranges is not None:
                return "Pick a range (its letter), then enter: the demo runs."
            return "Type your prediction, then enter: the demo runs."
        if not self.looked_up:
            return "Prediction in. Looking for a cached run…"
        if self.cached is None:
            return "Prediction in. enter: run the demo live."
        return "Prediction in. enter: run it live · c: the cached run."

    def _draw(self) -> None:
        rnd = self.round
        assert rnd is not None
        run = self.query_one("#predict-run", Static)
        compare = self.query_one("#predict-compare", Static)
        number = self.query_one(Input)
        number.disabled = rnd.committed
        compare.display = rnd.outcome is not None
        run.display = rnd.committed and rnd.outcome is None
        if rnd.outcome is not None:
            self._draw_outcome(rnd, rnd.outcome)
            return
        if not rnd.committed:
            return
        text = Text(f"Your prediction: {rnd.prediction_text()}\n", style="bold")
        if not self.looked_up:
            text.append("Looking for a cached run…", style="dim")
        else:
            text.append("enter: run the demo live", style="bold")
            if self.cached is not None:
                when = f"{from_ms(self.cached.made_ms):%Y-%m-%d %H:%M} UTC"
                text.append(f"  ·  c: the cached run from {when} (instant)")
        run.update(text)

    def _draw_outcome(self, rnd: PredictRound, outcome: RunOutcome) -> None:
        card = rnd.card
        if card.ranges is not None and rnd.prediction is not None:
            actual = rnd.actual_index()
            ranges = self.query_one(ChoiceList)
            ranges.set_choices(range_choices(card, actual), multi=False)
            ranges.selected = frozenset({int(rnd.prediction)})
            ranges.show_feedback()
        suggested = rnd.suggested
        verdict = {3: ("Right!", "bold green"), 2: ("Close.", "bold yellow")}.get(
            int(suggested) if suggested else 0, ("Off.", "bold red")
        )
        text = Text()
        text.append(verdict[0] + " ", style=verdict[1])
        text.append("Your prediction: ", style="bold")
        text.append(rnd.prediction_text())
        text.append("   The demo measured: ", style="bold")
        text.append(rnd.actual_text())
        if card.tolerance is not None:
            miss = abs(float(rnd.prediction or 0.0) - outcome.actual)
            text.append(f"  (off by {format_gap(card, miss)})", style="dim")
        source = rnd.source_text()
        style = "bold reverse" if outcome.source == "cached" else "bold"
        text.append("\n" + source[0].upper() + source[1:], style=style)
        text.append("\n\n" + outcome.summary)
        self.query_one("#predict-compare", Static).update(text)

    # the prediction ---------------------------------------------------------------------
    def commit(self) -> bool:
        """Take the prediction on screen; False (with a note) when there is none."""
        rnd = self.round
        if rnd is None or rnd.committed:
            return False
        if rnd.card.ranges is not None:
            picked = self.query_one(ChoiceList).selected
            if not picked:
                self.notify("Pick a range first (its letter).", severity="warning")
                return False
            rnd.commit_range(min(picked))
        else:
            from drillbreak.study import predict as predicting

            try:
                rnd.commit_number(predicting.parse_number(self.query_one(Input).value, rnd.card))
            except UserError as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return False
        self._draw()
        self.focus()
        self.post_message(self.NextStep())
        self._look_up()
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.commit()

    @work(thread=True, exclusive=True, group="predict-cache")
    def _look_up(self) -> None:
        from drillbreak.study import predict as predicting

        rnd, db = self.round, self.db
        assert rnd is not None and db is not None
        cached: RunOutcome | None = None
        try:
            with self.app.db_lock:  # type: ignore[attr-defined]  # DrillbreakApp's
                cached = predicting.find_cached(db, rnd, rnd.request())
        except (StoreError, UserError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="warning", markup=False)
        self.app.call_from_thread(self._found, rnd, cached)

    def _found(self, rnd: PredictRound, cached: RunOutcome | None) -> None:
        if rnd is self.round:
            self.cached, self.looked_up = cached, True
            self._draw()
            self.refresh_bindings()  # the footer: the run keys now work
            self.post_message(self.NextStep())

    # the run ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        rnd = self.round
        if action == "run":
            ready = rnd is not None and rnd.committed and rnd.outcome is None and self.looked_up
            return ready and (parameters[0] is False or self.cached is not None)
        if action == "stay":  # until the run's outcome; then tab moves the focus as usual
            return rnd is not None and rnd.outcome is None
        return True

    def action_stay(self) -> None:
        self.focus_answer()

    def action_run(self, cached: bool) -> None:
        from drillbreak.tui.screens.predict_demo import PredictDemoScreen

        rnd = self.round
        if rnd is None:
            return
        if cached and self.cached is not None:
            screen = PredictDemoScreen(rnd, cached=self.cached)
        else:
            screen = PredictDemoScreen(rnd, clock=self.clock)
        self.post_message(self.Running())
        self.app.push_screen(screen, self._ran)

    def _ran(self, outcome: RunOutcome | None) -> None:
        rnd = self.round
        if rnd is None:
            return
        if outcome is None:
            self.notify(
                "No result: the run was stopped or failed; press enter to run it again.",
                severity="warning",
            )
            return
        rnd.record(outcome)
        self._draw()
        if outcome.source == "live":
            self._keep(outcome)
        self.post_message(self.Ran())

    @work(thread=True, group="predict-cache")
    def _keep(self, outcome: RunOutcome) -> None:
        from drillbreak.study import predict as predicting

        db = self.db
        assert db is not None
        try:
            with self.app.db_lock:  # type: ignore[attr-defined]
                predicting.save_run(db, outcome)
        except StoreError as exc:
            self.app.call_from_thread(
                self.notify, f"Run not cached: {exc}", severity="warning", markup=False
            )
