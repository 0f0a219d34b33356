"""The review log as FSRS sees it: per-card histories, and how many reviews count.

``fsrs.Optimizer`` only learns from reviews made at least a day after the card's
previous review (same-day learning steps say little about memory), looks at the
first 64 reviews of each card, and quietly returns the default parameters when
fewer than 512 such reviews exist.  :func:`eligible_reviews` counts exactly those,
so ``drillbreak optimize`` can say how many more are needed before starting.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from drillbreak.store.history import ReviewRow

MIN_REVIEWS = 512  # fsrs.optimizer.mini_batch_size: below it fsrs returns the defaults
MAX_SEQ_LEN = 64  # fsrs.optimizer.max_seq_len: reviews per card used for fitting
DAY_MS = 86_400_000

# One review: (time, rating 1-4, duration in ms).
Review = tuple[datetime, int, int]


def histories(rows: Iterable[ReviewRow]) -> dict[int, list[Review]]:
    """card id -> its reviews, oldest first."""
    out: dict[int, list[Review]] = {}
    for row in rows:
        when = datetime.fromtimestamp(row.review_time / 1000, UTC)
        out.setdefault(row.card_id, []).append((when, row.review_rating, row.review_duration))
    for reviews in out.values():
        reviews.sort(key=lambda r: r[0])
    return dict(sorted(out.items()))


def eligible_reviews(rows: Iterable[ReviewRow]) -> int:
    """Reviews fsrs fits on: a day or more after the previous review of the same
    card, among each card's first 64 reviews."""
    times: dict[int, list[int]] = {}
    for row in rows:
        times.setdefault(row.card_id, []).append(row.review_time)
    count = 0
    for seq in times.values():
        seq = sorted(seq)[:MAX_SEQ_LEN]
        count += sum(1 for a, b in zip(seq, seq[1:], strict=False) if b - a >= DAY_MS)
    return count
