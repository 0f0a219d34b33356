"""The store's plain ``sqlite3`` side: what the first card needs, without SQLAlchemy.

Opening the database, the queue's reads, the deck-key sync and the settings are
plain DBAPI queries on the database's one connection; SQLAlchemy and SQLModel are
imported only by the modules that use them (stats, browse, import/export, the review
log, migrations of an old database), the first time one runs.  Importing them costs
more than the whole bare Textual app starts in (bench/FINDINGS.md, "SQLAlchemy off
the path to the first card").

The table and column names used here are constants; tests/test_store.py checks them
against the schema declared in ``store/tables.py``.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from sqlalchemy import Connection

# A transaction's connection: ``Database.raw_read``/``raw_write`` give the sqlite3 one,
# ``Database.read``/``write`` the SQLAlchemy one around it.  Functions of the raw side
# take either and run on the sqlite3 connection underneath.
Conn: TypeAlias = "sqlite3.Connection | Connection"

CARD_TABLE = "card_state"
REVIEW_TABLE = "review_log"
SETTING_TABLE = "setting"
POOL_TABLE = "case_pool"


def dbapi(conn: Conn) -> sqlite3.Connection:
    """The sqlite3 connection of ``conn``, inside its current transaction."""
    if isinstance(conn, sqlite3.Connection):
        return conn
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, sqlite3.Connection)  # the engine is SQLite
    return raw


def cursor(conn: Conn) -> sqlite3.Cursor:
    """A plain DBAPI cursor: no SQLAlchemy row processing (booleans come back as 0/1)."""
    return dbapi(conn).cursor()
