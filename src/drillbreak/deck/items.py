"""Study items: what one YAML card expands into.

A basic card is one item (two with ``reverse``: key ``<id>~r``), a cloze is
one item per deletion number (``<id>~c1``, ``<id>~c2``...), the other types
are one item each.  Review history is keyed by (deck id, item key).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from drillbreak.deck.loader import Deck, StoredCards
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
    """The item keys of a deck, without making its items (nor reading its cards, when
    they come from the parse cache)."""
    if isinstance(deck.cards, StoredCards):
        return list(deck.cards.keys)
    return [item_key(card.id, v) for card in deck.cards for v in variants(card)]


class DeckItems(Mapping[str, StudyItem]):
    """Every study item of one deck by key, each made when it is first asked for: a
    session shows the queued cards, a few of the deck's (bench/FINDINGS.md, "Only the
    queued cards")."""

    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self._where: dict[str, int] | None = None  # item key -> index of its card
        self._made: dict[str, StudyItem] = {}

    def _index(self) -> dict[str, int]:
        if self._where is None:
            cards = self.deck.cards
            if isinstance(cards, StoredCards):
                self._where = dict(zip(cards.keys, cards.owners, strict=True))
            else:
                self._where = {
                    item_key(card.id, v): i for i, card in enumerate(cards) for v in variants(card)
                }
        return self._where

    def __getitem__(self, key: str) -> StudyItem:
        item = self._made.get(key)
        if item is None:
            card = self.deck.cards[self._index()[key]]
            variant = next(v for v in variants(card) if item_key(card.id, v) == key)
            item = self._made[key] = StudyItem(self.deck, card, key, variant)
        return item

    def __contains__(self, key: object) -> bool:
        return key in self._index()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return self.deck.item_count


def whole_deck(items: Mapping[str, StudyItem]) -> bool:
    """Whether ``items`` (one deck's, by key) are every item of their deck."""
    if isinstance(items, DeckItems):
        return not items.deck.partial
    first = next(iter(items.values()), None)
    return first is not None and len(items) == first.deck.item_count
