"""Study settings: what a learner can change, with Anki-like defaults."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from drillbreak.errors import UserError

DEFAULT_THEME = "drillbreak"


@dataclass(frozen=True)
class Settings:
    desired_retention: float = 0.9
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: tuple[int, ...] = (60, 600)  # seconds
    relearning_steps: tuple[int, ...] = (600,)
    rollover_hour: int = 4
    leech_threshold: int = 8
    maximum_interval_days: int = 36500
    learn_ahead_s: int = 20 * 60
    theme: str = DEFAULT_THEME
    parameters: tuple[float, ...] | None = field(default=None)

    def validated(self) -> Settings:
        problems = []
        if not 0.7 <= self.desired_retention <= 0.99:
            problems.append("desired retention must be between 0.70 and 0.99")
        if not 0 <= self.new_per_day <= 9999:
            problems.append("new cards/day must be 0-9999")
        if not 0 <= self.reviews_per_day <= 99999:
            problems.append("reviews/day must be 0-99999")
        if not 0 <= self.rollover_hour <= 23:
            problems.append("rollover hour must be 0-23")
        if any(s <= 0 for s in (*self.learning_steps, *self.relearning_steps)):
            problems.append("learning steps must be positive durations")
        if self.leech_threshold < 1:
            problems.append("leech threshold must be at least 1")
        if self.parameters is not None and (bad := parameter_problems(self.parameters)):
            problems.append(invalid_parameters_message(bad))
        if problems:
            raise UserError("; ".join(problems))
        return self

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data: dict[str, Any] = json.loads(text)
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in data.items() if k in known}
        for key in ("learning_steps", "relearning_steps", "parameters"):
            if clean.get(key) is not None:
                clean[key] = tuple(clean[key])
        return cls(**clean)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes).validated()


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
