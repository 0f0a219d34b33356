"""Each deck's own daily limits, kept in the ``setting`` table (one JSON object)."""

from __future__ import annotations

import json

from pydantic import ValidationError
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert

from drillbreak.settings import DeckLimits
from drillbreak.store.tables import Setting, core_table

T = core_table(Setting)
KEY = "deck_limits"


def load(conn: Connection) -> dict[str, DeckLimits]:
    """deck id -> its own limits; a stored entry the model refuses is left out (the deck
    follows the settings)."""
    text = conn.execute(select(T.c.value).where(T.c.key == KEY)).scalar_one_or_none()
    try:
        stored: object = json.loads(text) if text is not None else {}
    except ValueError:
        return {}
    out: dict[str, DeckLimits] = {}
    for deck, value in stored.items() if isinstance(stored, dict) else ():
        try:
            out[deck] = DeckLimits.model_validate(value)
        except ValidationError:
            continue
    return out


def save(conn: Connection, deck: str, limits: DeckLimits) -> None:
    """Set one deck's limits; a deck with no limit of its own is dropped."""
    stored = load(conn)
    if limits == DeckLimits():
        stored.pop(deck, None)
    else:
        stored[deck] = limits
    if not stored:
        conn.execute(delete(T).where(T.c.key == KEY))
        return
    text = json.dumps({d: lim.model_dump(exclude_none=True) for d, lim in sorted(stored.items())})
    stmt = insert(T).values(key=KEY, value=text)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": text}))
