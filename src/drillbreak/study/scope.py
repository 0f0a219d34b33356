"""Which cards a session studies: decks and an optional tag."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from drillbreak.deck.items import DeckItems, StudyItem, deck_items
from drillbreak.deck.loader import Collection, Deck
from drillbreak.errors import UserError


def select_items(
    collection: Collection, deck_ids: Sequence[str] = (), tag: str | None = None
) -> list[StudyItem]:
    items = [item for deck in _decks(collection, deck_ids) for item in deck_items(deck)]
    if tag:
        items = [i for i in items if tag in i.tags]
        if not items:
            raise UserError(f"no cards tagged {tag!r} in the selected decks")
    return items


def select_by_deck(
    collection: Collection, deck_ids: Sequence[str] = (), tag: str | None = None
) -> dict[str, Mapping[str, StudyItem]]:
    """The items of :func:`select_items` as deck id -> item key -> item.  Whole decks (no
    tag) are :class:`DeckItems`: an item is made, and its card read from the parse cache,
    only when a session shows it."""
    if tag:
        by_deck: dict[str, dict[str, StudyItem]] = {}
        for item in select_items(collection, deck_ids, tag):
            by_deck.setdefault(item.deck.id, {})[item.key] = item
        return dict(by_deck)
    return {deck.id: DeckItems(deck) for deck in _decks(collection, deck_ids)}


def _decks(collection: Collection, deck_ids: Sequence[str]) -> list[Deck]:
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
    return decks
