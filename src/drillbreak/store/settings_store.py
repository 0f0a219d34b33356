"""Settings persisted in the ``setting`` table as the model's JSON."""

from __future__ import annotations

import json

from pydantic import ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert

from drillbreak.errors import UserError
from drillbreak.settings import Settings, field_problems
from drillbreak.store.tables import Setting, core_table

T = core_table(Setting)
KEY = "settings"


def load(conn: Connection, *, drop_invalid_parameters: bool = False) -> Settings:
    """The stored settings.  FSRS parameters fsrs would refuse raise a UserError naming the
    database, or are dropped (fsrs's defaults apply) with ``drop_invalid_parameters``; any
    other stored value the model refuses falls back to its default."""
    text = conn.execute(select(T.c.value).where(T.c.key == KEY)).scalar_one_or_none()
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


def _database_file(conn: Connection) -> str:
    """The main database's file, however the engine was opened."""
    rows = conn.exec_driver_sql("PRAGMA database_list").all()
    return next((r[2] for r in rows if r[1] == "main" and r[2]), "the database")


def save(conn: Connection, settings: Settings) -> None:
    text = settings.model_dump_json()
    stmt = insert(T).values(key=KEY, value=text)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": text}))
