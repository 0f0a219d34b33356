"""The review log: one row per rating, with the card's prior state for undo."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, delete, func, insert, select

from drillbreak.store.tables import NEW, REVIEW, ReviewLog

T = ReviewLog.__table__
C = T.c


@dataclass(frozen=True)
class ReviewEntry:
    card_id: int
    rating: int
    reviewed_at_ms: int
    duration_ms: int
    state_before: int
    state_after: int
    interval_ms: int
    due_after_ms: int | None
    stability_after: float | None
    difficulty_after: float | None
    cram: bool
    prev: str


def add(conn: Connection, entry: ReviewEntry) -> int:
    result = conn.execute(insert(T).values(**entry.__dict__))
    return int(result.inserted_primary_key[0])


def remove(conn: Connection, review_id: int) -> None:
    conn.execute(delete(T).where(C.id == review_id))


def counts_since(conn: Connection, since_ms: int) -> tuple[int, int]:
    """(new cards introduced, reviews of review-state cards) since ``since_ms``, no cram."""
    row = conn.execute(
        select(
            func.coalesce(func.sum(case((C.state_before == NEW, 1), else_=0)), 0),
            func.coalesce(func.sum(case((C.state_before == REVIEW, 1), else_=0)), 0),
        ).where(C.reviewed_at_ms >= since_ms, C.cram.is_(False))
    ).one()
    return int(row[0]), int(row[1])
