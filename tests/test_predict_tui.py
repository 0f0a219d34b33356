"""Pilot: a predict card in the app, with a tiny fixture demo (DRILLBREAK_DEMOS_DIR).

Commit a prediction, run the demo live, see the measured number beside the prediction
and the suggested rating; then the same card again, from the cached run.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from helpers.pilot import shown, wait_shown, wait_until
from helpers.predict_fixture import deck_file, demos_dir

from drillbreak.clock import FakeClock
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.predict_demo import PredictDemoScreen
from drillbreak.tui.screens.study import StudyScreen

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
        await wait_shown(pilot, "enter: run the demo live")
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
