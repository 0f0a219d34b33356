"""The bridge to ``fsrs``: rows <-> fsrs.Card, and the four outcomes of a review.

The outcomes are previewed when a card is shown (the button labels) and computed
again at rating time, so fsrs is told the real review time.  fsrs's own fuzz draws
from the global ``random``; here, as in Anki, the fuzz factor comes from a generator
seeded by the card and its review count, so the interval on a button is the interval
stored (shifted by the time that passed between showing and rating).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import fsrs
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

from drillbreak.clock import from_ms, to_ms
from drillbreak.domain import CardState, Rating, SchedState
from drillbreak.settings import Settings

_TO_FSRS = {
    CardState.LEARNING: fsrs.State.Learning,
    CardState.REVIEW: fsrs.State.Review,
    CardState.RELEARNING: fsrs.State.Relearning,
}
_FROM_FSRS = {v: k for k, v in _TO_FSRS.items()}


def make_scheduler(settings: Settings) -> fsrs.Scheduler:
    """fsrs with the learner's settings; fuzz is applied by ``review``, not by fsrs."""
    return fsrs.Scheduler(
        parameters=parameters_of(settings),
        desired_retention=settings.desired_retention,
        learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
        relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=False,
    )


def parameters_of(settings: Settings) -> tuple[float, ...]:
    """The learner's fitted FSRS parameters, or fsrs's defaults."""
    return tuple(settings.parameters) if settings.parameters is not None else DEFAULT_PARAMETERS


def decay(settings: Settings) -> float:
    """The forgetting curve's decay (negative) for the learner's parameters."""
    return -float(parameters_of(settings)[20])


@dataclass(frozen=True)
class Outcome:
    rating: Rating
    after: SchedState
    interval: timedelta

    @property
    def label(self) -> str:
        return format_interval(self.interval)


def to_fsrs_card(card_id: int, s: SchedState, now: datetime) -> fsrs.Card:
    if s.state == CardState.NEW:
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


def review(
    scheduler: fsrs.Scheduler, card_id: int, s: SchedState, reps: int, rating: int, now: datetime
) -> Outcome:
    """The state ``rating`` gives at ``now``; ``reps`` (reviews so far) seeds the fuzz."""
    card = to_fsrs_card(card_id, s, now)
    after, _log = scheduler.review_card(card, fsrs.Rating(rating), now)
    if after.state == fsrs.State.Review:
        days = fuzzed_days((after.due - now).days, scheduler.maximum_interval, card_id, reps)
        after.due = now + timedelta(days=days)
    new = from_fsrs_card(after)
    assert new.due_ms is not None  # fsrs always sets the due time
    return Outcome(Rating(rating), new, from_ms(new.due_ms) - now)


def preview(
    scheduler: fsrs.Scheduler, card_id: int, s: SchedState, reps: int, now: datetime
) -> dict[Rating, Outcome]:
    """The state each rating would give at ``now``: the labels of the rating buttons."""
    return {rating: review(scheduler, card_id, s, reps, rating, now) for rating in Rating}


def fuzz_range(days: int, maximum_interval: int) -> tuple[int, int]:
    """The interval range fsrs/Anki fuzz ``days`` into (fsrs's FUZZ_RANGES)."""
    delta = 1.0
    for r in FUZZ_RANGES:
        delta += r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0)
    high = min(round(days + delta), maximum_interval)
    low = min(max(2, round(days - delta)), high)
    return low, high


def fuzzed_days(days: int, maximum_interval: int, card_id: int, reps: int) -> int:
    """Anki's fuzz: review intervals of 2.5 days or more move within their fuzz range,
    by a factor drawn from a generator seeded by the card and its review count."""
    if days < 2.5:
        return days
    low, high = fuzz_range(days, maximum_interval)
    factor = random.Random(f"{card_id}:{reps}").random()
    return low + math.floor(factor * (high - low + 1))


def retrievability(
    stability: float | None, last_review_ms: int | None, now_ms: int, decay: float
) -> float:
    """FSRS forgetting curve R(t) = (1 + factor * t / S) ** decay, t in days."""
    if not stability or last_review_ms is None:
        return 0.0
    factor = 0.9 ** (1 / decay) - 1
    days = max(0.0, (now_ms - last_review_ms) / 86_400_000)
    return (1 + factor * days / stability) ** decay


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
