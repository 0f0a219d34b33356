"""Study settings: what a learner can change, with Anki-like defaults.

``Settings`` and ``DeckLimits`` are frozen dataclasses.  Each field's metadata holds its
``Spec``, the one record of what the field is: the words the learner sees (``label``: the
settings screen's label; ``noun``: the name in error messages; ``unit``; ``description``),
its bounds, and how typed text or stored JSON becomes its value.  The settings screen, the
error messages and the validator all read it.  Plain stdlib: the settings are read at
every start, before the first card.

Building a record checks and converts every field (``"0.85"`` -> 0.85, ``"yes"`` -> True,
``"1m 10m"`` -> (60, 600), lists -> tuples); a refused value raises ``SettingsInvalid``
naming each refused field in the learner's words.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import Field, dataclass, field, replace
from typing import Any, ClassVar, Self

from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from drillbreak.errors import UserError

DEFAULT_THEME = "drillbreak"


class SettingsInvalid(ValueError):
    """Values the settings refuse: ``problems`` maps each refused field, in field order, to
    one line saying what is wrong and what is allowed."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class _Refused(Exception):
    """One field's value refused; the message is the learner's line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """What a field is: its words, its bounds (``ge``/``le``) and ``parse``, which turns a
    value as typed or stored into the field's value or raises ``_Refused``."""

    label: str
    noun: str
    parse: Callable[[object, str], object]
    description: str = ""
    unit: str = ""
    form: bool = False  # edited on the settings screen
    ge: float | None = None
    le: float | None = None

    def value_of(self, raw: object) -> object:
        value = self.parse(raw, self.noun)
        if isinstance(value, int | float) and not (
            (self.ge is None or value >= self.ge) and (self.le is None or value <= self.le)
        ):
            raise _Refused(f"{self.noun} must be {self.allowed()}")
        return value

    def allowed(self) -> str:
        """What the bounds allow, as the learner reads it."""
        low, high = self.ge, self.le
        if low is not None and high is not None:
            return (
                f"between {low:.2f} and {high:.2f}" if isinstance(low, float) else f"{low}-{high}"
            )
        return f"at least {low}" if low is not None else f"at most {high}"


def _number(raw: object, noun: str) -> float:
    if isinstance(raw, int | float):  # bools too, as 0.0 and 1.0
        try:
            return float(raw)
        except OverflowError:  # an int beyond any float
            return math.inf if raw > 0 else -math.inf
    if isinstance(raw, str) and (text := raw.strip()).isascii():
        try:
            return float(text)
        except ValueError:
            pass
    raise _Refused(f"{noun} must be a number")


_WHOLE = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?")


def _whole(raw: object, noun: str) -> int:
    """An int, a float without a fraction, or text like ``"20"`` or ``"20.0"``."""
    if isinstance(raw, int):  # bools too, as 0 and 1
        return int(raw)
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and (m := _WHOLE.fullmatch(raw.strip())):
        return int(m.group(1))
    raise _Refused(f"{noun} must be a whole number")


_YES = {"yes", "y", "true", "t", "on", "1"}
_NO = {"no", "n", "false", "f", "off", "0"}


def _yes_no(raw: object, noun: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.lower() in _YES | _NO:
        return raw.lower() in _YES
    raise _Refused(f"{noun} must be yes or no")


def _text(raw: object, noun: str) -> str:
    if isinstance(raw, str):
        return raw
    raise _Refused(f"{noun} must be text")


def _steps(raw: object, noun: str) -> tuple[int, ...]:
    """Durations as text (``"1m 10m"``) or seconds; each must be positive."""
    if isinstance(raw, str):
        try:
            raw = parse_steps(raw)
        except UserError as exc:
            raise _Refused(f"{noun}: {exc}") from None
    if not isinstance(raw, list | tuple):
        raise _Refused(f"{noun} must be durations like '1m 10m'")
    if any(isinstance(s, int | float) and s <= 0 for s in raw):
        raise _Refused(f"{noun} must be positive durations")
    return tuple(_whole(s, noun) for s in raw)


def _parameters(raw: object, noun: str) -> tuple[float, ...]:
    """Exactly the parameters fsrs.Scheduler accepts (checked before any conversion)."""
    if not isinstance(raw, list | tuple):
        raise _Refused(invalid_parameters_message(["not a list"]))
    if bad := parameter_problems(raw):
        raise _Refused(invalid_parameters_message(bad))
    return tuple(_number(p, noun) for p in raw)


class _Record:
    """Checked frozen dataclasses: each field's metadata holds its ``Spec``; a field whose
    default is None also takes None."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __post_init__(self) -> None:
        problems: dict[str, str] = {}
        for f in self.__dataclass_fields__.values():
            raw = getattr(self, f.name)
            if raw is None and f.default is None:
                continue
            try:
                object.__setattr__(self, f.name, f.metadata["spec"].value_of(raw))
            except _Refused as exc:
                problems[f.name] = str(exc)
        if problems:
            raise SettingsInvalid(problems)

    @classmethod
    def spec(cls, name: str) -> Spec:
        spec: Spec = cls.__dataclass_fields__[name].metadata["spec"]
        return spec

    @classmethod
    def validate(cls, data: Mapping[str, object]) -> Self:
        """The defaults with ``data``'s values (as typed or stored) for the fields it names;
        other keys are ignored.  Raises SettingsInvalid."""
        return cls().changed(data)

    def changed(self, data: Mapping[str, object]) -> Self:
        """This record with ``data``'s values for the fields it names; other keys are
        ignored.  Raises SettingsInvalid."""
        return replace(self, **{k: v for k, v in data.items() if k in self.__dataclass_fields__})

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def to_json(self) -> str:
        """Compact JSON, every field (tuples as lists, NaN as ``NaN``, as ``json.dumps``)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Read ``to_json``'s text.  Raises SettingsInvalid for refused values, ValueError
        for text that is not a JSON object."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return cls.validate(data)


def _setting(default: Any, spec: Spec) -> Any:
    """A field with its default and its spec (read by ``_Record``, the form, the messages)."""
    return field(default=default, metadata={"spec": spec})


# A deck's own limit reads like the setting it replaces: one spec for both.
_NEW_PER_DAY = Spec(
    label="New cards per day (each deck)",
    noun="new cards/day",
    parse=_whole,
    description="New cards introduced per study day, in each deck (`drillbreak limits` "
    "sets a deck's own).",
    unit="cards",
    form=True,
    ge=0,
    le=9999,
)
_REVIEWS_PER_DAY = Spec(
    label="Reviews per day (each deck)",
    noun="reviews/day",
    parse=_whole,
    description="At most this many reviews per study day, in each deck.",
    unit="cards",
    form=True,
    ge=0,
    le=99999,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings(_Record):
    desired_retention: float = _setting(
        0.9,
        Spec(
            label="Desired retention (0.70-0.99)",
            noun="desired retention",
            parse=_number,
            description="The share of reviews you want to pass; higher means more reviews.",
            form=True,
            ge=0.7,
            le=0.99,
        ),
    )
    new_per_day: int = _setting(20, _NEW_PER_DAY)
    reviews_per_day: int = _setting(200, _REVIEWS_PER_DAY)
    new_per_day_all: int | None = _setting(
        None,
        Spec(
            label="New cards per day (all decks)",
            noun="new cards/day for all decks",
            parse=_whole,
            description="At most this many new cards per study day over all decks; None: no cap.",
            unit="cards",
            ge=0,
            le=9999,
        ),
    )
    reviews_per_day_all: int | None = _setting(
        None,
        Spec(
            label="Reviews per day (all decks)",
            noun="reviews/day for all decks",
            parse=_whole,
            description="At most this many reviews per study day over all decks; None: no cap.",
            unit="cards",
            ge=0,
            le=99999,
        ),
    )
    bury_siblings: bool = _setting(
        True,
        Spec(
            label="Bury siblings (yes/no)",
            noun="bury siblings",
            parse=_yes_no,
            description="Once a card is studied, the other cards of the same note (its "
            "reverse, the other cloze gaps), new or due for review, wait until the next "
            "study day.",
            form=True,
        ),
    )
    learning_steps: tuple[int, ...] = _setting(
        (60, 600),
        Spec(
            label="Learning steps",
            noun="learning steps",
            parse=_steps,
            description="Waits before a new card is seen again, e.g. '1m 10m'.",
            unit="s",
            form=True,
        ),
    )
    relearning_steps: tuple[int, ...] = _setting(
        (600,),
        Spec(
            label="Relearning steps",
            noun="relearning steps",
            parse=_steps,
            description="Waits before a forgotten card is seen again, e.g. '10m'.",
            unit="s",
            form=True,
        ),
    )
    rollover_hour: int = _setting(
        4,
        Spec(
            label="New day starts at hour (0-23)",
            noun="rollover hour",
            parse=_whole,
            description="The local hour at which a new study day starts.",
            unit="h",
            form=True,
            ge=0,
            le=23,
        ),
    )
    leech_threshold: int = _setting(
        8,
        Spec(
            label="Leech threshold",
            noun="leech threshold",
            parse=_whole,
            description="Lapses after which a card is tagged a leech and suspended.",
            unit="lapses",
            ge=1,
        ),
    )
    maximum_interval_days: int = _setting(
        36500,
        Spec(
            label="Maximum interval",
            noun="maximum interval",
            parse=_whole,
            description="The longest interval fsrs may schedule.",
            unit="days",
            ge=1,
        ),
    )
    learn_ahead_s: int = _setting(
        20 * 60,
        Spec(
            label="Learn ahead",
            noun="learn ahead",
            parse=_whole,
            description="Learning cards due this soon are shown when nothing else is left.",
            unit="s",
            ge=0,
        ),
    )
    theme: str = _setting(DEFAULT_THEME, Spec(label="Theme", noun="theme", parse=_text))
    parameters: tuple[float, ...] | None = _setting(
        None,
        Spec(
            label="FSRS parameters",
            noun="FSRS parameters",
            parse=_parameters,
            description="FSRS parameters fitted by `drillbreak optimize`; None: fsrs's defaults.",
        ),
    )

    def with_changes(self, **changes: object) -> Settings:
        """These settings with ``changes`` (values or the text typed for them) applied;
        a UserError names every problem, one clause per field."""
        try:
            return self.changed(changes)
        except SettingsInvalid as exc:
            raise UserError(str(exc)) from None

    @classmethod
    def form_fields(cls) -> list[str]:
        """The fields the settings screen edits, in order."""
        return [name for name in cls.__dataclass_fields__ if cls.spec(name).form]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeckLimits(_Record):
    """One deck's own daily limits; None: the deck follows the settings."""

    new_per_day: int | None = _setting(None, _NEW_PER_DAY)
    reviews_per_day: int | None = _setting(None, _REVIEWS_PER_DAY)


def field_noun(name: str) -> str:
    return Settings.spec(name).noun


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
