"""The review log as fsrs-rs sees it: one FSRS item per review worth predicting.

The conventions are Anki's (``reviews_for_fsrs`` in its rslib), which fsrs-rs
expects:

* a card's history is its non-cram reviews, oldest first; a card whose first
  review did not find it new (its start is missing) is left out;
* ``delta_t`` is the number of study days (local days starting at the rollover
  hour) since the previous review: 0 for a review on the same day, so FSRS-6
  learns its short-term parameters from learning steps;
* every review after the first that comes a day or more after the previous one
  is predicted: its item holds the card's reviews up to and including it;
* items are in the order of the reviews they predict, oldest first: fsrs-rs
  weighs later items more (recency weighting) in both its fit and ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from fsrs_rs_python import FSRSItem, FSRSReview

from drillbreak.clock import from_ms
from drillbreak.domain import CardState
from drillbreak.schedule.days import day_start
from drillbreak.store.history import ReviewRow

# fsrs-rs keeps the default parameters below 8 items and fits only the first four
# (the initial stabilities) below 64; from 64 on it fits all 21.
MIN_REVIEWS = 64


def study_day(when: datetime, rollover_hour: int, tz: tzinfo | None = None) -> int:
    """The study day holding ``when``, as a day number (local, from the rollover hour)."""
    start = day_start(when, rollover_hour, tz)
    local = start.astimezone(tz) if tz is not None else start.astimezone()
    return local.date().toordinal()


def histories(rows: Iterable[ReviewRow]) -> dict[int, list[ReviewRow]]:
    """card id -> its reviews, oldest first (``rows`` as ``read_reviews`` gives them)."""
    out: dict[int, list[ReviewRow]] = {}
    for row in rows:
        out.setdefault(row.card_id, []).append(row)
    for reviews in out.values():
        reviews.sort(key=lambda r: r.review_time)
    return out


def card_items(
    reviews: Sequence[ReviewRow], rollover_hour: int, tz: tzinfo | None = None
) -> list[tuple[int, FSRSItem]]:
    """(time of the predicted review, item) for one card's history (oldest first)."""
    if not reviews or reviews[0].review_state != CardState.NEW:
        return []
    days = [study_day(from_ms(r.review_time), rollover_hour, tz) for r in reviews]
    so_far: list[FSRSReview] = []
    items = []
    for i, row in enumerate(reviews):
        delta_t = days[i] - days[i - 1] if i else 0
        so_far.append(FSRSReview(row.review_rating, delta_t))
        if i and delta_t > 0:
            items.append((row.review_time, FSRSItem(list(so_far))))
    return items


def fsrs_items(
    rows: Iterable[ReviewRow], rollover_hour: int, tz: tzinfo | None = None
) -> list[FSRSItem]:
    """Every card's training items, in the order of the reviews they predict."""
    timed = [
        pair
        for reviews in histories(rows).values()
        for pair in card_items(reviews, rollover_hour, tz)
    ]
    timed.sort(key=lambda pair: pair[0])
    return [item for _, item in timed]
