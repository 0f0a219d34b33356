"""Predict cards: grading by distance, the run cache key, demo parameters, lint, the
study session's round, plain mode.  The app's flow is in test_predict_tui.py."""

from __future__ import annotations

import io
import math
import random
import subprocess
import sys

import pytest
from helpers.predict_fixture import GUESS_DECK, GUESS_NUMBER_DECK, deck_file, demos_dir

from drillbreak.deck.loader import load_collection
from drillbreak.deck.models import PredictCard, PredictRange, validate
from drillbreak.deck.predict import DemoFacts, format_gap, range_index
from drillbreak.demo_runner.params import (
    ParamError,
    ParamSpec,
    parse_assignment,
    read_params,
    resolve,
)
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import child_command, iter_demo
from drillbreak.domain import Rating
from drillbreak.errors import UserError
from drillbreak.plain import PlainStudy
from drillbreak.store import demo_runs
from drillbreak.store.demo_runs import RunKey, params_key
from drillbreak.study import predict as predicting
from drillbreak.study.predict import PredictRound, grade_number, grade_ranges, parse_number
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession

RANGES = (
    PredictRange(label="low", max=0.3),
    PredictRange(label="mid", min=0.3, max=0.7),
    PredictRange(label="high", min=0.7, max=0.9),
    PredictRange(label="top", min=0.9),
)


def card(**fields) -> PredictCard:
    raw = {"id": "p", "type": "predict", "demo": "guess", "measure": "score", "prompt": "?"}
    raw.update(fields)
    result = validate(PredictCard, raw)
    assert isinstance(result, PredictCard)
    return result


# -- grading -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "actual", "rating"),
    [(1, 1, Rating.GOOD), (0, 1, Rating.HARD), (2, 1, Rating.HARD), (0, 2, Rating.AGAIN)],
)
def test_ranges_grade_by_distance(chosen, actual, rating):
    assert grade_ranges(chosen, actual) == rating


@pytest.mark.parametrize(
    ("predicted", "rating"),
    [(0.50, Rating.GOOD), (0.55, Rating.GOOD), (0.59, Rating.HARD), (0.65, Rating.HARD)]
    + [(0.66, Rating.AGAIN), (0.34, Rating.AGAIN), (0.36, Rating.HARD)],
)
def test_numbers_grade_within_tolerance_then_twice_it(predicted, rating):
    assert grade_number(predicted, 0.5, 0.075) == rating


@pytest.mark.parametrize(
    ("value", "index"),
    [(-1.0, 0), (0.0, 0), (0.2999, 0), (0.3, 1), (0.69, 1), (0.7, 2), (0.9, 3), (5.0, 3)],
)
def test_a_value_falls_in_the_range_holding_its_min(value, index):
    assert range_index(RANGES, value) == index


def test_a_closed_top_range_holds_its_max_and_what_lies_beyond():
    closed = (*RANGES[:3], PredictRange(label="top", min=0.9, max=1.0))
    assert range_index(closed, 1.0) == 3
    assert range_index(closed, 1.2) == 3
    assert range_index(closed, math.nan) is None


def test_typed_predictions_as_percentages_or_numbers():
    assert parse_number("73", card(tolerance=0.05, percent=True)) == pytest.approx(0.73)
    assert parse_number(" 73 % ", card(tolerance=0.05, percent=True)) == pytest.approx(0.73)
    assert parse_number("73%", card(tolerance=0.05)) == pytest.approx(0.73)
    assert parse_number("-1.5e-2", card(tolerance=0.05)) == pytest.approx(-0.015)
    with pytest.raises(UserError, match="not a number; type a percentage"):
        parse_number("lots", card(tolerance=0.05, percent=True))


def test_a_round_suggests_from_the_outcome_and_counts_nan_as_ungraded():
    rnd = PredictRound(card(ranges=[_raw(r) for r in RANGES]), {})
    rnd.commit_range(1)
    assert rnd.suggested is None  # no run yet
    rnd.record(outcome(0.75))
    assert (rnd.suggested, rnd.actual_text()) == (Rating.HARD, "0.75 (high)")
    rnd.record(outcome(math.nan))
    assert rnd.suggested is None
    with pytest.raises(ValueError):
        rnd.commit_range(4)


def _raw(r: PredictRange) -> dict:
    return {"label": r.label, "min": r.min, "max": r.max}


def outcome(actual: float, source: predicting.Source = "live") -> predicting.RunOutcome:
    key = RunKey("guess", "{}", 0, "full", "2.0", "cpu")
    return predicting.RunOutcome(actual, {"score": actual}, "summary", source, key, 0, [])


def test_vary_picks_one_of_its_values_and_fills_the_prompt():
    c = card(prompt="At level {level}?", vary={"param": "level", "values": [1, 3]}, tolerance=0.1)
    seen = {PredictRound.start(c, random.Random(seed)).prompt for seed in range(20)}
    assert seen == {"At level 1?", "At level 3?"}
    assert PredictRound.start(c, random.Random(0)).request().params in (
        (("level", 1),),
        (("level", 3),),
    )


# -- the run cache --------------------------------------------------------------------------


def test_params_key_is_canonical():
    assert params_key({"b": 1.0, "a": 0.2}) == params_key({"a": 0.20, "b": 1}) == '{"a":0.2,"b":1}'
    assert params_key({"a": 0.2}) != params_key({"a": 0.3})


def test_cache_is_keyed_by_demo_params_seed_scale_torch_and_device(db):
    base = dict(demo="guess", params=params_key({"level": 3}), seed=0, scale="full")
    runs = {
        ("2.0", "cpu"): 0.1,
        ("2.1", "cpu"): 0.2,
        ("2.1", "cuda"): 0.3,
    }
    with db.write() as conn:
        for made, ((torch, device), value) in enumerate(runs.items()):
            key = RunKey(**base, torch=torch, device=device)
            demo_runs.save(
                conn, key, made_ms=made, headline={"score": value}, summary="s", events=["e"]
            )
        other = RunKey(**{**base, "seed": 1}, torch="2.0", device="cpu")
        demo_runs.save(conn, other, made_ms=9, headline={"score": 0.9}, summary="s", events=[])
    with db.read() as conn:

        def score(**kw):
            found = demo_runs.find(conn, "guess", {"level": 3}, 0, scale="full", **kw)
            return None if found is None else found.headline["score"]

        assert score(torch="2.0", device="cpu") == 0.1
        assert score(torch="2.1", device="cpu") == 0.2
        assert score(torch="2.1") == 0.3  # any device: the newest
        assert score(torch="2.2") is None
        assert demo_runs.find(conn, "guess", {"level": 2}, 0) is None
        assert demo_runs.find(conn, "guess", {"level": 3}, 0, scale="quick") is None
    with db.write() as conn:  # the same key again replaces the run
        key = RunKey(**base, torch="2.0", device="cpu")
        demo_runs.save(conn, key, made_ms=20, headline={"score": 0.4}, summary="t", events=["x"])
    with db.read() as conn:
        found = demo_runs.find(conn, "guess", {"level": 3.0}, 0, torch="2.0", device="cpu")
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM demo_run").scalar()
    assert found is not None and (found.headline, found.events, found.made_ms) == (
        {"score": 0.4},
        ["x"],
        20,
    )
    assert count == 4


# -- demo parameters -------------------------------------------------------------------------

DECLARED = {"eps": ParamSpec(0.1, (0.05, 0.1, 0.2)), "mode": ParamSpec("fast", ("fast", "slow"))}


def test_param_assignments_are_checked_against_the_declared_values():
    assert parse_assignment("eps=0.20", DECLARED) == ("eps", 0.2)
    assert parse_assignment("mode=slow", DECLARED) == ("mode", "slow")
    assert resolve([("eps", 0.05)], DECLARED) == {"eps": 0.05, "mode": "fast"}
    with pytest.raises(
        ParamError, match="unknown parameter 'epz'; this demo's parameters: eps, mode"
    ):
        parse_assignment("epz=0.1", DECLARED)
    with pytest.raises(ParamError, match="'eps' cannot be 0.3; use one of 0.05, 0.1, 0.2"):
        parse_assignment("eps=0.3", DECLARED)
    with pytest.raises(ParamError, match="write NAME=VALUE"):
        parse_assignment("eps", DECLARED)


def test_meta_params_must_declare_a_default_among_their_values():
    assert read_params("x.py", {"n": {"default": 2, "values": [1, 2]}})["n"].default == 2
    for bad in (
        {"n": {"default": 3, "values": [1, 2]}},
        {"n": {"default": 1, "values": []}},
        {"N": {"default": 1, "values": [1]}},
        {"n": {"default": 1}},
    ):
        with pytest.raises(ValueError, match="x.py: META params"):
            read_params("x.py", bad)


def test_child_takes_declared_params_and_refuses_others(tmp_path):
    folder = demos_dir(tmp_path / "demos")
    assert child_command(DemoRequest("guess", params=(("level", 3),)))[-2:] == [
        "--param",
        "level=3",
    ]
    bad = subprocess.run(
        [sys.executable, "-m", "drillbreak.demo_runner.child", "guess", "--demos-dir", str(folder)]
        + ["--param", "level=7"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2
    assert "error: parameter 'level' cannot be 7; use one of 1, 2, 3" in bad.stderr
    events = list(iter_demo(DemoRequest("guess", demos_dir=folder, params=(("level", 3),))))
    assert events[-1].headline == {"score": 0.3}
    default = list(iter_demo(DemoRequest("guess", demos_dir=folder, scale="quick")))
    assert default[-1].headline == {"score": 0.2}


# -- lint ---------------------------------------------------------------------------------------

BAD_DECK = """
deck: bad
title: Bad
cards:
  - id: one
    type: predict
    demo: guess
    measure: scor
    prompt: "At {level}, with {eps}?"
    vary: {param: level, values: [3, 7, 3]}
    ranges:
      - {label: low, max: 0.3}
      - {label: mid, min: 0.4, max: 0.7}
      - {label: high, min: 0.7}
  - id: two
    type: predict
    demo: guess
    measure: score
    prompt: "?"
    vary: {param: levle, values: [1]}
    tolerance: 0.1
    ranges: [{label: a, max: 1}, {label: b, min: 1}]
"""


def test_lint_reports_predict_problems_at_their_place(tmp_path):
    from drillbreak.deck.lint import lint

    path = deck_file(tmp_path / "decks", BAD_DECK, "bad.yaml")
    facts = {"guess": DemoFacts(frozenset({"score"}), {"level": (1, 2, 3)})}
    out = io.StringIO()
    assert lint([path], out, {"guess"}, demo_facts=facts) == 1
    found = [line.split(": error: ") for line in out.getvalue().splitlines()[:-1]]
    where = {message: place.rsplit(":", 2)[1:] for place, message in found}
    assert where == {
        "'scor' is not a result of demo 'guess'; did you mean 'score'?": ["7", "14"],
        "placeholder {eps} in the prompt: only {level} is filled in": ["8", "13"],
        "level = 7 is not a value demo 'guess' allows; use one of 1, 2, 3": ["9", "38"],
        "value 3 is listed twice": ["9", "41"],
        "a gap between 'low' (max 0.3) and 'mid' (min 0.4); ranges must be in order, each "
        "starting where the one before ends": ["12", "9"],
        "a predict card needs exactly one of 'ranges' or 'tolerance'": ["14", "5"],
        "demo 'guess' has no parameter 'levle' (its parameters: level)": ["19", "19"],
    }


def test_lint_command_checks_predict_cards_against_the_demos_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    good = deck_file(tmp_path / "good", GUESS_DECK)
    bad = deck_file(tmp_path / "bad", GUESS_DECK.replace("measure: score", "measure: points"))
    lint = [sys.executable, "-m", "drillbreak", "lint"]
    assert subprocess.run([*lint, str(good)], capture_output=True, timeout=300).returncode == 0
    run = subprocess.run([*lint, str(bad)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "guesses.yaml:7:14: error: 'points' is not a result of demo 'guess'" in run.stdout


# -- the session and plain mode ------------------------------------------------------------------


def test_plain_mode_predict_live_then_cached(tmp_path, db, clock, monkeypatch):
    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    decks = tmp_path / "decks"
    deck_file(decks)
    deck_file(decks, GUESS_NUMBER_DECK, "numbers.yaml")
    items = select_items(load_collection([decks]), ["guesses"])
    out = io.StringIO()
    # predict "20-25%" (one range below 30%), run live, take the suggested Hard
    session = StudySession(db, items, clock=clock, seed=1)
    PlainStudy(session, io.StringIO("c\n\n"), out).run()
    text = out.getvalue()
    assert "At level 3, the score will be...\nThis review: level = 3\n" in text
    assert "  d) 25% or more" in text
    assert "Running demo 'guess' live" in text
    assert (
        "Your prediction: 20-25%\nThe demo measured: 30% (25% or more)  [live run (seed 0" in text
    )
    assert "The score came out at 30% for level 3." in text
    assert "2 Hard*" in text
    assert session.studied == 1 and session.correct == 0
    # the same card again, from the cache this time: right range, Good
    out = io.StringIO()
    again = StudySession(db, items, clock=clock, seed=1, cram=True)
    PlainStudy(again, io.StringIO("d\nc\n\n"), out).run()
    text = out.getvalue()
    assert "c: the cached run from 2026-03-02 12:00 UTC" in text
    assert "Running demo" not in text
    assert "[cached run from 2026-03-02 12:00 UTC (seed 0" in text
    assert "3 Good*" in text
    assert again.correct == 1


def test_plain_mode_predict_a_number_within_tolerance(tmp_path, db, clock, monkeypatch):
    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    decks = tmp_path / "decks"
    deck_file(decks, GUESS_NUMBER_DECK, "numbers.yaml")
    items = select_items(load_collection([decks]))
    out = io.StringIO()
    session = StudySession(db, items, clock=clock, seed=1)
    PlainStudy(session, io.StringIO("lots\n27\n\n"), out).run()
    text = out.getvalue()
    assert "right within 5 points" in text
    assert "'lots' is not a number; type a percentage" in text
    assert "Your prediction: 27% (± 5 points)\nThe demo measured: 20%" in text
    assert "2 Hard*" in text  # 7 points off: within twice the tolerance


# -- export to Anki --------------------------------------------------------------------------


def test_export_shows_one_cached_run_marked_as_a_snapshot(tmp_path, monkeypatch):
    from test_interop_anki_export import read_apkg

    from drillbreak import cli
    from drillbreak.interop.anki_export import note_guid
    from drillbreak.store.db import Database

    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    decks = tmp_path / "decks"
    deck_file(decks)
    deck_file(decks, GUESS_NUMBER_DECK, "numbers.yaml")
    db_path = tmp_path / "export.sqlite3"
    db = Database(db_path)
    with db.write() as conn:
        key = RunKey("guess", params_key({"level": 3}), 0, "full", "2.9", "cpu")
        demo_runs.save(
            conn, key, made_ms=0, headline={"score": 0.3}, summary="Came out at 30%.", events=[]
        )
    db.close()

    def export(*decks_wanted: str):
        out = tmp_path / "out.apkg"
        argv = ["export", "anki", *decks_wanted, "--decks", str(decks), "--db", str(db_path)]
        args = cli.build_parser().parse_args([*argv, "-o", str(out)])
        assert args.handler(args) == 0
        return read_apkg(out, tmp_path)["notes"]

    notes = export("guesses", "numbers")
    front, back, _ = notes[note_guid("guesses", "guess-range")]["fields"]
    assert "At level 3, the score will be..." in front and "<li>25% or more</li>" in front
    assert "<b>" not in front and "30%" not in front
    assert '<span class="label">Measured:</span> 30%: D. 25% or more' in back
    assert (
        "Snapshot of one cached run of demo guess (seed 0, full scale, cpu, torch 2.9, "
        "1970-01-01 00:00 UTC), not a live run." in back
    )
    assert "Came out at 30%." in back and "The score is the level over ten." in back
    front, back, _ = notes[note_guid("numbers", "guess-number")]["fields"]
    assert "Predict a percentage, right within 5 points." in front
    assert "No cached run to show" in back  # the default level was never run


def test_demo_command_takes_declared_params(tmp_path, monkeypatch, capsys):
    from drillbreak import cli

    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    assert cli.main(["demo", "list"]) == 0
    assert "--param level=: 1, [2], 3 ([default])" in capsys.readouterr().out
    assert cli.main(["demo", "guess", "--param", "level=7"]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == "drillbreak: error: demo 'guess': parameter 'level' cannot be 7; use one of 1, 2, 3\n"
    )
    assert cli.main(["demo", "guess", "--json", "--param", "level=3"]) == 0
    assert '"headline":{"score":0.3}' in capsys.readouterr().out


def test_a_miss_is_told_in_the_cards_units():
    """Between two percentages the gap is in points (85% against 88.8% is 3.8 points off,
    not 3.8%); a plain measure's gap is a plain number."""
    assert format_gap(card(percent=True, tolerance=0.05), 0.038) == "3.8 points"
    assert format_gap(card(percent=True, tolerance=0.05), 0.05) == "5 points"
    assert format_gap(card(tolerance=0.1), 0.25) == "0.25"
