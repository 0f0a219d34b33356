"""Study items: what one YAML card expands into.

A basic card is one item (two with ``reverse``: key ``<id>~r``), a cloze is
one item per deletion number (``<id>~c1``, ``<id>~c2``...), the other types
are one item each.  Review history is keyed by (deck id, item key).
"""

from __future__ import annotations

from dataclasses import dataclass

from drillbreak.deck.loader import Deck
from drillbreak.deck.models import Card
from drillbreak.deck.variants import item_key, variants


@dataclass(frozen=True, slots=True)
class StudyItem:
    deck: Deck
    card: Card
    key: str
    variant: str = ""  # "" | "r" (reverse) | "c<N>" (cloze number)

    @property
    def deck_id(self) -> str:
        return self.deck.id

    @property
    def type(self) -> str:
        return self.card.type

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.deck.tags, *self.card.tags)))

    @property
    def cloze_number(self) -> int | None:
        return int(self.variant[1:]) if self.variant.startswith("c") else None

    @property
    def is_reverse(self) -> bool:
        return self.variant == "r"

    @property
    def kind(self) -> str:
        """What the learner is shown: the card type, or "reversed" for a basic card's
        back-to-front side."""
        return "reversed" if self.is_reverse else self.card.type


def expand(deck: Deck, card: Card) -> list[StudyItem]:
    return [StudyItem(deck, card, item_key(card.id, v), v) for v in variants(card)]


def deck_items(deck: Deck) -> list[StudyItem]:
    return [item for card in deck.cards for item in expand(deck, card)]


def deck_keys(deck: Deck) -> list[str]:
    """The item keys of a deck, without making its items."""
    return [item_key(card.id, v) for card in deck.cards for v in variants(card)]
