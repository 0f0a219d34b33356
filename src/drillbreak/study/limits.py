"""Daily limits, Anki's model: each deck has its own new/review limits (the settings'
unless the deck has its own), and optional caps over all decks together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from drillbreak.clock import to_ms
from drillbreak.errors import UserError
from drillbreak.schedule.days import day_start
from drillbreak.settings import DeckLimits, Settings, SettingsInvalid
from drillbreak.store import deck_limits, hot, settings_store
from drillbreak.store.db import Database
from drillbreak.store.raw import Conn


@dataclass(frozen=True)
class DeckDay:
    """One deck's limits today and what it has used of them."""

    new_limit: int
    review_limit: int
    new_done: int = 0
    reviews_done: int = 0

    @property
    def new_left(self) -> int:
        return max(0, self.new_limit - self.new_done)

    @property
    def reviews_left(self) -> int:
        return max(0, self.review_limit - self.reviews_done)


@dataclass(frozen=True)
class Today:
    decks: dict[str, DeckDay]
    new_cap_left: int | None  # what the all-decks caps leave; None: no cap
    reviews_cap_left: int | None

    def new_left(self, deck: str) -> int:
        return capped(self.decks[deck].new_left, self.new_cap_left)

    def reviews_left(self, deck: str) -> int:
        return capped(self.decks[deck].reviews_left, self.reviews_cap_left)


def capped(n: int, cap: int | None) -> int:
    """``n``, or ``cap`` if that is smaller (None: no cap)."""
    return n if cap is None else min(n, cap)


def effective(settings: Settings, own: DeckLimits | None) -> tuple[int, int]:
    """A deck's (new, review) daily limits: its own where set, else the settings'."""
    own = own or DeckLimits()
    new = own.new_per_day if own.new_per_day is not None else settings.new_per_day
    reviews = own.reviews_per_day if own.reviews_per_day is not None else settings.reviews_per_day
    return new, reviews


def today(
    conn: Conn, decks: list[str], settings: Settings, now: datetime, tz: tzinfo | None
) -> Today:
    """Every deck's limits and what today's (non-cram) ratings have used of them."""
    own = deck_limits.load(conn)
    done = hot.counts_since(conn, to_ms(day_start(now, settings.rollover_hour, tz)))
    out = {}
    for deck in decks:
        new, reviews = effective(settings, own.get(deck))
        out[deck] = DeckDay(new, reviews, *done.get(deck, (0, 0)))
    all_new = sum(n for n, _ in done.values())
    all_reviews = sum(r for _, r in done.values())
    return Today(
        out,
        None if settings.new_per_day_all is None else max(0, settings.new_per_day_all - all_new),
        None
        if settings.reviews_per_day_all is None
        else max(0, settings.reviews_per_day_all - all_reviews),
    )


def own_limits(conn: Conn) -> dict[str, DeckLimits]:
    """The decks that have limits of their own, and those limits."""
    return deck_limits.load(conn)


def change(
    db: Database, deck: str | None, *, new: int | None, reviews: int | None, reset: bool
) -> Settings:
    """Set one deck's own daily limits (``deck``), or the caps over all decks (None).
    ``reset`` first drops what was set (the deck follows the settings again; no cap);
    a value out of range raises a UserError.  Returns the settings now stored."""
    with db.raw_write() as conn:
        settings = settings_store.load(conn)
        if deck is None:
            changes: dict[str, int | None] = {
                "new_per_day_all": new,
                "reviews_per_day_all": reviews,
            }
            if not reset:
                changes = {k: v for k, v in changes.items() if v is not None}
            settings = settings.with_changes(**changes)
            settings_store.save(conn, settings)
            return settings
        own = DeckLimits() if reset else deck_limits.load(conn).get(deck, DeckLimits())
        values = {
            k: v for k, v in (("new_per_day", new), ("reviews_per_day", reviews)) if v is not None
        }
        try:
            own = own.changed(values)
        except SettingsInvalid as exc:
            raise UserError(str(exc)) from None
        deck_limits.save(conn, deck, own)
    return settings
