"""The due queue: what to study today, in what order.

Order (as Anki): learning/relearning cards once due come first; then due
reviews, lowest retrievability first, up to the daily review cap; new cards
are mixed in evenly, up to the daily new limit.  Pure functions over rows, so
they are tested with plain data and a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drillbreak.schedule.fsrs_adapter import retrievability
from drillbreak.store.cards import CardRow
from drillbreak.store.tables import LEARNING, RELEARNING, REVIEW


@dataclass
class QueuePlan:
    learning: list[CardRow]  # by due time
    main: list[CardRow]  # reviews with new cards mixed in


def plan(
    due: Iterable[CardRow],
    new: Iterable[CardRow],
    *,
    now_ms: int,
    new_left: int,
    reviews_left: int,
    decay: float,
) -> QueuePlan:
    learning: list[CardRow] = []
    reviews: list[CardRow] = []
    for row in due:
        if row.state in (LEARNING, RELEARNING):
            learning.append(row)
        elif row.state == REVIEW:
            reviews.append(row)
    learning.sort(key=lambda r: (r.due_ms or 0, r.id))
    reviews.sort(key=lambda r: (retrievability(r.stability, r.last_review_ms, now_ms, decay), r.id))
    reviews = reviews[: max(0, reviews_left)]
    fresh: list[CardRow] = []
    if new_left > 0:
        for row in new:
            fresh.append(row)
            if len(fresh) >= new_left:
                break
    return QueuePlan(learning, interleave(reviews, fresh))


def interleave(reviews: list[CardRow], fresh: list[CardRow]) -> list[CardRow]:
    """Spread new cards evenly through the reviews (new first when there are no reviews)."""
    if not fresh or not reviews:
        return fresh + reviews if not reviews else reviews + fresh
    out: list[CardRow] = []
    every = (len(reviews) + len(fresh)) / len(fresh)
    ni = 0
    for i in range(len(reviews) + len(fresh)):
        if ni < len(fresh) and i >= int(ni * every):
            out.append(fresh[ni])
            ni += 1
        else:
            out.append(reviews[i - ni])
    return out
