"""``optimize``: FSRS parameters fitted in process with fsrs-rs, scored, saved."""

from __future__ import annotations

import io
import math
import random
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import fsrs
import fsrs_rs_python as fsrs_rs
import pytest
from sqlalchemy import insert

from drillbreak.clock import to_ms
from drillbreak.domain import CardState
from drillbreak.errors import UserError
from drillbreak.optimizer import reminder
from drillbreak.optimizer.data import MIN_REVIEWS, card_items, fsrs_items
from drillbreak.optimizer.run import OptimizerFailed, optimize, score
from drillbreak.optimizer.workload import simulate_workload, workload_lines
from drillbreak.schedule.fsrs_adapter import make_scheduler
from drillbreak.store import settings_store
from drillbreak.store.db import Database
from drillbreak.store.fit_log import LastFit, count_reviews, last_fit, record_fit
from drillbreak.store.history import ReviewRow, load_reviews
from drillbreak.store.tables import CardRecord, ReviewLog

_STATE = {
    fsrs.State.Learning: CardState.LEARNING,
    fsrs.State.Review: CardState.REVIEW,
    fsrs.State.Relearning: CardState.RELEARNING,
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
                insert(CardRecord.__table__).values(deck="sim", key=f"c{i}", new_order=i)
            ).inserted_primary_key[0]
            now = start + timedelta(days=i * days // (2 * cards))
            card = fsrs.Card(card_id=card_id, due=now)
            true_card = fsrs.Card(card_id=card_id, due=now)
            before = CardState.NEW
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
    """A database with about 2,300 reviews (1,500 of them a day or more after the
    previous one), cram reviews among them; copied per test."""
    path = tmp_path_factory.mktemp("optimize") / "big.sqlite3"
    db = Database(path)
    simulate(db, cards=200, days=200, cram_every=50)
    db.close()
    return path


def copy_db(src, tmp_path):
    dst = tmp_path / "study.sqlite3"
    shutil.copy(src, dst)
    return dst


def stored(path):
    db = Database(path)
    try:
        with db.read() as conn:
            return settings_store.load(conn), last_fit(conn)
    finally:
        db.close()


def reviews_of(item) -> list[tuple[int, int]]:
    """(rating, delta_t) of an fsrs-rs item (its reviews show only in its repr)."""
    return [(int(r), int(d)) for r, d in re.findall(r"rating: (\d), delta_t: (\d+)", repr(item))]


def test_refuses_below_the_minimum_before_fitting(tmp_path):
    path = tmp_path / "small.sqlite3"
    db = Database(path)
    simulate(db, cards=5, days=20)
    db.close()

    def never(items):
        raise AssertionError("no fit below the minimum")

    with pytest.raises(UserError) as info:
        optimize(path, fit=never, out=io.StringIO(), err=io.StringIO(), tz=UTC)
    message = str(info.value)
    assert "not enough reviews to optimize yet" in message
    assert f"needs {MIN_REVIEWS}" in message and "more are needed" in message
    assert stored(path) == (settings_store.Settings(), None)


def test_items_follow_anki_conventions():
    def row(day, hour, rating, state=CardState.LEARNING, card=1):
        when = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=day, hours=hour)
        return ReviewRow(card, to_ms(when), rating, state, 0, "d", "k")

    history = [
        row(0, 9, 1, CardState.NEW),
        row(0, 9.2, 3),  # same study day: delta_t 0, history only
        row(1, 3, 3),  # 03:00 is still day 0 with the rollover at 4 am: delta_t 0
        row(1, 5, 3, CardState.REVIEW),  # day 1
        row(4, 23, 1, CardState.REVIEW),  # day 4
        row(5, 1, 3, CardState.RELEARNING),  # 01:00: still day 4
    ]
    items = card_items(history, rollover_hour=4, tz=UTC)
    assert [t for t, _ in items] == [history[3].review_time, history[4].review_time]
    assert [reviews_of(i) for _, i in items] == [
        [(1, 0), (3, 0), (3, 0), (3, 1)],
        [(1, 0), (3, 0), (3, 0), (3, 1), (1, 3)],
    ]
    # with the rollover at midnight, 03:00 on day 1 is a new day
    assert [reviews_of(i)[-1] for _, i in card_items(history, 0, UTC)] == [(3, 1), (1, 3), (3, 1)]
    # a history that does not start at "new" has lost its start: left out, as Anki does
    assert card_items(history[1:], 4, UTC) == []


def test_fsrs_rs_log_loss_matches_a_replay_with_fsrs():
    """fsrs-rs's evaluate against an oracle: fsrs.Scheduler replays the same
    histories (whole days apart, so both count the same days); the binary
    cross-entropy of its retrievability before each later-day review, averaged
    with fsrs-rs's recency weights (0.25 + 0.75 (i / (n - 1))^3, oldest first)."""
    rng = random.Random(3)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    scheduler = fsrs.Scheduler(parameters=TRUE_PARAMETERS, enable_fuzzing=False)
    rows, losses = [], []
    for card_id in range(40):
        card = fsrs.Card(card_id=card_id, due=start)
        when, state = start + timedelta(minutes=card_id), CardState.NEW
        for i in range(8):
            rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.6, 0.1])[0]
            if i and (when - card.last_review).days > 0:
                p = scheduler.get_card_retrievability(card, current_datetime=when)
                losses.append((when, -math.log(p if rating > 1 else 1 - p)))
            rows.append(ReviewRow(card_id, to_ms(when), rating, state, 0, "d", "k"))
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=when)
            state = CardState.REVIEW
            gap = rng.choice([0, 1, 2, 5, 9])
            when += timedelta(days=gap) if gap else timedelta(hours=1)
    losses.sort(key=lambda pair: pair[0])
    n = len(losses)
    weights = [0.25 + 0.75 * (i / (n - 1)) ** 3 for i in range(n)]
    oracle = sum(w * loss for w, (_, loss) in zip(weights, losses, strict=True)) / sum(weights)
    items = fsrs_items(rows, rollover_hour=4, tz=UTC)
    assert len(items) == n > 100
    assert score(TRUE_PARAMETERS, items).log_loss == pytest.approx(oracle, abs=1e-5)


def test_fit_on_a_simulated_learner_saves_better_parameters(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    result = optimize(path, retention=True, out=out, err=err, tz=UTC)

    fsrs.Scheduler(parameters=result.parameters)  # accepted as they are
    default, fitted = result.metrics["default"], result.metrics["fitted"]
    assert result.metrics["current"] is None
    assert fitted.log_loss < default.log_loss and fitted.rmse_bins < default.rmse_bins
    # the first stabilities (Again, Hard, Good) move from the defaults toward the truth
    for i in range(3):
        assert abs(result.parameters[i] - TRUE_PARAMETERS[i]) < abs(
            fsrs_rs.DEFAULT_PARAMETERS[i] - TRUE_PARAMETERS[i]
        )
    assert result.saved and result.cards == 200
    assert result.eligible >= MIN_REVIEWS and result.reviews > result.eligible
    assert 0.7 <= result.retention <= 0.95

    settings, fit = stored(path)
    assert settings.parameters == tuple(result.parameters)
    assert make_scheduler(settings).parameters == tuple(result.parameters)
    assert fit is not None and fit.reviews == result.reviews  # cram reviews not counted
    report = out.getvalue()
    assert "log loss" in report and "RMSE (bins)" in report
    assert "default" in report and "fitted" in report and "Saved the fitted" in report
    assert "Suggested desired retention" in report
    assert "Fitted in" in err.getvalue()

    # a second run scores the saved parameters as "current"
    again = optimize(path, out=io.StringIO(), err=io.StringIO(), tz=UTC)
    assert again.metrics["current"].log_loss == pytest.approx(fitted.log_loss)


def test_worse_or_invalid_fits_are_not_saved(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    worse = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    worse[0] = 50.0
    out = io.StringIO()
    result = optimize(path, fit=lambda items: worse, out=out, err=io.StringIO(), tz=UTC)
    assert not result.saved
    assert result.metrics["fitted"].log_loss > result.metrics["default"].log_loss
    assert "Kept the parameters in use" in out.getvalue()
    assert stored(path)[0].parameters is None

    with pytest.raises(OptimizerFailed, match="invalid parameters"):
        optimize(path, fit=lambda items: [1.0] * 20, out=io.StringIO(), err=io.StringIO())
    outside = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    outside[20] = 0.05
    with pytest.raises(OptimizerFailed, match=r"invalid parameters: .*"):
        optimize(path, fit=lambda items: outside, out=io.StringIO(), err=io.StringIO())
    assert stored(path)[0].parameters is None


def test_a_fit_is_offered_after_enough_new_reviews(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    db = Database(path)
    try:
        logged = len(load_reviews(db))
        with db.read() as conn:
            total = count_reviews(conn)
            assert total == logged > reminder.FIRST_FIT_REVIEWS
            assert reminder.reminder_line(conn) == (
                f"{total} reviews since the last fit: run `drillbreak optimize`"
            )
        with db.write() as conn:
            record_fit(conn, LastFit(at_ms=0, reviews=total - 999))
        with db.read() as conn:
            assert reminder.reminder_line(conn) is None
        with db.write() as conn:
            record_fit(conn, LastFit(at_ms=0, reviews=total - 1000))
        with db.read() as conn:
            assert reminder.reviews_since_fit(conn) == 1000
    finally:
        db.close()


def test_no_fit_offered_on_a_young_log(tmp_path):
    path = tmp_path / "young.sqlite3"
    db = Database(path)
    n = simulate(db, cards=20, days=30)
    try:
        with db.read() as conn:
            assert count_reviews(conn) == n < reminder.FIRST_FIT_REVIEWS
            assert reminder.reminder_line(conn) is None
    finally:
        db.close()


def test_workload_grows_with_desired_retention():
    rows = simulate_workload(None, cards=500, settings=settings_store.Settings())
    assert [w.desired_retention for w in rows] == [0.80, 0.85, 0.90, 0.95]
    per_day = [w.reviews_per_day for w in rows]
    assert per_day == sorted(per_day) and per_day[0] > 0
    remembered = [w.remembered for w in rows]
    assert remembered == sorted(remembered) and remembered[-1] <= 500
    more = simulate_workload(None, cards=2000, settings=settings_store.Settings())
    assert more[2].reviews_per_day > rows[2].reviews_per_day
    lines = workload_lines(rows, 500, 0.9)
    assert "reviews/day" in lines[1] and lines[4].endswith("<- now")


def test_optimize_workload_cli(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "drillbreak", "optimize", "--workload", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Workload for 200 cards" in done.stdout
    assert re.search(r"^\s+0\.95\s+\d+\.\d", done.stdout, re.M)
    assert stored(path)[0].parameters is None  # --workload alone fits nothing


def test_stats_says_when_a_fit_is_due(big_log, tmp_path):
    path = copy_db(big_log, tmp_path)
    decks = tmp_path / "decks"
    decks.mkdir()
    command = [sys.executable, "-m", "drillbreak", "stats", "--db", str(path)]
    command += ["--decks", str(decks)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "reviews since the last fit: run `drillbreak optimize`" in done.stdout
    optimize(path, out=io.StringIO(), err=io.StringIO())
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "since the last fit" not in done.stdout


def test_optimizer_runs_in_process_without_torch():
    modules = [
        "drillbreak.interop",
        "drillbreak.interop.commands",
        "drillbreak.interop.anki_export",
        "drillbreak.interop.anki_text",
        "drillbreak.interop.reviews",
        "drillbreak.optimizer.run",
        "drillbreak.optimizer.workload",
        "drillbreak.optimizer.reminder",
    ]
    code = (
        f"import sys, {', '.join(modules)}; print('torch' in sys.modules, 'genanki' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
