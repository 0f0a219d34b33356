"""Card rows: the ``CardRow`` record, syncing rows with loaded decks, flags and undo.

Plain SQL (``store.raw``): the deck-key sync runs at every start and the session's
reads and writes of card rows run beside the queue's, so none of them loads
SQLAlchemy.  The queue reads and the rating write, measured hot paths, are in
``store.hot``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, TypeVar

from drillbreak.domain import CardState, SchedState
from drillbreak.store.raw import CARD_TABLE, Conn, cursor
from drillbreak.store.settings_store import get_value, put_value


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


# The columns of a CardRow, in table order: every card_state column but ``active``
# (rows are read for active cards only).  tests/test_store.py checks them against tables.py.
ROW_FIELDS: tuple[str, ...] = CardRow._fields
_SELECT_ROWS = f"SELECT {', '.join(ROW_FIELDS)} FROM {CARD_TABLE}"
_SCHEDULED = (CardState.LEARNING, CardState.REVIEW, CardState.RELEARNING)
_LEARNING = (CardState.LEARNING, CardState.RELEARNING)
_CHUNK = 500  # bound parameters per statement, well under SQLite's limit
_T = TypeVar("_T")


def _chunks(seq: Sequence[_T], n: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _ints(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in values)


def add_missing(conn: Conn, keys: Iterable[tuple[str, str]]) -> int:
    """Give every (deck, key) not yet stored a NEW row; return how many were added."""
    wanted = list(dict.fromkeys(keys))
    by_deck: dict[str, list[str]] = {}
    for deck, key in wanted:
        by_deck.setdefault(deck, []).append(key)
    stored: set[tuple[str, str]] = set()
    cur = cursor(conn)
    try:  # the keys asked for only: a deck's other rows are not read
        for deck, deck_keys in by_deck.items():
            for chunk in _chunks(deck_keys):
                sql = f"SELECT deck, key FROM {CARD_TABLE} WHERE deck = ? AND key IN ({_marks(len(chunk))})"
                stored.update(cur.execute(sql, (deck, *chunk)))
    finally:
        cur.close()
    added = _insert_new(conn, [k for k in wanted if k not in stored])
    if added:  # rows no deck sync made: the next start syncs every deck again
        put_value(conn, _SYNCED_KEY, None)
    return added


def _insert_new(conn: Conn, missing: list[tuple[str, str]]) -> int:
    """New cards are introduced in deck-file order: ``new_order`` continues from the largest."""
    if missing:
        cur = cursor(conn)
        try:
            (start,) = cur.execute(
                f"SELECT coalesce(max(new_order), 0) FROM {CARD_TABLE}"
            ).fetchone()
            cur.executemany(
                f"INSERT INTO {CARD_TABLE} (deck, key, state, step, reps, lapses, suspended,"
                " leech, new_order, active) VALUES (?, ?, ?, NULL, 0, 0, 0, 0, ?, 1)",
                ((d, k, int(CardState.NEW), start + i + 1) for i, (d, k) in enumerate(missing)),
            )
        finally:
            cur.close()
    return len(missing)


def sync(conn: Conn, decks: Iterable[tuple[str, Iterable[str]]]) -> int:
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


_SYNCED_KEY = "synced_decks"


def synced_decks(conn: Conn) -> dict[str, str]:
    """deck id -> the fingerprint (``Deck.fingerprint``) of the deck file its rows were
    last synced with; ``sync`` of an unchanged file can be skipped."""
    text = get_value(conn, _SYNCED_KEY)
    try:
        stored = json.loads(text) if text is not None else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}


def mark_synced(conn: Conn, fingerprints: Mapping[str, str]) -> None:
    """Record that these decks' rows now match the files with these fingerprints."""
    if fingerprints:
        stored = synced_decks(conn) | dict(fingerprints)
        put_value(conn, _SYNCED_KEY, json.dumps(stored, sort_keys=True))


def next_due_ms(conn: Conn, decks: list[str], after_ms: int) -> int | None:
    """When the next card of these decks falls due after ``after_ms`` (new cards excluded)."""
    return _earliest_due(conn, decks, f"state IN ({_ints(_SCHEDULED)}) AND due_ms > ?", (after_ms,))


def learning_due_ms(conn: Conn, decks: list[str], now_ms: int) -> int | None:
    """When the first learning/relearning card of these decks falls due, overdue or not
    (buried cards left out)."""
    where = f"state IN ({_ints(_LEARNING)}) AND (buried_until_ms IS NULL OR buried_until_ms <= ?)"
    return _earliest_due(conn, decks, where, (now_ms,))


def _earliest_due(conn: Conn, decks: list[str], where: str, params: tuple[int, ...]) -> int | None:
    # the state test uses the queue index
    sql = (
        f"SELECT min(due_ms) FROM {CARD_TABLE} WHERE deck IN ({_marks(len(decks))})"
        f" AND {where} AND active = 1 AND suspended = 0"
    )
    cur = cursor(conn)
    try:
        (earliest,) = cur.execute(sql, (*decks, *params)).fetchone()
    finally:
        cur.close()
    return None if earliest is None else int(earliest)


def _rows(conn: Conn, where: str, params: Sequence[object]) -> list[CardRow]:
    cur = cursor(conn)
    try:
        rows = cur.execute(f"{_SELECT_ROWS} WHERE {where}", tuple(params)).fetchall()
    finally:
        cur.close()
    return [_row(r) for r in rows]


def _row(values: Sequence[object]) -> CardRow:
    row = CardRow._make(values)
    return row._replace(suspended=bool(row.suspended), leech=bool(row.leech))


def rows_for_decks(conn: Conn, decks: Iterable[str]) -> list[CardRow]:
    decks = list(decks)
    return [
        row
        for chunk in _chunks(decks)
        for row in _rows(conn, f"deck IN ({_marks(len(chunk))})", chunk)
    ]


def rows_by_keys(conn: Conn, deck: str, keys: Sequence[str]) -> list[CardRow]:
    """The active rows of these item keys of one deck (a note's siblings: a handful)."""
    if not keys:
        return []
    where = f"deck = ? AND key IN ({_marks(len(keys))}) AND active = 1"
    return _rows(conn, where, (deck, *keys))


def get(conn: Conn, card_id: int) -> CardRow | None:
    return next(iter(_rows(conn, "id = ?", (card_id,))), None)


def get_by_key(conn: Conn, deck: str, key: str) -> CardRow | None:
    return next(iter(_rows(conn, "deck = ? AND key = ?", (deck, key))), None)


def restore(conn: Conn, row: CardRow) -> None:
    """Put a row back exactly as it was (undo)."""
    values = row._asdict()
    card_id = values.pop("id")
    _update(conn, [card_id], values)


def set_flags(conn: Conn, card_ids: Iterable[int], **values: object) -> None:
    ids = list(card_ids)
    if ids:
        _update(conn, ids, values)


def _update(conn: Conn, ids: Sequence[int], values: dict[str, object]) -> None:
    """Set these columns (names checked against the table's) on the rows ``ids``."""
    if unknown := set(values) - {*ROW_FIELDS, "active"}:
        raise ValueError(f"not card_state columns: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in values)
    cur = cursor(conn)
    try:
        for chunk in _chunks(ids):
            cur.execute(
                f"UPDATE {CARD_TABLE} SET {assignments} WHERE id IN ({_marks(len(chunk))})",
                (*values.values(), *chunk),
            )
    finally:
        cur.close()
