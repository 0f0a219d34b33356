"""Issue 13, the screens around studying: decks, browse, stats, settings, summary, the
command palette and the config file, tried at the sizes a learner's terminal has."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until
from test_interop_optimize import simulate
from test_tui import DECK, make_app, open_settings, stored_settings, wait_card, wait_decks

from drillbreak.store.db import Database
from drillbreak.store.fit_log import last_fit
from drillbreak.tui.app import AppOptions, DrillbreakApp
from drillbreak.tui.screens.settings import UnsavedScreen
from drillbreak.tui.widgets.bars import bar_chart


@pytest.fixture
def setup(tmp_path):
    """test_tui's deck folder (one card of each type) and database path."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "tui.yaml", DECK)
    return decks, tmp_path / "tui.sqlite3"


def toast(app, text: str, severity: str | None = None) -> bool:
    """A notification containing ``text`` (in its title or message) is up."""
    return any(
        (text in n.message or text in n.title) and severity in (None, n.severity)
        for n in app._notifications
    )


def footer(app) -> str:
    return shown(app).splitlines()[-1]


# decks ---------------------------------------------------------------------------------
async def test_first_run_starts_on_the_starter_deck_with_a_hint(tmp_path):
    app = DrillbreakApp(AppOptions(db_path=tmp_path / "new.sqlite3"))  # the shipped decks
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_shown(pilot, "New here? Press enter to study the starter deck.")
        rows = shown(app, "#decks").splitlines()
        assert "Total" in rows[0]  # the last column is not cut at 60 columns
        assert rows[1].split()[0] == "Starter"
        assert app.screen._selected() == ("starter",)  # the cursor is on it
        assert "? Help" in footer(app)


async def test_the_hint_is_the_usual_one_once_cards_were_studied(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "3")
        await wait_card(pilot, "pick")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        await pilot.press("enter")
        await wait_shown(pilot, "enter: study the deck", "#decks-hint")


# each screen reads the database in a thread ---------------------------------------------
@pytest.mark.parametrize(
    ("key", "waiting", "drawn"),
    [
        ("b", "Reading your cards", "4 of 4 cards"),
        ("t", "Reading your review history", "True retention"),
    ],
)
async def test_screens_read_the_database_in_a_thread(setup, key, waiting, drawn):
    """While another thread holds the database, the screen opens and says it is reading;
    what it read appears once the database is free."""
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        with app.db_lock:
            await pilot.press(key)
            await wait_shown(pilot, waiting)
            assert drawn not in shown(app)
        await wait_shown(pilot, drawn)


async def test_decks_screen_reads_the_counts_in_a_thread(setup):
    app = make_app(setup, study=False)
    app.db_lock.acquire()  # before the app starts: its first read has to wait
    async with app.run_test(size=(80, 24)) as pilot:
        try:
            await wait_shown(pilot, "drillbreak", "#decks-title")
            assert "TUI deck" not in shown(app)
        finally:
            app.db_lock.release()  # (closing the app takes the lock too)
        await wait_decks(pilot)


# the footer keeps its help key at 60 columns ----------------------------------------------
async def test_help_stays_in_the_footer_at_60_columns(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_decks(pilot)
        assert "? Help" in footer(app)
        for key, drawn in (("b", "4 of 4 cards"), ("t", "True retention")):
            await pilot.press(key)
            await wait_shown(pilot, drawn)
            assert "? Help" in footer(app), key
            await pilot.press("escape")
            await wait_decks(pilot)
        await open_settings(pilot)  # ? opens the help there too (no setting is typed with a ?)
        await wait_until(pilot, lambda: "? Help" in footer(app), "? Help in the footer")


# browse --------------------------------------------------------------------------------
async def test_browse_shows_questions_and_the_preview_shows_the_schedule(setup):
    app = make_app(setup)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("space", "3")
        await wait_card(pilot, "pick")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        await pilot.press("enter")
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "4 of 4 cards", "#browse-count")
        table = shown(app, "#cards")
        assert "Which is right?" in table and "Explain overfitting" in table
        assert "State" in table.splitlines()[0]  # not cut at 80 columns
        await pilot.press("enter")  # the first row: basic-one, studied once
        await wait_shown(pilot, "1 review", "#preview-schedule")
        schedule = shown(app, "#preview-schedule")
        for part in ("learning", "due ", "interval", "stability", "retrievability", "0 lapses"):
            assert part in schedule, part


# stats ---------------------------------------------------------------------------------
def test_bar_chart_fits_the_width_it_is_given():
    values = list(range(30))
    for width in (20, 33, 40, 64, 70, 120):
        lines = bar_chart(values, 5, labels=("30 days ago", "today"), width=width).plain
        assert all(len(line) <= width for line in lines.splitlines()), width
    wide = bar_chart(values, 5, labels=("30 days ago", "today"), width=70).plain.splitlines()
    assert wide[-1].split() == ["30", "days", "ago", "today"]  # both labels, on one line
    assert len(wide[0]) == 2 + 2 + 60  # "29 ┤", then two cells a day
    # 20 cells: two days a bar (15 bars), the right label cut to what is left
    narrow = bar_chart(values, 5, labels=("30 days ago", "today"), width=20).plain
    assert narrow.splitlines()[-1].strip() == "30 days ago to…"


async def test_stats_bars_do_not_wrap_at_60_columns(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_decks(pilot)
        await pilot.press("t")
        await wait_shown(pilot, "30 days ago", "#stats-reviews")
        chart = shown(app, "#stats-reviews").splitlines()
        assert sum("┤" in line for line in chart) == 5  # five rows of bars, none wrapped
        labels = next(line for line in chart if "30 days ago" in line)
        assert "today" in labels


# settings ------------------------------------------------------------------------------
async def test_a_refused_setting_is_a_toast_and_its_field_is_marked_and_focused(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        assert app.focused is app.screen.query_one("#desired_retention")  # the first field
        field = app.screen.query_one("#rollover_hour")  # below the fold at 80x24
        field.value = "25"
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: toast(app, "rollover hour must be 0-23", "error"), "the error toast"
        )
        assert field.has_class("-invalid")
        await wait_until(pilot, lambda: app.focused is field, "the refused field focused")
        await wait_until(
            pilot, lambda: app.screen.region.contains_region(field.region), "the field in view"
        )
    assert stored_settings(setup[1]) is None


async def test_esc_with_unsaved_edits_asks(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        await pilot.press("escape")  # nothing edited: straight back
        await wait_decks(pilot)
        await open_settings(pilot)
        app.screen.query_one("#new_per_day").value = "7"
        await pilot.press("escape")
        await wait_shown(pilot, "You have unsaved changes.")
        await pilot.press("escape")  # keep editing
        await wait_until(pilot, lambda: not isinstance(app.screen, UnsavedScreen), "the form")
        assert app.screen.query_one("#new_per_day").value == "7"
        await pilot.press("escape")
        await wait_shown(pilot, "You have unsaved changes.")
        await pilot.press("d")  # discard
        await wait_decks(pilot)
        assert stored_settings(setup[1]) is None
        await open_settings(pilot)
        app.screen.query_one("#new_per_day").value = "7"
        await pilot.press("escape")
        await wait_shown(pilot, "You have unsaved changes.")
        await pilot.press("s")  # save
        await wait_decks(pilot)
    assert '"new_per_day":7' in (stored_settings(setup[1]) or "").replace(" ", "")


# the command palette -------------------------------------------------------------------
async def run_command(pilot, name: str, help_text: str) -> None:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: pilot.app.screen.query("CommandInput"), "the palette")
    await pilot.press(*name)
    await wait_shown(pilot, help_text)  # the hit's help line
    await pilot.press("enter")


async def test_palette_exports_a_deck_to_anki(setup, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_decks(pilot)
        await run_command(pilot, "Export to Anki: TUI", "Write tui.apkg in the current folder")
        await wait_until(pilot, lambda: toast(app, "Exported"), "the export's notification")
        assert toast(app, str(tmp_path / "tui.apkg"))  # says where
    assert (tmp_path / "tui.apkg").stat().st_size > 0


def fitted(path: Path) -> bool:
    db = Database(path)
    try:
        with db.read() as conn:
            return last_fit(conn) is not None
    finally:
        db.close()


async def test_palette_optimizes_the_scheduler(setup):
    decks, db_path = setup
    db = Database(db_path)
    simulate(db, cards=30, days=60)  # enough reviews a day apart to fit on
    db.close()
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_decks(pilot)
        await run_command(pilot, "Optimize scheduler", "Fit FSRS parameters")
        await wait_until(pilot, lambda: toast(app, "Optimized"), "the optimizer's notification")
    assert fitted(db_path)  # the fit was recorded, as `drillbreak optimize` does


async def test_palette_optimize_without_enough_reviews_says_so(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_decks(pilot)
        await run_command(pilot, "Optimize scheduler", "Fit FSRS parameters")
        await wait_until(
            pilot, lambda: toast(app, "not enough reviews", "warning"), "the optimizer's reason"
        )


# the config file -----------------------------------------------------------------------
async def test_a_config_key_that_matches_no_binding_is_warned_about(setup, tmp_path):
    config = tmp_path / "config.toml"
    app = make_app(
        setup, study=False, keys={"study.bury": "z", "study.burry": "x"}, config_path=config
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: toast(app, "study.burry", "warning"), "the warning")
        [warning] = [n.message for n in app._notifications if n.severity == "warning"]
        assert str(config) in warning and 'did you mean "study.bury"' in warning
        assert '"study.bury" ' not in warning.split("did you mean")[0]  # a known id is fine
