"""The line protocol between a demo child process and the app.

The child writes one JSON object per line to stdout.  Every object has a ``type``
field naming one of the event classes below; :func:`parse_line` turns a line back
into a typed event and :func:`to_json` writes one.  Both are pydantic's, over the
event dataclasses (strict: no strings for numbers, no booleans for numbers, no
unknown fields).  Nothing here imports torch.

Non-finite floats (a loss that exploded to ``inf`` or ``nan``) are written as
``null`` so that every line is strict JSON; a :class:`Metric` with ``y=None`` is
a gap in its curve, a :class:`Result` headline read back as ``null`` is ``nan``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    with_config,
)
from pydantic_core import ErrorDetails

__all__ = [
    "ChartSpec",
    "ErrorEvent",
    "Event",
    "EventParseError",
    "Image",
    "Log",
    "Meta",
    "Metric",
    "Progress",
    "Result",
    "Table",
    "Text",
    "parse_line",
    "to_json",
]

# Strict: a JSON int is still accepted for a float (and read as a float).
_STRICT = ConfigDict(strict=True, extra="forbid", ser_json_inf_nan="null")


class EventParseError(ValueError):
    """A line from a demo child that is not a valid event."""


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Meta:
    """First event of a run: what runs where."""

    type: Literal["meta"] = "meta"
    name: str
    title: str
    device: str
    seed: int
    torch: str
    scale: str = "full"
    # Why the device was chosen, when ``auto`` passed over an accelerator.
    device_reason: str = ""
    # Why the scale was chosen, when it was chosen for the machine's speed.
    scale_reason: str = ""
    threads: int = 1


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Progress:
    """How far the demo is: ``step`` of ``total``, with what it is doing now."""

    type: Literal["progress"] = "progress"
    step: int
    total: int
    label: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else max(0.0, min(1.0, self.step / self.total))


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class ChartSpec:
    """Optional description of a chart: axis labels, a fixed y range, log x / y axes."""

    type: Literal["chart"] = "chart"
    chart: str
    x_label: str = ""
    y_label: str = ""
    y_min: float | None = None
    y_max: float | None = None
    x_log: bool = False
    y_log: bool = False


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Metric:
    """One point ``(x, y)`` of the curve ``series`` in the chart ``chart``."""

    type: Literal["metric"] = "metric"
    chart: str
    series: str
    x: float
    y: float | None


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Table:
    """A small table: ``rows`` of cells (strings or numbers) under ``columns``."""

    type: Literal["table"] = "table"
    title: str
    columns: list[str]
    rows: list[list[Any]]


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Image:
    """A small grayscale image, row-major, pixels 0 (black) to 255 (white)."""

    type: Literal["image"] = "image"
    title: str
    width: Annotated[int, Field(gt=0)]
    height: Annotated[int, Field(gt=0)]
    pixels: list[Annotated[int, Field(ge=0, le=255)]]
    caption: str = ""


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Text:
    """A paragraph of markdown-ish text."""

    type: Literal["text"] = "text"
    text: str


def _null_is_nan(value: object) -> object:
    return math.nan if value is None else value


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Result:
    """The end of a demo: headline numbers and what they mean."""

    type: Literal["result"] = "result"
    headline: dict[str, Annotated[float, BeforeValidator(_null_is_nan)]]
    summary: str


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class Log:
    """A diagnostic message (not part of the lesson)."""

    type: Literal["log"] = "log"
    message: str
    level: str = "info"


@with_config(_STRICT)
@dataclass(frozen=True, kw_only=True)
class ErrorEvent:
    """Something went wrong.  ``fatal`` errors end the run; others are warnings
    (for example a malformed line, reported by the parent and skipped)."""

    type: Literal["error"] = "error"
    message: str
    fatal: bool = True


Event = Meta | Progress | ChartSpec | Metric | Table | Image | Text | Result | Log | ErrorEvent


def _pixels_fill_image(image: Image) -> Image:
    if len(image.pixels) != image.width * image.height:
        raise ValueError(f"{len(image.pixels)} pixels for {image.width}x{image.height}")
    return image


_TaggedEvent: TypeAlias = Annotated[
    Meta
    | Progress
    | ChartSpec
    | Metric
    | Table
    | Annotated[Image, AfterValidator(_pixels_fill_image)]
    | Text
    | Result
    | Log
    | ErrorEvent,
    Field(discriminator="type"),
]


@cache
def _events() -> TypeAdapter[Event]:
    # built on first use: a schema at import time slows every start (bench/FINDINGS.md)
    return TypeAdapter(_TaggedEvent)


# What a strict type error expected, in the protocol's (JSON's) words.
_EXPECTED = {
    "int_type": "int",
    "float_type": "number",
    "string_type": "string",
    "bool_type": "boolean",
    "list_type": "list",
    "dict_type": "object",
}


def to_json(event: Event) -> str:
    """One line of strict JSON (no newline) for ``event``."""
    return _events().dump_json(event).decode()


def parse_line(line: str) -> Event:
    """Parse one protocol line into an event.

    Raises :class:`EventParseError` with a short reason if the line is not JSON,
    not an object, has an unknown ``type``, misses a required field, has a field
    of the wrong type or an unknown field.
    """
    text = line.strip()
    if not text:
        raise EventParseError("empty line")
    try:
        return _events().validate_json(text)
    except ValidationError as exc:
        raise EventParseError(_reason(exc.errors(include_url=False))) from None


def _json_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else type(value).__name__


def _reason(errors: list[ErrorDetails]) -> str:
    """One short line for pydantic's errors: the first, or all missing/unknown fields."""
    first = errors[0]
    value = first["input"]
    match first["type"]:
        case "json_invalid":
            return f"not JSON ({first.get('ctx', {}).get('error')})"
        case "dict_type" if not first["loc"]:
            return f"expected a JSON object, got {_json_name(value)}"
        case "union_tag_not_found" | "union_tag_invalid":
            return f"unknown event type {value.get('type')!r}"
    kind, *path = first["loc"]
    for label, error_type in (("missing", "missing"), ("unknown", "unexpected_keyword_argument")):
        names = sorted(str(e["loc"][1]) for e in errors if e["type"] == error_type)
        if names:
            return f"{kind}: {label} field(s) {', '.join(names)}"
    if first["type"] == "value_error":
        return f"{kind}: {first.get('ctx', {}).get('error')}"
    where = ".".join(str(p) for p in (kind, *path[:1])) + "".join(f"[{p!r}]" for p in path[1:])
    expected = _EXPECTED.get(first["type"])
    if expected is None:
        return f"{where}: {first['msg'][:1].lower()}{first['msg'][1:]}"
    return f"{where}: expected {expected}, got {_json_name(value)}"
