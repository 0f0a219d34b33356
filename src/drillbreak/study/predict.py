"""Predict cards, the study side: pick this review's parameter, take the learner's
prediction, run the demo (live, or a cached run when the learner asks), and grade by
the distance between the prediction and what the run measured.

UI-agnostic: the app and plain mode both drive a :class:`PredictRound` (one per card
on screen, ``Current.predict``).  A live run's events go through a
:class:`RunRecorder`, which the caller saves to the run cache when the run
delivered its result; a cached run replays the same events.

Grading: with ``ranges``, the right range suggests Good, one range off Hard, further
Again; with ``tolerance``, within it Good, within twice it Hard, else Again.  The
learner may rate otherwise, as on choice cards.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

from drillbreak.clock import Clock, from_ms, to_ms, utc_now
from drillbreak.deck.models import PredictCard
from drillbreak.deck.predict import (
    ParamValue,
    fill_prompt,
    format_measure,
    format_tolerance,
    range_index,
)
from drillbreak.demo_runner.events import Event, Meta, Result, parse_line, to_json
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.domain import Rating
from drillbreak.errors import UserError
from drillbreak.store import demo_runs
from drillbreak.store.db import Database
from drillbreak.store.demo_runs import RunKey, StoredRun, params_key

Source = Literal["live", "cached"]
_ROUNDING = 1e-9
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%?)\s*$")


def grade_ranges(chosen: int, actual: int) -> Rating:
    """The right range -> Good, one range off -> Hard, further -> Again."""
    distance = abs(chosen - actual)
    return Rating.GOOD if distance == 0 else Rating.HARD if distance == 1 else Rating.AGAIN


def grade_number(predicted: float, actual: float, tolerance: float) -> Rating:
    """Within ``tolerance`` -> Good, within twice it -> Hard, else Again (a miss of
    exactly the tolerance counts as within, despite float rounding: 0.65 - 0.5)."""
    miss = abs(predicted - actual) - _ROUNDING * max(1.0, abs(actual))
    return (
        Rating.GOOD if miss <= tolerance else Rating.HARD if miss <= 2 * tolerance else Rating.AGAIN
    )


def parse_number(text: str, card: PredictCard) -> float:
    """A typed prediction as the measure's own number: with ``percent: true`` the learner
    types a percentage (``73`` or ``73%`` is 0.73).  Raises UserError for anything else."""
    m = _NUMBER.match(text)
    if m is None:
        unit = "a percentage, e.g. 73" if card.percent else "a number, e.g. 0.42"
        raise UserError(f"{text.strip()!r} is not a number; type {unit}")
    value = float(m.group(1))
    return value / 100 if card.percent or m.group(2) else value


@dataclass(frozen=True)
class RunOutcome:
    """What one run measured, and where it came from."""

    actual: float
    headline: dict[str, float]
    summary: str
    source: Source
    key: RunKey
    made_ms: int
    events: list[str]


@dataclass
class PredictRound:
    """One review of a predict card: its parameter values, then the prediction, then
    the run's outcome."""

    card: PredictCard
    params: dict[str, ParamValue]
    prediction: int | float | None = None  # a range's index, or a number
    outcome: RunOutcome | None = None

    @classmethod
    def start(cls, card: PredictCard, rng: random.Random) -> PredictRound:
        """This review's parameter: one of ``vary.values``, picked at random."""
        if card.vary is None:
            return cls(card, {})
        return cls(card, {card.vary.param: rng.choice(card.vary.values)})

    @property
    def prompt(self) -> str:
        return fill_prompt(self.card.prompt, self.params)

    @property
    def committed(self) -> bool:
        return self.prediction is not None

    def commit_range(self, index: int) -> None:
        ranges = self.card.ranges or ()
        if not 0 <= index < len(ranges):
            raise ValueError(f"range {index} of {len(ranges)}")
        self.prediction = index

    def commit_number(self, value: float) -> None:
        if self.card.tolerance is None or not math.isfinite(value):
            raise ValueError("a finite number, for a card with a tolerance")
        self.prediction = value

    def request(self) -> DemoRequest:
        """The demo run this review needs: the app's default run with these parameters."""
        return DemoRequest(self.card.demo, params=tuple(self.params.items()))

    def record(self, outcome: RunOutcome) -> None:
        self.outcome = outcome

    # -- the comparison -------------------------------------------------------------
    def actual_index(self) -> int | None:
        if self.outcome is None or self.card.ranges is None:
            return None
        return range_index(self.card.ranges, self.outcome.actual)

    @property
    def suggested(self) -> Rating | None:
        """The rating the distance suggests (None before the outcome, or for a run
        whose number is not a number)."""
        if self.outcome is None or self.prediction is None or math.isnan(self.outcome.actual):
            return None
        if self.card.ranges is not None:
            actual = self.actual_index()
            return None if actual is None else grade_ranges(int(self.prediction), actual)
        assert self.card.tolerance is not None
        return grade_number(float(self.prediction), self.outcome.actual, self.card.tolerance)

    @property
    def correct(self) -> bool:
        return self.suggested == Rating.GOOD

    def prediction_text(self) -> str:
        if self.prediction is None:
            return "(none)"
        if self.card.ranges is not None:
            return self.card.ranges[int(self.prediction)].label
        tol = format_tolerance(self.card)
        return f"{format_measure(self.card, float(self.prediction))} (± {tol})"

    def actual_text(self) -> str:
        if self.outcome is None:
            return "(not run yet)"
        shown = format_measure(self.card, self.outcome.actual)
        index = self.actual_index()
        if index is not None and self.card.ranges is not None:
            return f"{shown} ({self.card.ranges[index].label})"
        return shown

    def source_text(self) -> str:
        """Say which run this is: live now, or cached (from when, on what)."""
        return "" if self.outcome is None else describe_source(self.outcome)


def describe_source(outcome: RunOutcome) -> str:
    """``live run (seed 0, full scale, cpu, torch 2.x)`` or ``cached run from <date> (...)``."""
    key = outcome.key
    where = f"seed {key.seed}, {key.scale} scale, {key.device}, torch {key.torch}"
    if outcome.source == "live":
        return f"live run ({where})"
    return f"cached run from {from_ms(outcome.made_ms):%Y-%m-%d %H:%M} UTC ({where})"


class RunRecorder:
    """Collects a live run's events: its Meta (what ran where), its Result, and every
    event line for the cache."""

    def __init__(self, card: PredictCard, params: Mapping[str, ParamValue], seed: int) -> None:
        self.card = card
        self.params = dict(params)
        self.seed = seed
        self.meta: Meta | None = None
        self.result: Result | None = None
        self.lines: list[str] = []

    def see(self, event: Event) -> None:
        if isinstance(event, Meta):
            self.meta = event
        elif isinstance(event, Result):
            self.result = event
        self.lines.append(to_json(event))

    def outcome(self, clock: Clock = utc_now) -> RunOutcome | None:
        """The run's outcome once it delivered its result (None before)."""
        if self.result is None:
            return None
        meta = self.meta
        key = RunKey(
            self.card.demo,
            params_key(self.params),
            self.seed if meta is None else meta.seed,
            "unknown" if meta is None else meta.scale,
            "unknown" if meta is None else meta.torch,
            "unknown" if meta is None else meta.device,
        )
        return _outcome(
            self.card,
            self.result.headline,
            self.result.summary,
            "live",
            key,
            to_ms(clock()),
            self.lines,
        )


def _outcome(
    card: PredictCard,
    headline: Mapping[str, float],
    summary: str,
    source: Source,
    key: RunKey,
    made_ms: int,
    events: list[str],
) -> RunOutcome:
    if card.measure not in headline:
        names = ", ".join(sorted(headline)) or "none"
        raise UserError(
            f"demo {card.demo!r} reported no {card.measure!r} (its results: {names}); "
            f"fix 'measure' in card {card.id!r} (drillbreak lint checks it)"
        )
    actual = float(headline[card.measure])
    return RunOutcome(actual, dict(headline), summary, source, key, made_ms, events)


# -- the run cache ---------------------------------------------------------------------


def installed_torch() -> str | None:
    """The installed torch's version, read from its package metadata (no import)."""
    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def find_cached(db: Database, rnd: PredictRound, request: DemoRequest) -> RunOutcome | None:
    """A cached run that this review's live run would repeat: same demo, parameters,
    seed, scale and device as requested (``auto``: any), the installed torch."""
    with db.read() as conn:
        stored = demo_runs.find(
            conn,
            rnd.card.demo,
            rnd.params,
            request.seed,
            scale=None if request.scale not in ("quick", "full") else request.scale,
            device=None if request.device == "auto" else request.device,
            torch=installed_torch(),
        )
    return None if stored is None else cached_outcome(rnd.card, stored)


def cached_outcome(card: PredictCard, stored: StoredRun) -> RunOutcome:
    return _outcome(
        card, stored.headline, stored.summary, "cached", stored.key, stored.made_ms, stored.events
    )


def replay(outcome: RunOutcome) -> Iterable[Event]:
    """A cached run's events, to show it again."""
    return (parse_line(line) for line in outcome.events)


def save_run(db: Database, outcome: RunOutcome) -> None:
    """Keep a live run for later reviews (replacing one with the same key)."""
    with db.write() as conn:
        demo_runs.save(
            conn,
            outcome.key,
            made_ms=outcome.made_ms,
            headline=outcome.headline,
            summary=outcome.summary,
            events=outcome.events,
        )
