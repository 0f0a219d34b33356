"""Per-deck card counts for the deck list, one aggregate over the card table."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import ColumnElement, Connection, case, func
from sqlmodel import col, select

from drillbreak.domain import CardState
from drillbreak.store.db import orm
from drillbreak.store.tables import CardRecord


class StoredCounts(NamedTuple):
    """One deck's active cards, as stored (before any daily limit)."""

    deck: str
    new: int  # available (not suspended, not buried) new cards
    learning: int  # learning/relearning cards due by the end of the day
    due: int  # review cards due by the end of the day
    total: int
    suspended: int


def count_if(cond: ColumnElement[bool]) -> ColumnElement[int]:
    """SQL: how many rows of the group satisfy ``cond`` (0, never NULL)."""
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def deck_counts(
    conn: Connection, decks: list[str], now_ms: int, day_end_ms: int
) -> list[StoredCounts]:
    """The counts of each of ``decks`` that has active cards."""
    state = col(CardRecord.state)
    suspended = col(CardRecord.suspended)
    buried = col(CardRecord.buried_until_ms)
    available = suspended.is_(False) & (buried.is_(None) | (buried <= now_ms))
    due_today = available & (col(CardRecord.due_ms) <= day_end_ms)
    query = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            CardRecord.deck,
            count_if(available & (state == CardState.NEW)),
            count_if(due_today & state.in_((CardState.LEARNING, CardState.RELEARNING))),
            count_if(due_today & (state == CardState.REVIEW)),
            func.count(),
            count_if(suspended.is_(True)),
        )
        .where(col(CardRecord.deck).in_(decks), col(CardRecord.active).is_(True))
        .group_by(CardRecord.deck)
    )
    with orm(conn) as session:
        return [StoredCounts(deck, *map(int, rest)) for deck, *rest in session.exec(query)]
