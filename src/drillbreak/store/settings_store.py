"""Settings persisted in the ``setting`` table as the model's JSON (plain SQL: read at
every start, ``store.raw``)."""

from __future__ import annotations

import json

from pydantic import ValidationError

from drillbreak.errors import UserError
from drillbreak.settings import Settings, field_problems
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
    other stored value the model refuses falls back to its default."""
    text = get_value(conn, KEY)
    if text is None:
        return Settings()
    try:
        return Settings.model_validate_json(text)
    except ValidationError as exc:
        problems = field_problems(exc)
    if "parameters" in problems and not drop_invalid_parameters:
        raise UserError(f"{_database_file(conn)}: {problems['parameters']}")
    try:
        stored = json.loads(text)
        return Settings.model_validate({k: v for k, v in stored.items() if k not in problems})
    except (ValueError, AttributeError):  # not JSON, or not an object
        return Settings()


def _database_file(conn: Conn) -> str:
    """The main database's file, however the engine was opened."""
    rows = dbapi(conn).execute("PRAGMA database_list").fetchall()
    return next((r[2] for r in rows if r[1] == "main" and r[2]), "the database")


def save(conn: Conn, settings: Settings) -> None:
    put_value(conn, KEY, settings.model_dump_json())
