"""Study settings: what a learner can change, with Anki-like defaults.

``Settings`` is a frozen pydantic model: its fields carry their constraints and the
words the learner sees (``title``: the settings screen's label; ``noun``: the name in
error messages; ``unit``), so the settings screen and the store take labels, ranges
and one-line errors from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from drillbreak.errors import UserError

DEFAULT_THEME = "drillbreak"


def _meta(label: str, noun: str, *, unit: str = "", form: bool = False) -> dict[str, Any]:
    """The words a field is shown with; ``form``: edited on the settings screen."""
    return {"title": label, "json_schema_extra": {"noun": noun, "unit": unit, "form": form}}


class Settings(BaseModel):
    # Unknown keys in stored JSON are ignored; NaN round-trips as in ``json.dumps``.
    model_config = ConfigDict(frozen=True, extra="ignore", ser_json_inf_nan="constants")

    desired_retention: float = Field(
        0.9,
        ge=0.7,
        le=0.99,
        description="The share of reviews you want to pass; higher means more reviews.",
        **_meta("Desired retention (0.70-0.99)", "desired retention", form=True),
    )
    new_per_day: int = Field(
        20,
        ge=0,
        le=9999,
        description="New cards introduced per study day, in each deck (`drillbreak limits` "
        "sets a deck's own).",
        **_meta("New cards per day (each deck)", "new cards/day", unit="cards", form=True),
    )
    reviews_per_day: int = Field(
        200,
        ge=0,
        le=99999,
        description="At most this many reviews per study day, in each deck.",
        **_meta("Reviews per day (each deck)", "reviews/day", unit="cards", form=True),
    )
    new_per_day_all: int | None = Field(
        None,
        ge=0,
        le=9999,
        description="At most this many new cards per study day over all decks; None: no cap.",
        **_meta("New cards per day (all decks)", "new cards/day for all decks", unit="cards"),
    )
    reviews_per_day_all: int | None = Field(
        None,
        ge=0,
        le=99999,
        description="At most this many reviews per study day over all decks; None: no cap.",
        **_meta("Reviews per day (all decks)", "reviews/day for all decks", unit="cards"),
    )
    bury_siblings: bool = Field(
        True,
        description="Once a card is studied, the other cards of the same note (its reverse, "
        "the other cloze gaps), new or due for review, wait until the next study day.",
        **_meta("Bury siblings (yes/no)", "bury siblings", form=True),
    )
    learning_steps: tuple[int, ...] = Field(
        (60, 600),
        description="Waits before a new card is seen again, e.g. '1m 10m'.",
        **_meta("Learning steps", "learning steps", unit="s", form=True),
    )
    relearning_steps: tuple[int, ...] = Field(
        (600,),
        description="Waits before a forgotten card is seen again, e.g. '10m'.",
        **_meta("Relearning steps", "relearning steps", unit="s", form=True),
    )
    rollover_hour: int = Field(
        4,
        ge=0,
        le=23,
        description="The local hour at which a new study day starts.",
        **_meta("New day starts at hour (0-23)", "rollover hour", unit="h", form=True),
    )
    leech_threshold: int = Field(
        8,
        ge=1,
        description="Lapses after which a card is tagged a leech and suspended.",
        **_meta("Leech threshold", "leech threshold", unit="lapses"),
    )
    maximum_interval_days: int = Field(
        36500,
        ge=1,
        description="The longest interval fsrs may schedule.",
        **_meta("Maximum interval", "maximum interval", unit="days"),
    )
    learn_ahead_s: int = Field(
        20 * 60,
        ge=0,
        description="Learning cards due this soon are shown when nothing else is left.",
        **_meta("Learn ahead", "learn ahead", unit="s"),
    )
    theme: str = Field(DEFAULT_THEME, **_meta("Theme", "theme"))
    parameters: tuple[float, ...] | None = Field(
        None,
        description="FSRS parameters fitted by `drillbreak optimize`; None: fsrs's defaults.",
        **_meta("FSRS parameters", "FSRS parameters"),
    )

    @field_validator("learning_steps", "relearning_steps", mode="before")
    @classmethod
    def _steps(cls, value: object, info: ValidationInfo) -> object:
        """Durations as text (``"1m 10m"``) or seconds; each must be positive."""
        noun = field_noun(str(info.field_name))
        if isinstance(value, str):
            try:
                value = parse_steps(value)
            except UserError as exc:
                raise _custom(str(exc)) from None
        if isinstance(value, list | tuple) and any(
            isinstance(s, int | float) and s <= 0 for s in value
        ):
            raise _custom(f"{noun} must be positive durations")
        return value

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value: object) -> object:
        """Exactly the parameters fsrs.Scheduler accepts (checked before any coercion)."""
        if value is None:
            return value
        bad = parameter_problems(value) if isinstance(value, list | tuple) else ["not a list"]
        if bad:
            raise _custom(invalid_parameters_message(bad))
        return value

    def with_changes(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (values or the text typed for them) applied;
        a UserError names every problem, one clause per field."""
        try:
            return Settings.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise UserError("; ".join(field_problems(exc).values())) from None

    @classmethod
    def form_fields(cls) -> list[str]:
        """The fields the settings screen edits, in order."""
        return [name for name, info in cls.model_fields.items() if _extra(info)["form"]]


class DeckLimits(BaseModel):
    """One deck's own daily limits; None: the deck follows the settings."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    new_per_day: int | None = Field(None, ge=0, le=9999)
    reviews_per_day: int | None = Field(None, ge=0, le=99999)


def _custom(message: str) -> PydanticCustomError:
    """A validation error whose message is shown as is (no "Value error, " prefix)."""
    return PydanticCustomError("setting", "{message}", {"message": message})


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    assert isinstance(extra, dict)
    return extra


def field_noun(name: str) -> str:
    return str(_extra(Settings.model_fields[name])["noun"])


def _range(name: str) -> str:
    """What a field's ``ge``/``le`` constraints allow, as the learner reads it."""
    low = high = None
    for constraint in Settings.model_fields[name].metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    if low is not None and high is not None:
        return f"between {low:.2f} and {high:.2f}" if isinstance(low, float) else f"{low}-{high}"
    return f"at least {low}" if low is not None else f"at most {high}"


_RANGE_ERRORS = {"greater_than_equal", "less_than_equal"}
_WHOLE_NUMBER_ERRORS = {"int_parsing", "int_from_float", "int_type"}
_NUMBER_ERRORS = {"float_parsing", "float_type"}
_YES_NO_ERRORS = {"bool_parsing", "bool_type"}


def field_problems(error: ValidationError) -> dict[str, str]:
    """One line per field that ``error`` refused, in field order: what is wrong and
    what is allowed, in the learner's words."""
    problems: dict[str, str] = {}
    for e in error.errors():
        name = str(e["loc"][0]) if e["loc"] else ""
        if name in problems:
            continue
        if name not in Settings.model_fields:
            problems[name] = e["msg"]
            continue
        noun = field_noun(name)
        if e["type"] in _RANGE_ERRORS:
            problems[name] = f"{noun} must be {_range(name)}"
        elif e["type"] in _WHOLE_NUMBER_ERRORS:
            problems[name] = f"{noun} must be a whole number"
        elif e["type"] in _NUMBER_ERRORS:
            problems[name] = f"{noun} must be a number"
        elif e["type"] in _YES_NO_ERRORS:
            problems[name] = f"{noun} must be yes or no"
        elif e["type"] == "setting":
            problems[name] = e["msg"]
        else:
            problems[name] = f"{noun}: {e['msg']}"
    return problems


def parameter_problems(parameters: Sequence[object]) -> list[str]:
    """Why fsrs.Scheduler would refuse ``parameters`` (the bounds it checks), if it would."""
    if len(parameters) != len(LOWER_BOUNDS_PARAMETERS):
        return [f"{len(parameters)} numbers instead of {len(LOWER_BOUNDS_PARAMETERS)}"]
    return [
        f"parameters[{i}] = {value!r} is outside [{low}, {high}]"
        for i, (value, low, high) in enumerate(
            zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
        )
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high
    ]


def invalid_parameters_message(problems: list[str]) -> str:
    return (
        f"stored FSRS parameters are invalid: {', '.join(problems)}; "
        "run `drillbreak optimize` again to replace them"
    )


_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_steps(text: str) -> tuple[int, ...]:
    """``"1m 10m"`` -> ``(60, 600)``; raises UserError with an example on bad input."""
    steps = []
    for part in text.replace(",", " ").split():
        m = _STEP.match(part.strip().lower())
        if not m:
            raise UserError(f"bad step {part!r}: write durations like '1m 10m' or '30s 1h'")
        steps.append(int(float(m.group(1)) * _UNIT[m.group(2)]))
    return tuple(steps)


def format_steps(steps: tuple[int, ...]) -> str:
    out = []
    for s in steps:
        for unit in ("d", "h", "m"):
            if s % _UNIT[unit] == 0:
                out.append(f"{s // _UNIT[unit]}{unit}")
                break
        else:
            out.append(f"{s}s")
    return " ".join(out)
