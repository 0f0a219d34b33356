"""The review history as exported: every non-cram review with its card's deck and key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection
from sqlmodel import col, select

from drillbreak.store.db import Database, orm
from drillbreak.store.tables import CardRecord, ReviewLog


class ReviewRow(NamedTuple):
    """One review in the FSRS optimizer's terms (``review_state``: the state before it)."""

    card_id: int
    review_time: int
    review_rating: int
    review_state: int
    review_duration: int
    deck: str
    key: str

    def fsrs_values(self) -> tuple[int, int, int, int, int]:
        return (
            self.card_id,
            self.review_time,
            self.review_rating,
            self.review_state,
            self.review_duration,
        )


def read_reviews(conn: Connection, decks: Sequence[str] | None = None) -> list[ReviewRow]:
    """Every non-cram review, oldest first (ties in insertion order)."""
    query = (
        select(  # type: ignore[call-overload]  # sqlmodel types select() up to 4 columns
            ReviewLog.card_id,
            ReviewLog.reviewed_at_ms,
            ReviewLog.rating,
            ReviewLog.state_before,
            ReviewLog.duration_ms,
            CardRecord.deck,
            CardRecord.key,
        )
        .join(CardRecord, col(ReviewLog.card_id) == col(CardRecord.id))
        .where(col(ReviewLog.cram).is_(False))
        .order_by(col(ReviewLog.reviewed_at_ms), col(ReviewLog.id))
    )
    if decks:
        query = query.where(col(CardRecord.deck).in_(list(decks)))
    with orm(conn) as session:
        return [
            ReviewRow(
                card_id=int(card_id),
                review_time=int(when),
                review_rating=int(rating),
                review_state=int(state),
                review_duration=max(0, int(duration or 0)),
                deck=deck,
                key=key,
            )
            for card_id, when, rating, state, duration, deck, key in session.exec(query)
        ]


def load_reviews(db: Database, decks: Sequence[str] | None = None) -> list[ReviewRow]:
    """Every non-cram review of these decks (default: all), in one read transaction."""
    with db.read() as conn:
        return read_reviews(conn, decks)
