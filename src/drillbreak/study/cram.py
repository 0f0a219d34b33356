"""Cram: study regardless of due dates.  A rating is logged for the record and leaves the
schedule untouched; a card rated Again comes back a few cards later."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from drillbreak.domain import Rating
from drillbreak.schedule.fsrs_adapter import Outcome
from drillbreak.store.cards import CardRow

if TYPE_CHECKING:
    from drillbreak.store.tables import ReviewLog

AGAIN_COMES_BACK_AFTER = 3  # cards


def requeue(queue: list[CardRow], row: CardRow, rating: int) -> None:
    """A card rated Again goes back into ``queue`` after the next few cards."""
    if rating == Rating.AGAIN:
        queue.insert(min(len(queue), AGAIN_COMES_BACK_AFTER), row)


def review_entry(row: CardRow, rating: int, reviewed_at_ms: int, duration_ms: int) -> ReviewLog:
    """The log record of a cram rating: the card's schedule before and after is the same."""
    from drillbreak.store.tables import ReviewLog  # SQLModel: loaded on the first rating

    return ReviewLog(
        card_id=row.id,
        rating=rating,
        reviewed_at_ms=reviewed_at_ms,
        duration_ms=duration_ms,
        state_before=row.state,
        state_after=row.state,
        interval_ms=0,
        due_after_ms=row.due_ms,
        stability_after=row.stability,
        difficulty_after=row.difficulty,
        cram=True,
    )


def outcome(row: CardRow, rating: int) -> Outcome:
    """What a cram rating did to the schedule: nothing."""
    return Outcome(Rating(rating), row.sched, timedelta(0))
