"""The aggregates behind the statistics screen, in SQL (fast on a million review rows).

Cram reviews are left out of every review count: they do not touch the schedule.
``decks=None`` means every deck.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, Connection, case, func
from sqlmodel import col, select

from drillbreak.domain import CardState, Rating
from drillbreak.store.db import orm
from drillbreak.store.tables import CardRecord, ReviewLog

DAY_MS = 86_400_000


def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group satisfy ``cond`` (0, never NULL)."""
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


class ReviewTotals(NamedTuple):
    reviews: int
    new: int  # reviews of new cards: cards introduced
    duration_ms: int


class RetentionCounts(NamedTuple):
    reviews: int  # reviews of cards in the review state
    passed: int  # of those, rated Hard or better


class StateCount(NamedTuple):
    deck: str
    state: CardState
    suspended: bool
    cards: int


def _review_filter(decks: Sequence[str] | None) -> list[ColumnElement[bool]]:
    live: list[ColumnElement[bool]] = [col(ReviewLog.cram).is_(False)]
    if decks is None:
        return live
    ids = select(CardRecord.id).where(col(CardRecord.deck).in_(decks)).scalar_subquery()
    return [*live, col(ReviewLog.card_id).in_(ids)]


def _card_filter(decks: Sequence[str] | None) -> list[ColumnElement[bool]]:
    return [] if decks is None else [col(CardRecord.deck).in_(decks)]


def reviews_per_day(
    conn: Connection, decks: Sequence[str] | None, since_ms: int, days: int
) -> list[int]:
    """Reviews in each of ``days`` days of 24 h from ``since_ms``, oldest first."""
    when = col(ReviewLog.reviewed_at_ms)
    day_index = (when - since_ms) // DAY_MS
    query = (
        select(day_index, func.count())
        .where(*_review_filter(decks), when >= since_ms)
        .group_by(day_index)
    )
    with orm(conn) as session:
        per_day = dict(session.exec(query).all())
    return [int(per_day.get(i, 0)) for i in range(days)]


def review_totals(conn: Connection, decks: Sequence[str] | None, since_ms: int) -> ReviewTotals:
    query = select(
        func.count(),
        count_if(col(ReviewLog.state_before) == CardState.NEW),
        func.coalesce(func.sum(ReviewLog.duration_ms), 0),
    ).where(*_review_filter(decks), col(ReviewLog.reviewed_at_ms) >= since_ms)
    with orm(conn) as session:
        return ReviewTotals(*map(int, session.exec(query).one()))


def retention(conn: Connection, decks: Sequence[str] | None, since_ms: int) -> RetentionCounts:
    query = select(func.count(), count_if(col(ReviewLog.rating) > Rating.AGAIN)).where(
        *_review_filter(decks),
        col(ReviewLog.state_before) == CardState.REVIEW,
        col(ReviewLog.reviewed_at_ms) >= since_ms,
    )
    with orm(conn) as session:
        return RetentionCounts(*map(int, session.exec(query).one()))


def due_forecast(
    conn: Connection, decks: Sequence[str] | None, today_ms: int, days: int
) -> list[int]:
    """Scheduled cards due on each of ``days`` days from ``today_ms``; overdue count as day 0."""
    due = col(CardRecord.due_ms)
    due_index = case((due < today_ms + DAY_MS, 0), else_=(due - today_ms) // DAY_MS)
    query = (
        select(due_index, func.count())
        .where(
            *_card_filter(decks),
            col(CardRecord.state) != CardState.NEW,
            col(CardRecord.active).is_(True),
            col(CardRecord.suspended).is_(False),
            due < today_ms + days * DAY_MS,
        )
        .group_by(due_index)
    )
    with orm(conn) as session:
        forecast = dict(session.exec(query).all())
    return [int(forecast.get(i, 0)) for i in range(days)]


def cards_by_state(conn: Connection, decks: Sequence[str] | None) -> list[StateCount]:
    """Active cards counted by deck, state and whether suspended."""
    query = (
        select(CardRecord.deck, CardRecord.state, CardRecord.suspended, func.count())
        .where(*_card_filter(decks), col(CardRecord.active).is_(True))
        .group_by(col(CardRecord.deck), col(CardRecord.state), col(CardRecord.suspended))
    )
    with orm(conn) as session:
        return [
            StateCount(deck, CardState(state), bool(suspended), int(n))
            for deck, state, suspended, n in session.exec(query)
        ]
