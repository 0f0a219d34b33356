"""Which study items one card expands into: ``""`` (the card itself), ``"r"`` (the
reverse of a basic card), ``"c<N>"`` (cloze deletion N)."""

from __future__ import annotations

from drillbreak.deck import cloze
from drillbreak.deck.models import Card


def variants(card: Card) -> list[str]:
    if card.type == "basic":
        return ["", "r"] if card.reverse else [""]
    if card.type == "cloze":
        return [f"c{n}" for n in cloze.numbers(card.text)]
    return [""]


def item_key(card_id: str, variant: str) -> str:
    return f"{card_id}~{variant}" if variant else card_id
