"""``drillbreak optimize``: fit, score, report and (when better) save FSRS parameters.

The fit is fsrs-rs's ``compute_parameters`` on the items of :mod:`.data`, in
process (milliseconds for thousands of reviews).  Default, current and fitted
parameters are scored with fsrs-rs's ``evaluate`` on the same items (log loss and
RMSE (bins), as Anki reports them).  The fitted parameters are saved in the
settings, and so used by the scheduler from then on, only when fsrs's Scheduler
accepts them and they predict the log at least as well as the parameters in use.
Every fit is recorded (when, and how many reviews) so that ``drillbreak stats``
can say when the next one is due.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TextIO

import fsrs
import fsrs_rs_python as fsrs_rs

from drillbreak.clock import to_ms, utc_now
from drillbreak.errors import UserError
from drillbreak.optimizer.data import MIN_REVIEWS, fsrs_items, histories
from drillbreak.optimizer.workload import simulator_config
from drillbreak.store import settings_store
from drillbreak.store.db import Database
from drillbreak.store.fit_log import LastFit, count_cards, record_fit
from drillbreak.store.history import load_reviews

# (items) -> 21 parameters; fsrs-rs's fit unless a caller brings its own
Fitter = Callable[[list[fsrs_rs.FSRSItem]], Sequence[float]]


class OptimizerFailed(UserError):
    pass


@dataclass(frozen=True)
class Score:
    log_loss: float
    rmse_bins: float


@dataclass
class OptimizeResult:
    parameters: list[float]
    metrics: dict[str, Score | None]  # default, current (None: the defaults), fitted
    reviews: int
    eligible: int
    cards: int
    saved: bool
    seconds: float
    retention: float | None = None


def not_enough_message(eligible: int, total: int) -> str:
    return (
        f"not enough reviews to optimize yet: FSRS fits its parameters on reviews made "
        f"a day or more after the card's previous review, and needs {MIN_REVIEWS} of them; "
        f"you have {eligible} ({total} reviews in all), so about {MIN_REVIEWS - eligible} more "
        "are needed. Until then the default parameters are used."
    )


def fit_parameters(items: list[fsrs_rs.FSRSItem]) -> list[float]:
    """fsrs-rs's fit (FSRS-6, short-term parameters from same-day reviews), rounded
    to 4 decimals as Anki stores them."""
    fitted = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS).compute_parameters(items)
    return [round(float(p), 4) for p in fitted]


def score(parameters: Sequence[float], items: list[fsrs_rs.FSRSItem]) -> Score:
    evaluation = fsrs_rs.FSRS(list(parameters)).evaluate(items)
    return Score(float(evaluation.log_loss), float(evaluation.rmse_bins))


def checked(parameters: Sequence[float]) -> list[float]:
    """The parameters, if fsrs's Scheduler accepts them; OptimizerFailed if not."""
    out = [float(p) for p in parameters]
    if len(out) != 21 or not all(math.isfinite(p) for p in out):
        raise OptimizerFailed("the optimizer returned invalid parameters; nothing was saved")
    try:
        fsrs.Scheduler(parameters=out)
    except ValueError as exc:
        raise OptimizerFailed(f"the optimizer returned invalid parameters: {exc}") from None
    return out


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def report_lines(result: OptimizeResult, desired_retention: float) -> list[str]:
    lines = [
        f"Review log: {result.reviews} reviews of {result.cards} cards "
        f"({result.eligible} a day or more after the previous review).",
        "",
        f"{'parameters':<12} {'log loss':>9} {'RMSE (bins)':>12}",
    ]
    for name, row in result.metrics.items():
        if row is not None:
            lines.append(f"{name:<12} {_fmt(row.log_loss):>9} {_fmt(row.rmse_bins):>12}")
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
    return lines


def optimize(
    db_path: Path,
    *,
    retention: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    fit: Fitter = fit_parameters,
    tz: tzinfo | None = None,
) -> OptimizeResult:
    """Fit, report and (when better) save FSRS parameters for the database at ``db_path``."""
    out = out or sys.stdout
    err = err or sys.stderr
    db = Database(db_path)
    try:
        rows = load_reviews(db)
        with db.read() as conn:
            # stored parameters fsrs would refuse are scored as absent (the defaults)
            settings = settings_store.load(conn, drop_invalid_parameters=True)
            cards = count_cards(conn)
        items = fsrs_items(rows, settings.rollover_hour, tz)
        if len(items) < MIN_REVIEWS:
            raise UserError(not_enough_message(len(items), len(rows)))
        print(
            f"Fitting FSRS parameters to {len(rows)} reviews "
            f"({len(items)} of them a day or more after the previous one)...",
            file=err,
            flush=True,
        )
        start = time.perf_counter()
        try:
            raw = fit(items)
        except (ValueError, RuntimeError) as exc:  # fsrs-rs refuses data it cannot fit
            raise OptimizerFailed(f"the optimizer failed: {exc}") from None
        fitted = checked(raw)
        seconds = time.perf_counter() - start

        default = list(fsrs_rs.DEFAULT_PARAMETERS)
        current = list(settings.parameters) if settings.parameters else None
        default_score, fitted_score = score(default, items), score(fitted, items)
        current_score = score(current, items) if current and current != default else None
        metrics: dict[str, Score | None] = {
            "default": default_score,
            "current": current_score,
            "fitted": fitted_score,
        }
        baseline = current_score or default_score
        better = fitted_score.log_loss <= baseline.log_loss + 1e-12
        suggested = None
        if retention:
            config = simulator_config(cards, settings, rows)
            suggested = round(float(fsrs_rs.optimal_retention(config, fitted)), 2)
        with db.write() as conn:
            current_settings = settings_store.load(conn, drop_invalid_parameters=True)
            if better:
                current_settings = current_settings.with_changes(parameters=tuple(fitted))
            settings_store.save(conn, current_settings)
            record_fit(conn, LastFit(at_ms=to_ms(utc_now()), reviews=len(rows)))
    finally:
        db.close()
    print(f"Fitted in {seconds * 1000:.0f} ms.", file=err, flush=True)
    result = OptimizeResult(
        parameters=fitted,
        metrics=metrics,
        reviews=len(rows),
        eligible=len(items),
        cards=len(histories(rows)),
        saved=better,
        seconds=seconds,
        retention=suggested,
    )
    for line in report_lines(result, current_settings.desired_retention):
        print(line, file=out)
    return result
