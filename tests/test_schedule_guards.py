"""Guards: each test fails on one deliberate scheduling mistake that the rest of the suite
would let through (intervals against fsrs itself, daily limits, queue order, deck counts,
the learner's parameters)."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from datetime import timedelta

import fsrs
import pytest
from test_interop_optimize import simulate
from test_session import card_row, fsrs_fuzz_range, many_cards, oracle, session

from drillbreak.clock import from_ms, to_ms
from drillbreak.deck.loader import load_collection
from drillbreak.domain import CardState
from drillbreak.errors import UserError
from drillbreak.optimizer.run import fit_parameters, optimize
from drillbreak.schedule.queue import interleave
from drillbreak.settings import Settings
from drillbreak.store import cards, settings_store
from drillbreak.store.db import Database
from drillbreak.study import browse
from drillbreak.study.overview import deck_counts
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession


def save_settings(db, settings: Settings) -> None:
    with db.write() as conn:
        settings_store.save(conn, settings)


def store_settings_json(db, **values) -> None:
    """Stored settings with values Settings itself refuses (as an older version or a
    hand edit could leave them)."""
    with db.write() as conn:
        settings_store.put_value(conn, settings_store.KEY, json.dumps(values))


def set_flags(db, deck: str, keys, **values) -> None:
    with db.write() as conn:
        ids = [cards.get_by_key(conn, deck, k).id for k in keys]
        cards.set_flags(conn, ids, **values)


# -- intervals against fsrs ---------------------------------------------------------------


def test_desired_retention_reaches_the_scheduler(tmp_path, db, clock):
    """Easy on a new card at 80 % retention: fsrs gives a longer interval than at 90 %."""
    settings = Settings(desired_retention=0.8)
    save_settings(db, settings)
    s = session(db, many_cards(tmp_path, 3), clock)
    for _ in range(3):
        cur = s.next_card()
        s.rate(4)
        interval = (card_row(db, cur.item.key, "many").due_ms - to_ms(clock.now)) / 86_400_000
        new = fsrs.Card(card_id=cur.row.id, due=clock.now)
        low, high = fsrs_fuzz_range(settings, new, 4, clock.now)
        default_low, default_high = fsrs_fuzz_range(Settings(), new, 4, clock.now)
        assert low <= interval <= high
        assert not default_low <= interval <= default_high


def test_new_card_starts_at_the_first_learning_step(tmp_path, db, clock):
    """A new card rated Good goes to the second step (10 m), as fsrs does for a fresh card."""
    settings = Settings()
    s = session(db, many_cards(tmp_path, 2), clock)
    for rating in (3, 2):
        cur = s.next_card()
        assert cur.row.state == 0  # NEW
        s.rate(rating)
        expected, _ = oracle(settings).review_card(
            fsrs.Card(card_id=cur.row.id, due=clock.now), fsrs.Rating(rating), clock.now
        )
        row = card_row(db, cur.item.key, "many")
        assert expected.state == fsrs.State.Learning
        assert (row.state, row.step) == (CardState.LEARNING, expected.step)
        assert row.due_ms == to_ms(expected.due)
        assert (row.stability, row.difficulty) == (expected.stability, expected.difficulty)
    assert card_row(db, "c0", "many").due_ms == to_ms(clock.now + timedelta(minutes=10))


# -- daily limits ----------------------------------------------------------------------


def test_cram_reviews_do_not_count_against_the_daily_limits(tmp_path, db, clock):
    items = many_cards(tmp_path, 12)
    save_settings(db, Settings(new_per_day=6, reviews_per_day=6))
    s = session(db, items, clock)
    while s.next_card() is not None:
        s.rate(4)  # six new cards graduate
    clock.advance(days=100)
    cram = session(db, items, clock, cram=True)
    crammed = 0
    while cram.next_card() is not None:
        cram.rate(3)
        crammed += 1
    assert crammed == 12  # six new and six review cards, all logged as cram
    assert session(db, items, clock).counts() == (6, 0, 6)
    today = deck_counts(db, ["many"], Settings(new_per_day=6, reviews_per_day=6), clock.now).today
    assert (today.new_left("many"), today.reviews_left("many")) == (6, 6)


def test_learning_reviews_do_not_count_against_the_review_cap(tmp_path, db, clock):
    """Only reviews of cards in the review state use up reviews/day."""
    (tmp_path / "rev").mkdir()
    (tmp_path / "learn").mkdir()
    reviewed = many_cards(tmp_path / "rev", 3, deck="rev")
    learning = many_cards(tmp_path / "learn", 1, deck="learn")
    settings = Settings(new_per_day=10, reviews_per_day=3)
    save_settings(db, settings)
    s = session(db, reviewed, clock)
    while s.next_card() is not None:
        s.rate(4)
    clock.advance(days=100)
    s = session(db, learning, clock)
    steps = 0
    while s.next_card() is not None and steps < 16:
        s.rate(1)  # one new card, then learning-step reviews of it only
        clock.advance(minutes=1)
        steps += 1
    assert steps == 16
    assert session(db, reviewed, clock).counts() == (0, 0, 3)
    counts = deck_counts(db, ["rev", "learn"], settings, clock.now)
    assert (counts.today.new_left("learn"), counts.today.reviews_left("rev")) == (9, 3)
    assert counts.decks["rev"].due == 3


# -- queue order -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reviews", "new", "order"),
    [
        (2, 1, "R0 N0 R1"),
        (6, 2, "R0 R1 N0 R2 R3 N1 R4 R5"),
        (5, 5, "R0 N0 R1 N1 R2 N2 R3 N3 R4 N4"),
        (1, 3, "N0 R0 N1 N2"),  # not every new card before the review (issue 13)
        (0, 3, "N0 N1 N2"),
        (3, 0, "R0 R1 R2"),
        (0, 0, ""),
    ],
)
def test_interleave_order(reviews, new, order):
    r = [f"R{i}" for i in range(reviews)]
    n = [f"N{i}" for i in range(new)]
    assert " ".join(interleave(r, n)) == order


# -- deck counts -----------------------------------------------------------------------


def test_deck_new_count_respects_the_remaining_daily_limit(tmp_path, db, clock):
    items = many_cards(tmp_path, 10)
    settings = Settings(new_per_day=4)
    save_settings(db, settings)
    s = session(db, items, clock)
    assert deck_counts(db, ["many"], settings, clock.now).decks["many"].new == 4
    s.next_card()
    s.rate(4)
    counts = deck_counts(db, ["many"], settings, clock.now).decks["many"]
    assert (counts.new, counts.new_total) == (3, 9)
    while s.next_card() is not None:
        s.rate(4)
    counts = deck_counts(db, ["many"], settings, clock.now).decks["many"]
    assert (counts.new, counts.new_total, counts.due) == (0, 6, 0)


def test_deck_counts_leave_out_buried_and_suspended_cards(tmp_path, db, clock):
    items = many_cards(tmp_path, 10)
    settings = Settings(new_per_day=20)
    s = session(db, items, clock, new_limit=4)
    while s.next_card() is not None:
        s.rate(4)  # c0..c3 become reviews
    clock.advance(days=100)
    before = deck_counts(db, ["many"], settings, clock.now).decks["many"]
    assert (before.new, before.due) == (6, 4)
    end = to_ms(clock.now + timedelta(hours=12))
    set_flags(db, "many", ["c0", "c4"], suspended=True)
    set_flags(db, "many", ["c1", "c5"], buried_until_ms=end)
    counts = deck_counts(db, ["many"], settings, clock.now).decks["many"]
    assert (counts.new, counts.due, counts.suspended, counts.total) == (4, 2, 2, 10)
    clock.set(from_ms(end))  # burial lifts
    counts = deck_counts(db, ["many"], settings, clock.now).decks["many"]
    assert (counts.new, counts.due) == (5, 3)


# -- the learner's parameters ------------------------------------------------------------

FITTED = list(fsrs.scheduler.DEFAULT_PARAMETERS)
FITTED[20] = 0.5  # a steeper forgetting curve than the default decay (0.1542)


def test_browse_retrievability_uses_the_fitted_decay(tmp_path, db, clock):
    items = many_cards(tmp_path, 1)
    save_settings(db, Settings(parameters=tuple(FITTED)))
    s = session(db, items, clock)
    s.next_card()
    s.rate(4)
    clock.advance(days=100)
    (row,) = browse.load_rows(db, load_collection([tmp_path]), clock.now)
    stored = card_row(db, "c0", "many")
    card = fsrs.Card(
        card_id=stored.id,
        state=fsrs.State.Review,
        stability=stored.stability,
        difficulty=stored.difficulty,
        last_review=from_ms(stored.last_review_ms),
    )
    expected = fsrs.Scheduler(parameters=FITTED).get_card_retrievability(card, clock.now)
    default = fsrs.Scheduler().get_card_retrievability(card, clock.now)
    assert row.retrievability == pytest.approx(expected, rel=1e-9)
    assert abs(expected - default) > 0.01


BAD_PARAMETERS = [
    [*FITTED[:4], 20.0, *FITTED[5:]],
    [*FITTED[:20], 0.05],
    [*FITTED[:20], math.nan],
    FITTED[:20],
    [*FITTED[:3], "x", *FITTED[4:]],
]


@pytest.mark.parametrize("parameters", [FITTED, *BAD_PARAMETERS])
def test_settings_accept_exactly_the_parameters_fsrs_accepts(parameters):
    try:
        fsrs.Scheduler(parameters=parameters)
        accepted = True
    except (ValueError, TypeError):
        accepted = False
    if accepted:
        assert Settings().with_changes(parameters=parameters).parameters == tuple(parameters)
        return
    with pytest.raises(UserError, match="^stored FSRS parameters are invalid") as info:
        Settings().with_changes(parameters=tuple(parameters))
    assert "\n" not in str(info.value) and "drillbreak optimize" in str(info.value)


def test_invalid_stored_parameters_give_one_line_at_session_start(sample_dir, db, clock):
    store_settings_json(db, parameters=BAD_PARAMETERS[0])
    items = select_items(load_collection([sample_dir]))
    with pytest.raises(UserError) as info:
        StudySession(db, items, clock=clock)
    message = str(info.value)
    assert message.startswith(f"{db.path}: stored FSRS parameters are invalid: parameters[4]")
    assert "\n" not in message and "drillbreak optimize" in message
    with pytest.raises(UserError):
        browse.load_rows(db, load_collection([sample_dir]), clock.now)


def test_invalid_stored_parameters_cli_message(sample_dir, tmp_path):
    path = tmp_path / "bad.sqlite3"
    database = Database(path)
    store_settings_json(database, parameters=BAD_PARAMETERS[1])
    database.close()
    done = subprocess.run(
        [sys.executable, "-m", "drillbreak", "study", "sample", "--plain"]
        + ["--db", str(path), "--decks", str(sample_dir)],
        input="",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"drillbreak: error: {path}: stored FSRS parameters are invalid: "
        "parameters[20] = 0.05 is outside [0.1, 0.8]; run `drillbreak optimize` again to replace them"
    ]


@pytest.mark.parametrize("fit_is_better", [True, False])
def test_optimize_replaces_invalid_stored_parameters(tmp_path, fit_is_better):
    """The way out the message names: optimize works and leaves valid parameters stored."""
    path = tmp_path / "study.sqlite3"
    database = Database(path)
    simulate(database, cards=150, days=150)
    store_settings_json(database, parameters=BAD_PARAMETERS[0], new_per_day=7)
    database.close()
    worse = [50.0, *FITTED[1:]]
    fit = fit_parameters if fit_is_better else (lambda items: worse)
    done = optimize(path, fit=fit, out=io.StringIO(), err=io.StringIO())
    assert done.saved == fit_is_better
    database = Database(path)
    with database.read() as conn:
        settings = settings_store.load(conn)
    database.close()
    assert settings.parameters == (tuple(done.parameters) if fit_is_better else None)
    assert settings.new_per_day == 7


def test_optimize_reads_invalid_stored_parameters_as_none(tmp_path):
    """optimize starts (and says what it needs) instead of failing on the stored parameters."""
    path = tmp_path / "study.sqlite3"
    database = Database(path)
    simulate(database, cards=5, days=20)
    store_settings_json(database, parameters=BAD_PARAMETERS[0])
    database.close()
    with pytest.raises(UserError, match="not enough reviews to optimize yet"):
        optimize(path, out=io.StringIO(), err=io.StringIO())
