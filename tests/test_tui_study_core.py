"""Pilot tests for issue 13's study core as the learner sees it: why a deck has nothing
to study, another card after Again, the summary's cards and ratings."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from drillbreak.clock import FakeClock
from drillbreak.settings import Settings
from drillbreak.store import settings_store
from drillbreak.store.db import Database
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.study import StudyScreen

DECK = """
deck: pair
title: Pair deck
cards:
  - {id: first, front: "First question", back: "First answer"}
  - {id: second, front: "Second question", back: "Second answer"}
"""

DEMO_DECK = """
deck: withdemo
title: Demo deck
cards:
  - {id: shown, front: "Demo question", back: "Demo answer", demo: fgsm}
"""


@pytest.fixture
def setup(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "pair.yaml", DECK)
    return decks, tmp_path / "core.sqlite3"


def make_app(setup, settings: Settings, *, study: bool, deck: str = "pair") -> DrillbreakApp:
    decks, path = setup
    db = Database(path)
    try:
        with db.write() as conn:
            settings_store.save(conn, settings)
    finally:
        db.close()
    options = AppOptions(
        db_path=path,
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest((deck,)) if study else None,
        seed=1,
    )
    return DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


async def wait_question(pilot, text: str) -> None:
    app = pilot.app

    def drawn() -> bool:
        screen = app.screen
        return (
            isinstance(screen, StudyScreen)
            and not screen.saving
            and screen.current is not None
            and text in shown(app, "#question")
        )

    await wait_until(pilot, drawn, f"{text!r} on the study screen")


async def test_a_deck_at_its_new_limit_says_why(setup):
    app = make_app(setup, Settings(new_per_day=1), study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_shown(pilot, "Pair deck", "#decks")
        await pilot.press("enter")
        await wait_question(pilot, "First question")
        await pilot.press("space", "4")
        await wait_shown(pilot, "Session finished")
        await pilot.press("enter")
        await wait_shown(pilot, "Pair deck", "#decks")
        await pilot.press("enter")  # the limit is used up: no study screen, a reason
        expected = "Daily new-card limit reached (1/1): raise it in Settings or cram."
        await wait_until(
            pilot,
            lambda: any(n.message == expected for n in app._notifications),
            "the new-card limit message",
        )
        assert not isinstance(app.screen, StudyScreen)


async def test_after_again_the_other_waiting_card_comes_first(setup):
    app = make_app(setup, Settings(learning_steps=(60, 600)), study=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_question(pilot, "First question")
        await pilot.press("space", "3")  # Good: back in 10 minutes
        await wait_question(pilot, "Second question")
        await pilot.press("space", "1")  # Again: back in 1 minute, before the first
        await wait_question(pilot, "First question")
        await pilot.press("space", "3")
        await wait_question(pilot, "Second question")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        assert "Cards studied   2" in shown(app) and "Ratings given   3" in shown(app)


class StandInDemo(Screen):
    """The demo screen's place (no torch child): it only has to come and go."""

    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Static("stand-in demo running", id="stand-in")


async def test_time_in_a_demo_is_not_review_time(setup, monkeypatch):
    write_deck(setup[0], "withdemo.yaml", DEMO_DECK)
    monkeypatch.setattr(DrillbreakApp, "open_demo", lambda app, _: app.push_screen(StandInDemo()))
    app = make_app(setup, Settings(), study=True, deck="withdemo")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_question(pilot, "Demo question")
        app.clock.advance(seconds=3)
        await pilot.press("d")
        await wait_shown(pilot, "stand-in demo running")
        app.clock.advance(seconds=100)  # the learner watches the demo
        await pilot.press("escape")
        await wait_question(pilot, "Demo question")
        app.clock.advance(seconds=2)
        await pilot.press("space", "3")
        await wait_until(pilot, lambda: durations(setup[1]), "the rating stored")
    assert durations(setup[1]) == [5000]


def durations(path) -> list[int]:
    con = sqlite3.connect(path)
    try:
        return [d for (d,) in con.execute("SELECT duration_ms FROM review_log")]
    finally:
        con.close()
