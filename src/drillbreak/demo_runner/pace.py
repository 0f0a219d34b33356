"""How fast this machine runs the demos: which scale to run, and how long is left.

No torch: the child measures (:func:`drillbreak.demo_runner.child.calibrate`) and
passes the seconds in, so the decision is a plain function of numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "PATIENCE_SECONDS",
    "REFERENCE_SECONDS",
    "ScaleChoice",
    "choose_scale",
    "format_duration",
    "seconds_left",
]

# The calibration workload (100 training steps of a 64-128-10 network on one thread)
# on the machine the demos' ``expected_seconds`` were measured on (2 cores, idle).
REFERENCE_SECONDS = 0.025
# A demo whose full scale would take longer than this here runs at the quick scale.
PATIENCE_SECONDS = 30.0
# Below this fraction done, an estimate of the time left is mostly noise.
MIN_FRACTION_FOR_ESTIMATE = 0.02


@dataclass(frozen=True, slots=True)
class ScaleChoice:
    """The scale to run and, when it was chosen for the machine's speed, why."""

    scale: str
    reason: str = ""


def choose_scale(
    requested: str, calibration_seconds: float | None, expected_seconds: float
) -> ScaleChoice:
    """``requested`` unless it is ``auto``; then the full scale, or the quick one when
    the calibration says the full one would take over :data:`PATIENCE_SECONDS` here
    (``calibration_seconds`` ``None``: not measured, e.g. on a GPU: full)."""
    if requested != "auto":
        return ScaleChoice(requested)
    if calibration_seconds is None:
        return ScaleChoice("full")
    slowdown = calibration_seconds / REFERENCE_SECONDS
    estimate = expected_seconds * max(1.0, slowdown)
    if estimate <= PATIENCE_SECONDS:
        return ScaleChoice("full")
    return ScaleChoice(
        "quick",
        f"this machine is slow right now ({slowdown:.1f}x slower than the reference; the full "
        f"demo would take about {format_duration(estimate)} here)",
    )


def seconds_left(elapsed: float, fraction: float) -> float | None:
    """Seconds still to go after ``elapsed`` seconds at ``fraction`` (0-1) done,
    at the pace so far; ``None`` until there is enough progress to tell."""
    if not fraction >= MIN_FRACTION_FOR_ESTIMATE or elapsed < 0:
        return None
    if fraction >= 1:
        return 0.0
    return elapsed * (1 - fraction) / fraction


def format_duration(seconds: float) -> str:
    """``7 s``, ``1 min 05 s``; whole seconds, rounded up."""
    whole = max(0, math.ceil(seconds))
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"
