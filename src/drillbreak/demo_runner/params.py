"""Demo parameters: what a demo lets a run change (contract 3).

A demo declares them in its literal ``META`` as ``"params": {name: {"default": value,
"values": [value, ...]}}``; a value is a number or a short text, and a run may use
only the declared values (each one was checked to make the demo's point).  The
child takes ``--param name=value``; the demo reads ``ctx.param(name)``.  No torch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from drillbreak.domain import ParamValue, same_value

__all__ = [
    "PARAM_NAME",
    "ParamError",
    "ParamSpec",
    "ParamValue",
    "parse_assignment",
    "read_params",
    "resolve",
    "same_value",
    "show_value",
]

PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class ParamError(ValueError):
    """A parameter that the demo does not declare, or a value it does not allow."""


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter: its default and the values a run may use."""

    default: ParamValue
    values: tuple[ParamValue, ...]

    def match(self, value: ParamValue) -> ParamValue | None:
        """The declared value equal to ``value`` (``0.10`` is ``0.1``), or None."""
        return next((v for v in self.values if same_value(v, value)), None)


def show_value(value: ParamValue) -> str:
    """How a value is written on a command line and in a cache key: ``0.1``, ``5``, ``text``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _is_value(value: object) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def read_params(where: str, raw: object) -> dict[str, ParamSpec]:
    """META's ``params`` checked; raises ValueError naming ``where`` and what to fix."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: META params must be a dict name -> {{default, values}}")
    specs: dict[str, ParamSpec] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not PARAM_NAME.match(name):
            raise ValueError(f"{where}: META params name {name!r} must match {PARAM_NAME.pattern}")
        if not isinstance(spec, dict) or set(spec) != {"default", "values"}:
            raise ValueError(
                f"{where}: META params[{name!r}] must be {{'default': v, 'values': [...]}}"
            )
        values = spec["values"]
        if not isinstance(values, list | tuple) or not values or not all(map(_is_value, values)):
            raise ValueError(
                f"{where}: META params[{name!r}]['values'] must be a non-empty list of numbers or texts"
            )
        param = ParamSpec(spec["default"], tuple(values))
        if not _is_value(param.default) or param.match(param.default) is None:
            raise ValueError(
                f"{where}: META params[{name!r}]: the default must be one of its values"
            )
        specs[name] = param
    return specs


def parse_assignment(text: str, declared: Mapping[str, ParamSpec]) -> tuple[str, ParamValue]:
    """``"name=value"`` from a command line -> (name, the declared value it means)."""
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name or not raw:
        raise ParamError(f"--param {text!r}: write NAME=VALUE, e.g. --param eps=0.1")
    spec = _spec(name, declared)
    found = spec.match(raw)
    if found is None and _NUMBER.match(raw):
        found = spec.match(float(raw))
    if found is None:
        raise ParamError(_bad_value(name, raw, spec))
    return name, found


def resolve(
    given: Iterable[tuple[str, ParamValue]], declared: Mapping[str, ParamSpec]
) -> dict[str, ParamValue]:
    """Every declared parameter's value for a run: the given ones (checked), else defaults."""
    values = {name: spec.default for name, spec in declared.items()}
    for name, value in given:
        spec = _spec(name, declared)
        found = spec.match(value)
        if found is None:
            raise ParamError(_bad_value(name, show_value(value), spec))
        values[name] = found
    return values


def _spec(name: str, declared: Mapping[str, ParamSpec]) -> ParamSpec:
    spec = declared.get(name)
    if spec is None:
        known = ", ".join(sorted(declared)) or "none"
        raise ParamError(f"unknown parameter {name!r}; this demo's parameters: {known}")
    return spec


def _bad_value(name: str, raw: str, spec: ParamSpec) -> str:
    allowed = ", ".join(show_value(v) for v in spec.values)
    return f"parameter {name!r} cannot be {raw}; use one of {allowed}"
