"""The study screen at the sizes learners use (60x20, 80x24, 120x40): the answer in
view after a submit, keys that scroll the card, a card never mixed with the one before,
the header, the key help and the evidence panels.

Every Pilot test waits for what it asserts on (helpers.pilot); none waits a fixed time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from conftest import write_deck
from helpers.pilot import shown, wait_shown, wait_until
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.cells import cell_len
from textual.widgets import Footer, Static
from textual.widgets._toast import Toast

from drillbreak.clock import FakeClock
from drillbreak.deck.models import Evidence
from drillbreak.domain import Rating
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.help import HelpScreen
from drillbreak.tui.screens.study import StudyScreen, status_line
from drillbreak.tui.widgets.evidence import (
    PANEL_MIN_WIDTH,
    align_decimals,
    group_columns,
    render_panels,
    unit_of,
)
from drillbreak.tui.widgets.line_chart import format_ticks
from drillbreak.tui.widgets.rating_bar import RatingBar

TITLE = "A deck whose title is far too long for any study header"
DECK = f"""
deck: study
title: {TITLE}
cards:
  - id: basic
    front: What is the capital of France?
    back: Paris
  - id: pick
    type: choice
    shuffle: false
    question: Which one is right?
    choices:
      - text: the right one
        correct: true
        why: it is
      - text: the wrong one
        why: it is not
  - id: multi
    type: choice
    shuffle: false
    question: Which are prime? (select all)
    choices:
      - text: two
        correct: true
        why: only 1 and itself divide it
      - text: four
        why: two divides it
      - text: seven
        correct: true
        why: only 1 and itself divide it
  - id: diag
    type: diagnosis
    shuffle: false
    scenario: |
      A skin-lesion classifier scores well overall, but dermatologists report
      that it misses lesions on darker skin far more often than on lighter skin.
    evidence:
      title: Accuracy by skin type
      x: skin_type
      columns:
        skin_type: [1, 2, 3, 4, 5, 6]
        accuracy: [0.95, 0.94, 0.92, 0.86, 0.78, 0.70]
        share_of_training_pct: [30, 31, 22, 10, 5, 2]
    question: What does the breakdown show?
    choices:
      - text: Accuracy falls with the share of training images of that skin type
        correct: true
        why: Types 5 and 6 make up 7% of the training set, and accuracy drops 25 points there.
      - text: Darker skin is inherently harder to classify
        why: Nothing here separates difficulty from a lack of data; more data is the first test.
      - text: The overall accuracy is wrong
        why: The overall figure is right for the mix it was measured on; the mix is the problem.
      - text: The model overfits type 1 and 2
        why: High accuracy where data is plentiful is what a well-fit model does.
    takeaway: Break accuracy down by group; a good average hides where data is thin.
  - id: essay
    type: open
    prompt: Why can a confident model still be wrong?
    rubric:
      - point: Confidence is a score, not a measure of correctness
        keywords: [score]
      - point: Models are often miscalibrated out of distribution
        keywords: [calibration]
      - point: Check against held-out data before trusting it
        keywords: [held-out]
    model_answer: |
      A softmax score says how strongly the model prefers one answer, not whether
      that answer is true. Networks are often overconfident, and on unfamiliar
      inputs they can be confidently wrong. Measure calibration on held-out data
      and verify important answers independently before you trust them.
"""
QUESTION = {
    "basic": "capital of France",
    "pick": "Which one is right?",
    "multi": "Which are prime?",
    "diag": "A skin-lesion classifier",
    "essay": "confident model still be wrong",
}
STEPS = {  # keys that answer a card Good, and the card that comes next
    "basic": (("space", "3"), "pick"),
    "pick": (("a", "enter", "3"), "multi"),
    "multi": (("a", "c", "enter", "3"), "diag"),
    "diag": (("a", "enter", "3"), "essay"),
}


def make_app(tmp_path, cram: bool = False, deck: str = DECK) -> DrillbreakApp:
    """The app studying ``deck`` (YAML text; its id after ``deck:``)."""
    decks = tmp_path / "decks"
    decks.mkdir(exist_ok=True)
    write_deck(decks, "study.yaml", deck)
    deck_id = deck.split("deck:", 1)[1].split()[0]
    options = AppOptions(
        db_path=tmp_path / "study.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest((deck_id,), cram=cram),
        seed=1,
    )
    return DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


def screen_of(app) -> StudyScreen:
    assert isinstance(app.screen, StudyScreen)
    return app.screen


async def wait_card(pilot, key: str) -> None:
    app = pilot.app

    def drawn() -> bool:
        screen = app.screen
        return (
            isinstance(screen, StudyScreen)
            and screen.shown is not None
            and screen.shown.item.key == key
            and not screen.saving
            and not screen.drawing
            and QUESTION[key] in shown(app, "#question")
        )

    await wait_until(pilot, drawn, f"card {key!r} on screen")


async def to_card(pilot, key: str) -> None:
    await wait_card(pilot, "basic")
    at = "basic"
    while at != key:
        keys, at = STEPS[at]
        await pilot.press(*keys)
        await wait_card(pilot, at)


def card_text(app) -> str:
    return shown(app, "#card")


def footer_text(app) -> str:
    return shown(app, "Footer")


# 1. the answer in view after a submit; keys that scroll the card ------------------------
@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_submit_brings_the_pick_its_feedback_and_the_takeaway_into_view(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await to_card(pilot, "diag")
        await pilot.press("b", "enter")
        await wait_shown(pilot, "Not quite.", "#prompt")
        await wait_until(
            pilot,
            lambda: (
                "inherently harder" in card_text(app) and "Nothing here separates" in card_text(app)
            ),
            "the pick and its feedback in view",
        )
        if size == (80, 24):  # pick to takeaway fits: all of it in view
            await wait_shown(pilot, "a good average hides", "#card")


TALL = """
deck: tall
title: Tall
cards:
  - id: short
    type: choice
    shuffle: false
    question: Which one?
    choices:
      - {text: this one, correct: true}
      - {text: that one}
  - id: tall
    type: diagnosis
    shuffle: false
    scenario: |
      A skin-lesion classifier scores well overall, but dermatologists report
      that it misses lesions on darker skin far more often than on lighter skin.
      The team breaks its test accuracy down by skin type and counts how many of
      the training images came from each type, to see where the misses come from
      and whether the overall figure hides them.
    evidence: {x: type, columns: {type: [1, 2, 3, 4, 5, 6], acc: [95, 94, 92, 86, 78, 70]}}
    question: What does the breakdown show?
    choices:
      - {text: Accuracy falls with the share of training images, correct: true}
      - {text: Darker skin is inherently harder to classify}
"""


@pytest.mark.parametrize("size", [(60, 20), (120, 40)])
async def test_a_tall_choice_card_starts_at_its_top_and_says_where_the_options_are(tmp_path, size):
    """When the scenario and chart fill the card (60x20), it is drawn from its top and
    the prompt says the options are below; when everything fits (120x40), even after
    the wide layout moves them beside the chart, the prompt does not."""
    app = make_app(tmp_path, deck=TALL)
    async with app.run_test(size=size) as pilot:
        await wait_shown(pilot, "Which one?", "#card")  # a choice card before: laid out
        await pilot.press("a", "enter")
        await wait_shown(pilot, "Correct!", "#prompt")
        await pilot.press("3")
        await wait_shown(pilot, "A skin-lesion classifier", "#card")
        if size == (60, 20):
            await wait_shown(pilot, "Options below (j or down). Press a letter", "#prompt")
            assert app.screen.query_one("#card").scroll_y == 0
        else:
            await wait_shown(pilot, "Darker skin is inherently harder", "#card")
            await wait_shown(pilot, "Press a letter, then enter (space: show", "#prompt")


async def test_page_keys_and_j_k_scroll_the_card_in_every_state(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await to_card(pilot, "diag")
        card = app.screen.query_one("#card")
        assert card.max_scroll_y > 0  # the question side is taller than the card
        for keys, where in (
            (("end",), lambda: card.scroll_y == card.max_scroll_y),
            (("home",), lambda: card.scroll_y == 0),
            (("j",), lambda: card.scroll_y == 1),
            (("k",), lambda: card.scroll_y == 0),
            (("pagedown",), lambda: card.scroll_y > 1),
            (("pageup",), lambda: card.scroll_y == 0),
        ):
            await pilot.press(*keys)
            await wait_until(pilot, where, f"{keys} scrolled the question side")
        await pilot.press("a")  # the letters still pick while j/k scroll
        assert screen_of(app).query_one("#choices").selected == frozenset({0})
        await pilot.press("enter")
        await wait_shown(pilot, "Correct!", "#prompt")
        await pilot.press("home")
        await wait_until(pilot, lambda: card.scroll_y == 0, "home on the answer side")
        await pilot.press("end")
        await wait_until(pilot, lambda: card.scroll_y == card.max_scroll_y > 0, "end")


# 2. open cards: the model answer before the rubric, in view --------------------------------
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_open_card_shows_the_model_answer_above_the_rubric(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await to_card(pilot, "essay")
        await pilot.press(*"a score", "ctrl+s")
        await wait_shown(pilot, "Model answer:", "#card")
        await wait_shown(pilot, "Check against held-out data", "#card")
        screen = screen_of(app)
        assert screen.query_one("#answer").region.y < screen.query_one("#rubric").region.y


# 3. an unanswered diagnosis card: question, options and evidence together --------------------
async def test_diagnosis_question_options_and_compact_chart_fit_at_80x24(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "diag")
        text = card_text(app)
        assert "What does the breakdown show?" in text
        for option in ("Accuracy falls", "inherently harder", "overall accuracy", "overfits"):
            assert option in text
        assert "└" in text and "━━ accuracy" in text  # the chart and its legend
        assert "(t: show table)" in text
        await pilot.press("t")
        await wait_shown(pilot, "(t: show chart)", "#evidence-title")
        assert "share_of_training_pct" in shown(app, "#evidence-table")
        await pilot.press("t")
        await wait_shown(pilot, "(t: show table)", "#evidence-title")


async def test_wide_terminal_puts_the_evidence_beside_the_options(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_card(pilot, "diag")
        screen = screen_of(app)
        evidence, choices = screen.query_one("#evidence"), screen.query_one("#choices")
        assert evidence.region.right <= choices.region.x
        assert evidence.region.y == choices.region.y


# 4. never two cards at once ------------------------------------------------------------------
async def test_no_frame_mixes_the_rated_card_with_the_next(tmp_path, monkeypatch):
    """Every frame that reaches the terminal after a rating shows one card whole: while
    the next question is parsed (slowly here, as on a busy machine) the rated card stays,
    then question, body and footer change together."""
    parse = MarkdownIt.parse

    def slow_parse(self, src, env=None):
        time.sleep(0.3)  # in Textual's parser thread: a busy machine, not a wait in the test
        return parse(self, src, env)

    app = make_app(tmp_path)
    frames: list[tuple[str, str, str]] = []
    display = app._display

    def record(screen, renderable) -> None:
        if renderable is not None and not app._batch_count and isinstance(screen, StudyScreen):
            frames.append((shown(app, "#question"), shown(app, "#card"), footer_text(app)))
        display(screen, renderable)

    monkeypatch.setattr(app, "_display", record)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic")
        await pilot.press("space")
        await wait_shown(pilot, "Paris", "#answer")
        monkeypatch.setattr(MarkdownIt, "parse", slow_parse)
        frames.clear()
        await pilot.press("3")
        await wait_card(pilot, "pick")
        await wait_until(pilot, lambda: "Show answer" in footer_text(app), "the new footer")
        frames.append((shown(app, "#question"), shown(app, "#card"), footer_text(app)))
    new = [f for f in frames if QUESTION["pick"] in f[0]]
    assert new, "the new card was never drawn"
    for question, card, footer in frames:
        if QUESTION["pick"] in question:  # the new card: none of the old one's parts
            assert QUESTION["basic"] not in card and "Paris" not in card
            assert "the right one" in card and "Accept" not in footer
        else:  # the old card: none of the new one's parts, its own footer
            assert QUESTION["basic"] in question
            assert "the right one" not in card and "Show answer" not in footer


# 5. space reveals an unanswered choice card; toasts clear the ratings; missed options ----------
async def test_space_on_a_choice_card_shows_the_answer_as_not_answered(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "pick")
        await pilot.press("space")
        await wait_shown(pilot, "Not answered.", "#prompt")
        cur = screen_of(app).session.current
        assert cur.revealed and cur.suggested == 1  # Again
        assert "◂ missed" in shown(app, "#choice-a")
        assert not any("Pick a choice" in n.message for n in app._notifications)
        await pilot.press("enter")  # takes the suggested Again
        await wait_card(pilot, "multi")


async def test_partly_right_select_all_marks_the_missed_option(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "multi")
        await pilot.press("a", "b", "enter")  # one right, one wrong, "seven" missed
        await wait_shown(pilot, "Not quite.", "#prompt")
        right, wrong, missed = (shown(app, f"#choice-{x}") for x in "abc")
        assert "▸ ✓" in right and "missed" not in right
        assert "▸ ✗" in wrong and "missed" not in wrong
        assert "◂ missed" in missed and "▸" not in missed


async def test_toasts_leave_the_rating_buttons_uncovered(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await wait_card(pilot, "basic")
        await pilot.press("space")
        await wait_shown(pilot, "Paris", "#answer")
        app.notify("A long message that takes a few lines in its toast, on purpose.")
        await wait_until(pilot, lambda: app.screen.query(Toast), "the toast")
        await wait_until(pilot, lambda: app.screen.query_one(Toast).region, "the toast drawn")
        toast = app.screen.query_one(Toast).region
        ratings = app.screen.query_one("#ratings").region
        assert toast.bottom <= ratings.y


# 6. the header ---------------------------------------------------------------------------------
@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_header_keeps_cram_and_card_type_and_cuts_the_title(width):
    line = status_line(
        TITLE,
        cram=True,
        kind="diagnosis",
        numbers=(120, 20, 13, 250),
        elapsed_s=754,
        saving=False,
        width=width,
    ).plain
    assert len(line) <= width
    assert "CRAM" in line and line.rstrip().endswith("diagnosis")
    assert "…" in line and TITLE[:3] in line


async def test_header_in_a_cram_session_at_60x20(tmp_path):
    app = make_app(tmp_path, cram=True)
    async with app.run_test(size=(60, 20)) as pilot:

        def header() -> str:
            screen = app.screen
            if not isinstance(screen, StudyScreen) or screen.shown is None:
                return ""
            return shown(app, "#study-status")

        await wait_until(pilot, lambda: "CRAM" in header(), "the cram mark in the header")
        kind = screen_of(app).shown.item.type
        assert header().rstrip().endswith(kind) and "…" in header()


# 7. the key help --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
async def test_help_lists_the_study_keys_first_grouped_and_the_footer_keeps_help(tmp_path, size):
    app = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await wait_card(pilot, "basic")
        await wait_until(pilot, lambda: "? Help" in footer_text(app), "? Help in the footer")
        await pilot.press("space")
        await wait_shown(pilot, "Paris", "#answer")
        assert "? Help" in footer_text(app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await wait_shown(pilot, "Keys: Study", "#help-box")
        titles = [title for title, _ in app.screen.groups]
        assert titles == ["Rate", "This card", "Scroll the card", "Session", "Everywhere"]
        described = {line.description for _, lines in app.screen.groups for line in lines}
        assert {"Again", "Easy", "Bury", "Page down", "End", "Quit"} <= described
        box = shown(app, "#help-box")
        assert box.index("Rate") < box.index("Again")  # the screen's own keys at the top
        assert "esc, q or ?: close" in shown(app, "#help-box")  # in view at 60x20 too
        keys = app.screen.query_one("#help-keys")
        if size == (60, 20):
            assert keys.max_scroll_y > 0
            await pilot.press("j")
            await wait_until(pilot, lambda: keys.scroll_y == 1, "j scrolls the help")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, StudyScreen), "the help closed")


async def test_footer_groups_the_ratings(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_card(pilot, "basic")
        await pilot.press("space")
        await wait_until(pilot, lambda: "1234 Rate" in footer_text(app), "1234 Rate")
        assert isinstance(app.screen.query_one(Footer), Footer)


# 8. evidence: panels per unit, one tick format, aligned tables -------------------------------------
def test_accuracy_and_a_percent_column_get_their_own_axes():
    evidence = Evidence(
        x="skin_type",
        columns={
            "skin_type": (1, 2, 3, 4, 5, 6),
            "accuracy": (0.95, 0.94, 0.92, 0.86, 0.78, 0.70),
            "share_of_training_pct": (30, 31, 22, 10, 5, 2),
        },
    )
    lines = render_panels(evidence, 76, 8).plain.split("\n")
    labels = [line for line in lines if "┤" in line]
    assert labels[0].lstrip().startswith("0.95 ┤")  # the accuracy panel's own range
    assert "31 ┤" in labels[0]  # beside it, the percent panel's
    assert "0.70 ┤" in labels[-1] and " 2 ┤" in labels[-1]
    assert lines[-1].startswith("━━ accuracy") and "━━ share_of_training_pct" in lines[-1]


names = st.text("abcdefgh", min_size=1, max_size=6)
numbers = st.floats(-1e4, 1e4, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        names.map(lambda n: n + "_pct") | names,
        st.lists(numbers | st.floats(0, 1), min_size=1, max_size=6),
        min_size=1,
        max_size=6,
    )
)
def test_group_columns_puts_each_column_in_one_panel_of_one_unit_and_scale(columns):
    groups = group_columns(columns)
    assert sorted(n for g in groups for n in g) == sorted(columns)
    for group in groups:
        units = {unit_of(n) for n in group}
        assert len(units) == 1
        if units == {""}:
            sizes = [max(abs(v) for v in columns[n]) for n in group]
            nonzero = [v for v in sizes if v > 0]
            assert not nonzero or max(nonzero) <= 5 * min(nonzero)
    assert [unit_of(g[0]) for g in groups].count("%") <= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=3).map(sorted))
def test_tick_labels_share_one_format(values):
    labels = format_ticks(values)
    if all("e" in t for t in labels):  # scientific notation, one mantissa format
        assert len({len(t.split("e")[0].split(".")[1]) for t in labels}) == 1
    else:
        assert len({len(t.split(".")[1]) if "." in t else 0 for t in labels}) == 1
    step = (values[-1] - values[0]) / max(1, len(values) - 1)
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        if "e" in label:  # 2 significant digits
            assert float(label) == pytest.approx(value, rel=0.05, abs=1e-300)
        elif i in (0, len(values) - 1):  # the ends: 3 significant digits
            assert float(label) == pytest.approx(value, rel=0.005, abs=0.0005)
        else:  # between: to the step
            assert abs(float(label) - value) <= max(step / 2, abs(value) * 0.005 + 0.0005)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-4, 99999) | st.integers(-9999, 9999).map(float), min_size=1))
def test_table_numbers_align_on_the_decimal_point(values):
    cells = align_decimals(values)
    assert len({len(c) for c in cells}) == 1
    points = {c.index(".") if "." in c else None for c in cells}
    points.discard(None)
    assert len(points) <= 1
    if points:  # whole numbers end where the point would be
        point = points.pop()
        for c in cells:
            assert "." in c or c[point - 1].isdigit() and c[point:].strip() == ""
    for value, cell in zip(values, cells, strict=True):
        assert float(cell) == pytest.approx(value, rel=1e-5)


def test_narrow_panels_stack():
    evidence = Evidence(
        x="x",
        columns={"x": (1, 2, 3), "a_pct": (50, 60, 70), "b": (0.1, 0.2, 0.3), "c": (900, 1, 5)},
    )
    wide = render_panels(evidence, 3 * PANEL_MIN_WIDTH + 4, 6).plain.split("\n")
    narrow = render_panels(evidence, PANEL_MIN_WIDTH, 6).plain.split("\n")
    assert sum("└" in line for line in wide) == 1  # three panels side by side
    assert sum("└" in line for line in narrow) == 3  # stacked


# QA follow-ups --------------------------------------------------------------------------------
async def test_every_rating_button_shows_its_interval_at_60_columns(tmp_path):
    """The widest labels a button gets ("<1m", "10m", "12h", "2.5mo") fit on one line."""
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_card(pilot, "basic")
        await pilot.press("space")
        await wait_shown(pilot, "Paris", "#answer")
        bar = app.screen.query_one(RatingBar)
        widest = dict(zip(Rating, ["<1m", "10m", "12h", "2.5mo"], strict=True))
        bar.show(widest, None)
        await pilot.pause()
        for rating in Rating:
            cell = app.screen.query_one(f"#rate-{rating.value}", Static)
            plain = cell.render().plain
            assert plain.endswith(widest[rating])
            assert cell_len(plain) <= cell.content_region.width, (plain, cell.content_region)


async def test_the_header_names_a_reversed_card_reversed(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(
        decks,
        "rev.yaml",
        "deck: rev\ntitle: Rev\ncards:\n"
        "  - {id: both, front: The front side, back: The back side, reverse: true}\n",
    )
    options = AppOptions(
        db_path=tmp_path / "rev.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("rev",), cram=True),
        seed=1,
    )
    app = DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))
    kinds = set()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(2):
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, StudyScreen)
                    and app.screen.shown is not None
                    and not app.screen.drawing
                    and app.screen.shown.item.key not in {k for k, _ in kinds}
                    and (app.screen.shown.item.kind in shown(app, "#study-status"))
                ),
                "the next side with its header",
            )
            item = app.screen.shown.item
            kinds.add((item.key, shown(app, "#study-status").split()[-1]))
            await pilot.press("space", "4")
    assert sorted(k for _, k in kinds) == ["basic", "reversed"]


async def test_after_tab_the_letters_still_pick_options_and_b_buries_nothing(tmp_path):
    """Tab once moved focus to the card area, where b was the screen's Bury."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_card(pilot, "multi")
        await pilot.press("tab", "b", "shift+tab", "c")
        choices = screen_of(app).query_one("#choices")
        assert choices.selected == frozenset({1, 2})
        assert screen_of(app).shown is not None and screen_of(app).shown.item.key == "multi"
