"""Per-deck card counts for the deck list, one aggregate over the card table
(plain SQL: the deck list is the first screen, ``store.raw``)."""

from __future__ import annotations

from typing import NamedTuple

from drillbreak.domain import CardState
from drillbreak.store.raw import CARD_TABLE, Conn, cursor


class StoredCounts(NamedTuple):
    """One deck's active cards, as stored (before any daily limit)."""

    deck: str
    new: int  # available (not suspended, not buried) new cards
    learning: int  # learning/relearning cards due by the end of the day
    due: int  # review cards due by the end of the day
    total: int
    suspended: int


_AVAILABLE = "suspended = 0 AND (buried_until_ms IS NULL OR buried_until_ms <= :now)"
_DUE_TODAY = f"{_AVAILABLE} AND due_ms <= :day_end"
_COUNTS_SQL = (
    "SELECT deck,"
    f" count(CASE WHEN {_AVAILABLE} AND state = {int(CardState.NEW)} THEN 1 END),"
    f" count(CASE WHEN {_DUE_TODAY} AND state IN"
    f" ({int(CardState.LEARNING)}, {int(CardState.RELEARNING)}) THEN 1 END),"
    f" count(CASE WHEN {_DUE_TODAY} AND state = {int(CardState.REVIEW)} THEN 1 END),"
    " count(*),"
    " count(CASE WHEN suspended = 1 THEN 1 END)"
    f" FROM {CARD_TABLE} WHERE deck IN ({{decks}}) AND active = 1 GROUP BY deck"
)


def deck_counts(conn: Conn, decks: list[str], now_ms: int, day_end_ms: int) -> list[StoredCounts]:
    """The counts of each of ``decks`` that has active cards."""
    names = {f"d{i}": deck for i, deck in enumerate(decks)}
    sql = _COUNTS_SQL.format(decks=", ".join(f":{name}" for name in names))
    cur = cursor(conn)
    try:
        rows = cur.execute(sql, {"now": now_ms, "day_end": day_end_ms, **names}).fetchall()
    finally:
        cur.close()
    return [StoredCounts(*row) for row in rows]
