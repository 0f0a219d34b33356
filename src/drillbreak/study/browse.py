"""Browse: every card with its scheduling state, searchable.

Search terms are ANDed; ``deck:ID``, ``type:T``, ``state:S``, ``tag:T`` and
``is:suspended`` / ``is:leech`` filter fields, other words match the card text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drillbreak.clock import from_ms, to_ms
from drillbreak.deck.items import StudyItem, deck_items
from drillbreak.deck.loader import Collection
from drillbreak.domain import CardState
from drillbreak.schedule.fsrs_adapter import decay, retrievability
from drillbreak.store import cards, settings_store
from drillbreak.store.db import Database
from drillbreak.store.stats_queries import DAY_MS
from drillbreak.study import content


@dataclass(frozen=True)
class BrowseRow:
    item: StudyItem
    card_id: int
    question: str  # the question side on one line, for a table
    state: str
    due: datetime | None
    interval_days: float | None  # from the last review to the due date
    stability: float | None
    retrievability: float | None
    reviews: int
    lapses: int
    suspended: bool
    leech: bool
    search_text: str

    @property
    def deck(self) -> str:
        return self.item.deck_id

    @property
    def key(self) -> str:
        return self.item.key


def load_rows(db: Database, collection: Collection, now: datetime) -> list[BrowseRow]:
    items = [i for d in collection.decks for i in deck_items(d)]
    with db.read() as conn:
        curve = decay(settings_store.load(conn))  # the learner's fitted forgetting curve
        stored = {
            (r.deck, r.key): r for r in cards.rows_for_decks(conn, [d.id for d in collection.decks])
        }
    now_ms = to_ms(now)
    out = []
    for item in items:
        row = stored.get((item.deck_id, item.key))
        if row is None:
            continue
        r = interval = None
        if row.state != CardState.NEW:
            r = retrievability(row.stability, row.last_review_ms, now_ms, curve)
        if row.due_ms is not None and row.last_review_ms is not None:
            interval = (row.due_ms - row.last_review_ms) / DAY_MS
        question = content.question(item)
        text = " ".join(
            [item.deck_id, item.key, item.type, *item.tags, question, content.answer(item)]
        ).lower()
        out.append(
            BrowseRow(
                item=item,
                card_id=row.id,
                question=" ".join(question.split()),
                state="suspended" if row.suspended else CardState(row.state).label,
                due=from_ms(row.due_ms) if row.due_ms is not None else None,
                interval_days=interval,
                stability=row.stability,
                retrievability=r,
                reviews=row.reps,
                lapses=row.lapses,
                suspended=row.suspended,
                leech=row.leech,
                search_text=text,
            )
        )
    return out


def matches(row: BrowseRow, query: str) -> bool:
    for term in query.lower().split():
        field, _, value = term.partition(":")
        if value and field == "deck":
            ok = row.deck == value
        elif value and field == "type":
            ok = row.item.type == value
        elif value and field == "state":
            ok = row.state == value
        elif value and field == "tag":
            ok = value in row.item.tags
        elif value and field == "is":
            ok = (value == "suspended" and row.suspended) or (value == "leech" and row.leech)
        else:
            ok = term in row.search_text
        if not ok:
            return False
    return True


def search(rows: list[BrowseRow], query: str) -> list[BrowseRow]:
    return [r for r in rows if matches(r, query)] if query.strip() else list(rows)


def set_suspended(db: Database, card_id: int, suspended: bool) -> None:
    with db.write() as conn:
        cards.set_flags(conn, [card_id], suspended=suspended)


def schedule_line(row: BrowseRow) -> str:
    """The card's schedule in one line: state, due, interval, stability,
    retrievability, reviews and lapses (a new card: only that it is new)."""
    if row.due is None and row.reviews == 0:
        return f"{row.state} · not studied yet"
    parts = [row.state]
    if row.due is not None:
        parts.append(f"due {row.due.astimezone():%Y-%m-%d %H:%M}")
    if row.interval_days is not None:
        parts.append(f"interval {_days(row.interval_days)}")
    if row.stability is not None:
        parts.append(f"stability {_days(row.stability)}")
    if row.retrievability is not None:
        parts.append(f"retrievability {row.retrievability:.0%}")
    parts.append(f"{row.reviews} review{'' if row.reviews == 1 else 's'}")
    parts.append(f"{row.lapses} lapse{'' if row.lapses == 1 else 's'}")
    return " · ".join(parts)


def _days(days: float) -> str:
    if days < 1:
        return f"{days * 24 * 60:.0f} min" if days < 1 / 24 else f"{days * 24:.1f} h"
    return f"{days:.1f} days"
