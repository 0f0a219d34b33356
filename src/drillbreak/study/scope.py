"""Which cards a session studies: decks and an optional tag."""

from __future__ import annotations

from collections.abc import Sequence

from drillbreak.deck.items import StudyItem, deck_items
from drillbreak.deck.loader import Collection
from drillbreak.errors import UserError


def select_items(
    collection: Collection, deck_ids: Sequence[str] = (), tag: str | None = None
) -> list[StudyItem]:
    decks = collection.decks
    if deck_ids:
        known = {d.id: d for d in decks}
        missing = [d for d in deck_ids if d not in known]
        if missing:
            broken = {r.deck.id for r in collection.broken if r.deck}
            name = missing[0]
            if name in broken:
                raise UserError(f"deck {name!r} has errors; run 'drillbreak lint' to see them")
            choices = ", ".join(sorted(known)) or "none loaded"
            raise UserError(f"no deck {name!r}; loaded decks: {choices}")
        decks = [known[d] for d in deck_ids]
    items = [item for deck in decks for item in deck_items(deck)]
    if tag:
        items = [i for i in items if tag in i.tags]
        if not items:
            raise UserError(f"no cards tagged {tag!r} in the selected decks")
    return items
