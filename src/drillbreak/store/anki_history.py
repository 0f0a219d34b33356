"""Review history brought in from Anki (``drillbreak import anki``).

An imported review keeps its Anki revlog id as ``reviewed_at_ms`` (a revlog id *is*
the review's time in epoch milliseconds, unique per collection), so (card, revlog id)
identifies it: importing the same package again finds every review already stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, bindparam, insert, select

from drillbreak.store.tables import ReviewLog, core_table

T = core_table(ReviewLog)
C = T.c


def review_times(conn: Connection, card_ids: Iterable[int]) -> dict[int, set[int]]:
    """The stored review times (ms) of each of these cards."""
    ids = list(card_ids)
    out: dict[int, set[int]] = defaultdict(set)
    stmt = select(C.card_id, C.reviewed_at_ms).where(
        C.card_id.in_(bindparam("ids", expanding=True))
    )
    for i in range(0, len(ids), 500):
        for row in conn.execute(stmt, {"ids": ids[i : i + 500]}):
            out[row.card_id].add(row.reviewed_at_ms)
    return out


def add_reviews(conn: Connection, entries: Sequence[ReviewLog]) -> int:
    """Insert these reviews (one statement for all); return how many."""
    if entries:
        conn.execute(insert(T), [e.model_dump(exclude={"id"}) for e in entries])
    return len(entries)
