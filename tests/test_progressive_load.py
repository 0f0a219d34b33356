"""A first start on big deck files: the first cards show while the rest is parsed.

``load_collection(progressive=True)`` parses the small files that miss the parse cache
and reads only the first cards of each big one (``Deck.partial``); ``Context.land_next``
parses a pending file and syncs its rows; a session takes in landed decks
(``StudySession.rescope``); the app does all this in a worker (``DecksLanded``).

The oracles: the whole parse (``load_collection`` without ``progressive``) for what a
landed collection holds, and a fresh session on the whole decks for a rescoped queue.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from helpers.pilot import shown, wait_shown, wait_until
from hypothesis import given, settings
from hypothesis import strategies as st

from drillbreak.clock import FakeClock
from drillbreak.context import Context, open_context
from drillbreak.deck import loader
from drillbreak.deck.items import deck_keys
from drillbreak.deck.loader import load_collection, load_prefix
from drillbreak.deck.yamlsource import read_prefix, read_yaml
from drillbreak.domain import CardState, Rating
from drillbreak.store import cards, hot
from drillbreak.study.scope import select_by_deck
from drillbreak.study.session import StudySession
from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
from drillbreak.tui.screens.decks import DecksScreen

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def deck_text(deck_id: str, n: int, *, title: str = "", header_last: bool = False) -> str:
    cards_ = [
        {"id": f"c{i}", "front": f"Question {i} of {deck_id}", "back": f"A{i}"} for i in range(n)
    ]
    header = {"deck": deck_id, "title": title or deck_id.title()}
    data = {"cards": cards_, **header} if header_last else {**header, "cards": cards_}
    return yaml.safe_dump(data, sort_keys=False)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def small_thresholds(monkeypatch):
    """Files of a few KB count as big here (the real thresholds are 64 and 256 KB)."""
    monkeypatch.setattr(loader, "EAGER_BYTES", 2_000)
    monkeypatch.setattr(loader, "BIG_FILE", 2_000)
    monkeypatch.setattr(loader, "PREFIX_CARDS", 3)


# the prefix read ---------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    fronts=st.lists(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1),
        min_size=1,
        max_size=8,
    ),
    k=st.integers(1, 8),
)
def test_a_prefix_is_the_whole_read_cut_after_k_cards(fronts, k):
    cards_ = [{"id": f"c{i}", "front": f, "back": "b", "tags": ["t"]} for i, f in enumerate(fronts)]
    data = {"deck": "d", "title": "T", "cards": cards_, "tags": ["x"]}
    text = yaml.safe_dump(data, sort_keys=False)
    whole, _ = read_yaml(text)
    got = read_prefix(text, k)
    if k > len(fronts):  # fewer cards than asked for: the whole read is as quick
        assert got is None
    else:  # the keys before the cards, and the first k cards; "tags" is after them
        assert got == {"deck": "d", "title": "T", "cards": whole["cards"][:k]}


def test_a_prefix_stops_before_a_syntax_error_further_down_and_not_past_an_anchor():
    text = deck_text("d", 5) + "oops: [unclosed\n"
    assert read_prefix(text, 2)["cards"][1]["id"] == "c1"
    anchored = deck_text("d", 5).replace("- id: c0", "- &first\n  id: c0", 1)
    assert "&first" in anchored
    assert read_prefix(anchored, 2) is None


def test_load_prefix_needs_the_header_first_and_no_problem(tmp_path):
    ok = write(tmp_path, "ok.yaml", deck_text("ok", 10))
    part = load_prefix(ok, 4)
    assert part is not None and part.deck is not None
    assert part.deck.partial and [c.id for c in part.deck.cards] == ["c0", "c1", "c2", "c3"]
    late = write(tmp_path, "late.yaml", deck_text("late", 10, header_last=True))
    assert load_prefix(late, 4) is None  # the deck id comes after the cards
    bad = write(
        tmp_path, "bad.yaml", deck_text("bad", 10).replace("front: Question 1 ", "fornt: Q ")
    )
    assert load_prefix(bad, 4) is None


LONG_VALUES = """\
deck: long
title: Long values
cards:
  - id: a
    front: a plain scalar
      that runs on over
      three lines
    back: |
      a literal block
      of two lines
  - id: b
    front: >
      a folded block
      cut anywhere
    back: short
  - id: c
    front: "a quoted scalar
      over two lines"
    back: last line of c
  - id: d
    front: d
    back: the end
"""


@pytest.mark.parametrize("cut", range(40, len(LONG_VALUES.encode()), 7))
def test_a_prefix_read_from_the_head_never_takes_a_cut_card_as_whole(tmp_path, monkeypatch, cut):
    path = write(tmp_path, "long.yaml", LONG_VALUES)
    monkeypatch.setattr(loader, "PREFIX_BYTES", cut)  # where the head of the file ends
    whole = loader.load_file(path).deck
    assert whole is not None
    for k in (1, 2, 3):
        part = load_prefix(path, k)
        if part is not None:
            assert part.deck is not None and part.deck.cards == whole.cards[:k]


# the progressive load and landing -------------------------------------------------------
def test_big_files_show_their_first_cards_and_land_as_the_whole_parse(tmp_path, small_thresholds):
    folder = tmp_path / "decks"
    write(folder, "a-big.yaml", deck_text("big", 100))
    write(folder, "b-small.yaml", deck_text("small", 2))
    write(folder, "c-bigger.yaml", deck_text("bigger", 150))
    got = load_collection([folder], None, progressive=True)
    # the first cards of the big files now; every file parsed later, smallest first
    assert [(d.id, d.partial, len(d.cards)) for d in got.decks] == [
        ("big", True, 3),
        ("bigger", True, 3),
    ]
    assert [p.name for p in got.pending] == ["b-small.yaml", "a-big.yaml", "c-bigger.yaml"]
    whole = load_collection([folder], None)
    while got.pending:
        step = got.land_next()
        assert step is not None
        got = step[0]
    assert [(d.id, d.partial, [c.id for c in d.cards]) for d in got.decks] == [
        (d.id, False, [c.id for c in d.cards]) for d in whole.decks
    ]


def test_a_duplicate_deck_id_breaks_the_later_file_whichever_lands_first(
    tmp_path, small_thresholds
):
    folder = tmp_path / "decks"
    write(folder, "a.yaml", deck_text("same", 150, title="First"))
    write(folder, "b.yaml", deck_text("same", 100, title="Second"))
    got = load_collection([folder], None, progressive=True)
    assert [p.name for p in got.pending] == ["b.yaml", "a.yaml"]  # b is smaller: lands first
    while got.pending:
        step = got.land_next()
        assert step is not None
        got = step[0]
    assert [d.title for d in got.decks] == ["First"]
    assert [r.path.name for r in got.broken] == ["b.yaml"]
    assert "duplicate deck id 'same'" in got.broken[0].problems[-1].message
    assert got.problems == load_collection([folder], None).problems


def test_without_big_files_the_smallest_are_parsed_at_once(tmp_path, small_thresholds):
    folder = tmp_path / "decks"
    for name, n in (("a.yaml", 10), ("b.yaml", 5), ("c.yaml", 30)):  # < 2 KB each
        write(folder, name, deck_text(name[0], n))
    got = load_collection([folder], None, progressive=True)
    # b and a fit in 2,000 bytes; c waits
    assert [(d.id, d.partial, len(d.cards)) for d in got.decks] == [
        ("a", False, 10),
        ("b", False, 5),
    ]
    assert [p.name for p in got.pending] == ["c.yaml"]


def test_with_no_first_cards_to_show_the_next_file_is_parsed_at_once(tmp_path, small_thresholds):
    folder = tmp_path / "decks"
    write(folder, "late.yaml", deck_text("late", 100, header_last=True))
    write(folder, "later.yaml", deck_text("later", 150, header_last=True))
    got = load_collection([folder], None, progressive=True)
    assert [(d.id, d.partial) for d in got.decks] == [("late", False)]
    assert [p.name for p in got.pending] == ["later.yaml"]


def test_cached_files_are_whole_at_once(tmp_path, small_thresholds):
    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 100))
    ctx = open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False)
    ctx.close()  # the parse is in the cache now
    again = open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False, progressive=True)
    try:
        assert not again.collection.pending
        assert [(d.id, d.partial, len(d.cards)) for d in again.collection.decks] == [
            ("big", False, 100)
        ]
    finally:
        again.close()


def _active_keys(ctx: Context, deck: str) -> set[str]:
    with ctx.db.raw_read() as conn:
        return set(hot.stored_keys(conn, deck)[0])


def test_first_rows_now_the_rest_when_the_file_lands_and_history_is_kept(
    tmp_path, small_thresholds
):
    folder = tmp_path / "decks"
    path = write(folder, "big.yaml", deck_text("big", 100))
    db = tmp_path / "db.sqlite3"
    # an earlier start knew 100 cards, one of them (c30) answered
    first = open_context(db, [folder], include_shipped=False)
    with first.db.raw_write() as conn:
        row = next(r for r in cards.rows_for_decks(conn, ["big"]) if r.key == "c30")
        cards.set_flags(conn, [row.id], suspended=True)
    first.close()
    path.write_text(deck_text("big", 105))  # edited: 5 more cards, not in the cache
    ctx = open_context(db, [folder], include_shipped=False, progressive=True)
    try:
        assert ctx.collection.decks[0].partial
        assert len(_active_keys(ctx, "big")) == 100  # the rows beyond the first cards stay
        landed = ctx.land_next(ctx.collection)
        assert landed is not None and not landed.pending
        assert (
            _active_keys(ctx, "big") == set(deck_keys(landed.decks[0]))
            and len(landed.decks[0].cards) == 105
        )
        with ctx.db.raw_read() as conn:
            assert next(r for r in cards.rows_for_decks(conn, ["big"]) if r.key == "c30").suspended
    finally:
        ctx.close()


def test_a_closed_context_lands_nothing(tmp_path, small_thresholds):
    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 100))
    ctx = open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False, progressive=True)
    collection = ctx.collection
    ctx.close()
    assert ctx.land_next(collection) is None


def test_rows_read_by_key_are_the_rows_filtered_by_key(tmp_path):
    """``keys`` narrows the queue's reads to a few cards; the oracle is every row of the
    deck filtered by key, over cards new, learning, due, not due, suspended and buried."""
    import random

    from drillbreak.clock import to_ms
    from drillbreak.domain import SchedState

    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 200))
    ctx = open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False)
    now = to_ms(NOW)
    rng = random.Random(3)
    try:
        with ctx.db.raw_write() as conn:
            rows = cards.rows_for_decks(conn, ["big"])
            order = rng.sample(range(len(rows)), len(rows))  # introduced in another order
            for row, new_order in zip(rows, order, strict=True):
                cards.set_flags(conn, [row.id], new_order=new_order)
                state = rng.choice(list(CardState))
                if state != CardState.NEW:
                    due = now + rng.randint(-5, 5) * 86_400_000
                    sched = SchedState(state, 0, rng.uniform(0.5, 50), 5.0, due, due - 86_400_000)
                    hot.save_sched(conn, row.id, sched)
                if rng.random() < 0.1:
                    cards.set_flags(conn, [row.id], suspended=True)
                elif rng.random() < 0.1:
                    cards.set_flags(conn, [row.id], buried_until_ms=now + 1)
        keys = sorted(rng.sample([r.key for r in rows], 60))
        with ctx.db.raw_read() as conn:
            until = now + 86_400_000
            assert hot.due_rows(conn, ["big"], until, now, keys={"big": keys}) == [
                r for r in hot.due_rows(conn, ["big"], until, now) if r.key in keys
            ]
            assert list(hot.new_rows(conn, ["big"], now, keys={"big": keys})) == [
                r for r in hot.new_rows(conn, ["big"], now) if r.key in keys
            ]
    finally:
        ctx.close()


# the session takes in landed decks --------------------------------------------------------
def _queue_ids(session: StudySession) -> list[int]:
    return [r.id for r in (*session.learning, *session.main)]


def _session(ctx: Context, clock: FakeClock, new_limit: int | None) -> StudySession:
    """A session on every deck of ``ctx``'s collection, as the app opens one."""
    items = select_by_deck(ctx.collection)
    return StudySession(ctx.db, items, clock=clock, new_limit=new_limit, seed=1, rows_synced=True)


def _fresh_queue(ctx: Context, clock: FakeClock, new_limit: int | None, but: int) -> list[int]:
    """The queue a new session on every item of the landed decks would have, less ``but``."""
    return sorted(i for i in _queue_ids(_session(ctx, clock, new_limit)) if i != but)


@pytest.mark.parametrize("new_limit", [None, 6])
def test_a_rescoped_queue_is_a_fresh_session_on_the_whole_decks(
    tmp_path, small_thresholds, new_limit
):
    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 100))
    write(folder, "two.yaml", deck_text("two", 80))
    open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False).close()
    # edited since that start: not in the parse cache, and rows stored for 100 and 80
    write(folder, "big.yaml", deck_text("big", 101))
    write(folder, "two.yaml", deck_text("two", 81))
    clock = FakeClock(NOW)
    ctx = open_context(
        tmp_path / "db.sqlite3", [folder], include_shipped=False, clock=clock, progressive=True
    )
    try:
        assert [d.partial for d in ctx.collection.decks] == [True, True]
        session = _session(ctx, clock, new_limit)
        assert session.remaining == 6  # the first three cards of each deck
        answered = []
        for rating in (Rating.GOOD, Rating.AGAIN):
            cur = session.next_card()
            assert cur is not None
            answered.append(cur.row.id)
            session.reveal()
            session.rate(rating)
            clock.advance(seconds=30)
        on_screen = session.next_card()
        assert on_screen is not None
        while ctx.collection.pending:
            landed = ctx.land_next(ctx.collection)
            assert landed is not None
            ctx.collection = landed
        session.rescope(select_by_deck(ctx.collection))
        assert session.current is on_screen and session.studied == 2
        left = None if new_limit is None else new_limit - 2  # two new cards answered
        assert sorted(_queue_ids(session)) == _fresh_queue(ctx, clock, left, on_screen.row.id)
        # undo shows the last card answered again, over a queue read with the whole decks
        session.undo()
        assert session.current is not None and session.current.row.id == answered[-1]
        left = None if new_limit is None else new_limit - 1
        assert sorted(_queue_ids(session)) == _fresh_queue(ctx, clock, left, answered[-1])
        assert any(r.key not in ("c0", "c1", "c2") for r in session.main)  # landed cards
    finally:
        ctx.close()


# the app -----------------------------------------------------------------------------
@pytest.fixture
def gate(monkeypatch):
    """Deck files land only once the test opens the gate (each landing waits for it)."""
    event = threading.Event()
    land = Context.land_next

    def gated(self, collection, lock=None):
        event.wait(120)
        return land(self, collection, lock) if lock is not None else land(self, collection)

    monkeypatch.setattr(Context, "land_next", gated)
    yield event
    event.set()


def _app(tmp_path, study: StudyRequest | None) -> DrillbreakApp:
    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 100))
    return _app_on(tmp_path, folder, study)


def _app_on(tmp_path, folder: Path, study: StudyRequest | None) -> DrillbreakApp:
    options = AppOptions(
        db_path=tmp_path / "db.sqlite3",
        deck_paths=(folder,),
        include_shipped=False,
        study=study,
        seed=1,
    )
    return DrillbreakApp(options, clock=FakeClock(NOW))


def _status(app) -> str:
    return shown(app, "#study-status")


async def test_a_session_starts_on_the_first_cards_and_takes_in_the_file_when_it_lands(
    tmp_path, small_thresholds, gate
):
    app = _app(tmp_path, StudyRequest())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_shown(pilot, "Question 0 of big", "#question")
        assert "3 left" in _status(app)  # the first three cards of the file
        for _ in range(3):  # every card read so far, Easy: none comes back today
            await pilot.press("space")
            await wait_until(pilot, lambda: app.screen.query_one("#ratings").display, "the ratings")
            await pilot.press("4")
            await wait_until(pilot, lambda: not app.screen.saving, "the rating saved")
        await wait_shown(pilot, "Reading 1 more deck file", "#prompt")
        assert not app.screen.query_one("#card").display  # no old card left on screen
        gate.set()
        await wait_shown(pilot, "Question 3 of big", "#question")
        # 20 new cards a day: the 17 left of them, from the whole file
        await wait_until(pilot, lambda: "17 left" in _status(app), "the whole file's cards")


async def test_the_decks_screen_says_what_is_still_read_and_lists_the_whole_deck(
    tmp_path, small_thresholds, gate
):
    app = _app(tmp_path, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_shown(pilot, "Reading 1 more deck file", "#decks-hint")
        gate.set()
        await wait_shown(pilot, "enter: study the deck", "#decks-hint")
        assert isinstance(app.screen, DecksScreen)
        assert not app.ctx.collection.pending and not app.ctx.collection.decks[0].partial


async def test_quitting_while_files_are_read_leaves_nothing_running(
    tmp_path, small_thresholds, gate
):
    app = _app(tmp_path, StudyRequest())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_shown(pilot, "Question 0 of big", "#question")
        gate.set()  # the landing then finds the database closed, or lands first
        await pilot.press("ctrl+q")
    assert app.ctx is not None and app.ctx.closed


async def test_the_decks_screen_shows_a_six_digit_total_whole(tmp_path):
    """100k cards and more: the count columns widen rather than cut the total."""
    folder = tmp_path / "decks"
    write(folder, "big.yaml", deck_text("big", 1))
    ctx = open_context(tmp_path / "db.sqlite3", [folder], include_shipped=False)
    fingerprint = ctx.collection.decks[0].fingerprint
    assert fingerprint is not None
    with ctx.db.raw_write() as conn:  # rows the next start keeps: its file is unchanged
        cards.add_missing(conn, (("big", f"x{i}") for i in range(100_000)))
        cards.mark_synced(conn, {"big": fingerprint})
    ctx.close()
    app = _app_on(tmp_path, folder, None)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_shown(pilot, "100001", "#decks")
        row = next(line for line in shown(app, "#decks").splitlines() if "All decks" in line)
        assert row.split()[-4:] == ["20", "0", "0", "100001"]


async def test_the_card_on_screen_keeps_its_keys_while_decks_land(
    tmp_path, small_thresholds, gate, monkeypatch
):
    """Taking in a landed file holds the session's keys back for a moment (a footer
    drawn then lists none of them); the footer shows them again once it is done (it
    showed only Help and Hint at 60x20)."""
    held = threading.Event()
    rescope = StudySession.rescope

    def slow_rescope(self, items):
        held.wait(120)
        rescope(self, items)

    monkeypatch.setattr(StudySession, "rescope", slow_rescope)
    app = _app(tmp_path, StudyRequest())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_shown(pilot, "Question 0 of big", "#question")
        await wait_shown(pilot, "Show answer", "StudyFooter")
        gate.set()
        await wait_until(pilot, lambda: app.screen.saving, "the landed file being taken in")
        app.screen.refresh_bindings()  # e.g. a focus event meanwhile: the keys go
        await wait_until(pilot, lambda: "Show answer" not in shown(app, "StudyFooter"), "no keys")
        held.set()
        await wait_until(pilot, lambda: "20 left" in _status(app), "the whole file's cards")
        await wait_shown(pilot, "Show answer", "StudyFooter")
        assert "End" in shown(app, "StudyFooter")
