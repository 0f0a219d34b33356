"""A new user's walk through the screens around studying (decks, browse and its preview,
stats, settings, the unsaved-edits question, the summary): ``?`` opens the key help on
each, the footer says so, and the help lists that screen's keys first, grouped; browse
shows a question as text, not its Markdown."""

from __future__ import annotations

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until
from test_tui import DECK, make_app, open_settings, wait_card, wait_decks

from drillbreak.tui.screens.help import APP, FOCUSED, HelpScreen, key_groups

MARKDOWN_DECK = """
deck: md
title: Markdown deck
cards:
  - id: bold
    front: "What is **overfitting** in `fit()`?"
    back: A model fitting noise.
"""


@pytest.fixture
def setup(tmp_path):
    """test_tui's deck (one card of each type) and one whose question has Markdown."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "tui.yaml", DECK)
    write_deck(decks, "md.yaml", MARKDOWN_DECK)
    return decks, tmp_path / "qa.sqlite3"


def footer(app) -> str:
    return shown(app).splitlines()[-1]


def group_of(screen, description: str) -> str:
    """The title of the help group that lists ``description`` on ``screen``."""
    for title, lines in key_groups(screen):
        if any(line.description == description for line in lines):
            return title
    raise AssertionError(f"{description!r} not in the help of {type(screen).__name__}")


async def open_help(pilot, title: str, first_group: str) -> None:
    """Press ? on the current screen (the footer says so first, to stay in view when
    narrow): its help opens, its keys first (under ``first_group``), the app's last."""
    under = pilot.app.screen
    assert footer(pilot.app).split()[:2] == ["?", "Help"], type(under).__name__
    await pilot.press("question_mark")
    await wait_shown(pilot, f"Keys: {title}", "#help-box")
    groups = [group for group, _ in pilot.app.screen.groups]
    assert (groups[0], groups[-1]) == (first_group, APP)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: pilot.app.screen is under, "the help closed")


async def test_question_mark_opens_the_help_on_every_screen(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_decks(pilot)
        await open_help(pilot, "Decks", "Study")
        await pilot.press("b")
        await wait_shown(pilot, "of 5 cards", "#browse-count")
        await open_help(pilot, "Browse", "Cards")
        await pilot.press("enter")
        await wait_shown(pilot, "not studied yet", "#preview-schedule")
        await open_help(
            pilot, "Preview", "Preview"
        )  # a modal screen: the app's own ? does not reach it
        await pilot.press("escape", "escape")
        await wait_decks(pilot)
        await pilot.press("t")
        await wait_shown(pilot, "True retention")
        await open_help(pilot, "Stats", "Leave")
        await pilot.press("escape")
        await wait_decks(pilot)
        await open_settings(pilot)
        await wait_until(pilot, lambda: "? Help" in footer(app), "? Help in the settings footer")
        await open_help(pilot, "Settings", "Settings")
        await pilot.press("1")  # an edit: leaving asks
        await pilot.press("escape")
        await wait_shown(pilot, "You have unsaved changes.")
        await pilot.press("question_mark")
        await wait_shown(pilot, "Keys: Unsaved", "#help-box")
        assert group_of(app.screen_stack[-2], "Discard") == "Unsaved changes"


async def test_question_mark_in_a_settings_field_opens_the_help_not_types(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_settings(pilot)
        field = app.focused
        typed = field.value
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert field.value == typed
        settings = app.screen_stack[-2]
        assert group_of(settings, "Save") == "Settings"
        assert group_of(settings, "Go to start") == FOCUSED  # the field's own keys


async def test_decks_help_says_enter_studies_and_q_quits_only_there(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_decks(pilot)
        decks = app.screen
        assert group_of(decks, "Study") == "Study"  # not the table's own "Select"
        quits = {title for title, lines in key_groups(decks) for line in lines if "q" in line.keys}
        assert quits == {"Leave"}  # q quits from the decks screen only: not "Everywhere"
        await pilot.press("enter")  # the first deck: Markdown deck
        await wait_shown(pilot, "What is overfitting", "#question")


async def test_summary_has_the_help_key(setup):
    app = make_app(setup)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_card(pilot, "basic-one")
        await pilot.press("escape")
        await wait_shown(pilot, "Session finished")
        await open_help(pilot, "Summary", "Leave")


async def test_browse_shows_the_question_without_its_markdown(setup):
    app = make_app(setup, study=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_decks(pilot)
        await pilot.press("b")
        await wait_shown(pilot, "What is overfitting in fit()?", "#cards")
        assert "Loss went up. Why?" in shown(app, "#cards")  # a diagnosis: **Why?**
        assert "**" not in shown(app, "#cards")
