"""Card states and review logs read for ``drillbreak export anki --with-schedule``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlmodel import col, select

from drillbreak.store import cards
from drillbreak.store.cards import CardRow
from drillbreak.store.db import orm
from drillbreak.store.tables import CardRecord, ReviewLog


@dataclass
class CardHistory:
    card: CardRow
    reviews: list[ReviewLog] = field(default_factory=list)  # non-cram, oldest first


def card_histories(conn: Connection, decks: Iterable[str]) -> dict[tuple[str, str], CardHistory]:
    """(deck, item key) -> the card's row and its non-cram reviews."""
    decks = list(decks)
    out: dict[tuple[str, str], CardHistory] = {}
    by_id: dict[int, CardHistory] = {}
    for row in cards.rows_for_decks(conn, decks):
        out[(row.deck, row.key)] = by_id[row.id] = CardHistory(row)
    stmt = (
        select(ReviewLog)
        .join(CardRecord, col(ReviewLog.card_id) == col(CardRecord.id))
        .where(col(CardRecord.deck).in_(decks), col(ReviewLog.cram).is_(False))
        .order_by(col(ReviewLog.reviewed_at_ms), col(ReviewLog.id))
    )
    with orm(conn) as session:
        for review in session.exec(stmt):
            by_id[review.card_id].reviews.append(review)
    return out
