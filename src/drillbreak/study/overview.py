"""Per-deck counts for the deck list: new (available today) / learning / due / total,
and why a deck has nothing to study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from drillbreak.clock import from_ms, to_ms
from drillbreak.schedule.days import day_end
from drillbreak.settings import Settings
from drillbreak.store import cards, counts
from drillbreak.store.db import Database
from drillbreak.study import limits


@dataclass(frozen=True)
class DeckCounts:
    deck: str
    new: int  # new cards available today (after the daily limits)
    learning: int
    due: int  # reviews due today (after the daily limits)
    total: int
    new_total: int = 0
    suspended: int = 0
    due_total: int = 0  # reviews due today, before the limits


@dataclass(frozen=True)
class Overview:
    decks: dict[str, DeckCounts]
    today: limits.Today  # each deck's limits and what today used of them

    @property
    def total(self) -> DeckCounts:
        values = list(self.decks.values())
        return DeckCounts(
            "all decks",
            limits.capped(sum(c.new for c in values), self.today.new_cap_left),
            sum(c.learning for c in values),
            limits.capped(sum(c.due for c in values), self.today.reviews_cap_left),
            sum(c.total for c in values),
            sum(c.new_total for c in values),
            sum(c.suspended for c in values),
            sum(c.due_total for c in values),
        )


def deck_counts(
    db: Database, decks: list[str], settings: Settings, now: datetime, tz: tzinfo | None = None
) -> Overview:
    """The store's per-deck counts, with each deck's daily limits applied."""
    with db.raw_read() as conn:
        rows = counts.deck_counts(
            conn, decks, to_ms(now), to_ms(day_end(now, settings.rollover_hour, tz))
        )
        today = limits.today(conn, decks, settings, now, tz)
    out = {
        c.deck: DeckCounts(
            c.deck,
            min(c.new, today.new_left(c.deck)),
            c.learning,
            min(c.due, today.reviews_left(c.deck)),
            c.total,
            c.new,
            c.suspended,
            c.due,
        )
        for c in rows
        if c.deck in today.decks
    }
    for deck in decks:
        out.setdefault(deck, DeckCounts(deck, 0, 0, 0, 0))
    return Overview({d: out[d] for d in decks}, today)


Why = Literal[
    "empty",
    "suspended",
    "new_limit",
    "review_limit",
    "all_new_limit",
    "all_review_limit",
    "not_due",
    "done",
]


@dataclass(frozen=True)
class Idle:
    """Why there is nothing to study now, and what to do about it: ``message`` is a
    clause to show after "Nothing to study: "."""

    why: Why
    message: str
    next_due: datetime | None = None

    @property
    def sentence(self) -> str:
        """The message on its own: "Daily new-card limit reached (20/20): ... or cram."."""
        return f"{self.message[:1].upper()}{self.message[1:]}."


def why_idle(
    db: Database, decks: list[str], settings: Settings, now: datetime, tz: tzinfo | None = None
) -> Idle:
    """Why ``decks`` have nothing to study now (asked when a session came out empty)."""
    overview = deck_counts(db, decks, settings, now, tz)
    t = overview.total
    today = overview.today
    with db.raw_read() as conn:
        next_ms = cards.next_due_ms(conn, decks, to_ms(now))
    next_due = from_ms(next_ms) if next_ms is not None else None
    if t.total == 0:
        return Idle("empty", "no cards in this deck; add some to its file", next_due)
    if t.suspended == t.total:
        return Idle("suspended", "every card is suspended; unsuspend some in Browse", next_due)
    if t.due_total > t.due:
        if today.reviews_cap_left == 0:
            return Idle("all_review_limit", _cap_message("review", settings), next_due)
        return Idle("review_limit", _limit_message("review", overview, decks), next_due)
    if t.new_total > t.new:
        if today.new_cap_left == 0:
            return Idle("all_new_limit", _cap_message("new-card", settings), next_due)
        return Idle("new_limit", _limit_message("new-card", overview, decks), next_due)
    if next_due is not None:
        wait = f"next card due in {_wait(next_due - now)}"
        return Idle("not_due", f"{wait}; come back then, or cram", next_due)
    return Idle("done", "nothing is due today; cram to study anyway", None)


def _limit_message(
    kind: Literal["new-card", "review"], overview: Overview, decks: list[str]
) -> str:
    days = [overview.today.decks[d] for d in decks]
    if kind == "new-card":
        done, limit = sum(d.new_done for d in days), sum(d.new_limit for d in days)
    else:
        done, limit = sum(d.reviews_done for d in days), sum(d.review_limit for d in days)
    return f"daily {kind} limit reached ({done}/{limit}): raise it in Settings or cram"


def _cap_message(kind: Literal["new-card", "review"], settings: Settings) -> str:
    cap = settings.new_per_day_all if kind == "new-card" else settings.reviews_per_day_all
    return (
        f"daily {kind} limit for all decks reached ({cap}/{cap}): "
        "raise it with `drillbreak limits --all` or cram"
    )


def _wait(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = round(minutes / 60)
    return f"{hours} h" if hours < 48 else f"{round(hours / 24)} days"
