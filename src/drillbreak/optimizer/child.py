"""The optimizer child process: the only part of ``drillbreak optimize`` that imports torch.

    python -m drillbreak.optimizer.child --db PATH [--retention] [--threads N]

Reads the review log (cram reviews excluded), fits FSRS parameters with
``fsrs.Optimizer``, scores the default, the current and the fitted parameters on
the same log, and with ``--retention`` suggests a desired retention.  It never
writes to the database: the parent decides what to save.

stdout carries one JSON object per line::

    {"event": "loaded", "reviews": N, "eligible": N, "cards": N}
    {"event": "progress", "phase": "fit", "epoch": K, "epochs": 5}
    {"event": "progress", "phase": "evaluate"}
    {"event": "progress", "phase": "retention"}
    {"event": "result", "parameters": [21 floats], "metrics": {...}, ...}
    {"event": "error", "message": "..."}

Exit status 0 with a result, 1 after an error event (a traceback goes to stderr).
Started by ``drillbreak optimize``, the child dies with it
(:func:`drillbreak.childproc.watch_parent`).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
import types
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from statistics import mean
from typing import Any, TextIO

from drillbreak.childproc import watch_parent


def emit(out: TextIO, event: str, **fields: Any) -> None:
    out.write(json.dumps({"event": event, **fields}) + "\n")
    out.flush()


def load_fsrs_optimizer() -> types.ModuleType:
    """``fsrs.optimizer`` with torch, even where pandas or tqdm are not installed.

    fsrs imports pandas (only for ``compute_optimal_retention``, which we replace
    below) and tqdm (only for a progress bar, which we replace with our events)
    in the same ``try`` as torch, and falls back to a stub Optimizer if any is
    missing.  Stand-ins are placed in ``sys.modules`` for that import only.
    """
    import torch  # noqa: F401  - a missing torch must fail here, loudly

    standins: list[str] = []
    for name in ("pandas", "tqdm"):
        try:
            importlib.import_module(name)
        except ImportError:
            module = types.ModuleType(name)
            if name == "tqdm":
                module.tqdm = lambda iterable, **_kw: iterable  # type: ignore[attr-defined]
            sys.modules[name] = module
            standins.append(name)
    try:
        sys.modules.pop("fsrs.optimizer", None)
        module = importlib.import_module("fsrs.optimizer")
    finally:
        for name in standins:  # torch._dynamo probes importlib for these later
            sys.modules.pop(name, None)
    if not hasattr(module, "torch"):
        raise RuntimeError("fsrs.optimizer could not load torch")
    return module


def epoch_reporter(out: TextIO) -> Callable[..., Iterable[Any]]:
    """A stand-in for ``tqdm`` that reports each finished epoch as an event."""

    def report(iterable: Iterable[Any], **_kwargs: Any) -> Iterable[Any]:
        items = list(iterable)
        for i, item in enumerate(items):
            yield item
            emit(out, "progress", phase="fit", epoch=i + 1, epochs=len(items))

    return report


def probs_and_costs(logs: Sequence[Any]) -> dict[str, float]:
    """``Optimizer._compute_probs_and_costs`` without pandas (same numbers)."""
    ordered = sorted(logs, key=lambda log: (log.card_id, log.review_datetime))
    first, later, seen = [], [], set()
    for log in ordered:
        (later if log.card_id in seen else first).append(log)
        seen.add(log.card_id)

    def durations(group: Sequence[Any], rating: int) -> list[int]:
        return [int(g.review_duration) for g in group if int(g.rating) == rating]

    out: dict[str, float] = {}
    for rating, name in ((1, "again"), (2, "hard"), (3, "good"), (4, "easy")):
        d = durations(first, rating)
        out[f"prob_first_{name}"] = len(d) / len(first)
        out[f"avg_first_{name}_review_duration"] = mean(d) if d else 0
    recalled = [g for g in later if int(g.rating) != 1]
    if not recalled:
        raise ValueError("no successful review after the first one")
    for rating, name in ((2, "hard"), (3, "good"), (4, "easy")):
        out[f"prob_{name}"] = len(durations(recalled, rating)) / len(recalled)
    for rating, name in ((1, "again"), (2, "hard"), (3, "good"), (4, "easy")):
        d = durations(later, rating)
        out[f"avg_{name}_review_duration"] = mean(d) if d else 0
    return out


def run(db_path: Path, *, retention: bool, threads: int, out: TextIO) -> int:
    import fsrs

    from drillbreak.interop.reviews import load_reviews
    from drillbreak.optimizer.data import MIN_REVIEWS, eligible_reviews, histories
    from drillbreak.optimizer.metrics import evaluate
    from drillbreak.store import settings_store
    from drillbreak.store.db import Database

    db = Database(db_path)
    try:
        rows = load_reviews(db)
        with db.read() as conn:
            settings = settings_store.load(conn)
    finally:
        db.close()
    cards = histories(rows)
    eligible = eligible_reviews(rows)
    emit(out, "loaded", reviews=len(rows), eligible=eligible, cards=len(cards))
    if eligible < MIN_REVIEWS:
        emit(
            out,
            "error",
            message=f"only {eligible} of the {MIN_REVIEWS} reviews fsrs needs to fit parameters",
        )
        return 1

    module = load_fsrs_optimizer()
    module.torch.set_num_threads(max(1, threads))
    module.tqdm = epoch_reporter(out)
    logs = [
        fsrs.ReviewLog(
            card_id=card_id,
            rating=fsrs.Rating(rating),
            review_datetime=when,
            review_duration=duration,
        )
        for card_id, reviews in cards.items()
        for when, rating, duration in reviews
    ]

    class Optimizer(module.Optimizer):  # type: ignore[name-defined,misc]
        def _compute_probs_and_costs(self) -> dict[str, float]:
            return probs_and_costs(self.review_logs)

    optimizer = Optimizer(logs)
    fitted = [float(x) for x in optimizer.compute_optimal_parameters(verbose=True)]
    fsrs.Scheduler(parameters=fitted)  # raises if fsrs would not accept them

    emit(out, "progress", phase="evaluate")
    default = [float(x) for x in fsrs.Scheduler().parameters]
    current = list(settings.parameters) if settings.parameters else None
    metrics = {
        "default": evaluate(default, cards).to_dict(),
        "current": evaluate(current, cards).to_dict() if current and current != default else None,
        "fitted": evaluate(fitted, cards).to_dict(),
    }

    suggested, retention_error = None, None
    if retention:
        emit(out, "progress", phase="retention")
        try:
            suggested = float(optimizer.compute_optimal_retention(fitted))
        except Exception as exc:  # fsrs raises ValueError/ZeroDivisionError on thin data
            retention_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    emit(
        out,
        "result",
        parameters=fitted,
        metrics=metrics,
        reviews=len(rows),
        eligible=eligible,
        cards=len(cards),
        retention=suggested,
        retention_error=retention_error,
    )
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m drillbreak.optimizer.child")
    parser.add_argument("--db", type=Path, required=True, help="the drillbreak database")
    parser.add_argument("--retention", action="store_true", help="also suggest a retention")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    watch_parent()
    args = parse_args(argv)
    out = sys.stdout
    sys.stdout = sys.stderr  # anything else printed must not corrupt the event stream
    try:
        return run(args.db, retention=args.retention, threads=args.threads, out=out)
    except Exception as exc:
        traceback.print_exc()
        emit(out, "error", message=f"{type(exc).__name__}: {exc}".splitlines()[0])
        return 1
    finally:
        sys.stdout = out


if __name__ == "__main__":
    raise SystemExit(main())
