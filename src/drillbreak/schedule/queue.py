"""The due queue: what to study today, in what order.

Order (as Anki): learning/relearning cards once due come first; then due
reviews, lowest retrievability first, up to the daily review cap; new cards
are mixed in evenly, up to the daily new limit.  Pure functions over rows, so
they are tested with plain data and a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from drillbreak.domain import CardState
from drillbreak.schedule.fsrs_adapter import retrievability


class QueueRow(Protocol):
    """The fields of a card row the planner reads (the store's CardRow has them)."""

    @property
    def id(self) -> int: ...
    @property
    def state(self) -> int: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def due_ms(self) -> int | None: ...
    @property
    def last_review_ms(self) -> int | None: ...


Row = TypeVar("Row", bound=QueueRow)
_LEARNING = (CardState.LEARNING, CardState.RELEARNING)
_REVIEW = CardState.REVIEW


@dataclass
class QueuePlan(Generic[Row]):
    learning: list[Row]  # by due time
    main: list[Row]  # reviews with new cards mixed in


def plan(
    due: Iterable[Row],
    new: Iterable[Row],
    *,
    now_ms: int,
    new_left: int,
    reviews_left: int,
    decay: float,
) -> QueuePlan[Row]:
    learning: list[Row] = []
    reviews: list[Row] = []
    for row in due:
        if row.state in _LEARNING:
            learning.append(row)
        elif row.state == _REVIEW:
            reviews.append(row)
    learning.sort(key=lambda r: (r.due_ms or 0, r.id))
    reviews.sort(key=lambda r: (retrievability(r.stability, r.last_review_ms, now_ms, decay), r.id))
    reviews = reviews[: max(0, reviews_left)]
    fresh: list[Row] = []
    if new_left > 0:
        for row in new:
            fresh.append(row)
            if len(fresh) >= new_left:
                break
    return QueuePlan(learning, interleave(reviews, fresh))


def interleave(reviews: list[Row], fresh: list[Row]) -> list[Row]:
    """Spread new cards evenly through the reviews (new first when there are no reviews)."""
    if not fresh or not reviews:
        return fresh + reviews if not reviews else reviews + fresh
    out: list[Row] = []
    every = (len(reviews) + len(fresh)) / len(fresh)
    ni = 0
    for i in range(len(reviews) + len(fresh)):
        if ni < len(fresh) and i >= int(ni * every):
            out.append(fresh[ni])
            ni += 1
        else:
            out.append(reviews[i - ni])
    return out
