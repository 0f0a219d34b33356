"""Each deck's own daily limits, kept in the ``setting`` table (one JSON object)."""

from __future__ import annotations

import json

from drillbreak.settings import DeckLimits, SettingsInvalid
from drillbreak.store.raw import Conn
from drillbreak.store.settings_store import get_value, put_value

KEY = "deck_limits"


def load(conn: Conn) -> dict[str, DeckLimits]:
    """deck id -> its own limits; a stored entry that is refused is left out (the deck
    follows the settings)."""
    text = get_value(conn, KEY)
    try:
        stored: object = json.loads(text) if text is not None else {}
    except ValueError:
        return {}
    out: dict[str, DeckLimits] = {}
    for deck, value in stored.items() if isinstance(stored, dict) else ():
        if not isinstance(value, dict):
            continue
        try:
            out[deck] = DeckLimits.validate(value)
        except SettingsInvalid:
            continue
    return out


def save(conn: Conn, deck: str, limits: DeckLimits) -> None:
    """Set one deck's limits; a deck with no limit of its own is dropped."""
    stored = load(conn)
    if limits == DeckLimits():
        stored.pop(deck, None)
    else:
        stored[deck] = limits
    text = json.dumps(
        {
            d: {k: v for k, v in lim.to_dict().items() if v is not None}
            for d, lim in sorted(stored.items())
        }
    )
    put_value(conn, KEY, text if stored else None)
