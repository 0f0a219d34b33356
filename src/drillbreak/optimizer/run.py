"""``drillbreak optimize``, the parent side: check, run the child, report, save.

Imports no torch: the fitting runs in ``python -m drillbreak.optimizer.child``,
whose JSON lines are read here.  The fitted parameters are saved in the settings
(and so used by the scheduler from then on) only when they predict the learner's
log at least as well as the parameters in use now.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from drillbreak.childproc import popen_options, stop_group
from drillbreak.errors import UserError
from drillbreak.optimizer.data import MIN_REVIEWS, eligible_reviews

# Rough costs on one CPU core, for the time estimate shown before fitting.
SECONDS_PER_REVIEW_EPOCH = 0.0007
STARTUP_SECONDS = 5
RETENTION_SECONDS = 10
EPOCHS = 5


class OptimizerFailed(UserError):
    pass


@dataclass
class OptimizeResult:
    parameters: list[float]
    metrics: dict[str, dict[str, float] | None]
    reviews: int
    eligible: int
    cards: int
    saved: bool
    retention: float | None = None
    retention_error: str | None = None


def not_enough_message(eligible: int, total: int) -> str:
    return (
        f"not enough reviews to optimize yet: FSRS fits its parameters on reviews made "
        f"a day or more after the card's previous review, and needs {MIN_REVIEWS} of them; "
        f"you have {eligible} ({total} reviews in all), so about {MIN_REVIEWS - eligible} more "
        "are needed. Until then the default parameters are used."
    )


def check_enough(rows: Sequence[Any]) -> int:
    """The number of reviews fsrs would fit on; UserError if below the minimum."""
    eligible = eligible_reviews(rows)
    if eligible < MIN_REVIEWS:
        raise UserError(not_enough_message(eligible, len(rows)))
    return eligible


def child_command(db_path: Path, *, retention: bool = False, threads: int = 1) -> list[str]:
    cmd = [sys.executable, "-m", "drillbreak.optimizer.child", "--db", str(db_path)]
    if retention:
        cmd.append("--retention")
    return [*cmd, "--threads", str(threads)]


def run_child(
    command: Sequence[str], on_event: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Run the child, pass each event to ``on_event``; return its result event.

    The child is stopped with everything it started when this returns or raises
    (Ctrl-C included), and dies with this process (see :mod:`drillbreak.childproc`).
    """
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
            **popen_options(),
        )
        result: dict[str, Any] | None = None
        error: str | None = None
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(event, dict):
                    continue
                if event.get("event") == "result":
                    result = event
                elif event.get("event") == "error":
                    error = str(event.get("message", "unknown error"))
                if on_event is not None:
                    on_event(event)
            code = proc.wait()
        finally:
            stop_group(proc.pid)
            proc.wait()
            proc.stdout.close()
        if result is not None and code == 0:
            return result
        stderr.seek(0)
        tail = [ln for ln in stderr.read().splitlines() if ln.strip()][-1:]
    reason = error or (tail[0] if tail else f"exit status {code}")
    if "No module named 'torch'" in reason:
        reason = (
            "torch is not installed; the optimizer needs it (pip install -c constraints.txt torch)"
        )
    raise OptimizerFailed(f"the optimizer failed: {reason}")


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def report_lines(result: OptimizeResult, desired_retention: float) -> list[str]:
    m = result.metrics
    lines = [
        f"Review log: {result.reviews} reviews of {result.cards} cards "
        f"({result.eligible} a day or more after the previous review).",
        "",
        f"{'parameters':<12} {'log loss':>9} {'RMSE (bins)':>12}",
    ]
    for name in ("default", "current", "fitted"):
        row = m.get(name)
        if row:
            lines.append(f"{name:<12} {_fmt(row['log_loss']):>9} {_fmt(row['rmse_bins']):>12}")
    lines.append("(lower is better; scored on the same log)")
    lines.append("")
    if result.saved:
        lines.append("Saved the fitted parameters: the scheduler uses them from now on.")
    else:
        lines.append(
            "Kept the parameters in use: the fitted ones do not predict your reviews better."
        )
    lines.append("Parameters: " + ", ".join(f"{p:.4f}" for p in result.parameters))
    if result.retention is not None:
        lines.append(
            f"Suggested desired retention: {result.retention:.2f} "
            f"(now {desired_retention:.2f}); the least study time per card remembered."
        )
    elif result.retention_error is not None:
        lines.append(f"Could not suggest a desired retention: {result.retention_error}")
    return lines


def _progress_printer(
    err: TextIO, eligible: int, retention: bool
) -> Callable[[dict[str, Any]], None]:
    start = time.monotonic()

    def show(event: dict[str, Any]) -> None:
        kind = event.get("event")
        elapsed = time.monotonic() - start
        if kind == "loaded":
            reviews = int(event.get("reviews", 0))
            estimate = STARTUP_SECONDS + reviews * SECONDS_PER_REVIEW_EPOCH * EPOCHS
            estimate += RETENTION_SECONDS if retention else 0
            about = f"{estimate / 60:.0f} min" if estimate >= 90 else f"{estimate:.0f} s"
            print(
                f"Fitting FSRS parameters to {reviews} reviews ({eligible} of them a day or "
                f"more after the previous one) in {EPOCHS} passes; about {about} in all.",
                file=err,
                flush=True,
            )
        elif kind == "progress" and event.get("phase") == "fit":
            print(
                f"  pass {event.get('epoch')}/{event.get('epochs')} done ({elapsed:.0f} s)",
                file=err,
                flush=True,
            )
        elif kind == "progress" and event.get("phase") == "evaluate":
            print("Scoring the default and fitted parameters...", file=err, flush=True)
        elif kind == "progress" and event.get("phase") == "retention":
            print("Simulating desired retentions 0.70-0.95...", file=err, flush=True)

    return show


def optimize(
    db_path: Path,
    *,
    retention: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    command: Sequence[str] | None = None,
) -> OptimizeResult:
    """Fit, report and (when better) save FSRS parameters for the database at ``db_path``."""
    import fsrs

    from drillbreak.interop.reviews import load_reviews
    from drillbreak.store import settings_store
    from drillbreak.store.db import Database

    out = out or sys.stdout
    err = err or sys.stderr
    db = Database(db_path)
    try:
        rows = load_reviews(db)
    finally:
        db.close()
    eligible = check_enough(rows)

    event = run_child(
        command or child_command(db_path, retention=retention),
        _progress_printer(err, eligible, retention),
    )
    parameters = [float(p) for p in event["parameters"]]
    if len(parameters) != 21 or not all(math.isfinite(p) for p in parameters):
        raise OptimizerFailed("the optimizer returned invalid parameters; nothing was saved")
    try:
        fsrs.Scheduler(parameters=parameters)
    except ValueError as exc:
        raise OptimizerFailed(f"the optimizer returned invalid parameters: {exc}") from None

    metrics = event["metrics"]
    baseline = metrics.get("current") or metrics["default"]
    better = metrics["fitted"]["log_loss"] <= baseline["log_loss"] + 1e-12
    db = Database(db_path)
    try:
        if better:
            with db.write() as conn:
                current = settings_store.load(conn)
                settings_store.save(conn, current.with_changes(parameters=tuple(parameters)))
        with db.read() as conn:
            desired = settings_store.load(conn).desired_retention
    finally:
        db.close()
    result = OptimizeResult(
        parameters=parameters,
        metrics=metrics,
        reviews=int(event.get("reviews", len(rows))),
        eligible=int(event.get("eligible", eligible)),
        cards=int(event.get("cards", 0)),
        saved=better,
        retention=event.get("retention"),
        retention_error=event.get("retention_error"),
    )
    for line in report_lines(result, desired):
        print(line, file=out)
    return result
