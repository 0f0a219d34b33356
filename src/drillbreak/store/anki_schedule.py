"""Card states and review logs read for ``drillbreak export anki --with-schedule``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from drillbreak.store.tables import CardRecord, ReviewLog, core_table


@dataclass(frozen=True)
class LoggedReview:
    at_ms: int
    rating: int
    duration_ms: int
    state_before: int
    state_after: int
    interval_ms: int
    due_after_ms: int | None
    stability_after: float | None
    difficulty_after: float | None


@dataclass
class CardHistory:
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_ms: int | None
    last_review_ms: int | None
    reps: int
    lapses: int
    suspended: bool
    reviews: list[LoggedReview] = field(default_factory=list)  # non-cram, oldest first


def card_histories(conn: Connection, decks: Iterable[str]) -> dict[tuple[str, str], CardHistory]:
    """(deck, item key) -> the card's schedule and its non-cram reviews."""
    cards, logs = core_table(CardRecord), core_table(ReviewLog)
    C, R = cards.c, logs.c
    decks = list(decks)
    out: dict[tuple[str, str], CardHistory] = {}
    by_id: dict[int, CardHistory] = {}
    rows = conn.execute(
        select(
            C.id,
            C.deck,
            C.key,
            C.state,
            C.step,
            C.stability,
            C.difficulty,
            C.due_ms,
            C.last_review_ms,
            C.reps,
            C.lapses,
            C.suspended,
        ).where(C.deck.in_(decks))
    )
    for c in rows:
        history = CardHistory(
            c.state,
            c.step,
            c.stability,
            c.difficulty,
            c.due_ms,
            c.last_review_ms,
            c.reps,
            c.lapses,
            suspended=bool(c.suspended),
        )
        out[(c.deck, c.key)] = by_id[c.id] = history
    reviews = conn.execute(
        select(
            R.card_id,
            R.reviewed_at_ms,
            R.rating,
            R.duration_ms,
            R.state_before,
            R.state_after,
            R.interval_ms,
            R.due_after_ms,
            R.stability_after,
            R.difficulty_after,
        )
        .join_from(logs, cards, R.card_id == C.id)
        .where(C.deck.in_(decks), R.cram.is_(False))
        .order_by(R.reviewed_at_ms, R.id)
    )
    for r in reviews:
        by_id[r.card_id].reviews.append(
            LoggedReview(
                r.reviewed_at_ms,
                r.rating,
                r.duration_ms,
                r.state_before,
                r.state_after,
                r.interval_ms,
                r.due_after_ms,
                r.stability_after,
                r.difficulty_after,
            )
        )
    return out
