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
from drillbreak.study import content


@dataclass(frozen=True)
class BrowseRow:
    item: StudyItem
    card_id: int
    state: str
    due: datetime | None
    stability: float | None
    retrievability: float | None
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
        r = None
        if row.state != CardState.NEW:
            r = retrievability(row.stability, row.last_review_ms, now_ms, curve)
        text = " ".join(
            [
                item.deck_id,
                item.key,
                item.type,
                *item.tags,
                content.question(item),
                content.answer(item),
            ]
        ).lower()
        out.append(
            BrowseRow(
                item=item,
                card_id=row.id,
                state="suspended" if row.suspended else CardState(row.state).label,
                due=from_ms(row.due_ms) if row.due_ms is not None else None,
                stability=row.stability,
                retrievability=r,
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
