"""``optimize``: FSRS parameters fitted in a child process, scored, saved."""

from __future__ import annotations

import io
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import fsrs
import pytest
from helpers.procs import STUBBORN_FAMILY, fake, gone, read_pids, wait_gone
from sqlalchemy import insert

from drillbreak.clock import to_ms
from drillbreak.errors import UserError
from drillbreak.interop.reviews import ReviewRow
from drillbreak.optimizer import child as child_mod
from drillbreak.optimizer.data import DAY_MS, MIN_REVIEWS, eligible_reviews
from drillbreak.optimizer.metrics import log_loss, rmse_bins
from drillbreak.optimizer.run import OptimizerFailed, optimize, run_child
from drillbreak.schedule.fsrs_adapter import make_scheduler
from drillbreak.store import settings_store
from drillbreak.store.db import Database
from drillbreak.store.tables import LEARNING, NEW, RELEARNING, REVIEW, CardState, ReviewLog

_STATE = {
    fsrs.State.Learning: LEARNING,
    fsrs.State.Review: REVIEW,
    fsrs.State.Relearning: RELEARNING,
}

# The simulated learner's true memory: unlike the defaults (slower first
# stabilities, a different forgetting-curve decay), so fitting has something to find.
TRUE_PARAMETERS = list(fsrs.scheduler.DEFAULT_PARAMETERS)
TRUE_PARAMETERS[0:4] = [0.6, 2.0, 5.0, 15.0]
TRUE_PARAMETERS[8] = 1.3
TRUE_PARAMETERS[20] = 0.3


def simulate(db: Database, *, cards: int, days: int, seed: int = 7, cram_every: int = 0) -> int:
    """Schedule with default FSRS; recall is sampled from the true forgetting curve."""
    rng = random.Random(seed)
    truth = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    end = start + timedelta(days=days)
    logs = []
    with db.write() as conn:
        for i in range(cards):
            card_id = conn.execute(
                insert(CardState.__table__).values(deck="sim", key=f"c{i}", new_order=i)
            ).inserted_primary_key[0]
            now = start + timedelta(days=i * days // (2 * cards))
            card = fsrs.Card(card_id=card_id, due=now)
            true_card = fsrs.Card(card_id=card_id, due=now)
            before = NEW
            while now < end:
                if true_card.last_review is None:
                    rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.6, 0.1])[0]
                else:
                    days_since = (now - true_card.last_review).total_seconds() / 86400
                    recall = (1 + truth._FACTOR * days_since / true_card.stability) ** truth._DECAY
                    rating = 1 if rng.random() > recall else rng.choices([2, 3, 4], [1, 8, 1])[0]
                card, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
                true_card, _ = truth.review_card(true_card, fsrs.Rating(rating), now)
                row = {
                    "card_id": card_id,
                    "rating": rating,
                    "reviewed_at_ms": to_ms(now),
                    "duration_ms": rng.randint(2000, 15000),
                    "state_before": before,
                    "state_after": _STATE[card.state],
                    "cram": False,
                }
                logs.append(row)
                if cram_every and len(logs) % cram_every == 0:
                    logs.append(
                        {
                            **row,
                            "rating": 1,
                            "reviewed_at_ms": row["reviewed_at_ms"] + 1,
                            "cram": True,
                        }
                    )
                before = _STATE[card.state]
                now = max(card.due, now + timedelta(minutes=1))
        conn.execute(insert(ReviewLog.__table__), logs)
    return len(logs)


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """A database with about 2,000 reviews (well over 512 that count); copied per test."""
    path = tmp_path_factory.mktemp("optimize") / "big.sqlite3"
    db = Database(path)
    simulate(db, cards=200, days=200, cram_every=50)
    db.close()
    return path


def copy_db(src, tmp_path):
    dst = tmp_path / "study.sqlite3"
    shutil.copy(src, dst)
    return dst


def fake_child(*lines: dict, code: int = 0) -> list[str]:
    script = "".join(f"print({json.dumps(json.dumps(line))})\n" for line in lines)
    return [sys.executable, "-c", script + f"raise SystemExit({code})"]


def test_refuses_below_512_reviews_before_starting_the_child(tmp_path):
    path = tmp_path / "small.sqlite3"
    db = Database(path)
    simulate(db, cards=20, days=60)
    db.close()
    never = [sys.executable, "-c", "raise SystemExit('the child must not start')"]
    with pytest.raises(UserError) as info:
        optimize(path, command=never, out=io.StringIO(), err=io.StringIO())
    message = str(info.value)
    assert "not enough reviews to optimize yet" in message
    assert f"needs {MIN_REVIEWS}" in message and "more are needed" in message
    db = Database(path)
    with db.read() as conn:
        assert settings_store.load(conn).parameters is None
    db.close()


def test_eligible_reviews_follow_the_fsrs_rule():
    def row(card, day, hour=9):
        return ReviewRow(card, day * DAY_MS + hour * 3_600_000, 3, 0, 0, "d", "k")

    rows = [row(1, 0), row(1, 0, 10), row(1, 1, 10), row(1, 3), row(2, 5), row(2, 5, 12)]
    # card 1: 10:00 -> next day 10:00 counts (24 h), day 1 10:00 -> day 3 09:00 counts
    assert eligible_reviews(rows) == 2
    many = [row(3, d) for d in range(100)]
    assert eligible_reviews(many) == 63  # only the first 64 reviews of a card


def test_log_loss_and_rmse_bins():
    assert log_loss([(0.9, 1), (0.9, 0)]) == pytest.approx(-(math.log(0.9) + math.log(0.1)) / 2)
    calibrated = [(0.75, 1)] * 3 + [(0.75, 0)]
    assert rmse_bins(calibrated) == pytest.approx(0.0)
    assert rmse_bins([(0.9, 0)] * 4) == pytest.approx(0.9)
    assert math.isnan(log_loss([]))


def test_probs_and_costs_without_pandas():
    t0 = datetime(2025, 1, 1, tzinfo=UTC)

    def log(card, day, rating, ms):
        return SimpleNamespace(
            card_id=card,
            review_datetime=t0 + timedelta(days=day),
            rating=rating,
            review_duration=ms,
        )

    logs = [
        log(1, 1, 3, 100),
        log(1, 0, 1, 50),
        log(2, 0, 3, 200),
        log(2, 2, 4, 10),
        log(2, 4, 1, 30),
    ]
    out = child_mod.probs_and_costs(logs)
    assert out["prob_first_again"] == 0.5 and out["prob_first_good"] == 0.5
    assert out["avg_first_again_review_duration"] == 50
    assert out["avg_first_good_review_duration"] == 200
    assert out["prob_good"] == 0.5 and out["prob_easy"] == 0.5 and out["prob_hard"] == 0
    assert out["avg_again_review_duration"] == 30 and out["avg_good_review_duration"] == 100


def test_fit_on_a_simulated_learner_saves_better_parameters(big_log, tmp_path):
    """The real child with torch: fit, score, save, suggest a retention (one slow test)."""
    path = copy_db(big_log, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    result = optimize(path, retention=True, out=out, err=err)

    assert len(result.parameters) == 21
    fsrs.Scheduler(parameters=result.parameters)  # accepted as they are
    default, fitted = result.metrics["default"], result.metrics["fitted"]
    assert result.metrics["current"] is None
    assert fitted["log_loss"] <= default["log_loss"]
    assert fitted["n"] == default["n"] > MIN_REVIEWS
    assert result.saved
    assert result.eligible >= MIN_REVIEWS and result.cards == 200
    assert result.reviews == 2 * result.eligible or result.reviews > result.eligible
    assert result.retention in (0.7, 0.75, 0.8, 0.85, 0.9, 0.95) or result.retention_error

    db = Database(path)
    with db.read() as conn:
        settings = settings_store.load(conn)
    db.close()
    assert settings.parameters == tuple(result.parameters)
    assert make_scheduler(settings).parameters == tuple(result.parameters)

    report = out.getvalue()
    assert "log loss" in report and "RMSE (bins)" in report
    assert "default" in report and "fitted" in report and "Saved the fitted" in report
    assert "desired retention" in report
    progress = err.getvalue()
    assert "pass 1/5" in progress and "pass 5/5" in progress


def test_child_errors_and_worse_fits(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    failing = fake_child({"event": "error", "message": "boom"}, code=1)
    with pytest.raises(OptimizerFailed, match="the optimizer failed: boom"):
        optimize(path, command=failing, out=io.StringIO(), err=io.StringIO())
    crash = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('Traceback\\nKaboom: x\\n'); sys.exit(1)",
    ]
    with pytest.raises(OptimizerFailed, match="Kaboom"):
        optimize(path, command=crash, out=io.StringIO(), err=io.StringIO())

    worse = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    worse[0] = 50.0
    result_event = {
        "event": "result",
        "parameters": worse,
        "metrics": {
            "default": {"log_loss": 0.3, "rmse_bins": 0.02, "n": 900},
            "current": None,
            "fitted": {"log_loss": 0.5, "rmse_bins": 0.1, "n": 900},
        },
        "reviews": 2000,
        "eligible": 900,
        "cards": 200,
        "retention": None,
        "retention_error": "Not enough ReviewLog's",
    }
    out = io.StringIO()
    result = optimize(path, command=fake_child(result_event), out=out, err=io.StringIO())
    assert not result.saved
    assert "Kept the parameters in use" in out.getvalue()
    assert "Could not suggest a desired retention: Not enough" in out.getvalue()
    db = Database(path)
    with db.read() as conn:
        assert settings_store.load(conn).parameters is None
    db.close()

    invalid = {**result_event, "parameters": [1.0] * 20}
    with pytest.raises(OptimizerFailed, match="invalid parameters"):
        optimize(path, command=fake_child(invalid), out=io.StringIO(), err=io.StringIO())


def test_parent_modules_import_no_torch():
    modules = [
        "drillbreak.interop",
        "drillbreak.interop.commands",
        "drillbreak.interop.anki_export",
        "drillbreak.interop.anki_text",
        "drillbreak.interop.reviews",
        "drillbreak.interop.schema",
        "drillbreak.optimizer.run",
        "drillbreak.optimizer.metrics",
        "drillbreak.optimizer.child",
    ]
    code = (
        f"import sys, {', '.join(modules)}; print('torch' in sys.modules, 'genanki' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# Starts a grandchild that outlives it, then delivers a result and exits.
RESULT_LEAVING_GRANDCHILD = """
import json, subprocess, sys
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                              stdout=subprocess.DEVNULL)
open(sys.argv[1], "w").write(str(grandchild.pid))
print(json.dumps({"event": "result", "parameters": []}), flush=True)
"""


def test_the_child_leaves_nothing_running(tmp_path):
    pidfile = tmp_path / "grandchild"
    event = run_child(fake(RESULT_LEAVING_GRANDCHILD, str(pidfile)))
    assert event["event"] == "result"
    wait_gone(*read_pids(pidfile))


# `drillbreak optimize` in miniature: run_child on a child that ignores SIGTERM.
PARENT = """
import sys
from drillbreak.optimizer.run import run_child
print("started", flush=True)
run_child([sys.executable, "-c", sys.argv[1], sys.argv[2]])
"""


def test_kill_9_of_optimize_takes_the_child_with_it(tmp_path):
    pidfile = tmp_path / "pids"
    parent = subprocess.Popen(
        fake(PARENT, textwrap.dedent(STUBBORN_FAMILY), str(pidfile)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "started\n"
        child, _ = read_pids(pidfile)
        os.kill(parent.pid, signal.SIGKILL)
        wait_gone(child)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        for pid in read_pids(pidfile):  # the grandchild outlives a SIGKILLed parent
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
