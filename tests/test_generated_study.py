"""Generated diagnosis cards wherever a card goes: the study screen, plain mode and
the Anki export (issue 18).

The pool is filled from ``fixtures/cases/leakage.jsonl`` (three cases the real case
child made) through ``store.case_pool.add``, and the refiller's child is a stand-in,
so no test here trains anything.
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import threading
import time
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until

from drillbreak.clock import FakeClock
from drillbreak.context import open_context
from drillbreak.deck.faults import FAMILIES
from drillbreak.deck.models import Generate
from drillbreak.demo_runner.cases import Case, parse_case
from drillbreak.plain import PlainStudy
from drillbreak.store import case_pool
from drillbreak.store.db import Database
from drillbreak.study import cases
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.study import StudyScreen

SAFETY = 120.0  # only against a hang
LEAKAGE = Path(__file__).parent / "fixtures" / "cases" / "leakage.jsonl"
FIXTURE_CASES = [parse_case(line) for line in LEAKAGE.read_text().splitlines()]
KEY = cases.pool_key(Generate(family="leakage"))
NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)

GENERATED = """
deck: gen
title: Generated
cards:
  - id: leak
    type: diagnosis
    generate:
      family: leakage
      options: [leakage, shortcut]
    shuffle: false
    takeaway: Deduplicate before you split.
"""
# every family offered, the right one last: the ninth choice (letter i / I)
NINE = """
deck: gen
title: Generated
cards:
  - id: leak
    type: diagnosis
    generate:
      family: leakage
      options: [shortcut, lr-too-high, lr-too-low, label-noise, val-distribution,
                batch-too-large, unnormalised-inputs, dead-units, leakage]
    shuffle: false
"""
BASIC = """
  - id: plain-one
    front: A basic card
    back: Its answer
"""


def case_mark(case: Case) -> str:
    """What tells the case's scenario from the others' (one word: it never wraps)."""
    return f"{case.facts['lr']:g},"


class StandIn:
    """Stands in for the case child: makes the cases asked for, from the fixture's,
    once ``release`` is set; records what was asked."""

    def __init__(self, *, released: bool = True) -> None:
        self.calls: list[dict[str, int]] = []
        self.release = threading.Event()
        if released:
            self.release.set()

    def __call__(self, wants: Mapping[str, int], seed: int) -> list[Case]:
        assert self.release.wait(SAFETY)
        self.calls.append(dict(wants))
        base = FIXTURE_CASES[-1]
        return [
            Case(
                version=base.version,
                family=family,
                seed=seed + i,
                scenario=f"Made later, run {seed + i}, with the copies left in.",
                evidence=base.evidence,
                facts=base.facts,
                explanation=f"A refilled case (seed {seed + i}).",
            )
            for family, n in wants.items()
            for i in range(n)
        ]


def fill_pool(db_path: Path) -> None:
    db = Database(db_path)
    try:
        with db.write() as conn:
            case_pool.add(conn, KEY, LEAKAGE.read_text().splitlines(), 1)
    finally:
        db.close()


def pool_count(db_path: Path) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT count(*) FROM case_pool WHERE key = ?", (KEY,)).fetchone()[0]
    finally:
        con.close()


def reviews(db_path: Path) -> list[tuple[str, int]]:
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute(
            "SELECT c.key, r.rating FROM review_log r JOIN card_state c ON c.id = r.card_id ORDER BY r.id"
        )
        return list(rows)
    finally:
        con.close()


@pytest.fixture
def decks(tmp_path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    return folder


def make_app(decks: Path, db: Path, make: StandIn, refiller=cases.Refiller, **kw) -> DrillbreakApp:
    options = AppOptions(
        db_path=db,
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("gen",)),
        seed=1,
        refiller=lambda path: refiller(path, make=make),
        **kw,
    )
    return DrillbreakApp(options, clock=FakeClock(NOW))


# ----------------------------------------------------------------------- the app


async def test_a_generated_card_shows_its_case_then_a_new_one(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    make = StandIn()
    app = make_app(decks, db, make)
    first, second = FIXTURE_CASES[:2]
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, case_mark(first), "#question")
        await wait_shown(pilot, "Training log", "#evidence")
        assert "val_acc" in shown(app, "#evidence")  # the run's own curves
        assert FAMILIES["leakage"] in shown(app, "#choices")
        assert FAMILIES["shortcut"] in shown(app, "#choices")
        await pilot.press("t")  # the log as a table: the run's own numbers
        last_val_acc = first.evidence["columns"]["val_acc"][-1]
        await wait_shown(pilot, f"{last_val_acc:g}", "#evidence")
        await pilot.press("t", "a", "enter")  # back to the curves (shorter); answer
        # the explanation cites this run's numbers, then the card's takeaway
        await wait_shown(pilot, f"{first.facts['duplicates']} of the 300", "#answer")
        assert "Deduplicate before you split." in shown(app, "#answer")
        await pilot.press("1")  # Again: the card comes back in this session...
        await wait_shown(pilot, case_mark(second), "#question")  # ...with another case
        assert case_mark(first) not in shown(app, "#question")
        assert reviews(db) == [("leak", 1)]  # one card, one schedule, whatever the case
        # the pool was full at the start: only using a case asks for a new one
        await wait_until(pilot, lambda: make.calls, "a refill after use")
        assert all(call.keys() == {"leakage"} for call in make.calls)


async def test_the_first_refill_waits_for_the_first_card(decks, tmp_path):
    """The refiller's first round (its thread, then the case child with torch) starts
    once the first card is on screen, not while the app starts."""
    write_deck(decks, "gen.yaml", GENERATED)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    card_on_screen: list[bool] = []

    class Recording(cases.Refiller):
        def request(self, specs) -> None:
            screen = app.screen
            card_on_screen.append(isinstance(screen, StudyScreen) and screen.shown is not None)
            super().request(specs)

    app = make_app(decks, db, StandIn(), refiller=Recording)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, case_mark(FIXTURE_CASES[0]), "#question")
        await wait_until(pilot, lambda: card_on_screen, "the first refill")
        assert card_on_screen == [True]


async def test_undo_shows_the_same_case_again(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    app = make_app(decks, db, StandIn())
    first = FIXTURE_CASES[0]
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, case_mark(first), "#question")
        await pilot.press("a", "enter")
        await wait_shown(pilot, "Deduplicate", "#answer")
        await pilot.press("1")
        await wait_shown(pilot, case_mark(FIXTURE_CASES[1]), "#question")
        await pilot.press("u")
        await wait_shown(pilot, case_mark(first), "#question")
        assert reviews(db) == []


async def test_an_empty_pool_shows_another_card_first(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED + BASIC)  # the generated card comes first
    db = tmp_path / "gen.sqlite3"
    make = StandIn(released=False)  # no case until released
    app = make_app(decks, db, make)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, "A basic card", "#question")
        make.release.set()
        await wait_until(pilot, lambda: pool_count(db) == cases.POOL_SIZE, "the refill")
        await pilot.press("space", "3")
        await wait_shown(pilot, "Made later, run", "#question")  # then the case, once made
        assert reviews(db) == [("plain-one", 3)]


# A case child that makes its first case once told to (a file appears), then hangs:
# the case must show as soon as it is made, before the child's round ends.
ONE_CASE_THEN_HANG = """
import pathlib, sys, time
go, case = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text().splitlines()[0]
while not go.exists():
    time.sleep(0.01)
print(case, flush=True)
time.sleep(600)
"""


async def test_when_nothing_else_is_due_the_case_is_made_while_the_learner_waits(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    script, go = tmp_path / "child.py", tmp_path / "go"
    script.write_text(ONE_CASE_THEN_HANG)
    command = [sys.executable, str(script), str(go), str(LEAKAGE)]
    options = AppOptions(
        db_path=tmp_path / "gen.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("gen",)),
        refiller=lambda path: cases.Refiller(path, command=command),
    )
    app = DrillbreakApp(options, clock=FakeClock(NOW))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, "Making a fresh case from a real training run")
        assert "What is wrong" not in shown(app)  # no stand-in case meanwhile
        go.touch()
        await wait_shown(pilot, case_mark(FIXTURE_CASES[0]), "#question")
        assert app.refiller is not None and not app.refiller.idle  # before the round ended


async def test_a_generated_card_offers_all_nine_families(decks, tmp_path):
    write_deck(decks, "gen.yaml", NINE)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    app = make_app(decks, db, StandIn())
    async with app.run_test(size=(100, 60)) as pilot:
        await wait_shown(pilot, f"i) {FAMILIES['leakage']}", "#choices")
        await pilot.press("i", "enter")
        await wait_shown(pilot, "Correct!", "#prompt")


SLEEPER = """
import pathlib, sys, time
pathlib.Path(sys.argv[1]).write_text(str(__import__("os").getpid()))
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_quitting_the_app_stops_the_case_child(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    script = tmp_path / "child.py"
    script.write_text(SLEEPER)
    pid_file = tmp_path / "child.pid"
    command = [sys.executable, str(script), str(pid_file)]
    options = AppOptions(
        db_path=tmp_path / "gen.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        refiller=lambda path: cases.Refiller(path, command=command),
    )
    app = DrillbreakApp(options, clock=FakeClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, pid_file.exists, "the case child to start")
        await wait_until(pilot, lambda: pid_file.read_text().isdigit(), "its pid")
        pid = int(pid_file.read_text())
        assert alive(pid)
    deadline = time.monotonic() + SAFETY
    while alive(pid):
        assert time.monotonic() < deadline, f"case child {pid} outlived the app"
        time.sleep(0.05)
    assert app.refiller is not None and app.refiller.errors == []


# -------------------------------------------------------------------- plain mode


def test_plain_mode_shows_the_case_and_its_explanation(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    ctx = open_context(db, [decks], include_shipped=False, clock=FakeClock(NOW))
    first, second = FIXTURE_CASES[:2]
    try:
        session = StudySession(ctx.db, select_items(ctx.collection, ["gen"]), clock=ctx.clock)
        refiller = cases.Refiller(db, make=StandIn())
        out = io.StringIO()
        # answer right and rate Again: the card comes back with the next case; then quit
        PlainStudy(session, io.StringIO("a\n1\n:q\n"), out, refiller=refiller).run()
        assert refiller.wait(SAFETY)
    finally:
        ctx.close()
    text = out.getvalue()
    assert case_mark(first) in text and "train_loss" in text
    assert f"{first.evidence['columns']['val_acc'][-1]:g}" in text  # the log, as a table
    assert f"a) {FAMILIES['leakage']}" in text
    assert f"{first.facts['duplicates']} of the 300 validation" in text  # the explanation
    assert case_mark(second) in text  # the next review: another case
    assert reviews(db) == [("leak", 1)]


def test_plain_mode_waits_for_a_case_with_a_progress_line(decks, tmp_path):
    write_deck(decks, "gen.yaml", GENERATED)
    db = tmp_path / "gen.sqlite3"
    ctx = open_context(db, [decks], include_shipped=False, clock=FakeClock(NOW))
    try:
        session = StudySession(ctx.db, select_items(ctx.collection, ["gen"]), clock=ctx.clock)
        out = io.StringIO()
        refiller = cases.Refiller(db, make=StandIn())
        PlainStudy(session, io.StringIO("a\n3\n"), out, refiller=refiller).run()
    finally:
        ctx.close()
    text = out.getvalue()
    assert "Making a fresh case from a real training run" in text
    assert text.index("Making a fresh case") < text.index("Made later, run")
    assert reviews(db) == [("leak", 3)]


# ----------------------------------------------------------------------- export


def test_the_anki_export_holds_one_generated_case_marked_as_such(decks, tmp_path):
    write_deck(decks, "gen.yaml", NINE)
    db = tmp_path / "gen.sqlite3"
    fill_pool(db)
    out = tmp_path / "gen.apkg"
    from drillbreak import cli

    code = cli.main(
        ["export", "anki", "--db", str(db), "--decks", str(decks), "gen", "-o", str(out)]
    )
    assert code == 0
    with zipfile.ZipFile(out) as apkg:
        (tmp_path / "c.anki2").write_bytes(apkg.read("collection.anki2"))
    con = sqlite3.connect(tmp_path / "c.anki2")
    try:
        (fields,) = con.execute("SELECT flds FROM notes").fetchone()
    finally:
        con.close()
    first = FIXTURE_CASES[0]
    assert "One generated case; in drillbreak every review shows a new one." in fields
    assert case_mark(first) in fields and "<table" in fields
    assert f"{first.facts['duplicates']} of the 300" in fields  # the explanation, on the back
    assert '<span class="label">Answer:</span> I<' in fields  # the ninth choice
    assert pool_count(db) == len(FIXTURE_CASES) - 1  # the case shown in the export was taken
