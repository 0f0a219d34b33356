"""Opening the database: pragmas, schema version, migrations, write transactions.

The database is one ``sqlite3`` connection, opened and version-checked with plain
SQL; the SQLAlchemy engine is made on it the first time an ORM path asks for it
(``read``/``write``), so that the first card is drawn without SQLAlchemy loaded
(``raw_read``/``raw_write``, ``store.raw``).

SQLite runs in WAL mode with a busy timeout, so two drillbreak processes can
study the same database.  Writes use ``BEGIN IMMEDIATE`` (taking the write
lock up front means a busy database waits instead of failing half-way), and
each rating is its own committed transaction.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from drillbreak.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine
    from sqlmodel import Session

# tables.SCHEMA_VERSION, without importing SQLModel; tests/test_store.py checks they agree.
SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_WAIT_MS = 100


class StoreError(UserError):
    pass


def _friendly(exc: BaseException, path: Path) -> StoreError:
    text = str(getattr(exc, "orig", exc))
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"{path}: the disk is full; free some space (nothing stored was lost)")
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"{path}: the database is read-only; fix its permissions or pass --db PATH"
        )
    if "unable to open" in text:
        return StoreError(
            f"{path}: cannot open the database; check the folder exists and is writable, "
            "or pass --db PATH"
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path}: not a drillbreak database (or it is damaged); pass --db PATH")
    if "locked" in text or "busy" in text:
        return StoreError(f"{path}: the database stayed busy for too long; try again")
    return StoreError(f"{path}: database error: {text}")


class Database:
    """An open drillbreak database: one sqlite3 connection, short transactions, and the
    SQLAlchemy engine on that same connection once an ORM path needs it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        memory = str(self.path) == ":memory:"
        if not memory:
            self._create_private()
        # The path goes to sqlite3 as a path, never pasted into a URL: "?", "%" and "#"
        # are ordinary file name characters.  Absolute, so that SQLite never reads a
        # name such as "file:x" as a URI.
        target = ":memory:" if memory else os.path.abspath(self.path)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        try:
            self._raw = sqlite3.connect(
                target,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
                isolation_level=None,  # transactions are begun explicitly, below
            )
        except sqlite3.Error as exc:
            raise _friendly(exc, self.path) from None
        try:
            _configure(self._raw)
            self._migrate()
        except sqlite3.Error as exc:
            self.close()
            raise _friendly(exc, self.path) from None
        except BaseException:
            self.close()
            raise

    def _create_private(self) -> None:
        """Create a new database file readable by the user only (0600); SQLite gives
        its -wal and -shm files the same mode.  An existing file keeps its mode."""
        if self.path.exists():
            return
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # created meanwhile by another process
            pass
        except (FileNotFoundError, NotADirectoryError):
            raise StoreError(
                f"{self.path.parent}: no such folder; create it first or pass --db PATH"
            ) from None
        except OSError as exc:
            raise StoreError(
                f"{self.path}: cannot create the database ({exc.strerror}); pass --db PATH"
            ) from None

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, made on first use over the one sqlite3 connection."""
        if self._engine is None:
            from sqlalchemy import create_engine, event
            from sqlalchemy.pool import StaticPool

            raw = self._raw
            self._engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
            event.listen(self._engine, "begin", _on_begin)
        return self._engine

    # One long-lived connection: cheap transactions.
    @property
    def conn(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self.engine.connect()
        return self._conn

    def close(self) -> None:
        """Checkpoint the WAL into the database file and close."""
        if self._conn is not None and not self._conn.closed:
            if not self._conn.in_transaction():
                self._checkpoint()
            self._conn.close()
        elif not self._raw_in_transaction():
            self._checkpoint()
        self._conn = None
        if self._engine is not None:
            self._engine.dispose()
        self._raw.close()

    def _raw_in_transaction(self) -> bool:
        try:
            return self._raw.in_transaction
        except sqlite3.ProgrammingError:  # closed already
            return True

    def _checkpoint(self) -> None:
        # Copies the WAL into the database and empties it, so the file alone holds
        # everything (a copy, a sync tool).  Another process reading or writing can keep
        # it from finishing: then it gives up after CHECKPOINT_WAIT_MS instead of the
        # busy timeout, and the last connection to close finishes it.
        raw = self._raw
        with contextlib.suppress(sqlite3.Error):
            raw.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextmanager
    def raw_write(self) -> Iterator[sqlite3.Connection]:
        """A committed write transaction (BEGIN IMMEDIATE) on the sqlite3 connection,
        retried while busy: the plain-SQL side (``store.raw``)."""
        raw = self._raw
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000 * 3
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise _friendly(exc, self.path) from None
        try:
            yield raw
            raw.execute("COMMIT")
        except sqlite3.Error as exc:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise _friendly(exc, self.path) from None
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise

    @contextmanager
    def raw_read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction (a consistent snapshot in WAL mode) on the sqlite3 connection."""
        raw = self._raw
        try:
            raw.execute("BEGIN")
        except sqlite3.Error as exc:
            raise _friendly(exc, self.path) from None
        try:
            yield raw
        except sqlite3.Error as exc:
            raise _friendly(exc, self.path) from None
        finally:
            if raw.in_transaction:
                raw.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A committed write transaction (BEGIN IMMEDIATE), retried while busy."""
        from sqlalchemy.exc import DBAPIError

        conn = self.conn
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000 * 3
        while True:
            try:
                conn.execution_options(immediate=True)
                trans = conn.begin()
                break
            except DBAPIError as exc:
                if "locked" in str(exc.orig) and time.monotonic() < deadline:
                    conn.rollback()
                    time.sleep(0.05)
                    continue
                raise _friendly(exc, self.path) from None
        try:
            yield conn
            trans.commit()
        except DBAPIError as exc:
            if trans.is_active:
                trans.rollback()
            raise _friendly(exc, self.path) from None
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
        finally:
            conn.execution_options(immediate=False)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot in WAL mode)."""
        from sqlalchemy.exc import DBAPIError

        conn = self.conn
        try:
            trans = conn.begin()
        except DBAPIError as exc:
            raise _friendly(exc, self.path) from None
        try:
            yield conn
        except DBAPIError as exc:
            raise _friendly(exc, self.path) from None
        finally:
            if trans.is_active:
                trans.rollback()

    def _migrate(self) -> None:
        """A current database is checked with one pragma; an older one (or a new file)
        is upgraded through ``migrations``, which loads SQLModel."""
        version = self._version(self._raw)
        if version == SCHEMA_VERSION:
            return
        from drillbreak.store import migrations

        with self.write() as conn:
            version = self._version(conn)  # again, under the write lock
            try:
                migrations.upgrade(conn, version)
            except migrations.UpgradeError as exc:
                raise StoreError(f"{self.path}: {exc}") from None
        if version < SCHEMA_VERSION:  # the schema changed: write it to the database file
            self._checkpoint()

    def _version(self, conn: sqlite3.Connection | Connection) -> int:
        from drillbreak.store.raw import dbapi

        version: int = dbapi(conn).execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: made by a newer drillbreak (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade drillbreak"
            )
        return version


@contextmanager
def orm(conn: Connection) -> Iterator[Session]:
    """A SQLModel session inside ``conn``'s transaction (from ``Database.read``/``write``):
    it never commits; the enclosing ``with db.write()`` does."""
    from sqlmodel import Session

    with Session(bind=conn, join_transaction_mode="rollback_only") as session:
        yield session
        session.flush()


def _configure(dbapi_conn: sqlite3.Connection) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    with contextlib.suppress(sqlite3.OperationalError):  # read-only media: keep the mode
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get("immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")
