"""The measured hot paths, as raw SQL: the queue build's reads and the rating write.

These run when the queue is built (thousands of rows at start-up) and on every
rating, and are kept as plain DBAPI queries because the benchmark showed the difference: see bench/FINDINGS.md
("Due queue at 100k cards").  The SQL is built from the table's column names
(``cards.ROW_FIELDS``), so the schema is still declared once, in ``store/tables.py``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter

from drillbreak.domain import CardState, SchedState
from drillbreak.store.cards import ROW_FIELDS, CardRow, set_flags
from drillbreak.store.raw import CARD_TABLE, REVIEW_TABLE, Conn
from drillbreak.store.raw import cursor as _cursor

_SCHEDULED = ", ".join(str(int(s)) for s in CardState if s != CardState.NEW)
_SELECT_ROWS = f"SELECT {', '.join(ROW_FIELDS)} FROM {CARD_TABLE}"
_AVAILABLE = "active = 1 AND suspended = 0 AND (buried_until_ms IS NULL OR buried_until_ms <= ?)"
# Both use an index range per deck: ix_card_queue (deck, state, due_ms) for due cards,
# ix_card_new_order (deck, state, new_order) for new ones, already in order.
_DUE_SQL = (
    f"{_SELECT_ROWS} WHERE deck = ? AND state IN ({_SCHEDULED}) AND due_ms <= ? AND {_AVAILABLE}"
)
_DUE_LEARNING_SQL = (
    f"{_SELECT_ROWS} WHERE deck = ?"
    f" AND state IN ({int(CardState.LEARNING)}, {int(CardState.RELEARNING)})"
    f" AND due_ms <= ? AND {_AVAILABLE}"
)
# A deck's due reviews, lowest retrievability first, at most ?: the forgetting curve
# R = (1 + factor * t / S) ** decay falls as t / S grows (factor > 0 > decay), so the
# order of t / S, descending, is the order of R; no stability or last review is R = 0.
# Ties go by id, as the planner's sort (schedule.queue.plan) breaks them.
_DUE_REVIEWS_SQL = (
    f"{_SELECT_ROWS} WHERE deck = ? AND state = {int(CardState.REVIEW)}"
    f" AND due_ms <= ? AND {_AVAILABLE}"
    " ORDER BY CASE WHEN stability > 0 AND last_review_ms IS NOT NULL"
    " THEN max(0, ? - last_review_ms) * 1.0 / stability ELSE 1e308 END DESC, id"
    " LIMIT ?"
)
_NEW_WHERE = f"{_SELECT_ROWS} WHERE deck = ? AND state = {int(CardState.NEW)} AND {_AVAILABLE}"
_NEW_SQL = f"{_NEW_WHERE} ORDER BY new_order LIMIT ?"
# At most this many keys narrow a deck's queries (``keys``): one bound parameter each.
KEYS_MAX = 500


def _of_keys(keys: Sequence[str]) -> str:
    return f" AND key IN ({', '.join('?' * len(keys))})"


_SCHED_FIELDS = tuple(f.name for f in fields(SchedState))
_COUNTS_SQL = (
    f"SELECT c.deck, sum(r.state_before = {int(CardState.NEW)}),"
    f" sum(r.state_before = {int(CardState.REVIEW)})"
    f" FROM {REVIEW_TABLE} r JOIN {CARD_TABLE} c ON c.id = r.card_id"
    " WHERE r.reviewed_at_ms >= ? AND r.cram = 0 GROUP BY c.deck"
)


def due_rows(
    conn: Conn,
    decks: list[str],
    until_ms: int,
    now_ms: int,
    reviews_most: Mapping[str, int] | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> list[CardRow]:
    """Active, unsuspended, unburied learning/review cards due by ``until_ms``; with
    ``reviews_most``, every learning card but only each named deck's
    ``reviews_most[deck]`` reviews of lowest retrievability at ``now_ms``: the ones
    today's review limit lets the planner take (at 100k cards, a deck has ~320 due and
    200 to show).  ``keys``:
    of the decks named there, the rows of those keys only (at most ``KEYS_MAX``).
    """
    cur = _cursor(conn)
    make = CardRow._make
    out: list[CardRow] = []
    try:
        for deck in decks:
            only = keys.get(deck) if keys is not None else None
            if only is not None:  # a handful of rows: the planner takes them all
                sql = _DUE_SQL + _of_keys(only)
                out.extend(map(make, cur.execute(sql, (deck, until_ms, now_ms, *only))))
                continue
            most = reviews_most.get(deck) if reviews_most is not None else None
            if most is None:
                out.extend(map(make, cur.execute(_DUE_SQL, (deck, until_ms, now_ms))))
                continue
            out.extend(map(make, cur.execute(_DUE_LEARNING_SQL, (deck, until_ms, now_ms))))
            if most > 0:
                args = (deck, until_ms, now_ms, now_ms, most)
                out.extend(map(make, cur.execute(_DUE_REVIEWS_SQL, args)))
    finally:
        cur.close()
    return out


def new_rows(
    conn: Conn,
    decks: list[str],
    now_ms: int,
    most: Mapping[str, int] | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[CardRow]:
    """Active, available NEW cards in introduction order (a lazy iterator); from each
    deck named in ``most``, its first ``most[deck]`` only; of the decks in ``keys``, the
    rows of those keys only (at most ``KEYS_MAX``).

    One index walk per deck, merged: ``deck IN (...) ORDER BY new_order`` would
    make SQLite sort every new card of every deck before returning the first.  The
    limits matter when a deck's new cards come after another's: taking 20 from each of
    ten decks merged by ``new_order`` walked 22k rows at 100k cards.
    """
    cursors = [_cursor(conn) for _ in decks]
    try:
        per_deck = []
        for cur, deck in zip(cursors, decks, strict=True):
            limit = -1 if most is None else most.get(deck, -1)
            only = keys.get(deck) if keys is not None else None
            if only is None:
                rows = cur.execute(_NEW_SQL, (deck, now_ms, limit))
            else:
                sql = f"{_NEW_WHERE}{_of_keys(only)} ORDER BY new_order LIMIT ?"
                rows = cur.execute(sql, (deck, now_ms, *only, limit))
            per_deck.append(map(CardRow._make, rows))
        yield from heapq.merge(*per_deck, key=attrgetter("new_order"))
    finally:
        for cur in cursors:
            cur.close()


_STORED_SQL = f"SELECT key, id, active FROM {CARD_TABLE} WHERE deck = ?"


def stored_keys(conn: Conn, deck: str) -> tuple[dict[str, int], dict[str, int]]:
    """Every stored row of ``deck``: (active key -> id, inactive key -> id).  Read at every
    start by ``cards.sync``, a deck at a time.  Dicts of text and numbers only: the cyclic
    GC does not track them, while 100k (id, active) tuples made it re-scan the whole
    loaded collection several times (bench/FINDINGS.md, "Listing a folder")."""
    active: dict[str, int] = {}
    inactive: dict[str, int] = {}
    cur = _cursor(conn)
    try:
        for key, card_id, is_active in cur.execute(_STORED_SQL, (deck,)):
            (active if is_active else inactive)[key] = card_id
    finally:
        cur.close()
    return active, inactive


def counts_since(conn: Conn, since_ms: int) -> dict[str, tuple[int, int]]:
    """Per deck: (new cards introduced, reviews of review-state cards) since ``since_ms``,
    no cram: what the daily limits have used up.  Decks with neither are left out."""
    cur = _cursor(conn)
    try:
        rows = cur.execute(_COUNTS_SQL, (since_ms,)).fetchall()
    finally:
        cur.close()
    return {deck: (int(new), int(reviewed)) for deck, new, reviewed in rows}


def save_sched(conn: Conn, card_id: int, s: SchedState, **extra: object) -> None:
    """The card's part of a rating: its new schedule and ``extra`` columns (reps, lapses...)."""
    set_flags(conn, [card_id], **{name: getattr(s, name) for name in _SCHED_FIELDS}, **extra)
