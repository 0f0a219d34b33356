"""Validation of deck files with pydantic: the constrained field types the card records
(:mod:`drillbreak.deck.models`) are annotated with, one validator per record class, and
the deck-level models.

Imported only where a file is parsed, linted or its schema printed: a start served by
the parse cache never loads pydantic.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Annotated, Any

# No pydantic plugins are used here; looking for them reads every installed package's
# metadata (~20 ms of a first start).  A plugin asked for by name is still honoured.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from pydantic import (  # noqa: E402
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    WithJsonSchema,
)

from drillbreak.deck.claims import CLAIM_PATTERN, parse_claim
from drillbreak.deck.models import (
    SLUG_PATTERN,
    BasicCard,
    ChoiceCard,
    ClozeCard,
    DiagnosisCard,
    GeneratedDiagnosisCard,
    OpenCard,
    PredictCard,
)


def _scalar_to_text(value: object) -> object:
    # `back: 42` or `back: 0.9` is text to an author; booleans stay an error
    # (YAML turns `yes` into True, which is never what was meant).
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_scalar_to_text), Field(min_length=1)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
Tag = Annotated[str, BeforeValidator(_scalar_to_text), Field(pattern=r"^[^\s]+$", max_length=80)]


def _claim_form(text: str) -> str:
    parse_claim(text)  # a ValueError saying what to write
    return text


# "<result name or number> <op> <result name or number>" (see deck.claims); kept as
# written, parsed with ``deck.claims.parse_claim``.
ClaimText = Annotated[
    str,
    AfterValidator(_claim_form),
    WithJsonSchema({"type": "string", "pattern": CLAIM_PATTERN}),
]

# A demo parameter's value: a number if it reads as one, else text.
ParamValue = Annotated[float | str, Field(union_mode="left_to_right")]

# The names the records' annotations use (strings there), resolved here.
_NAMES: dict[str, Any] = {
    "Text": Text,
    "Slug": Slug,
    "Tag": Tag,
    "ClaimText": ClaimText,
    "ParamValue": ParamValue,
    "Field": Field,
}


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    adapter: TypeAdapter[Any] = TypeAdapter(cls)
    adapter.rebuild(_types_namespace=_NAMES)
    return adapter


def validate_record(cls: type, raw: Any) -> Any:
    """``raw`` (plain data from YAML) validated into an instance of the record class
    ``cls``; raises ``pydantic.ValidationError``."""
    return _adapter(cls).validate_python(raw)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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
            BasicCard | ClozeCard | ChoiceCard | DiagnosisCard | OpenCard | PredictCard,
            Field(discriminator="type"),
        ]
        | GeneratedDiagnosisCard
    ]


@cache
def deck_schema() -> type[DeckSchema]:
    """:class:`DeckSchema`, built on first use: its union of every card record takes
    ~40 ms, which only the schema command needs."""
    DeckSchema.model_rebuild(_types_namespace=_NAMES)
    return DeckSchema
