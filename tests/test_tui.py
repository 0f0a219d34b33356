"""Pilot tests for every key flow; each checks the database, not only the screen."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import write_deck

from drillbreak.clock import FakeClock
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest

DECK = """
deck: tui
title: TUI deck
cards:
  - id: basic-one
    front: "What is [bold]this[/bold]?"
    back: A literal answer
    hint: think
  - id: pick
    type: choice
    shuffle: false
    question: Which is right?
    choices:
      - text: the right one
        correct: true
        why: it is
      - text: the wrong one
        why: it is not
  - id: diag
    type: diagnosis
    shuffle: false
    scenario: Loss went up.
    evidence:
      title: Log
      x: epoch
      columns: {epoch: [1, 2, 3], train_loss: [1.0, 0.5, 0.2], val_loss: [1.0, 0.8, 1.4]}
    question: Why?
    choices:
      - text: overfitting
        correct: true
        why: val rises
      - text: underfitting
        why: train falls
    takeaway: Stop early.
  - id: essay
    type: open
    prompt: Explain overfitting
    rubric:
      - point: mentions noise
        keywords: [noise]
      - point: mentions validation
        keywords: [validation]
    model_answer: Fitting noise; validation loss rises.
"""


def reviews(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT c.key, r.rating, r.cram FROM review_log r JOIN card_state c ON c.id = r.card_id"
            " ORDER BY r.id"
        ).fetchall()
    finally:
        con.close()


def card(db: Path, key: str) -> tuple:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT state, suspended, buried_until_ms FROM card_state WHERE key = ?", (key,)
        ).fetchone()
    finally:
        con.close()


@pytest.fixture
def setup(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "tui.yaml", DECK)
    return decks, tmp_path / "tui.sqlite3"


def make_app(setup, study=True, **kw) -> DrillbreakApp:
    decks, db = setup
    options = AppOptions(
        db_path=db,
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("tui",)) if study else None,
        seed=1,
        **kw,
    )
    return DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


async def ready(pilot, screen: str) -> None:
    for _ in range(100):
        await pilot.pause()
        if type(pilot.app.screen).__name__ == screen:
            return
    raise AssertionError(f"{screen} never appeared; at {pilot.app.screen}")


def key_of(app) -> str:
    return app.screen.session.current.item.key


async def test_reveal_and_rate(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        assert key_of(app) == "basic-one"
        await pilot.press("3")  # not revealed yet: rating keys do nothing
        assert reviews(setup[1]) == []
        await pilot.press("space")
        assert app.screen.session.current.revealed
        await pilot.press("3")
        await pilot.pause()
        assert reviews(setup[1]) == [("basic-one", 3, 0)]
        assert key_of(app) == "pick"


async def test_undo(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "4")
        assert len(reviews(setup[1])) == 1
        await pilot.press("u")
        await pilot.pause()
        assert reviews(setup[1]) == []
        assert key_of(app) == "basic-one"
        assert card(setup[1], "basic-one")[0] == 0  # back to new


async def test_choice_feedback_and_override(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "3")
        assert key_of(app) == "pick"
        await pilot.press("b")  # picks choice b (the wrong one), not bury
        await pilot.press("enter")
        cur = app.screen.session.current
        assert cur.feedback is not None and not cur.feedback.correct
        assert cur.suggested == 1
        assert card(setup[1], "pick")[2] is None  # not buried
        await pilot.press("4")  # override the suggested Again
        await pilot.pause()
        assert reviews(setup[1])[-1] == ("pick", 4, 0)


async def test_choice_enter_takes_suggestion(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "3", "a", "enter")
        assert app.screen.session.current.feedback.correct
        await pilot.press("enter")  # enter after feedback = the suggested rating (Good)
        await pilot.pause()
        assert reviews(setup[1])[-1] == ("pick", 3, 0)


async def test_diagnosis_table_toggle(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "3", "a", "enter", "3")
        assert key_of(app) == "diag"
        table = app.screen.query_one("#evidence-table")
        assert not table.display
        await pilot.press("t")
        assert table.display
        await pilot.press("a", "enter", "enter")
        await pilot.pause()
        assert reviews(setup[1])[-1] == ("diag", 3, 0)


async def test_open_card_typing_and_rubric(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "3", "a", "enter", "3", "a", "enter", "3")
        assert key_of(app) == "essay"
        # letters and digits typed go into the text box, never to the screen's bindings
        await pilot.press(*"it fits noise 1 s b u")
        area = app.screen.query_one("#typed")
        assert area.text == "it fits noise 1 s b u"
        assert len(reviews(setup[1])) == 3 and card(setup[1], "essay")[1] == 0
        await pilot.press("ctrl+s")
        cur = app.screen.session.current
        assert cur.revealed and cur.covered == {0}
        assert cur.suggested == 2  # half the rubric -> Hard
        await pilot.press("down", "space")  # tick the second point
        assert cur.covered == {0, 1} and cur.suggested == 3
        await pilot.press("enter")
        await pilot.pause()
        assert reviews(setup[1])[-1] == ("essay", 3, 0)


async def test_suspend_and_bury(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("s")
        await pilot.pause()
        assert card(setup[1], "basic-one")[1] == 1
        await pilot.press("a", "enter")  # choice card answered, then bury it
        await pilot.press("b")
        await pilot.pause()
        assert card(setup[1], "pick")[2] is not None
        assert reviews(setup[1]) == []


async def test_session_summary_and_back_to_decks(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("escape")
        await ready(pilot, "SummaryScreen")
        await pilot.press("enter")
        await ready(pilot, "DecksScreen")


async def test_decks_screen_enter_studies(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("enter")
        await ready(pilot, "StudyScreen")
        assert app.screen.session.decks == ["tui"]


async def test_broken_deck_listed(setup):
    write_deck(setup[0], "broken.yaml", "deck: broken\ntitle: B\ncards:\n  - id: x\n    front: y\n")
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "DecksScreen")
        text = str(app.screen.query_one("#broken").render())
        assert "broken.yaml:4:5" in text and "missing required field 'back'" in text


async def test_browse_search_and_suspend(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("b")
        await ready(pilot, "BrowseScreen")
        await pilot.press("slash", *"type:open", "enter")
        assert [r.key for r in app.screen.shown] == ["essay"]
        await pilot.press("s")
        await pilot.pause()
        assert card(setup[1], "essay")[1] == 1
        await pilot.press("s")
        await pilot.pause()
        assert card(setup[1], "essay")[1] == 0
        await pilot.press("enter")
        await ready(pilot, "PreviewScreen")


async def test_settings_saved(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("o")
        await ready(pilot, "SettingsScreen")
        field = app.screen.query_one("#new_per_day")
        field.value = "7"
        app.screen.query_one("#learning_steps").value = "30s 5m"
        await pilot.press("ctrl+s")
        await pilot.pause()
    con = sqlite3.connect(setup[1])
    stored = con.execute("SELECT value FROM setting WHERE key='settings'").fetchone()[0]
    con.close()
    assert '"new_per_day": 7' in stored and '"learning_steps": [30, 300]' in stored


async def test_settings_reject_bad_input(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("o")
        await ready(pilot, "SettingsScreen")
        app.screen.query_one("#desired_retention").value = "5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "between 0.70 and 0.99" in str(app.screen.query_one("#settings-error").render())
    con = sqlite3.connect(setup[1])
    assert con.execute("SELECT count(*) FROM setting").fetchone()[0] == 0
    con.close()


async def test_stats_screen_opens(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("space", "3", "escape", "enter")
        await ready(pilot, "DecksScreen")
        await pilot.press("t")
        await ready(pilot, "StatsScreen")
        assert "1 review ·" in str(app.screen.query_one("#stats-today").render())


async def test_remapped_key(setup):
    app = make_app(setup, keys={"study.bury": "z"})
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        await pilot.press("z")
        await pilot.pause()
        assert card(setup[1], "basic-one")[2] is not None


async def test_card_text_is_literal(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "StudyScreen")
        assert "[bold]this[/bold]" in app.export_screenshot().replace("&#160;", " ")


async def test_bad_database_path_exits_with_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    app = DrillbreakApp(AppOptions(db_path=blocker / "x.sqlite3", include_shipped=False))
    async with app.run_test() as pilot:
        for _ in range(50):
            await pilot.pause()
    assert app.return_code == 1


async def test_no_color_respected(setup, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "DecksScreen")
        assert app.no_color


async def test_theme_remembered(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("o")
        await ready(pilot, "SettingsScreen")
        app.screen.query_one("#theme").value = "nord"
        await pilot.press("ctrl+s")
        await pilot.pause()
    again = make_app(setup, study=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "DecksScreen")
        assert again.theme == "nord"


async def test_command_palette_opens_stats(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "DecksScreen")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Statistics")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await ready(pilot, "StatsScreen")
