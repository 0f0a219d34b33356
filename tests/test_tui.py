"""Pilot tests for every key flow; each checks the database, not only the screen.

Every test waits for what it then asserts on (the card's question on screen, the
row in the database): ratings are written in a thread, so the screen moves on a
little after the key press, later still on a busy machine.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until

from drillbreak.clock import FakeClock
from drillbreak.store import db as store_db
from drillbreak.store.db import StoreError
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.decks import DecksScreen
from drillbreak.tui.screens.study import StudyScreen

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
QUESTION = {
    "basic-one": "What is [bold]this[/bold]?",
    "pick": "Which is right?",
    "diag": "Loss went up.",
    "essay": "Explain overfitting",
}


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


def key_of(app) -> str | None:
    screen = app.screen
    if not isinstance(screen, StudyScreen) or screen.current is None:
        return None
    return screen.current.item.key


async def wait_card(pilot, key: str) -> None:
    """Until card ``key`` is drawn (its question in #question) and the screen takes keys."""
    app = pilot.app

    def drawn() -> bool:
        return (
            key_of(app) == key
            and not app.screen.saving
            and QUESTION[key] in shown(app, "#question")
        )

    await wait_until(pilot, drawn, f"card {key!r} on screen")


async def wait_decks(pilot) -> None:
    await wait_shown(pilot, "TUI deck", "#decks")


async def to_card(pilot, key: str) -> None:
    """Study from the first card to ``key``, rating each card on the way Good."""
    await wait_card(pilot, "basic-one")
    steps = {
        "basic-one": (("space", "3"), "pick"),
        "pick": (("a", "enter", "3"), "diag"),
        "diag": (("a", "enter", "3"), "essay"),
    }
    at = "basic-one"
    while at != key:
        keys, at = steps[at]
        await pilot.press(*keys)
        await wait_card(pilot, at)


def deck_row(app) -> list[str]:
    """The TUI deck's row on the decks screen: title words, then new, learn, due, total."""
    line = next(ln for ln in shown(app, "#decks").splitlines() if "TUI deck" in ln)
    return line.split()


async def test_reveal_and_rate(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("3")  # not revealed yet: rating keys do nothing
        await pilot.press("h")
        await wait_shown(pilot, "Hint: think", "#hint")
        assert key_of(app) == "basic-one" and not app.screen.saving
        assert reviews(setup[1]) == []
        await pilot.press("space")
        await wait_shown(pilot, "A literal answer", "#answer")
        await pilot.press("3")
        await wait_card(pilot, "pick")
        assert reviews(setup[1]) == [("basic-one", 3, 0)]


async def test_undo(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "4")
        await wait_card(pilot, "pick")
        assert len(reviews(setup[1])) == 1
        await pilot.press("u")
        await wait_card(pilot, "basic-one")
        assert reviews(setup[1]) == []
        assert card(setup[1], "basic-one")[0] == 0  # back to new


async def test_choice_feedback_and_override(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "pick")
        await pilot.press("b")  # picks choice b (the wrong one), not bury
        await pilot.press("enter")
        await wait_shown(pilot, "Not quite.", "#prompt")
        cur = app.screen.session.current
        assert cur.feedback is not None and not cur.feedback.correct
        assert cur.suggested == 1
        assert card(setup[1], "pick")[2] is None  # not buried
        await pilot.press("4")  # override the suggested Again
        await wait_card(pilot, "diag")
        assert reviews(setup[1])[-1] == ("pick", 4, 0)


async def test_choice_enter_takes_suggestion(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "pick")
        await pilot.press("a", "enter")
        await wait_shown(pilot, "Correct!", "#prompt")
        assert app.screen.session.current.feedback.correct
        await pilot.press("enter")  # enter after feedback = the suggested rating (Good)
        await wait_card(pilot, "diag")
        assert reviews(setup[1])[-1] == ("pick", 3, 0)


async def test_diagnosis_table_toggle(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "diag")
        assert "━━ train_loss" in shown(app, "#evidence-chart")
        assert shown(app, "#evidence-table") == ""
        await pilot.press("t")
        await wait_shown(pilot, "train_loss", "#evidence-table")
        assert shown(app, "#evidence-chart") == ""
        await pilot.press("a", "enter")
        await wait_shown(pilot, "Correct!", "#prompt")
        await pilot.press("enter")
        await wait_card(pilot, "essay")
        assert reviews(setup[1])[-1] == ("diag", 3, 0)


async def test_open_card_typing_and_rubric(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "essay")
        # letters and digits typed go into the text box, never to the screen's bindings
        await pilot.press(*"it fits noise 1 s b u")
        await wait_shown(pilot, "it fits noise 1 s b u", "#typed")
        assert app.screen.query_one("#typed").text == "it fits noise 1 s b u"
        assert len(reviews(setup[1])) == 3 and card(setup[1], "essay")[1] == 0
        await pilot.press("ctrl+s")
        await wait_shown(pilot, "mentions validation", "#rubric")
        cur = app.screen.session.current
        assert cur.revealed and cur.covered == {0}
        assert cur.suggested == 2  # half the rubric -> Hard
        await pilot.press("down", "space")  # tick the second point
        await wait_until(pilot, lambda: cur.covered == {0, 1}, "the second point ticked")
        assert cur.suggested == 3
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(reviews(setup[1])) == 4, "the essay's rating stored")
        assert reviews(setup[1])[-1] == ("essay", 3, 0)


async def test_each_card_type_shows_only_its_own_widgets(setup):
    """Basic, choice, diagnosis and open cards in turn, then undo back to a diagnosis card."""

    def visible() -> set[str]:  # the parts that take room on screen
        parts = ("#evidence", "#choices", "#typed", "#typed-echo", "#rubric", "#ratings")
        return {part for part in parts if app.screen.query_one(part).region}

    app = make_app(setup)
    async with app.run_test(size=(80, 40)) as pilot:
        await wait_card(pilot, "basic-one")
        assert visible() == set()
        await pilot.press("space", "3")
        await wait_card(pilot, "pick")
        assert visible() == {"#choices"}
        await pilot.press("a", "enter", "3")
        await wait_card(pilot, "diag")
        assert visible() == {"#evidence", "#choices"}
        await pilot.press("a", "enter", "3")
        await wait_card(pilot, "essay")
        assert visible() == {"#typed"}
        await pilot.press(*"noise", "ctrl+s")
        await wait_shown(pilot, "mentions validation", "#rubric")
        assert visible() == {"#typed-echo", "#rubric", "#ratings"}
        await pilot.press("u")  # undoes the diagnosis card's rating: drawn from its question
        await wait_card(pilot, "diag")
        assert visible() == {"#evidence", "#choices"}


async def test_suspend_and_bury(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("s")
        await wait_card(pilot, "pick")
        assert card(setup[1], "basic-one")[1] == 1
        await pilot.press("a", "enter")  # choice card answered, then bury it
        await wait_shown(pilot, "Correct!", "#prompt")
        await pilot.press("b")
        await wait_card(pilot, "diag")
        assert card(setup[1], "pick")[2] is not None
        assert reviews(setup[1]) == []


def decks_screens(app) -> int:
    return sum(isinstance(s, DecksScreen) for s in app.screen_stack)


async def test_session_summary_and_back_to_decks(setup):
    """Started straight on a session, the decks screen is made when the session ends
    (not before its first card)."""
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "pick")
        assert decks_screens(app) == 0
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        assert "Cards studied   1" in shown(app)
        assert "Answered right  1 (100%)" in shown(app)
        await pilot.press("enter")
        await wait_decks(pilot)
        assert deck_row(app) == ["TUI", "deck", "3", "1", "0", "4"]  # new, learn, due, total
        assert decks_screens(app) == 1


@pytest.mark.parametrize("over_another", [False, True], ids=["one", "over-another"])
async def test_a_session_from_the_decks_screen_ends_on_it(setup, over_another):
    """Enter on the decks screen, end the session: back on the same decks screen.  With a
    session started from the palette while studying, its summary's "back to decks" closes
    both sessions (it used to land in the first one)."""
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        decks = app.screen
        await pilot.press("enter")
        await wait_card(pilot, "basic-one")
        if over_another:
            first = app.screen
            app.start_study(StudyRequest(("tui",)))  # what the palette's "Study" entry calls
            await wait_until(pilot, lambda: app.screen is not first and key_of(app), "2nd one")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        await pilot.press("enter")
        await wait_decks(pilot)
        assert app.screen is decks
        assert decks_screens(app) == 1
        assert not any(isinstance(s, StudyScreen) for s in app.screen_stack)


async def test_decks_screen_enter_studies(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        assert deck_row(app) == ["TUI", "deck", "4", "0", "0", "4"]
        await pilot.press("enter")
        await wait_card(pilot, "basic-one")
        assert app.screen.session.decks == ["tui"]


async def test_broken_deck_listed(setup):
    write_deck(setup[0], "broken.yaml", "deck: broken\ntitle: B\ncards:\n  - id: x\n    front: y\n")
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        broken = str(app.screen.query_one("#broken").render())  # a long path: wrapped on screen
        assert "broken.yaml:4:5" in broken and "missing required field 'back'" in broken


async def test_browse_search_and_suspend(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "4 of 4 cards", "#browse-count")
        await pilot.press("slash", *"type:open", "enter")
        await wait_shown(pilot, "1 of 4 cards", "#browse-count")
        assert [r.key for r in app.screen.shown] == ["essay"]
        assert "Explain overfitting" in shown(app, "#cards")  # the question, not the key
        await pilot.press("s")
        await wait_until(pilot, lambda: card(setup[1], "essay")[1] == 1, "essay suspended")
        await pilot.press("s")
        await wait_until(pilot, lambda: card(setup[1], "essay")[1] == 0, "essay unsuspended")
        await pilot.press("enter")
        await wait_shown(pilot, "Explain overfitting", "#preview")
        assert "Fitting noise" in shown(app, "#preview")


async def test_browse_suspend_store_error_is_a_message(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "4 of 4 cards", "#browse-count")
        with failing_writes(app.ctx.db, 1):
            await pilot.press("s")
            await wait_until(pilot, lambda: notified(app, "the disk is full"), "the error shown")
        assert card(setup[1], "basic-one")[1] == 0
        assert not app._exit_renderables and app.return_code is None


async def open_settings(pilot) -> None:
    await wait_decks(pilot)
    await pilot.press("o")
    await wait_until(pilot, lambda: pilot.app.screen.query("#new_per_day"), "the settings form")


def stored_settings(db: Path) -> str | None:
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM setting WHERE key='settings'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


async def test_settings_saved(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#new_per_day").value = "7"
        app.screen.query_one("#learning_steps").value = "30s 5m"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: stored_settings(setup[1]), "the settings stored")
    stored = json.loads(stored_settings(setup[1]) or "{}")
    assert stored["new_per_day"] == 7 and stored["learning_steps"] == [30, 300]


async def test_settings_reject_bad_input(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#desired_retention").value = "5"
        await pilot.press("ctrl+s")
        await wait_shown(pilot, "between 0.70 and 0.99", "#settings-error")
    assert stored_settings(setup[1]) is None


async def test_settings_show_one_line_per_refused_field(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#new_per_day").value = "many"
        app.screen.query_one("#rollover_hour").value = "25"
        await pilot.press("ctrl+s")
        await wait_shown(pilot, "rollover hour must be 0-23", "#settings-error")
        lines = str(app.screen.query_one("#settings-error").render()).splitlines()
        assert lines == ["✗ new cards/day must be a whole number", "✗ rollover hour must be 0-23"]
        invalid = [w.id for w in app.screen.query("Input.-invalid")]
        assert invalid == ["new_per_day", "rollover_hour"]
    assert stored_settings(setup[1]) is None


async def test_stats_screen_opens(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "pick")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        await pilot.press("enter")
        await wait_decks(pilot)
        await pilot.press("t")
        await wait_shown(pilot, "1 review ·", "#stats-today")


async def test_remapped_key(setup):
    app = make_app(setup, keys={"study.bury": "z"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("z")
        await wait_card(pilot, "pick")
        assert card(setup[1], "basic-one")[2] is not None


async def test_card_text_is_literal(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        assert "[bold]this[/bold]" in app.export_screenshot().replace("&#160;", " ")


async def test_bad_database_path_exits_with_message(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    app = DrillbreakApp(AppOptions(db_path=blocker / "x.sqlite3", include_shipped=False))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 1
    message = "".join(capsys.readouterr().err.split())  # printed wrapped to the terminal
    assert message.startswith("drillbreak:error:") and str(blocker) in message


async def test_no_color_respected(setup, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        assert app.no_color


async def test_theme_remembered(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        app.screen.query_one("#theme").value = "nord"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "nord" in (stored_settings(setup[1]) or ""), "theme stored")
    again = make_app(setup, study=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        assert again.theme == "nord"


async def test_command_palette_opens_stats(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: app.screen.query("CommandInput"), "the command palette")
        await pilot.press(*"Statistics")
        await wait_shown(pilot, "Reviews, retention, forecast")  # the hit's help line
        await pilot.press("enter")
        await wait_shown(pilot, "0 reviews ·", "#stats-today")


# store errors while studying: the card stays, the key can be pressed again --------------
@contextmanager
def failing_writes(db, times: int):
    """``db.write`` raises the disk-full StoreError ``times`` times, then works again."""
    real = db.write
    left = [times]

    @contextmanager
    def write():
        if left[0] > 0:
            left[0] -= 1
            raise StoreError(f"{db.path}: the disk is full; free some space")
        with real() as conn:
            yield conn

    db.write = write
    try:
        yield
    finally:
        del db.write


def notified(app, text: str) -> bool:
    return any(text in n.message and n.severity == "error" for n in app._notifications)


async def test_store_error_while_rating_keeps_the_card(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space")
        await wait_shown(pilot, "A literal answer", "#answer")
        with failing_writes(app.screen.session.db, 1):
            await pilot.press("3")
            await wait_until(pilot, lambda: notified(app, "the disk is full"), "the error shown")
            assert key_of(app) == "basic-one" and not app.screen.saving
            assert QUESTION["basic-one"] in shown(app, "#question")
            assert "A literal answer" in shown(app, "#answer")
            assert reviews(setup[1]) == []
            await pilot.press("3")  # retried: now it is stored
            await wait_card(pilot, "pick")
        assert reviews(setup[1]) == [("basic-one", 3, 0)]
        assert app.return_code is None


@contextmanager
def writer_holding_lock(db: Path):
    """Another process's connection holding the write lock (BEGIN IMMEDIATE)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    finally:
        con.close()


async def test_locked_database_says_busy_and_the_rating_can_be_retried(setup, monkeypatch):
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 20)
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space")
        await wait_shown(pilot, "A literal answer", "#answer")
        with writer_holding_lock(setup[1]):
            await pilot.press("3")
            await wait_until(pilot, lambda: notified(app, "busy"), "the busy message")
            assert key_of(app) == "basic-one" and not app.screen.saving
            assert reviews(setup[1]) == []
        await pilot.press("3")
        await wait_card(pilot, "pick")
        assert reviews(setup[1]) == [("basic-one", 3, 0)]


async def test_screen_answers_keys_while_a_rating_waits_for_the_database(setup, monkeypatch):
    # The write waits as long as the other connection holds the lock (a 120 s busy
    # timeout, never reached): the screen must go on answering keys meanwhile.
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 120_000)
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space")
        await wait_shown(pilot, "A literal answer", "#answer")
        with writer_holding_lock(setup[1]) as other:
            await pilot.press("3")
            await pilot.press("h")
            await wait_shown(pilot, "Hint: think", "#hint")
            await pilot.press("3", "4", "u", "s", "escape")  # ignored while the write waits
            await wait_shown(pilot, "saving…", "#study-status")
            assert key_of(app) == "basic-one" and app.screen.saving
            assert reviews(setup[1]) == []
            other.rollback()
            await wait_card(pilot, "pick")
        assert reviews(setup[1]) == [("basic-one", 3, 0)]
        assert card(setup[1], "basic-one")[1:] == (0, None)  # neither suspended nor buried


def test_star_import_of_the_app_module():
    namespace: dict[str, object] = {}
    exec("from drillbreak.tui.app import *", namespace)
    assert {"DrillbreakApp", "AppOptions", "StudyRequest", "run_app"} <= namespace.keys()


async def test_invalid_stored_parameters_exit_with_one_line(tmp_path, capsys):
    """Stored FSRS parameters that fsrs refuses end the start with a message, not a crash."""
    from drillbreak.store import settings_store
    from drillbreak.store.db import Database

    path = tmp_path / "bad-params.sqlite3"
    database = Database(path)
    bad = list(fsrs_default_parameters())
    bad[4] = 20.0  # fsrs allows 1..10 here
    with database.write() as conn:
        settings_store.put_value(conn, settings_store.KEY, json.dumps({"parameters": bad}))
    database.close()
    app = DrillbreakApp(AppOptions(db_path=path, include_shipped=False))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 1
    message = "".join(capsys.readouterr().err.split())
    assert "storedFSRSparametersareinvalid" in message and str(path) in message


def fsrs_default_parameters() -> tuple[float, ...]:
    import fsrs

    return tuple(fsrs.Scheduler().parameters)


async def test_settings_show_the_workload_and_focus_the_first_field(setup):
    """Beside the retention field: reviews a day at each desired retention, simulated
    for this collection (fsrs-rs), the current one marked; typing starts in the form."""
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        workload = app.screen.query_one("#workload")
        await wait_until(
            pilot, lambda: "reviews/day" in str(workload.render()), "the workload table"
        )
        lines = str(workload.render()).splitlines()
        rows = [line.split() for line in lines[2:]]
        assert [r[0] for r in rows] == ["0.80", "0.85", "0.90", "0.95"]
        assert [r for r in rows if r[-1] == "now"] == [rows[2]]  # the setting in use, 0.90
        per_day = [float(r[1]) for r in rows]
        assert per_day == sorted(per_day) and per_day[0] < per_day[-1]  # more retention, more work
        assert app.focused is app.screen.query_one("#desired_retention")


async def test_the_workload_marks_the_retention_just_saved(setup):
    """After saving a new desired retention the workload table marks it "now" (it kept
    marking the old one until the screen was opened again)."""
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_settings(pilot)
        workload = app.screen.query_one("#workload")

        def marked() -> list[str]:
            lines = str(workload.render()).splitlines()[2:]
            return [line.split()[0] for line in lines if line.endswith("<- now")]

        await wait_until(pilot, lambda: marked() == ["0.90"], "the table marking 0.90")
        app.screen.query_one("#desired_retention").value = "0.85"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: marked() == ["0.85"], "the table marking 0.85")
    assert json.loads(stored_settings(setup[1]) or "{}")["desired_retention"] == 0.85


BUSY_DECK = """
deck: busy
title: Busy deck
cards:
  - id: busy
    type: diagnosis
    shuffle: false
    scenario: Accuracy fell after the launch.
    hint: compare the inputs
    demo: distribution-shift
    evidence:
      title: Log
      x: epoch
      columns: {epoch: [1, 2, 3], val_loss: [1.0, 0.8, 1.4]}
    question: Why?
    choices:
      - text: the inputs moved
        correct: true
        why: new users
      - text: a bug
        why: no
"""


@pytest.mark.parametrize(
    ("size", "keys"),
    [
        (
            (80, 24),
            ["? Help", "space Accept", "1234 Rate", "esc End", "h Hint", "d Demo", "t Table"],
        ),
        ((60, 20), ["? Help", "space Accept", "1234 Rate", "esc End"]),
    ],
    ids=["80x24", "60x20"],
)
async def test_the_study_footer_fits_the_rating_keys(tmp_path, size, keys):
    """The answer side of a card with a hint, a demo and a table: at 80 columns the
    footer shows every key it lists, the rating keys among them, left of the command
    palette's key; at 60 at least help, accept, the ratings and end (the footer used
    to run past the edge, cutting the last keys)."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "busy.yaml", BUSY_DECK)
    options = AppOptions(
        db_path=tmp_path / "busy.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("busy",)),
        seed=1,
    )
    app = DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))

    def missing() -> list[str]:
        footer = shown(app, "Footer").split("▏")[0]  # the palette key's edge
        return [key for key in keys if key not in footer]

    async with app.run_test(size=size) as pilot:
        await wait_shown(pilot, "Accuracy fell after the launch.", "#question")
        await pilot.press("a", "enter")
        await wait_shown(pilot, "Rate 1-4", "#prompt")
        await wait_until(pilot, lambda: not missing(), f"the footer to show {keys}")


async def test_the_gc_paused_for_the_start_runs_again_once_the_decks_are_loaded(setup):
    """drillbreak.main.open_app pauses the cyclic GC for the imports and the load; the
    app turns it back on (a long session must not keep every cycle it makes)."""
    import gc

    app = make_app(setup)
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_card(pilot, "basic-one")
            assert gc.isenabled()
    finally:
        gc.enable()


def test_plain_study_without_textual_runs_with_the_gc_on(monkeypatch):
    """Without textual, `drillbreak study` falls back to plain mode: the GC that
    open_app paused for the app's start is on again for the session."""
    import argparse
    import gc
    import sys

    from drillbreak import cli, main

    seen: list[bool] = []
    monkeypatch.setitem(sys.modules, "drillbreak.tui.app", None)  # importing it fails
    monkeypatch.setattr(cli, "study_plain", lambda args: seen.append(gc.isenabled()) or 0)
    try:
        assert main.open_app(argparse.Namespace()) == 0
    finally:
        gc.enable()
    assert seen == [True]
