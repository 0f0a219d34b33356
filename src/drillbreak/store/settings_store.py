"""Settings persisted in the ``setting`` table as JSON."""

from __future__ import annotations

import json

from sqlalchemy import Connection, select
from sqlalchemy.dialects.sqlite import insert

from drillbreak.schedule.settings import Settings
from drillbreak.store.tables import Setting

T = Setting.__table__
KEY = "settings"


def load(conn: Connection) -> Settings:
    text = conn.execute(select(T.c.value).where(T.c.key == KEY)).scalar_one_or_none()
    if text is None:
        return Settings()
    try:
        return Settings.from_json(text)
    except (ValueError, TypeError):
        return Settings()


def save(conn: Connection, settings: Settings) -> None:
    set_value(conn, KEY, settings.to_json())


def get_value(conn: Connection, key: str) -> object | None:
    text = conn.execute(select(T.c.value).where(T.c.key == key)).scalar_one_or_none()
    return json.loads(text) if text is not None else None


def set_value(conn: Connection, key: str, value: object) -> None:
    text = value if isinstance(value, str) and key == KEY else json.dumps(value)
    stmt = insert(T).values(key=key, value=text)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": text}))
