"""Typed cards: the deck format v1 as frozen, slotted dataclasses.

The loader validates each card against the class for its ``type`` with pydantic
(:mod:`drillbreak.deck.validation`, imported when a file is parsed); the JSON Schema
printed by ``drillbreak schema`` comes from the same classes.  The classes are plain
dataclasses so that a start served by the parse cache, which unpickles them, never
imports pydantic (~45 ms of every start, bench/FINDINGS.md).  Field annotations name
the constrained types (``Text``, ``Slug``, ...) that the validation module defines;
they are strings here (``from __future__ import annotations``) and resolved there.

Slotted records: 100k cards are about six objects each, and a slotted instance
takes ~80 bytes against ~600 for a pydantic model.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, dataclass_transform

from drillbreak.deck import faults

if TYPE_CHECKING:  # defined with their pydantic constraints in deck.validation
    from pydantic import Field

    from drillbreak.deck.validation import ClaimText, ParamValue, Slug, Tag, Text

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
CARD_TYPES = ("basic", "cloze", "choice", "diagnosis", "open", "predict")
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"  # a demo's result or parameter name


_R = TypeVar("_R")


@dataclass_transform(frozen_default=True, kw_only_default=True)
def _record(cls: type[_R]) -> type[_R]:
    """A frozen, slotted record (keyword-only, so subclasses may add required fields
    after inherited ones with defaults); validation refuses unknown fields."""
    record = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(cls)
    record.__pydantic_config__ = {"extra": "forbid"}  # type: ignore[attr-defined]  # pydantic
    return record


@_record
class CardBase:
    id: Slug
    tags: tuple[Tag, ...] = ()
    hint: Text | None = None
    demo: Slug | None = None
    claims: tuple[ClaimText, ...] = ()
    anki_guid: Annotated[str, Field(min_length=1, max_length=200)] | None = None


@_record
class BasicCard(CardBase):
    type: Literal["basic"] = "basic"
    front: Text
    back: Text
    reverse: bool = False


@_record
class ClozeCard(CardBase):
    type: Literal["cloze"]
    text: Text
    extra: Text | None = None


@_record
class Choice:
    text: Text
    correct: bool = False
    why: Text | None = None


@_record
class ChoiceCard(CardBase):
    type: Literal["choice"]
    question: Text
    choices: Annotated[tuple[Choice, ...], Field(min_length=2, max_length=8)]
    shuffle: bool = True

    @property
    def multi(self) -> bool:
        return sum(c.correct for c in self.choices) > 1


@_record
class Evidence:
    title: Text | None = None
    x: Text
    columns: Annotated[dict[str, tuple[float, ...]], Field(min_length=1)]


@_record
class DiagnosisCard(CardBase):
    type: Literal["diagnosis"]
    scenario: Text
    evidence: Evidence | None = None
    question: Text
    choices: Annotated[tuple[Choice, ...], Field(min_length=2, max_length=8)]
    shuffle: bool = True
    takeaway: Text | None = None

    @property
    def multi(self) -> bool:
        return sum(c.correct for c in self.choices) > 1


FaultFamily = Literal[
    "lr-too-high",
    "lr-too-low",
    "label-noise",
    "val-distribution",
    "leakage",
    "shortcut",
    "batch-too-large",
    "unnormalised-inputs",
    "dead-units",
]
assert set(FaultFamily.__args__) == set(faults.FAMILIES)  # type: ignore[attr-defined]
# What a generated card's fields say before a case is shown (no case yet).
GENERATED_SCENARIO = "A case made from a live training run with a hidden fault."
# Fields a generated card takes from its case, never from the deck file.
GENERATED_FIELDS = ("scenario", "evidence", "choices")


@_record
class Generate:
    family: FaultFamily
    options: tuple[FaultFamily, ...] | None = None

    @property
    def shown(self) -> tuple[str, ...]:
        """The families offered as choices, in order (all of them by default)."""
        return self.options or tuple(faults.FAMILIES)


@_record
class GeneratedDiagnosisCard(DiagnosisCard):
    """A diagnosis card whose case is generated (``generate:``): its scenario and
    evidence come from the case; its choices are the fault families offered."""

    generate: Generate
    scenario: Text = GENERATED_SCENARIO
    question: Text = faults.QUESTION
    choices: Annotated[
        tuple[Choice, ...], Field(min_length=2, max_length=len(faults.FAMILIES))
    ] = ()


def with_family_choices(data: Any) -> Any:
    """A generated card's raw fields with its choices: the families it offers (applied
    before validation, see ``validate``)."""
    if not isinstance(data, dict) or "choices" in data:
        return data  # invalid, or choices written in the file: the loader reports it
    spec = data.get("generate")
    family: object
    if isinstance(spec, Generate):
        family, shown = spec.family, spec.shown
    elif isinstance(spec, dict) and isinstance(spec.get("options") or (), list | tuple):
        family, shown = spec.get("family"), spec.get("options") or tuple(faults.FAMILIES)
    else:
        return data  # invalid: validation reports it
    choices = [{"text": faults.FAMILIES.get(str(f), str(f)), "correct": f == family} for f in shown]
    return {**data, "choices": choices}


@_record
class RubricPoint:
    point: Text
    keywords: tuple[Text, ...] = ()


@_record
class OpenCard(CardBase):
    type: Literal["open"]
    prompt: Text
    rubric: Annotated[tuple[RubricPoint, ...], Field(min_length=1)]
    model_answer: Text


@_record
class PredictRange:
    label: Text
    min: Annotated[float, Field(allow_inf_nan=False)] | None = None
    max: Annotated[float, Field(allow_inf_nan=False)] | None = None


@_record
class Vary:
    param: Annotated[str, Field(pattern=NAME_PATTERN)]
    values: Annotated[tuple[ParamValue, ...], Field(min_length=1)]


@_record
class PredictCard(CardBase):
    type: Literal["predict"]
    demo: Slug
    measure: Annotated[str, Field(pattern=NAME_PATTERN)]
    prompt: Text
    vary: Vary | None = None
    ranges: Annotated[tuple[PredictRange, ...], Field(min_length=2, max_length=8)] | None = None
    tolerance: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    percent: bool = False
    explain: Text | None = None


Card = BasicCard | ClozeCard | ChoiceCard | DiagnosisCard | OpenCard | PredictCard


def fields_of(cls: type) -> list[str]:
    """Field names of a record class or a pydantic model, in declaration order."""
    if dataclasses.is_dataclass(cls):
        return [f.name for f in dataclasses.fields(cls)]
    return list(cls.model_fields)  # type: ignore[attr-defined]  # a BaseModel


def card_model(card_type: str, raw: Any) -> type[CardBase]:
    """The class a card of ``card_type`` validates against (a key of CARD_MODELS);
    a diagnosis card with ``generate:`` is a :class:`GeneratedDiagnosisCard`."""
    if card_type == "diagnosis" and isinstance(raw, dict) and "generate" in raw:
        return GeneratedDiagnosisCard
    return CARD_MODELS[card_type]


def validate(cls: type[CardBase], raw: Any) -> Card:
    """Validate ``raw`` (a mapping from YAML) into an instance of ``cls``; raises
    pydantic's ``ValidationError``."""
    from drillbreak.deck.validation import validate_record  # pydantic: only to parse

    if cls is GeneratedDiagnosisCard:
        raw = with_family_choices(raw)
    card: Card = validate_record(cls, raw)
    return card


def to_dict(record: Any, *, exclude_defaults: bool = False) -> dict[str, Any]:
    """A record as plain data (nested records too), e.g. to write it back as YAML."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if exclude_defaults and f.default is not dataclasses.MISSING and value == f.default:
            continue
        if dataclasses.is_dataclass(value):
            value = to_dict(value, exclude_defaults=exclude_defaults)
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            value = tuple(to_dict(v, exclude_defaults=exclude_defaults) for v in value)
        out[f.name] = value
    return out


CARD_MODELS: dict[str, type[CardBase]] = {
    "basic": BasicCard,
    "cloze": ClozeCard,
    "choice": ChoiceCard,
    "diagnosis": DiagnosisCard,
    "open": OpenCard,
    "predict": PredictCard,
}
