"""Schema migrations, keyed by ``PRAGMA user_version``.

Version 0 is an empty file: it gets the current schema at once.  Each step upgrades
an older database by one version inside the caller's transaction, so a failed
upgrade leaves the database as it was.  A later release appends a step here; it
must never rewrite an old one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlalchemy import Connection
from sqlmodel import SQLModel

from drillbreak.store import tables  # noqa: F401  (registers the tables)
from drillbreak.store.tables import SCHEMA_VERSION


class UpgradeError(Exception):
    """This database cannot be upgraded here (the message says why and what to do)."""


def _create(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)


def _v1_to_v2(conn: Connection) -> None:
    """``review_log.prev`` (the card row before each review, as JSON) was never read:
    undo restores from the session's memory.  DROP COLUMN needs SQLite 3.35."""
    if sqlite3.sqlite_version_info < (3, 35, 0):
        raise UpgradeError(
            f"upgrading this database needs SQLite 3.35 or newer, this Python has "
            f"{sqlite3.sqlite_version}; use a newer Python"
        )
    conn.exec_driver_sql("ALTER TABLE review_log DROP COLUMN prev")


def _v2_to_v3(conn: Connection) -> None:
    """The pool of generated diagnosis cases (``tables.PooledCase``)."""
    conn.exec_driver_sql(
        'CREATE TABLE case_pool (id INTEGER NOT NULL, "key" VARCHAR NOT NULL, '
        'made_ms INTEGER NOT NULL, "case" VARCHAR NOT NULL, PRIMARY KEY (id))'
    )
    conn.exec_driver_sql('CREATE INDEX ix_case_pool_key ON case_pool ("key", id)')


def _add_demo_run(conn: Connection) -> None:
    """The cache of finished demo runs (``tables.DemoRunRecord``), for predict cards."""
    conn.exec_driver_sql(
        "CREATE TABLE IF NOT EXISTS demo_run (id INTEGER NOT NULL, demo VARCHAR NOT NULL, "
        "params VARCHAR NOT NULL, seed INTEGER NOT NULL, scale VARCHAR NOT NULL, "
        "torch VARCHAR NOT NULL, device VARCHAR NOT NULL, made_ms INTEGER NOT NULL, "
        "headline VARCHAR NOT NULL, summary VARCHAR NOT NULL, events VARCHAR NOT NULL, "
        "PRIMARY KEY (id), "
        "CONSTRAINT uq_demo_run_key UNIQUE (demo, params, seed, scale, torch, device))"
    )


STEPS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _add_demo_run}


def upgrade(conn: Connection, version: int) -> None:
    if version == 0:
        _create(conn)
        version = SCHEMA_VERSION
    while version < SCHEMA_VERSION:
        STEPS[version](conn)
        version += 1
    conn.exec_driver_sql(f"PRAGMA user_version = {version}")
