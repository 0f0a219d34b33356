"""Each deck's own daily limits, kept in the ``setting`` table (one JSON object)."""

from __future__ import annotations

import json

from pydantic import ValidationError

from drillbreak.settings import DeckLimits
from drillbreak.store.raw import Conn
from drillbreak.store.settings_store import get_value, put_value

KEY = "deck_limits"


def load(conn: Conn) -> dict[str, DeckLimits]:
    """deck id -> its own limits; a stored entry the model refuses is left out (the deck
    follows the settings)."""
    text = get_value(conn, KEY)
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


def save(conn: Conn, deck: str, limits: DeckLimits) -> None:
    """Set one deck's limits; a deck with no limit of its own is dropped."""
    stored = load(conn)
    if limits == DeckLimits():
        stored.pop(deck, None)
    else:
        stored[deck] = limits
    text = json.dumps({d: lim.model_dump(exclude_none=True) for d, lim in sorted(stored.items())})
    put_value(conn, KEY, text if stored else None)
