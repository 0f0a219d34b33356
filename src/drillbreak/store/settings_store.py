"""Settings persisted in the ``setting`` table as JSON."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert

from drillbreak.errors import UserError
from drillbreak.schedule.settings import Settings, invalid_parameters_message, parameter_problems
from drillbreak.store.tables import Setting

T = Setting.__table__
KEY = "settings"


def load(conn: Connection, *, drop_invalid_parameters: bool = False) -> Settings:
    """The stored settings; FSRS parameters fsrs would refuse raise a UserError naming the
    database, or are dropped (fsrs's defaults apply) with ``drop_invalid_parameters``."""
    text = conn.execute(select(T.c.value).where(T.c.key == KEY)).scalar_one_or_none()
    if text is None:
        return Settings()
    try:
        settings = Settings.from_json(text)
    except (ValueError, TypeError):
        return Settings()
    if settings.parameters is not None and (bad := parameter_problems(settings.parameters)):
        if drop_invalid_parameters:
            return replace(settings, parameters=None)
        raise UserError(f"{_database_file(conn)}: {invalid_parameters_message(bad)}")
    return settings


def _database_file(conn: Connection) -> str:
    """The main database's file, however the engine was opened."""
    rows = conn.exec_driver_sql("PRAGMA database_list").all()
    return next((r[2] for r in rows if r[1] == "main" and r[2]), "the database")


def save(conn: Connection, settings: Settings) -> None:
    set_value(conn, KEY, settings.to_json())


def get_value(conn: Connection, key: str) -> object | None:
    text = conn.execute(select(T.c.value).where(T.c.key == key)).scalar_one_or_none()
    return json.loads(text) if text is not None else None


def set_value(conn: Connection, key: str, value: object) -> None:
    text = value if isinstance(value, str) and key == KEY else json.dumps(value)
    stmt = insert(T).values(key=key, value=text)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": text}))
