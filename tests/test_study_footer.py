"""The study screen's footer is recomposed once a card, not at every binding change on
the way (``StudyFooter``): each recompose rebuilds every key widget (~6-10 ms)."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import write_deck
from helpers.pilot import shown, wait_until
from textual.widget import Widget

from drillbreak.clock import FakeClock
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.study import StudyFooter, StudyScreen

DECK = """
deck: foot
title: Footer
cards:
  - id: one
    front: First question
    back: First answer
  - id: pick
    type: choice
    shuffle: false
    question: Second question
    choices:
      - text: right
        correct: true
      - text: wrong
"""


def _app(tmp_path) -> DrillbreakApp:
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "foot.yaml", DECK)
    options = AppOptions(
        db_path=tmp_path / "db.sqlite3",
        deck_paths=(decks,),
        include_shipped=False,
        study=StudyRequest(("foot",)),
        seed=1,
    )
    return DrillbreakApp(options, clock=FakeClock(datetime(2026, 3, 2, 12, tzinfo=UTC)))


async def test_the_footer_is_recomposed_only_when_its_keys_change(tmp_path, monkeypatch):
    listed: list[tuple[object, ...]] = []  # the keys at each recompose of the footer
    original = Widget.recompose

    async def counted(self):
        if isinstance(self, StudyFooter) and self.is_attached:
            listed.append(self._keys())
        await original(self)

    monkeypatch.setattr(Widget, "recompose", counted)
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:

        def on_screen(key: str, text: str) -> bool:
            screen = app.screen
            return (
                isinstance(screen, StudyScreen)
                and screen.shown is not None
                and screen.shown.item.key == key
                and not screen.drawing
                and not screen.saving
                and text in shown(app, "#question")
                and "Help" in shown(app, "StudyFooter")
            )

        await wait_until(pilot, lambda: on_screen("one", "First question"), "the first card")
        await pilot.press("space")
        await wait_until(pilot, lambda: "Rate" in shown(app, "StudyFooter"), "the rating keys")
        await pilot.press("3")
        await wait_until(pilot, lambda: on_screen("pick", "Second question"), "the second card")
    # the question side, the answer side, the second card: each drawn (how many states
    # the keys pass through while a rating is saved depends on timing)
    assert len(listed) >= 3
    # but never the same keys twice in a row: Textual's footer was recomposed at every
    # change of the bindings (six times around the first card for one change of keys)
    assert all(a != b for a, b in zip(listed, listed[1:], strict=False)), listed


async def test_the_first_card_neither_moves_focus_nor_reads_the_queue_on_the_event_loop(
    tmp_path, monkeypatch
):
    """Before the first card: no focus given to the card area and taken back (each
    restyles the card), and the session's queue read in the loader's thread."""
    import threading

    from drillbreak.study.session import StudySession

    focused: list[str | None] = []
    watch = Widget.watch_has_focus

    def record(self, value: bool) -> None:
        if value:
            focused.append(self.id)
        watch(self, value)

    monkeypatch.setattr(Widget, "watch_has_focus", record)
    threads: list[str] = []
    init = StudySession.__init__

    def made(self, *args, **kwargs) -> None:
        threads.append(threading.current_thread().name)
        init(self, *args, **kwargs)

    monkeypatch.setattr(StudySession, "__init__", made)
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, StudyScreen)
                and app.screen.shown is not None
                and "First question" in shown(app, "#question")
            ),
            "the first card",
        )
        assert focused == [] and app.screen.focused is None  # a basic card takes no focus
    assert threads and threading.main_thread().name not in threads
