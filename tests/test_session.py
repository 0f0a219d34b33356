"""Scheduler and queue behaviour, driven by an injected clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import fsrs
import pytest
from conftest import write_deck

from drillbreak.clock import FakeClock, from_ms, to_ms
from drillbreak.deck.loader import load_collection
from drillbreak.domain import CardState, SchedState
from drillbreak.schedule import fsrs_adapter
from drillbreak.schedule.days import day_end, day_start
from drillbreak.settings import Settings
from drillbreak.store import cards, settings_store
from drillbreak.store.db import StoreError
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession


def many_cards(folder, n=30, deck="many"):
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(n))
    write_deck(folder, f"{deck}.yaml", f"deck: {deck}\ntitle: Many\ncards:\n{body}\n")
    return select_items(load_collection([folder]))


def session(db, items, clock, **kw):
    return StudySession(db, items, clock=clock, seed=7, **kw)


def review_rows(db):
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT card_id, rating, interval_ms, due_after_ms, cram FROM review_log ORDER BY id"
        ).all()


def card_row(db, key, deck="sample"):
    with db.read() as conn:
        return cards.get_by_key(conn, deck, key)


def oracle(settings: Settings, *, fuzz: bool = False) -> fsrs.Scheduler:
    """fsrs itself with the learner's settings: the independent reference for intervals."""
    return fsrs.Scheduler(
        parameters=settings.parameters or fsrs.scheduler.DEFAULT_PARAMETERS,
        desired_retention=settings.desired_retention,
        learning_steps=[timedelta(seconds=s) for s in settings.learning_steps],
        relearning_steps=[timedelta(seconds=s) for s in settings.relearning_steps],
        maximum_interval=settings.maximum_interval_days,
        enable_fuzzing=fuzz,
    )


def fsrs_fuzz_range(settings: Settings, card: fsrs.Card, rating: int, when: datetime):
    """The fewest and most days fsrs's own fuzz can give this review (its random() at 0 and 1)."""
    days = []
    for draw in (0.0, 1.0 - 1e-12):
        with mock.patch.object(fsrs.scheduler, "random", lambda d=draw: d):
            after, _ = oracle(settings, fuzz=True).review_card(card, fsrs.Rating(rating), when)
        days.append((after.due - when) / timedelta(days=1))
    return days[0], days[1]


def review_log(db):
    with db.read() as conn:
        return conn.exec_driver_sql(
            "SELECT reviewed_at_ms, interval_ms, due_after_ms FROM review_log ORDER BY id"
        ).all()


def test_new_card_daily_limit(tmp_path, db, clock):
    items = many_cards(tmp_path, 30)
    s = session(db, items, clock)
    assert s.counts() == (20, 0, 0)
    for _ in range(5):
        s.next_card()
        s.rate(4)  # Easy: graduates, not due again today
    # a second session the same day only gets the rest of today's allowance
    s2 = session(db, items, clock)
    assert s2.counts()[0] == 15
    # the next study day (after the rollover hour) the limit resets
    clock.advance(days=1)
    assert session(db, items, clock).counts()[0] == 20


def test_new_limit_override(tmp_path, db, clock):
    items = many_cards(tmp_path, 30)
    assert session(db, items, clock, new_limit=3).counts() == (3, 0, 0)


def test_rollover_hour_defines_the_day():
    tz = ZoneInfo("Europe/Berlin")
    # 02:30 local on 3 March is still the study day of 2 March (rollover 4 am)
    at = datetime(2026, 3, 3, 2, 30, tzinfo=tz)
    assert day_start(at, 4, tz) == datetime(2026, 3, 2, 4, 0, tzinfo=tz).astimezone(UTC)
    assert day_end(at, 4, tz) == datetime(2026, 3, 3, 4, 0, tzinfo=tz).astimezone(UTC)
    at = datetime(2026, 3, 3, 4, 30, tzinfo=tz)
    assert day_start(at, 4, tz) == datetime(2026, 3, 3, 4, 0, tzinfo=tz).astimezone(UTC)
    # across the spring DST change the day still ends at 4 am local
    at = datetime(2026, 3, 28, 12, 0, tzinfo=tz)
    assert day_end(at, 4, tz).astimezone(tz).hour == 4


def test_rollover_resets_new_count_at_the_hour(tmp_path, db):
    tz = ZoneInfo("UTC")
    clock = FakeClock(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    items = many_cards(tmp_path, 40)
    s = StudySession(db, items, clock=clock, tz=tz, seed=1)
    for _ in range(20):
        s.next_card()
        s.rate(4)
    clock.set(datetime(2026, 3, 3, 3, 0, tzinfo=UTC))  # past midnight, before 4 am
    assert StudySession(db, items, clock=clock, tz=tz).counts()[0] == 0
    clock.set(datetime(2026, 3, 3, 4, 1, tzinfo=UTC))
    assert StudySession(db, items, clock=clock, tz=tz).counts()[0] == 20


def test_learning_steps_bring_the_card_back(sample_dir, db, clock):
    items = [i for i in select_items(load_collection([sample_dir])) if i.key == "q1"]
    s = session(db, items, clock)
    cur = s.next_card()
    assert cur.outcomes[1].label == "1m" or cur.outcomes[1].label == "<1m"
    s.rate(1)  # Again: back after the first step
    assert s.next_card() is not None  # within learn-ahead: shown again in this session
    assert s.current.item.key == "q1"
    clock.advance(minutes=1)
    s.rate(3)  # Good: the next step (10 minutes)
    row = card_row(db, "q1")
    assert row.state == CardState.LEARNING and row.step == 1
    clock.advance(minutes=10)
    assert s.next_card().item.key == "q1"
    s.rate(3)  # Good on the last step: graduates to review
    assert card_row(db, "q1").state == CardState.REVIEW
    assert s.next_card() is None


def test_shown_interval_is_the_stored_interval(tmp_path, db, clock):
    items = many_cards(tmp_path, 10)
    for rating in (1, 2, 3, 4, 3, 4, 2, 3, 4, 4):
        s = session(db, items, clock)
        cur = s.next_card()
        if cur is None:
            clock.advance(days=3)
            continue
        shown = cur.outcomes[rating]
        s.rate(rating)
        last = review_rows(db)[-1]
        assert last[1] == rating
        assert last[2] == int(shown.interval.total_seconds() * 1000)
        assert last[3] == to_ms(clock.now) + last[2]
        clock.advance(hours=5)


def test_review_interval_fuzz_matches_stored(tmp_path, db, clock):
    """The fuzzed interval on the button is the one stored, even when the rating comes later."""
    items = many_cards(tmp_path, 5)
    s = session(db, items, clock)
    while s.next_card() is not None:
        s.rate(4)
    for _ in range(4):
        clock.advance(days=60)
        s = session(db, items, clock)
        while (cur := s.next_card()) is not None:
            expected = cur.outcomes[3].after.due_ms
            random.seed(len(review_log(db)))  # the global generator plays no part
            clock.advance(minutes=4)
            s.rate(3)
            assert card_row(db, cur.item.key, "many").due_ms == expected + 4 * 60_000


def test_outcome_is_computed_at_rating_time(tmp_path, db, clock):
    """Each rating comes 3 minutes after the card was shown: fsrs (the oracle, fuzzing off) must
    be told the rating time, the log must say the same, and the due date must be the one on
    the button moved by those 3 minutes."""
    items = many_cards(tmp_path, 1)
    settings = Settings()
    reference = oracle(settings)
    card_id = None
    expected: fsrs.Card | None = None
    fuzzed = 0
    for rating in (1, 3, 3, 3, 4, 2, 3, 1, 3, 3, 4, 3):
        s = session(db, items, clock)
        cur = s.next_card()
        assert cur is not None and cur.item.key == "c0"
        if expected is None:
            card_id = cur.row.id
            expected = fsrs.Card(card_id=card_id, due=clock.now)
        shown = cur.outcomes[rating]
        clock.advance(minutes=3)
        rated_at = clock.now
        low, high = fsrs_fuzz_range(settings, expected, rating, rated_at)
        s.rate(rating)
        expected, _ = reference.review_card(expected, fsrs.Rating(rating), rated_at)

        row = card_row(db, "c0", "many")
        logged_at, interval_ms, due_after_ms = review_log(db)[-1]
        assert row.last_review_ms == logged_at == to_ms(rated_at)
        assert row.due_ms == due_after_ms == shown.after.due_ms + 3 * 60_000
        assert interval_ms == row.due_ms - to_ms(rated_at)
        assert (row.stability, row.difficulty) == (expected.stability, expected.difficulty)
        assert (row.state, row.step) == (
            {
                fsrs.State.Learning: CardState.LEARNING,
                fsrs.State.Relearning: CardState.RELEARNING,
                fsrs.State.Review: CardState.REVIEW,
            }[expected.state],
            expected.step,
        )
        if expected.state == fsrs.State.Review and low != high:
            fuzzed += 1
            assert low <= interval_ms / 86_400_000 <= high
        else:
            assert row.due_ms == to_ms(expected.due)
        clock.set(from_ms(row.due_ms))
    assert fuzzed >= 3


def test_fuzz_is_seeded_by_card_and_review_count():
    """Preview and rating agree without any global seed; the fuzz still varies by card and
    by review, within fsrs's range around the unfuzzed interval."""
    settings = Settings()
    scheduler = fsrs_adapter.make_scheduler(settings)
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    state = SchedState(
        CardState.REVIEW, None, 40.0, 5.0, to_ms(now), to_ms(now - timedelta(days=40))
    )
    fsrs_card = fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        stability=40.0,
        difficulty=5.0,
        due=now,
        last_review=now - timedelta(days=40),
    )
    low, high = fsrs_fuzz_range(settings, fsrs_card, 3, now)
    random.seed(1)
    first = fsrs_adapter.preview(scheduler, 11, state, 5, now)[3]
    random.seed(2)
    assert fsrs_adapter.review(scheduler, 11, state, 5, 3, now) == first
    by_card = {fsrs_adapter.review(scheduler, c, state, 5, 3, now).interval for c in range(40)}
    by_reps = {fsrs_adapter.review(scheduler, 11, state, r, 3, now).interval for r in range(40)}
    assert len(by_card) > 3 and len(by_reps) > 3
    assert all(low <= i / timedelta(days=1) <= high for i in by_card | by_reps)


def test_failed_writes_leave_the_session_unchanged(sample_dir, db, clock, monkeypatch):
    """rate, suspend, bury and undo: a StoreError leaves the card on screen, the action can
    be retried, and exactly one review row results."""
    items = select_items(load_collection([sample_dir]))
    s = session(db, items, clock)
    real_write = db.write
    failures = []

    def failing_write():
        if failures:
            failures.pop()
            raise StoreError("the database stayed busy for too long; try again")
        return real_write()

    monkeypatch.setattr(db, "write", failing_write)

    def attempt(action, *args):
        before = (s.current, list(s.learning), list(s.main), len(s.history), s.studied)
        failures.append(1)
        with pytest.raises(StoreError):
            action(*args)
        assert (s.current, list(s.learning), list(s.main), len(s.history), s.studied) == before
        return action(*args)

    first = s.next_card()
    attempt(s.rate, 3)
    assert [r[0] for r in review_rows(db)] == [first.row.id]
    assert s.studied == 1 and s.current is None
    attempt(s.undo)
    assert review_rows(db) == [] and s.current.item.key == first.item.key
    attempt(s.rate, 4)
    assert len(review_rows(db)) == 1
    second = s.next_card()
    attempt(s.suspend)
    assert card_row(db, second.item.key).suspended
    third = s.next_card()
    attempt(s.bury)
    assert card_row(db, third.item.key).buried_until_ms is not None
    attempt(s.undo)
    assert card_row(db, third.item.key).buried_until_ms is None
    assert s.current.item.key == third.item.key


def test_undo_restores_card_and_log(sample_dir, db, clock):
    items = select_items(load_collection([sample_dir]))
    s = session(db, items, clock)
    first = s.next_card().item.key
    before = card_row(db, first)
    s.rate(3)
    assert len(review_rows(db)) == 1
    second = s.next_card().item.key
    s.undo()
    assert not s.can_undo()  # taken back once, not twice
    assert review_rows(db) == []
    assert card_row(db, first) == before
    assert s.current.item.key == first
    s.rate(4)
    assert s.next_card().item.key == second
    assert s.studied == 1


def test_suspend_and_bury(sample_dir, db, clock):
    items = select_items(load_collection([sample_dir]))
    s = session(db, items, clock)
    a = s.next_card().item.key
    s.suspend()
    b = s.next_card().item.key
    s.bury()
    assert card_row(db, a).suspended
    assert card_row(db, b).buried_until_ms is not None
    keys = {i.key for i in items}
    fresh = session(db, items, clock)
    assert fresh.counts()[0] == len(keys) - 2
    clock.advance(days=1)
    assert session(db, items, clock).counts()[0] == len(keys) - 1  # bury lifts
    s.undo()  # undo the bury
    assert card_row(db, b).buried_until_ms is None


def test_leech_after_eight_lapses(tmp_path, db, clock):
    items = many_cards(tmp_path, 1)
    s = session(db, items, clock)
    s.next_card()
    s.rate(4)  # graduate
    result = None
    for _ in range(8):
        clock.advance(days=30)
        s = session(db, items, clock)
        assert s.next_card() is not None
        result = s.rate(1)  # lapse
        while s.next_card() is not None:
            clock.advance(minutes=15)
            s.rate(3)
    row = card_row(db, "c0", "many")
    assert row.lapses == 8 and row.leech and row.suspended
    assert result.leech and "Leech" in result.message


def test_cram_leaves_schedule_untouched(sample_dir, db, clock):
    items = select_items(load_collection([sample_dir]))
    s = session(db, items, clock)
    while s.next_card() is not None:
        s.rate(4)
    with db.read() as conn:
        before = cards.rows_for_decks(conn, ["sample"])
    cram = session(db, items, clock, cram=True)
    assert cram.remaining == len(items)
    cram.next_card()
    cram.rate(1)  # Again: comes back later in the cram session
    seen = 1
    while cram.next_card() is not None:
        cram.rate(3)
        seen += 1
    assert seen == len(items) + 1
    with db.read() as conn:
        assert cards.rows_for_decks(conn, ["sample"]) == before
    assert all(r[4] for r in review_rows(db)[len(items) :])


def test_choice_grading_and_override(sample_dir, db, clock):
    items = [i for i in select_items(load_collection([sample_dir])) if i.key == "ch"]
    s = session(db, items, clock)
    cur = s.next_card()
    right = [i for i, c in enumerate(cur.choices()) if c.correct]
    fb = s.answer_choice([1 - right[0]])
    assert not fb.correct and cur.suggested == 1
    s.rate(3)  # learner overrides the suggestion
    assert review_rows(db)[-1][1] == 3


def test_open_card_rubric(sample_dir, db, clock):
    items = [i for i in select_items(load_collection([sample_dir])) if i.key == "op"]
    s = session(db, items, clock)
    s.next_card()
    hits = s.answer_open("It needs lots of DATA.")
    assert hits == {0: ["DATA"], 1: []}  # the words of the answer that matched
    assert s.current.suggested == 2  # half covered -> Hard
    s.toggle_point(1)
    assert s.current.suggested == 3


def test_review_cap(tmp_path, db, clock):
    items = many_cards(tmp_path, 30)
    with db.write() as conn:
        settings_store.save(conn, Settings(new_per_day=30, reviews_per_day=10))
    s = session(db, items, clock)
    while s.next_card() is not None:
        s.rate(4)
    clock.advance(days=400)
    assert session(db, items, clock).counts() == (0, 0, 10)


def test_reviews_lowest_retrievability_first(tmp_path, db, clock):
    items = many_cards(tmp_path, 3)
    s = session(db, items, clock)
    while (cur := s.next_card()) is not None:
        s.rate(3 if cur.item.key == "c1" else 4)
        clock.advance(minutes=30)
    clock.advance(days=300)
    s = session(db, items, clock)
    stabilities = [r.stability for r in s.main]
    assert len(stabilities) == 3 and stabilities == sorted(stabilities)
    assert s.main[0].key == "c1"  # the weakest memory comes first


def test_naive_datetime_refused():
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        to_ms(datetime(2026, 1, 1))


def test_rows_stay_new_until_rated(sample_dir, db, clock):
    items = select_items(load_collection([sample_dir]))
    session(db, items, clock)
    with db.read() as conn:
        assert {r.state for r in cards.rows_for_decks(conn, ["sample"])} == {CardState.NEW}


def test_interleaves_new_with_reviews(tmp_path, db, clock):
    items = many_cards(tmp_path, 40)
    s = session(db, items, clock)
    for _ in range(20):
        s.next_card()
        s.rate(4)
    clock.advance(days=100)
    s = session(db, items, clock)
    states = [r.state for r in s.main]
    assert states.count(CardState.NEW) == 20 and states.count(CardState.REVIEW) == 20
    assert states[:4] != [CardState.NEW] * 4 and states[-4:] != [CardState.NEW] * 4
    _ = timedelta


def test_synced_session_filters_rows_only_for_a_partial_scope(tmp_path, clock):
    from drillbreak.context import open_context
    from drillbreak.deck.items import deck_items

    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(
        folder,
        "mixed.yaml",
        """
        deck: mixed
        title: Mixed
        cards:
          - {id: plain, front: F, back: B, tags: [keep]}
          - {id: both, front: F, back: B, reverse: true}
          - {id: gaps, type: cloze, text: "{{c1::a}} and {{c2::b}} and {{c1::c}}", tags: [keep]}
        """,
    )
    ctx = open_context(tmp_path / "s.sqlite3", [folder], clock=clock, include_shipped=False)
    try:
        (deck,) = ctx.collection.decks
        assert deck.item_count == len(deck_items(deck)) == 5
        whole = StudySession(ctx.db, select_items(ctx.collection), clock=clock, rows_synced=True)
        assert whole._whole_decks and whole.counts() == (5, 0, 0)
        tagged = select_items(ctx.collection, tag="keep")
        no_burying = Settings(bury_siblings=False)  # the gaps are siblings
        part = StudySession(ctx.db, tagged, clock=clock, rows_synced=True, settings=no_burying)
        assert not part._whole_decks
        shown = []
        while (cur := part.next_card()) is not None:
            shown.append(cur.item.key)
            part.rate(3)
            clock.advance(days=3)
        assert sorted(set(shown)) == ["gaps~c1", "gaps~c2", "plain"]
    finally:
        ctx.close()
