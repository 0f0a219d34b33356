"""The pool of generated diagnosis cases, kept between runs of the app.

Each generator key (see ``study.cases``) has a few cases made in the background;
a review takes the oldest one (and it is gone), then the pool is topped up again.
Cases are stored as the JSON text the generator child wrote; the store does not
read them.

Plain ``sqlite3`` (see ``store/raw.py``): the refiller's first look at the pool
runs while the first card is drawn, and must not load SQLAlchemy beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from drillbreak.store.raw import POOL_TABLE, Conn, cursor

__all__ = ["add", "counts", "take"]


def add(conn: Conn, key: str, cases: Iterable[str], now_ms: int) -> int:
    """Store ``cases`` (JSON texts) under ``key``; returns how many."""
    rows = [(key, now_ms, case) for case in cases]
    if rows:
        cursor(conn).executemany(
            f'INSERT INTO {POOL_TABLE} (key, made_ms, "case") VALUES (?, ?, ?)', rows
        )
    return len(rows)


def counts(conn: Conn, keys: Iterable[str]) -> dict[str, int]:
    """How many unused cases each of ``keys`` has (0 for none)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = cursor(conn).execute(
        f"SELECT key, count(*) FROM {POOL_TABLE} WHERE key IN ({marks}) GROUP BY key", wanted
    )
    found: dict[str, int] = dict(rows.fetchall())
    return {key: found.get(key, 0) for key in wanted}


def take(conn: Conn, key: str) -> str | None:
    """Remove and return the oldest case of ``key`` (None if the pool has none).
    Call it in a write transaction, so two readers never get the same case."""
    cur = cursor(conn)
    row = cur.execute(
        f'SELECT id, "case" FROM {POOL_TABLE} WHERE key = ? ORDER BY id LIMIT 1', (key,)
    ).fetchone()
    if row is None:
        return None
    cur.execute(f"DELETE FROM {POOL_TABLE} WHERE id = ?", (row[0],))
    return str(row[1])
