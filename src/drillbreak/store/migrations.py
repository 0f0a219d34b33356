"""Schema migrations, keyed by ``PRAGMA user_version``.

Version 0 is an empty file.  Each step upgrades one version inside the
caller's transaction, so a failed upgrade leaves the database as it was.
A later release appends a function here; it must never rewrite an old one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection
from sqlmodel import SQLModel

from drillbreak.store import tables  # noqa: F401  (registers the tables)
from drillbreak.store.tables import SCHEMA_VERSION


def _v0_to_v1(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)


STEPS: dict[int, Callable[[Connection], None]] = {0: _v0_to_v1}


def upgrade(conn: Connection, version: int) -> None:
    while version < SCHEMA_VERSION:
        STEPS[version](conn)
        version += 1
        conn.exec_driver_sql(f"PRAGMA user_version = {version}")
