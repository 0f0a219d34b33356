"""Per-deck counts for the deck list: new (available today) / learning / due / total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import case, func, select

from drillbreak.clock import to_ms
from drillbreak.schedule.days import day_end, day_start
from drillbreak.schedule.settings import Settings
from drillbreak.store import reviews
from drillbreak.store.db import Database
from drillbreak.store.tables import LEARNING, NEW, RELEARNING, REVIEW, CardState

C = CardState.__table__.c


@dataclass(frozen=True)
class DeckCounts:
    deck: str
    new: int  # new cards available today (after the daily limit)
    learning: int
    due: int
    total: int
    new_total: int = 0
    suspended: int = 0


@dataclass(frozen=True)
class Overview:
    decks: dict[str, DeckCounts]
    new_left: int  # the daily new-card limit is shared by all decks
    review_left: int

    @property
    def total(self) -> DeckCounts:
        values = list(self.decks.values())
        new_total = sum(c.new_total for c in values)
        return DeckCounts(
            "all decks",
            min(new_total, self.new_left),
            sum(c.learning for c in values),
            min(sum(c.due for c in values), self.review_left),
            sum(c.total for c in values),
            new_total,
            sum(c.suspended for c in values),
        )


def deck_counts(
    db: Database, decks: list[str], settings: Settings, now: datetime, tz: tzinfo | None = None
) -> Overview:
    """One SQL aggregate over the card table, grouped by deck."""
    now_ms = to_ms(now)
    end_ms = to_ms(day_end(now, settings.rollover_hour, tz))
    available = C.suspended.is_(False) & (
        C.buried_until_ms.is_(None) | (C.buried_until_ms <= now_ms)
    )
    due_today = available & (C.due_ms <= end_ms)

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    stmt = (
        select(
            C.deck,
            count(available & (C.state == NEW)),
            count(due_today & C.state.in_((LEARNING, RELEARNING))),
            count(due_today & (C.state == REVIEW)),
            func.count(),
            count(C.suspended.is_(True)),
        )
        .where(C.deck.in_(decks), C.active.is_(True))
        .group_by(C.deck)
    )
    with db.read() as conn:
        rows = conn.execute(stmt).all()
        new_today, reviews_today = reviews.counts_since(
            conn, to_ms(day_start(now, settings.rollover_hour, tz))
        )
    new_left = max(0, settings.new_per_day - new_today)
    review_left = max(0, settings.reviews_per_day - reviews_today)
    out = {
        deck: DeckCounts(
            deck,
            min(int(n), new_left),
            int(lrn),
            min(int(due), review_left),
            int(total),
            int(n),
            int(susp),
        )
        for deck, n, lrn, due, total, susp in rows
    }
    for deck in decks:
        out.setdefault(deck, DeckCounts(deck, 0, 0, 0, 0))
    return Overview({d: out[d] for d in decks}, new_left, review_left)
