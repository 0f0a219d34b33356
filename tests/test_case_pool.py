"""Generated diagnosis cards without training: the deck format, the case pool, the
study side and the case child's protocol (fake generators; the real runs are in
``test_generated_cases.py``)."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import write_deck

from drillbreak.deck.faults import FAMILIES, GENERATOR_VERSION, QUESTION
from drillbreak.deck.loader import load_file
from drillbreak.deck.models import DiagnosisCard, Generate, GeneratedDiagnosisCard, validate
from drillbreak.demo_runner.cases import (
    Case,
    CaseError,
    child_command,
    generate,
    parse_case,
    to_json,
)
from drillbreak.interop.schema import deck_schema
from drillbreak.store import case_pool
from drillbreak.store.db import Database
from drillbreak.study import cases

SAFETY = 120.0  # only against a hang


def fake_case(family: str, seed: int) -> Case:
    return Case(
        version=GENERATOR_VERSION,
        family=family,
        seed=seed,
        scenario=f"Run {seed} of {family}.",
        evidence={
            "title": "Training log",
            "x": "epoch",
            "columns": {"epoch": [0, 1], "train_loss": [2.3, 1.0 + seed / 1000]},
        },
        facts={"steps": 10},
        explanation=f"Because of {family} (seed {seed}).",
    )


class FakeGenerator:
    """Stands in for the case child; records its calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, int]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, wants: Mapping[str, int], seed: int) -> list[Case]:
        assert self.release.wait(SAFETY)
        self.calls.append(dict(wants))
        return [fake_case(f, seed + i) for f, n in wants.items() for i in range(n)]


def generated(family: str = "leakage", **extra) -> GeneratedDiagnosisCard:
    raw = {"id": "gen", "type": "diagnosis", "generate": {"family": family}, **extra}
    card = validate(GeneratedDiagnosisCard, raw)  # as the loader makes it: choices filled in
    assert isinstance(card, GeneratedDiagnosisCard)
    return card


# ------------------------------------------------------------------ deck format

DECK = """
deck: gen
title: Generated
cards:
  - id: all-families
    type: diagnosis
    generate: {family: leakage}
    takeaway: Deduplicate before you split.
  - id: some
    type: diagnosis
    generate:
      family: shortcut
      options: [leakage, shortcut]
"""


def test_a_generated_card_offers_the_families_and_marks_its_own(tmp_path):
    result = load_file(write_deck(tmp_path, "d.yaml", DECK))
    assert result.ok, result.problems
    every, some = result.deck.cards
    assert isinstance(every, GeneratedDiagnosisCard) and isinstance(every, DiagnosisCard)
    assert [c.text for c in every.choices] == list(FAMILIES.values())
    assert [c.text for c in every.choices if c.correct] == [FAMILIES["leakage"]]
    assert every.question == QUESTION and every.takeaway == "Deduplicate before you split."
    assert [(c.text, c.correct) for c in some.choices] == [
        (FAMILIES["leakage"], False),
        (FAMILIES["shortcut"], True),
    ]


@pytest.mark.parametrize(
    ("generate", "where", "message"),
    [
        ("{family: leakge}", "7:24", "unknown fault family 'leakge' (did you mean 'leakage'?)"),
        ("{family: leakage, options: [leakage, nope]}", "7:52", "unknown fault family 'nope'"),
        ("{famly: leakage}", "7:16", "unknown key 'famly' (did you mean 'family'?)"),
        ("{family: leakage, options: [shortcut, lr-too-high]}", "7:42", "must include"),
        ("{family: leakage, options: [leakage, leakage]}", "7:52", "'leakage' is listed twice"),
        ("{family: leakage, severity: 3}", "7:33", "unknown key 'severity'"),
    ],
)
def test_lint_locates_bad_generator_settings(tmp_path, generate, where, message):
    text = "deck: d\ntitle: D\ncards:\n  - id: g\n    type: diagnosis\n    question: Why?\n"
    text += f"    generate: {generate}\n"
    result = load_file(write_deck(tmp_path, "d.yaml", text))
    found = [f"{p.line}:{p.col} {p.message}" for p in result.problems]
    assert any(f.startswith(where) and message in f for f in found), found
    assert not result.ok


def test_lint_refuses_fields_the_case_supplies(tmp_path):
    text = DECK + "    scenario: My own story\n    choices: [{text: a, correct: true}, {text: b}]\n"
    result = load_file(write_deck(tmp_path, "d.yaml", text))
    found = [f"{p.line}:{p.col} {p.message}" for p in result.problems]
    assert found == [
        "13:5 'scenario' comes from the generated case; remove it (or remove 'generate')",
        "14:5 'choices' comes from the generated case; remove it (or remove 'generate')",
    ]


def test_the_json_schema_knows_generated_cards():
    defs = deck_schema()["$defs"]
    card = defs["GeneratedDiagnosisCard"]
    assert "generate" in card["required"] and card["additionalProperties"] is False
    assert not {"scenario", "evidence", "choices"} & set(card["properties"])
    family = defs["Generate"]["properties"]["family"]
    assert family["enum"] == list(FAMILIES) and family["description"]


# ------------------------------------------------------------------------- pool


def test_the_pool_serves_the_oldest_case_once_per_key(db):
    with db.write() as conn:
        case_pool.add(conn, "a", ["one", "two"], 1)
        case_pool.add(conn, "b", ["other"], 2)
    with db.write() as conn:
        assert case_pool.counts(conn, ["a", "b", "c"]) == {"a": 2, "b": 1, "c": 0}
        assert case_pool.take(conn, "a") == "one"
        assert case_pool.take(conn, "a") == "two"
        assert case_pool.take(conn, "a") is None
        assert case_pool.counts(conn, ["b"]) == {"b": 1}


def test_pooled_cases_survive_a_restart(tmp_path):
    path = tmp_path / "p.sqlite3"
    db = Database(path)
    cases.refill(db, [Generate(family="leakage")], make=FakeGenerator())
    db.close()
    db = Database(path)
    try:
        assert cases.take(db, generated()) is not None
    finally:
        db.close()


# ------------------------------------------------------------------ study side


def test_refill_tops_each_generator_up_to_the_pool_size(db):
    make = FakeGenerator()
    specs = [
        Generate(family="leakage"),
        Generate(family="shortcut", options=("shortcut", "leakage")),
    ]
    assert cases.refill(db, specs, make=make) == 2 * cases.POOL_SIZE
    assert cases.refill(db, specs, make=make) == 0  # full: no run at all
    cases.take(db, generated("leakage"))
    assert cases.refill(db, specs, make=make) == 1
    assert make.calls == [{"leakage": 3, "shortcut": 3}, {"leakage": 1}]  # one child a round
    assert cases.pool_key(specs[0]) == f"leakage@v{GENERATOR_VERSION}"


def test_a_taken_case_becomes_the_card_shown(db):
    cases.refill(db, [Generate(family="leakage")], make=FakeGenerator())
    card = generated(takeaway="Split first, then deduplicate.")
    shown = cases.take(db, card)
    assert isinstance(shown, DiagnosisCard) and shown.id == card.id
    assert shown.generate == card.generate and shown.question == card.question
    assert shown.scenario.endswith("of leakage.") and shown.choices == card.choices
    assert shown.evidence.x == "epoch" and shown.evidence.columns["epoch"] == (0.0, 1.0)
    assert shown.takeaway.startswith("Because of leakage") and "Split first" in shown.takeaway
    second = cases.take(db, card)
    assert second.scenario != shown.scenario  # each review gets its own case


def test_take_never_waits_for_a_run(db):
    assert cases.take(db, generated()) is None  # empty pool: no case, no training


def test_the_refiller_works_in_the_background(tmp_path):
    path = tmp_path / "r.sqlite3"
    Database(path).close()
    make = FakeGenerator()
    make.release.clear()  # the "training" blocks until released
    refiller = cases.Refiller(path, make=make)
    refiller.request([Generate(family="dead-units")])
    refiller.request([Generate(family="lr-too-low")])  # merged while the first runs
    assert not refiller.wait(0)  # request returned while the run is still going
    make.release.set()
    assert refiller.wait(SAFETY)
    assert refiller.errors == []
    db = Database(path)
    try:
        with db.read() as conn:
            keys = [cases.pool_key(Generate(family=f)) for f in ("dead-units", "lr-too-low")]
            assert case_pool.counts(conn, keys) == dict.fromkeys(keys, cases.POOL_SIZE)
    finally:
        db.close()


def test_the_refiller_keeps_a_failure_for_the_caller(tmp_path):
    path = tmp_path / "r.sqlite3"
    Database(path).close()

    def broken(wants: Mapping[str, int], seed: int) -> list[Case]:
        raise CaseError("no torch here")

    refiller = cases.Refiller(path, make=broken)
    refiller.request([Generate(family="leakage")])
    assert refiller.wait(SAFETY)
    assert [str(e) for e in refiller.errors] == ["no torch here"]


# ------------------------------------------------------------------- the child


def _child(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "child.py"
    script.write_text(body)
    return [sys.executable, str(script)]


def test_generate_reads_one_case_per_line(tmp_path):
    lines = "\n".join(to_json(fake_case("leakage", s)) for s in (5, 6))
    command = _child(tmp_path, f"print({lines!r})\n")
    got = generate({"leakage": 2}, 5, command=command, timeout=SAFETY)
    assert got == [fake_case("leakage", 5), fake_case("leakage", 6)]


def test_each_case_reaches_the_caller_as_soon_as_the_child_wrote_it(tmp_path):
    # the child writes one case, then waits for a file that only the caller's
    # ``made`` (given that case) creates: reading the cases only at the end would hang
    go = tmp_path / "go"
    body = (
        f"import pathlib, sys, time\nprint({to_json(fake_case('leakage', 1))!r}, flush=True)\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.01)\n"
        f"print({to_json(fake_case('leakage', 2))!r})\n"
    )
    seen: list[int] = []

    def made(case: Case) -> None:
        seen.append(case.seed)
        go.touch()

    got = generate({"leakage": 2}, 1, command=_child(tmp_path, body), made=made, timeout=SAFETY)
    assert seen == [1, 2] and [c.seed for c in got] == [1, 2]


def test_closing_the_refiller_stops_its_case_child(tmp_path):
    path = tmp_path / "r.sqlite3"
    Database(path).close()
    pid_file = tmp_path / "pid"
    body = f"import os, pathlib, time\npathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\ntime.sleep(600)\n"
    refiller = cases.Refiller(path, command=_child(tmp_path, body))
    refiller.request([Generate(family="leakage")])
    deadline = time.monotonic() + SAFETY
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    refiller.close()
    assert refiller.wait(SAFETY)  # the round ended: the child is gone (and reaped)
    assert refiller.errors == []  # a stop on closing is not a failure
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_the_child_command_asks_for_every_family_at_once():
    command = child_command({"leakage": 2, "dead-units": 1}, 9)
    assert command[1:] == ["-m", "drillbreak.demo_runner.cases", "leakage=2", "dead-units=1"] + [
        "--seed",
        "9",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import sys; print('boom', file=sys.stderr); sys.exit(1)", "failed: boom"),
        ("print('{}')", "not a generated case"),
        ("pass", "asked for 1 'leakage' cases, got 0"),
        (f"print({to_json(fake_case('shortcut', 1))!r})", "asked for 1 'leakage' cases, got 1"),
        ("import time; time.sleep(60)", "timed out after 0.5 s"),
    ],
)
def test_generate_reports_a_bad_child(tmp_path, body, message):
    with pytest.raises(CaseError, match=message):
        generate(
            {"leakage": 1},
            0,
            command=_child(tmp_path, body),
            timeout=0.5 if "sleep" in body else SAFETY,
        )


def test_cases_round_trip_through_json():
    case = fake_case("shortcut", 3)
    assert parse_case(to_json(case)) == case
