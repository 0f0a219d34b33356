"""Card rows: the ``CardRow`` record, syncing rows with loaded decks, flags and undo.

The queue reads and the rating write, measured hot paths, are raw queries in
``store.hot``; everything here goes through the ``CardRecord`` model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Connection, func
from sqlmodel import col, select, update

from drillbreak.domain import CardState, SchedState
from drillbreak.store.db import orm
from drillbreak.store.tables import CardRecord, core_table

# The columns of a CardRow, in table order: every card_state column but ``active``
# (rows are read for active cards only).  tests/test_store.py checks CardRow against it.
ROW_FIELDS: tuple[str, ...] = tuple(
    c.name for c in core_table(CardRecord).columns if c.name != "active"
)


class CardRow(NamedTuple):
    """One card_state row (the fields are ``ROW_FIELDS``).  A NamedTuple, not a model:
    the queue builds thousands at start-up straight from DBAPI rows (bench/FINDINGS.md)."""

    id: int
    deck: str
    key: str
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due_ms: int | None
    last_review_ms: int | None
    reps: int
    lapses: int
    suspended: bool
    buried_until_ms: int | None
    leech: bool
    new_order: int

    @property
    def sched(self) -> SchedState:
        return SchedState(
            CardState(self.state),
            self.step,
            self.stability,
            self.difficulty,
            self.due_ms,
            self.last_review_ms,
        )


_ROW_COLUMNS = tuple(col(getattr(CardRecord, name)) for name in ROW_FIELDS)
_DECK, _KEY, _ID = col(CardRecord.deck), col(CardRecord.key), col(CardRecord.id)
_T = TypeVar("_T")


def _chunks(seq: Sequence[_T], n: int) -> Iterator[Sequence[_T]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _stored(conn: Connection, decks: list[str]) -> dict[tuple[str, str], tuple[int, bool]]:
    stored: dict[tuple[str, str], tuple[int, bool]] = {}
    with orm(conn) as session:
        for chunk in _chunks(decks, 500):
            query = select(_ID, _DECK, _KEY, CardRecord.active).where(_DECK.in_(chunk))
            for card_id, deck, key, active in session.exec(query):
                assert card_id is not None  # a stored row's primary key
                stored[(deck, key)] = (card_id, bool(active))
    return stored


def add_missing(conn: Connection, keys: Iterable[tuple[str, str]]) -> int:
    """Give every (deck, key) not yet stored a NEW row; return how many were added."""
    wanted = list(dict.fromkeys(keys))
    stored = _stored(conn, sorted({d for d, _ in wanted}))
    return _insert_new(conn, [k for k in wanted if k not in stored])


def _insert_new(conn: Connection, missing: list[tuple[str, str]]) -> int:
    """New cards are introduced in deck-file order: ``new_order`` continues from the largest."""
    if missing:
        with orm(conn) as session:
            start = session.exec(select(func.coalesce(func.max(CardRecord.new_order), 0))).one()
            session.add_all(
                CardRecord(deck=d, key=k, state=CardState.NEW, new_order=start + i + 1)
                for i, (d, k) in enumerate(missing)
            )
            session.flush()
    return len(missing)


def sync(conn: Connection, decks: Iterable[tuple[str, Iterable[str]]]) -> int:
    """Make the rows of these decks match the loaded cards: ``(deck id, all its keys)``.

    Adds missing rows; rows whose card is gone from its file are marked
    inactive, not deleted, so that restoring the card restores its history.
    One read of each deck's stored rows serves all three decisions, a deck at a
    time (memory: see bench/FINDINGS.md, "Peak RSS"), as a raw query (``store.hot``).
    """
    from drillbreak.store import hot  # hot imports this module

    missing: list[tuple[str, str]] = []
    revive: list[int] = []
    retire: list[int] = []
    for deck, keys in decks:
        wanted = dict.fromkeys(keys)
        active, inactive = hot.stored_keys(conn, deck)
        retire.extend(card_id for key, card_id in active.items() if key not in wanted)
        revive.extend(card_id for key, card_id in inactive.items() if key in wanted)
        missing.extend((deck, k) for k in wanted if k not in active and k not in inactive)
    set_flags(conn, revive, active=True)
    set_flags(conn, retire, active=False)
    return _insert_new(conn, missing)


def next_due_ms(conn: Connection, decks: list[str], after_ms: int) -> int | None:
    """When the next card of these decks falls due after ``after_ms`` (new cards excluded)."""
    scheduled = (CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING)
    return _earliest_due(conn, decks, col(CardRecord.state).in_(scheduled), after_ms)


def learning_due_ms(conn: Connection, decks: list[str], now_ms: int) -> int | None:
    """When the first learning/relearning card of these decks falls due, overdue or not
    (buried cards left out)."""
    learning = col(CardRecord.state).in_((CardState.LEARNING, CardState.RELEARNING))
    buried = col(CardRecord.buried_until_ms)
    return _earliest_due(conn, decks, learning & (buried.is_(None) | (buried <= now_ms)), None)


def _earliest_due(
    conn: Connection, decks: list[str], where: ColumnElement[bool], after_ms: int | None
) -> int | None:
    query = select(func.min(CardRecord.due_ms)).where(
        _DECK.in_(decks),
        where,  # the state test uses the queue index
        col(CardRecord.active).is_(True),
        col(CardRecord.suspended).is_(False),
    )
    if after_ms is not None:
        query = query.where(col(CardRecord.due_ms) > after_ms)
    with orm(conn) as session:
        return session.exec(query).one()


def _rows(conn: Connection, *where: ColumnElement[bool]) -> list[CardRow]:
    with orm(conn) as session:
        return [CardRow._make(r) for r in session.exec(select(*_ROW_COLUMNS).where(*where))]


def rows_for_decks(conn: Connection, decks: Iterable[str]) -> list[CardRow]:
    decks = list(decks)
    return [row for chunk in _chunks(decks, 500) for row in _rows(conn, _DECK.in_(chunk))]


def rows_by_keys(conn: Connection, deck: str, keys: Sequence[str]) -> list[CardRow]:
    """The active rows of these item keys of one deck (a note's siblings: a handful)."""
    if not keys:
        return []
    return _rows(
        conn, col(CardRecord.deck) == deck, _KEY.in_(keys), col(CardRecord.active).is_(True)
    )


def get(conn: Connection, card_id: int) -> CardRow | None:
    return next(iter(_rows(conn, col(CardRecord.id) == card_id)), None)


def get_by_key(conn: Connection, deck: str, key: str) -> CardRow | None:
    return next(iter(_rows(conn, col(CardRecord.deck) == deck, col(CardRecord.key) == key)), None)


def restore(conn: Connection, row: CardRow) -> None:
    """Put a row back exactly as it was (undo)."""
    values = row._asdict()
    card_id = values.pop("id")
    with orm(conn) as session:
        session.exec(update(CardRecord).where(card_id == _ID).values(**values))


def set_flags(conn: Connection, card_ids: Iterable[int], **values: object) -> None:
    ids = list(card_ids)
    if ids:
        with orm(conn) as session:
            for chunk in _chunks(ids, 500):
                session.exec(update(CardRecord).where(_ID.in_(chunk)).values(**values))
