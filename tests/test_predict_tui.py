"""Pilot: a predict card in the app, with a tiny fixture demo (DRILLBREAK_DEMOS_DIR).

Commit a prediction, run the demo live, see the measured number beside the prediction
and the suggested rating; then the same card again, from the cached run.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

from helpers.pilot import shown, wait_shown, wait_until
from helpers.predict_fixture import deck_file, demos_dir

from drillbreak.clock import FakeClock
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.predict_demo import PredictDemoScreen
from drillbreak.tui.screens.study import StudyScreen
from drillbreak.tui.widgets.choice_list import ChoiceList
from drillbreak.tui.widgets.predict_panel import PredictPanel

QUESTION = "At level 3, the score will be"


def rows(db, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def predict_app(tmp_path, monkeypatch) -> DrillbreakApp:
    """The app on the fixture deck of predict cards, with the fixture demo."""
    monkeypatch.setenv("DRILLBREAK_DEMOS_DIR", str(demos_dir(tmp_path / "demos")))
    decks = tmp_path / "decks"
    deck_file(decks)
    options = AppOptions(
        db_path=tmp_path / "predict.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(),
        seed=1,
    )
    return DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


async def test_predict_live_then_cached(tmp_path, monkeypatch):
    app = predict_app(tmp_path, monkeypatch)
    db = tmp_path / "predict.sqlite3"
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, QUESTION, "#question")
        await wait_shown(pilot, "This review's run: level = 3")
        await pilot.press("c")  # "20-25%": the score is 30%, one range up
        await pilot.press("enter")
        await wait_shown(pilot, "enter: run the demo live", "#predict-run")
        await wait_shown(pilot, "Prediction in. enter: run the demo live.", "#prompt")
        assert "cached run" not in shown(app)  # nothing cached yet
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PredictDemoScreen), "demo screen")
        await wait_shown(pilot, "The score came out at 30% for level 3.")
        await pilot.press("escape")
        await wait_shown(pilot, "The demo measured: 30% (25% or more)", "#predict-compare")
        compare = shown(app, "#predict-compare")
        assert "Your prediction: 20-25%" in compare
        assert "Live run (seed 0" in compare
        screen = app.screen
        assert isinstance(screen, StudyScreen)
        assert screen.current is not None and screen.current.suggested == 2  # one range off
        assert len(rows(db, "SELECT * FROM demo_run")) == 1

        # the same card again (undo brings it back), this time from the cache
        await pilot.press("enter")  # takes the suggested Hard
        await wait_until(pilot, lambda: rows(db, "SELECT rating FROM review_log") == [(2,)], "Hard")
        await wait_until(pilot, lambda: not screen.saving, "the rating saved")
        await pilot.press("u")
        await wait_until(pilot, lambda: rows(db, "SELECT * FROM review_log") == [], "undone")
        await wait_shown(pilot, "This review's run: level = 3")
        await pilot.press("d")  # right range this time
        await pilot.press("enter")
        await wait_shown(pilot, "c: the cached run from 2026-03-02 12:00 UTC")
        await wait_shown(pilot, "Prediction in. enter: run it live · c: the cached run.", "#prompt")
        await wait_shown(pilot, "c Cached run", "Footer")
        await pilot.press("c")
        await wait_shown(pilot, "Cached run, replayed")
        await wait_shown(pilot, "replayed: cached run from 2026-03-02 12:00 UTC", "#demo-header")
        await wait_shown(pilot, "The score came out at 30% for level 3.")
        await pilot.press("escape")
        await wait_shown(pilot, "Cached run from 2026-03-02 12:00 UTC", "#predict-compare")
        assert "Right!" in shown(app, "#predict-compare")
        assert screen.current is not None and screen.current.suggested == 3


async def test_a_range_cards_prompt_fits_at_60_columns(tmp_path, monkeypatch):
    """The bottom prompt of a predict card with ranges asks for a letter, whole at 60x20
    (it used to offer typing a number too, and was cut)."""
    app = predict_app(tmp_path, monkeypatch)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_shown(pilot, QUESTION, "#question")
        await wait_shown(pilot, "Pick a range (its letter), then enter: the demo runs.", "#prompt")


async def test_the_prompt_says_the_next_step_once_the_prediction_is_in(tmp_path, monkeypatch):
    """After the prediction the bottom prompt says to run the demo (it kept asking for
    a range)."""
    app = predict_app(tmp_path, monkeypatch)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_shown(pilot, "Pick a range (its letter), then enter: the demo runs.", "#prompt")
        await pilot.press("c", "enter")
        await wait_shown(pilot, "Prediction in. enter: run the demo live.", "#prompt")
        assert "Pick a range" not in shown(app, "#prompt")


async def test_the_footer_shows_the_run_key_once_the_cache_was_searched(tmp_path, monkeypatch):
    """The run keys work once the cache has been searched (in a thread): then the
    footer shows them (it kept showing "Show answer", which did nothing)."""
    from drillbreak.study import predict

    searched = threading.Event()
    find_cached = predict.find_cached

    def held(*args):
        searched.wait(120)
        return find_cached(*args)

    monkeypatch.setattr(predict, "find_cached", held)
    app = predict_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_shown(pilot, QUESTION, "#question")
        await pilot.press("c", "enter")
        await wait_shown(pilot, "Prediction in. Looking for a cached run…", "#prompt")
        assert "Run live" not in shown(app, "Footer")
        searched.set()
        await wait_shown(pilot, "Run live", "Footer")


async def test_tab_and_a_click_leave_the_range_letters_picking(tmp_path, monkeypatch):
    """Tab, shift+tab or a click on the card's text keep the focus on the ranges, so
    letters still pick one (tab moved the focus to the card, where b buried it)."""
    app = predict_app(tmp_path, monkeypatch)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_shown(pilot, QUESTION, "#question")
        ranges = app.screen.query_one("#predict-ranges", ChoiceList)
        await pilot.press("tab", "b")
        await wait_until(pilot, lambda: ranges.selected == {1}, "range b picked after tab")
        await pilot.press("shift+tab", "c")
        await wait_until(pilot, lambda: ranges.selected == {2}, "range c picked after shift+tab")
        await pilot.click("#predict-params")
        await pilot.press("a")
        await wait_until(pilot, lambda: ranges.selected == {0}, "range a picked after a click")
        await pilot.press("enter")
        await wait_shown(pilot, "Your prediction: under 10%", "#predict-run")
        panel = app.screen.query_one(PredictPanel)
        await pilot.press("tab")
        assert app.focused is panel  # enter and c still run the demo
