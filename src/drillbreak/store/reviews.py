"""The review log: one ``ReviewLog`` row per rating, added and (on undo) removed."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import col, delete

from drillbreak.store.db import orm
from drillbreak.store.tables import ReviewLog


def add(conn: Connection, entry: ReviewLog) -> int:
    """Store ``entry`` (a new ``ReviewLog``, id unset); return its id."""
    with orm(conn) as session:
        session.add(entry)
        session.flush()
        assert entry.id is not None
        return entry.id


def remove(conn: Connection, review_id: int) -> None:
    with orm(conn) as session:
        session.exec(delete(ReviewLog).where(col(ReviewLog.id) == review_id))
