"""``drillbreak export reviews``: the review log in the FSRS optimizer's CSV, or JSON.

One row per rating, oldest first: ``card_id`` (the database's card row id, the
same for every review of one study item), ``review_time`` (epoch ms),
``review_rating`` (1-4), ``review_state`` (the state *before* the review:
0 new, 1 learning, 2 review, 3 relearning) and ``review_duration`` (ms).
Cram reviews never touched the schedule, so they are left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import Connection, select

from drillbreak.store.db import Database
from drillbreak.store.tables import CardState, ReviewLog

FSRS_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration")
FORMATS = ("fsrs-csv", "json")


@dataclass(frozen=True)
class ReviewRow:
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
    R = ReviewLog.__table__.c
    C = CardState.__table__.c
    stmt = (
        select(
            R.card_id,
            R.reviewed_at_ms,
            R.rating,
            R.state_before,
            R.duration_ms,
            C.deck,
            C.key,
        )
        .join_from(ReviewLog.__table__, CardState.__table__, R.card_id == C.id)
        .where(R.cram.is_(False))
        .order_by(R.reviewed_at_ms, R.id)
    )
    if decks:
        stmt = stmt.where(C.deck.in_(list(decks)))
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
        for card_id, when, rating, state, duration, deck, key in conn.execute(stmt)
    ]


def load_reviews(db: Database, decks: Sequence[str] | None = None) -> list[ReviewRow]:
    with db.read() as conn:
        return read_reviews(conn, decks)


def write_fsrs_csv(rows: Iterable[ReviewRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FSRS_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow(row.fsrs_values())
        n += 1
    return n


def write_json(rows: Iterable[ReviewRow], out: TextIO) -> int:
    data = [
        {
            **dict(zip(FSRS_COLUMNS, row.fsrs_values(), strict=True)),
            "deck": row.deck,
            "key": row.key,
        }
        for row in rows
    ]
    json.dump(data, out, indent=1, ensure_ascii=False)
    out.write("\n")
    return len(data)


def write_reviews(rows: Sequence[ReviewRow], fmt: str, out: TextIO) -> int:
    if fmt == "fsrs-csv":
        return write_fsrs_csv(rows, out)
    if fmt == "json":
        return write_json(rows, out)
    raise ValueError(f"unknown format {fmt!r}")
