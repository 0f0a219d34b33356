"""Per-deck counts for the deck list: new (available today) / learning / due / total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from drillbreak.clock import to_ms
from drillbreak.schedule.days import day_end, day_start
from drillbreak.settings import Settings
from drillbreak.store import counts, hot
from drillbreak.store.db import Database


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
    """The store's per-deck counts, with the daily limits applied."""
    with db.read() as conn:
        rows = counts.deck_counts(
            conn, decks, to_ms(now), to_ms(day_end(now, settings.rollover_hour, tz))
        )
        new_today, reviews_today = hot.counts_since(
            conn, to_ms(day_start(now, settings.rollover_hour, tz))
        )
    new_left = max(0, settings.new_per_day - new_today)
    review_left = max(0, settings.reviews_per_day - reviews_today)
    out = {
        c.deck: DeckCounts(
            c.deck,
            min(c.new, new_left),
            c.learning,
            min(c.due, review_left),
            c.total,
            c.new,
            c.suspended,
        )
        for c in rows
    }
    for deck in decks:
        out.setdefault(deck, DeckCounts(deck, 0, 0, 0, 0))
    return Overview({d: out[d] for d in decks}, new_left, review_left)
