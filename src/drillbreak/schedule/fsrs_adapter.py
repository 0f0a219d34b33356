"""The bridge to ``fsrs``: rows <-> fsrs.Card, and the four outcomes of a review.

The outcomes are computed once, before the learner rates; the one chosen is
stored exactly as shown (fsrs fuzzes intervals, so computing again could differ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import fsrs

from drillbreak.clock import from_ms, to_ms
from drillbreak.schedule.settings import Settings
from drillbreak.store.tables import LEARNING, NEW, RELEARNING, REVIEW

RATINGS = (1, 2, 3, 4)
RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}

_TO_FSRS = {
    LEARNING: fsrs.State.Learning,
    REVIEW: fsrs.State.Review,
    RELEARNING: fsrs.State.Relearning,
}
_FROM_FSRS = {v: k for k, v in _TO_FSRS.items()}


def make_scheduler(settings: Settings) -> fsrs.Scheduler:
    kwargs = {}
    if settings.parameters is not None:
        kwargs["parameters"] = tuple(settings.parameters)
    return fsrs.Scheduler(
        desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
        relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
        maximum_interval=settings.maximum_interval_days,
        **kwargs,
    )


@dataclass(frozen=True)
class SchedState:
    """The scheduling part of a card row."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_ms: int | None
    last_review_ms: int | None


@dataclass(frozen=True)
class Outcome:
    rating: int
    after: SchedState
    interval: timedelta

    @property
    def label(self) -> str:
        return format_interval(self.interval)


def to_fsrs_card(card_id: int, s: SchedState, now: datetime) -> fsrs.Card:
    if s.state == NEW:
        return fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=now)
    return fsrs.Card(
        card_id=card_id,
        state=_TO_FSRS[s.state],
        step=s.step,
        stability=s.stability,
        difficulty=s.difficulty,
        due=from_ms(s.due_ms) if s.due_ms is not None else now,
        last_review=from_ms(s.last_review_ms) if s.last_review_ms is not None else None,
    )


def from_fsrs_card(card: fsrs.Card) -> SchedState:
    return SchedState(
        state=_FROM_FSRS[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_ms=to_ms(card.due),
        last_review_ms=to_ms(card.last_review) if card.last_review else None,
    )


def preview(
    scheduler: fsrs.Scheduler, card_id: int, s: SchedState, now: datetime
) -> dict[int, Outcome]:
    """The state each rating would give, computed once for display and storage."""
    card = to_fsrs_card(card_id, s, now)
    outcomes = {}
    for rating in RATINGS:
        after, _log = scheduler.review_card(card, fsrs.Rating(rating), now)
        new = from_fsrs_card(after)
        outcomes[rating] = Outcome(rating, new, from_ms(new.due_ms) - now)
    return outcomes


def retrievability(
    stability: float | None, last_review_ms: int | None, now_ms: int, decay: float
) -> float:
    """FSRS forgetting curve R(t) = (1 + factor * t / S) ** decay, t in days."""
    if not stability or last_review_ms is None:
        return 0.0
    factor = 0.9 ** (1 / decay) - 1
    days = max(0.0, (now_ms - last_review_ms) / 86_400_000)
    return (1 + factor * days / stability) ** decay


def decay_of(scheduler: fsrs.Scheduler) -> float:
    return -float(scheduler.parameters[20])


def format_interval(delta: timedelta) -> str:
    """Anki-style short interval: <1m, 10m, 3h, 4d, 2.5mo, 1.2y."""
    s = delta.total_seconds()
    if s < 60:
        return "<1m"
    if s < 3600:
        return f"{math.floor(s / 60 + 0.5)}m"
    if s < 86400:
        return f"{math.floor(s / 3600 + 0.5)}h"
    days = s / 86400
    if days < 30:
        return f"{math.floor(days + 0.5)}d"
    if days < 365:
        return f"{days / 30.44:.1f}mo"
    return f"{days / 365.25:.1f}y"
