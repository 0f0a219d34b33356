"""The pool of generated diagnosis cases, kept between runs of the app.

Each generator key (see ``study.cases``) has a few cases made in the background;
a review takes the oldest one (and it is gone), then the pool is topped up again.
Cases are stored as the JSON text the generator child wrote; the store does not
read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy loads when the pool is first used, not with the study code
    from sqlalchemy import Connection, Table

__all__ = ["add", "counts", "take"]


def _table() -> Table:
    from drillbreak.store.tables import PooledCase, core_table

    return core_table(PooledCase)


def add(conn: Connection, key: str, cases: Iterable[str], now_ms: int) -> int:
    """Store ``cases`` (JSON texts) under ``key``; returns how many."""
    from sqlalchemy import insert

    rows = [{"key": key, "made_ms": now_ms, "case": case} for case in cases]
    if rows:
        conn.execute(insert(_table()), rows)
    return len(rows)


def counts(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    """How many unused cases each of ``keys`` has (0 for none)."""
    from sqlalchemy import func, select

    wanted = list(dict.fromkeys(keys))
    c = _table().c
    stmt = select(c.key, func.count()).where(c.key.in_(wanted)).group_by(c.key)
    found: dict[str, int] = {row[0]: row[1] for row in conn.execute(stmt)}
    return {key: found.get(key, 0) for key in wanted}


def take(conn: Connection, key: str) -> str | None:
    """Remove and return the oldest case of ``key`` (None if the pool has none).
    Call it in a write transaction, so two readers never get the same case."""
    from sqlalchemy import delete, select

    c = _table().c
    row = conn.execute(select(c.id, c.case).where(c.key == key).order_by(c.id).limit(1)).first()
    if row is None:
        return None
    conn.execute(delete(_table()).where(c.id == row.id))
    return str(row.case)
