"""The line protocol between a demo child process and the app.

The child writes one JSON object per line to stdout.  Every object has a ``type``
field naming one of the event classes below; :func:`parse_line` turns a line back
into a typed event and :func:`to_json` writes one.  Nothing here imports torch.

Non-finite floats (a loss that exploded to ``inf`` or ``nan``) are written as
``null`` so that every line is strict JSON; a :class:`Metric` with ``y=None`` is
a gap in its curve.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any, ClassVar

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


class EventParseError(ValueError):
    """A line from a demo child that is not a valid event."""


@dataclass(frozen=True)
class Meta:
    """First event of a run: what runs where."""

    TYPE: ClassVar[str] = "meta"
    name: str
    title: str
    device: str
    seed: int
    torch: str
    scale: str = "full"
    threads: int = 1


@dataclass(frozen=True)
class Progress:
    """How far the demo is: ``step`` of ``total``, with what it is doing now."""

    TYPE: ClassVar[str] = "progress"
    step: int
    total: int
    label: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else max(0.0, min(1.0, self.step / self.total))


@dataclass(frozen=True)
class ChartSpec:
    """Optional description of a chart: axis labels, a fixed y range, a log x axis."""

    TYPE: ClassVar[str] = "chart"
    chart: str
    x_label: str = ""
    y_label: str = ""
    y_min: float | None = None
    y_max: float | None = None
    x_log: bool = False


@dataclass(frozen=True)
class Metric:
    """One point ``(x, y)`` of the curve ``series`` in the chart ``chart``."""

    TYPE: ClassVar[str] = "metric"
    chart: str
    series: str
    x: float
    y: float | None


@dataclass(frozen=True)
class Table:
    """A small table: ``rows`` of cells (strings or numbers) under ``columns``."""

    TYPE: ClassVar[str] = "table"
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Image:
    """A small grayscale image, row-major, pixels 0 (black) to 255 (white)."""

    TYPE: ClassVar[str] = "image"
    title: str
    width: int
    height: int
    pixels: list[int]
    caption: str = ""


@dataclass(frozen=True)
class Text:
    """A paragraph of markdown-ish text."""

    TYPE: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True)
class Result:
    """The end of a demo: headline numbers and what they mean."""

    TYPE: ClassVar[str] = "result"
    headline: dict[str, float]
    summary: str


@dataclass(frozen=True)
class Log:
    """A diagnostic message (not part of the lesson)."""

    TYPE: ClassVar[str] = "log"
    message: str
    level: str = "info"


@dataclass(frozen=True)
class ErrorEvent:
    """Something went wrong.  ``fatal`` errors end the run; others are warnings
    (for example a malformed line, reported by the parent and skipped)."""

    TYPE: ClassVar[str] = "error"
    message: str
    fatal: bool = True


Event = Meta | Progress | ChartSpec | Metric | Table | Image | Text | Result | Log | ErrorEvent

_CLASSES: dict[str, type] = {
    cls.TYPE: cls
    for cls in (Meta, Progress, ChartSpec, Metric, Table, Image, Text, Result, Log, ErrorEvent)
}

# Expected JSON types of each field (``None`` allowed where the field is optional-None).
_NUM = (int, float)
_SPEC: dict[str, dict[str, tuple[type, ...]]] = {
    "meta": {
        "name": (str,),
        "title": (str,),
        "device": (str,),
        "seed": (int,),
        "torch": (str,),
        "scale": (str,),
        "threads": (int,),
    },
    "progress": {"step": (int,), "total": (int,), "label": (str,)},
    "chart": {
        "chart": (str,),
        "x_label": (str,),
        "y_label": (str,),
        "y_min": (*_NUM, type(None)),
        "y_max": (*_NUM, type(None)),
        "x_log": (bool,),
    },
    "metric": {"chart": (str,), "series": (str,), "x": _NUM, "y": (*_NUM, type(None))},
    "table": {"title": (str,), "columns": (list,), "rows": (list,)},
    "image": {
        "title": (str,),
        "width": (int,),
        "height": (int,),
        "pixels": (list,),
        "caption": (str,),
    },
    "text": {"text": (str,)},
    "result": {"headline": (dict,), "summary": (str,)},
    "log": {"message": (str,), "level": (str,)},
    "error": {"message": (str,), "fatal": (bool,)},
}


def _clean(value: Any) -> Any:
    """Replace non-finite floats by ``None``, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_json(event: Event) -> str:
    """One line of strict JSON (no newline) for ``event``."""
    data = {"type": event.TYPE, **asdict(event)}
    return json.dumps(_clean(data), separators=(",", ":"), allow_nan=False)


def _check_type(kind: str, key: str, value: Any) -> None:
    allowed = _SPEC[kind][key]
    # bool is an int in Python; refuse it where a number is expected.
    if isinstance(value, bool) and bool not in allowed:
        raise EventParseError(f"{kind}.{key}: expected {_names(allowed)}, got a boolean")
    if not isinstance(value, allowed):
        raise EventParseError(
            f"{kind}.{key}: expected {_names(allowed)}, got {type(value).__name__}"
        )


def _names(types: tuple[type, ...]) -> str:
    names = {int: "int", float: "number", str: "string", list: "list", dict: "object"}
    return " or ".join(dict.fromkeys(names.get(t, "null") for t in types))


def _validate_body(kind: str, obj: dict[str, Any]) -> None:
    if kind == "table":
        if not all(isinstance(c, str) for c in obj["columns"]):
            raise EventParseError("table.columns: expected a list of strings")
        if not all(isinstance(r, list) for r in obj["rows"]):
            raise EventParseError("table.rows: expected a list of lists")
    elif kind == "image":
        pixels = obj["pixels"]
        if obj["width"] <= 0 or obj["height"] <= 0:
            raise EventParseError("image: width and height must be positive")
        if len(pixels) != obj["width"] * obj["height"]:
            raise EventParseError(f"image: {len(pixels)} pixels for {obj['width']}x{obj['height']}")
        if not all(
            isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 255 for p in pixels
        ):
            raise EventParseError("image.pixels: expected integers 0..255")
    elif kind == "result":
        for key, value in obj["headline"].items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, _NUM)):
                raise EventParseError(f"result.headline[{key!r}]: expected a number")


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
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventParseError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise EventParseError(f"expected a JSON object, got {type(obj).__name__}")
    kind = obj.pop("type", None)
    if not isinstance(kind, str) or kind not in _CLASSES:
        raise EventParseError(f"unknown event type {kind!r}")
    cls = _CLASSES[kind]
    known = {f.name for f in fields(cls)}
    unknown = set(obj) - known
    if unknown:
        raise EventParseError(f"{kind}: unknown field(s) {', '.join(sorted(unknown))}")
    required = {
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    }
    missing = required - set(obj)
    if missing:
        raise EventParseError(f"{kind}: missing field(s) {', '.join(sorted(missing))}")
    for key, value in obj.items():
        _check_type(kind, key, value)
    _validate_body(kind, obj)
    if kind == "result":
        obj["headline"] = {
            k: (float("nan") if v is None else float(v)) for k, v in obj["headline"].items()
        }
    for key in ("x", "y", "y_min", "y_max"):
        if key in obj and isinstance(obj[key], int):
            obj[key] = float(obj[key])
    return cls(**obj)
