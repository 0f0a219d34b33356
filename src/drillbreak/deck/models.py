"""Typed cards: the deck format v1 as pydantic models.

The loader validates each card against the model for its ``type``; the JSON
Schema printed by ``drillbreak schema`` comes from the same models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
CARD_TYPES = ("basic", "cloze", "choice", "diagnosis", "open")


def _scalar_to_text(value: object) -> object:
    # `back: 42` or `back: 0.9` is text to an author; booleans stay an error
    # (YAML turns `yes` into True, which is never what was meant).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_scalar_to_text), Field(min_length=1)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
Tag = Annotated[str, BeforeValidator(_scalar_to_text), Field(pattern=r"^[^\s]+$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CardBase(_Strict):
    id: Slug
    tags: tuple[Tag, ...] = ()
    hint: Text | None = None
    demo: Slug | None = None


class BasicCard(CardBase):
    type: Literal["basic"] = "basic"
    front: Text
    back: Text
    reverse: bool = False


class ClozeCard(CardBase):
    type: Literal["cloze"]
    text: Text
    extra: Text | None = None


class Choice(_Strict):
    text: Text
    correct: bool = False
    why: Text | None = None


class ChoiceCard(CardBase):
    type: Literal["choice"]
    question: Text
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=8)
    shuffle: bool = True

    @property
    def multi(self) -> bool:
        return sum(c.correct for c in self.choices) > 1


class Evidence(_Strict):
    title: Text | None = None
    x: Text
    columns: dict[str, tuple[float, ...]] = Field(min_length=1)


class DiagnosisCard(CardBase):
    type: Literal["diagnosis"]
    scenario: Text
    evidence: Evidence | None = None
    question: Text
    choices: tuple[Choice, ...] = Field(min_length=2, max_length=8)
    shuffle: bool = True
    takeaway: Text | None = None

    @property
    def multi(self) -> bool:
        return sum(c.correct for c in self.choices) > 1


class RubricPoint(_Strict):
    point: Text
    keywords: tuple[Text, ...] = ()


class OpenCard(CardBase):
    type: Literal["open"]
    prompt: Text
    rubric: tuple[RubricPoint, ...] = Field(min_length=1)
    model_answer: Text


Card = BasicCard | ClozeCard | ChoiceCard | DiagnosisCard | OpenCard

CARD_MODELS: dict[str, type[CardBase]] = {
    "basic": BasicCard,
    "cloze": ClozeCard,
    "choice": ChoiceCard,
    "diagnosis": DiagnosisCard,
    "open": OpenCard,
}


class DeckHeader(_Strict):
    """The deck-level fields; ``cards`` are validated one by one against CARD_MODELS."""

    deck: Slug
    title: Text
    description: Text | None = None
    tags: tuple[Tag, ...] = ()
    cards: list[object] = Field(default_factory=list)


class DeckSchema(_Strict):
    """Only for the JSON Schema: the whole file with cards as a tagged union."""

    deck: Slug
    title: Text
    description: Text | None = None
    tags: tuple[Tag, ...] = ()
    cards: list[
        Annotated[
            BasicCard | ClozeCard | ChoiceCard | DiagnosisCard | OpenCard,
            Field(discriminator="type"),
        ]
    ]
