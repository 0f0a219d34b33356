"""Settings persisted in the ``setting`` table as their JSON (plain SQL: read at every
start, ``store.raw``)."""

from __future__ import annotations

import json

from drillbreak.errors import UserError
from drillbreak.settings import Settings, SettingsInvalid
from drillbreak.store.raw import SETTING_TABLE, Conn, dbapi

KEY = "settings"
_GET = f"SELECT value FROM {SETTING_TABLE} WHERE key = ?"
_PUT = (
    f"INSERT INTO {SETTING_TABLE} (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_DROP = f"DELETE FROM {SETTING_TABLE} WHERE key = ?"


def get_value(conn: Conn, key: str) -> str | None:
    """The stored text of one ``setting`` row (None: no such row)."""
    row = dbapi(conn).execute(_GET, (key,)).fetchone()
    return None if row is None else str(row[0])


def put_value(conn: Conn, key: str, value: str | None) -> None:
    """Store the text of one ``setting`` row; None removes it."""
    if value is None:
        dbapi(conn).execute(_DROP, (key,))
    else:
        dbapi(conn).execute(_PUT, (key, value))


def load(conn: Conn, *, drop_invalid_parameters: bool = False) -> Settings:
    """The stored settings.  FSRS parameters fsrs would refuse raise a UserError naming the
    database, or are dropped (fsrs's defaults apply) with ``drop_invalid_parameters``; any
    other stored value the settings refuse falls back to its default."""
    text = get_value(conn, KEY)
    if text is None:
        return Settings()
    try:
        return Settings.from_json(text)
    except SettingsInvalid as exc:
        problems = exc.problems
    except ValueError:  # not JSON, or not an object
        return Settings()
    if "parameters" in problems and not drop_invalid_parameters:
        raise UserError(f"{_database_file(conn)}: {problems['parameters']}")
    stored = json.loads(text)
    return Settings.validate({k: v for k, v in stored.items() if k not in problems})


def _database_file(conn: Conn) -> str:
    """The main database's file, however the engine was opened."""
    rows = dbapi(conn).execute("PRAGMA database_list").fetchall()
    return next((r[2] for r in rows if r[1] == "main" and r[2]), "the database")


def save(conn: Conn, settings: Settings) -> None:
    put_value(conn, KEY, settings.to_json())
