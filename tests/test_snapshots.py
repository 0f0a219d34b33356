"""Snapshot tests for each screen at 80x24, with a fixed clock and a seeded database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import write_deck
from helpers.pilot import wait_shown, wait_until
from test_tui import DECK, to_card, wait_card, wait_decks

from drillbreak.clock import FakeClock
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest

SIZE = (80, 24)
START = datetime(2026, 3, 2, 12, tzinfo=UTC)

INJECTION = """
deck: hostile
title: Hostile text
cards:
  - id: markup
    front: "[bold red]not bold[/] [link=http://x]not a link[/link] \\e[31mno colour\\e[0m \\e]52;c;Zm9v\\a end"
    back: "tab\\tand bell\\a gone"
"""


@pytest.fixture
def decks(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "tui.yaml", DECK)
    write_deck(folder, "hostile.yaml", INJECTION)
    return folder


def app_for(decks, tmp_path, study=None, seed_history=False) -> DrillbreakApp:
    clock = FakeClock(START)
    db = tmp_path / "snap.sqlite3"
    if seed_history:
        _seed(decks, db)
    return DrillbreakApp(
        AppOptions(db_path=db, deck_paths=(decks,), include_shipped=False, study=study, seed=1),
        clock=clock,
    )


def _seed(decks, db) -> None:
    """A few weeks of reviews so that stats have something to draw."""
    from drillbreak.context import open_context
    from drillbreak.study.scope import select_items
    from drillbreak.study.session import StudySession

    clock = FakeClock(START - timedelta(days=20))
    ctx = open_context(db, [decks], clock=clock, include_shipped=False)
    items = select_items(ctx.collection, ["tui"])
    for day in range(20):
        session = StudySession(ctx.db, items, clock=clock, seed=day)
        n = 0
        while session.next_card() is not None and n < 12:
            session.rate(1 if (day + n) % 5 == 0 else 3)
            clock.advance(minutes=2)
            n += 1
        clock.advance(days=1)
    ctx.close()


def test_decks_screen(snap_compare, decks, tmp_path):
    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=wait_decks)


def test_study_question(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_card(pilot, "basic-one")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_study_answer(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_card(pilot, "basic-one")
        await pilot.press("space")
        await wait_shown(pilot, "A literal answer", "#answer")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_choice_feedback(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "3")
        await wait_card(pilot, "pick")
        await pilot.press("b", "enter")
        await wait_shown(pilot, "Not quite.", "#prompt")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_diagnosis_evidence(snap_compare, decks, tmp_path):
    async def run(pilot):
        await to_card(pilot, "diag")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_open_rubric(snap_compare, decks, tmp_path):
    async def run(pilot):
        await to_card(pilot, "essay")
        await pilot.press(*"noise everywhere", "ctrl+s")
        await wait_shown(pilot, "mentions validation", "#rubric")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_summary(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "4")
        await wait_card(pilot, "pick")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_browse(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "5 of 5 cards", "#browse-count")

    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_stats(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("t")
        await wait_shown(pilot, "True retention", "#stats-today")

    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_settings(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("o")
        await wait_shown(pilot, "0.9", "#desired_retention")
        await wait_until(
            pilot,
            lambda: "reviews/day" in str(pilot.app.screen.query_one("#workload").render()),
            "the workload table",
        )

    app = app_for(decks, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_injection_rendered_literally(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_shown(pilot, "[bold red]not bold[/]", "#question")
        text = pilot.app.export_screenshot()
        assert "[bold red]not bold[/]" in text.replace("&#160;", " ")
        assert "\x1b" not in text

    app = app_for(decks, tmp_path, StudyRequest(("hostile",)))
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


# issue 13: the decks and stats screens at 60x20 and 120x40 too (80x24 above) ----------
@pytest.mark.parametrize("size", [(60, 20), (120, 40)], ids=["60x20", "120x40"])
def test_decks_screen_sizes(snap_compare, decks, tmp_path, size):
    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=size, run_before=wait_decks)


@pytest.mark.parametrize("size", [(60, 20), (120, 40)], ids=["60x20", "120x40"])
def test_stats_sizes(snap_compare, decks, tmp_path, size):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("t")
        await wait_shown(pilot, "True retention", "#stats-today")

    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=size, run_before=run)


def test_browse_preview_schedule(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "5 of 5 cards", "#browse-count")
        await pilot.press("down", "enter")  # the first card of the studied deck
        await wait_shown(pilot, "retrievability", "#preview-schedule")

    app = app_for(decks, tmp_path, seed_history=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_settings_refused_value(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_decks(pilot)
        await pilot.press("o")
        await wait_shown(pilot, "0.9", "#desired_retention")
        await wait_until(
            pilot,
            lambda: "reviews/day" in str(pilot.app.screen.query_one("#workload").render()),
            "the workload table",
        )
        pilot.app.screen.query_one("#rollover_hour").value = "25"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: pilot.app._notifications, "the error toast")

    app = app_for(decks, tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def test_summary_60x20(snap_compare, decks, tmp_path):
    async def run(pilot):
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "4")
        await wait_card(pilot, "pick")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=(60, 20), run_before=run)


STUDY_SIZES = [(60, 20), (80, 24), (120, 40)]


@pytest.mark.parametrize("size", STUDY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_study_diagnosis_question_at_each_size(snap_compare, decks, tmp_path, size):
    async def run(pilot):
        await to_card(pilot, "diag")

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", STUDY_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_study_diagnosis_answer_at_each_size(snap_compare, decks, tmp_path, size):
    async def run(pilot):
        await to_card(pilot, "diag")
        await pilot.press("b", "enter")
        await wait_shown(pilot, "Not quite.", "#prompt")
        await wait_shown(pilot, "Stop early.", "#card")  # scrolled to the takeaway

    app = app_for(decks, tmp_path, StudyRequest(("tui",)))
    assert snap_compare(app, terminal_size=size, run_before=run)
