"""The study session's policies as units: the leech rule, cram ratings, the undo stack,
and the queue builder."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbreak.domain import CardState, Rating, SchedState
from drillbreak.store import cards
from drillbreak.store.cards import CardRow
from drillbreak.study import cram, queue_builder
from drillbreak.study.leech import is_leech, leech_message
from drillbreak.study.undo import Action, Snapshot, UndoStack


def row(card_id: int, deck: str = "d") -> CardRow:
    return CardRow(
        id=card_id,
        deck=deck,
        key=f"k{card_id}",
        state=CardState.REVIEW,
        step=None,
        stability=12.0,
        difficulty=5.0,
        due_ms=1_000,
        last_review_ms=500,
        reps=4,
        lapses=1,
        suspended=False,
        buried_until_ms=None,
        leech=False,
        new_order=card_id,
    )


# -- leech -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "leeches"),
    [
        (8, {8, 12, 16, 20}),  # at the threshold, then every half threshold
        (5, set(range(5, 21, 2))),  # half of 5 rounds down to 2
        (3, set(range(3, 21))),  # half of 3 is 1: every lapse from the threshold on
        (1, set(range(1, 21))),  # half of 1 is 0: every lapse, not a division by zero
    ],
)
def test_leech_at_the_threshold_then_every_half_threshold(threshold, leeches):
    assert {n for n in range(21) if is_leech(n, threshold)} == leeches


def test_leech_message_names_the_card_and_the_way_out():
    message = leech_message("backprop", 8)
    assert message.startswith("Leech: 'backprop' has lapsed 8 times")
    assert "unsuspend it in Browse" in message and "\n" not in message


# -- cram --------------------------------------------------------------------------------


@pytest.mark.parametrize(("waiting", "position"), [(5, 3), (3, 3), (2, 2), (0, 0)])
def test_cram_again_comes_back_after_three_cards(waiting, position):
    queue = [row(i) for i in range(1, waiting + 1)]
    rated = row(99)
    cram.requeue(queue, rated, Rating.AGAIN)
    assert queue.index(rated) == position and len(queue) == waiting + 1


@pytest.mark.parametrize("rating", [Rating.HARD, Rating.GOOD, Rating.EASY])
def test_cram_passed_cards_do_not_come_back(rating):
    queue = [row(1), row(2)]
    cram.requeue(queue, row(99), rating)
    assert queue == [row(1), row(2)]


def test_cram_log_entry_leaves_the_schedule_as_it_was():
    before = row(7)
    entry = cram.review_entry(before, Rating.AGAIN, reviewed_at_ms=2_000, duration_ms=300)
    assert entry.cram and entry.interval_ms == 0
    assert (entry.state_before, entry.state_after) == (CardState.REVIEW, CardState.REVIEW)
    assert (entry.due_after_ms, entry.stability_after, entry.difficulty_after) == (
        before.due_ms,
        before.stability,
        before.difficulty,
    )
    outcome = cram.outcome(before, Rating.AGAIN)
    assert outcome.after == before.sched and outcome.interval.total_seconds() == 0


# -- undo --------------------------------------------------------------------------------


def action(card_id: int) -> Action:
    return Action("rate", card_id, row(card_id), None, Snapshot([], [], 0, 0))


def test_undo_stack_is_last_in_first_out():
    stack = UndoStack()
    assert stack.peek() is None and len(stack) == 0
    for card_id in (1, 2, 3):
        stack.push(action(card_id))
    assert stack.peek() == action(3) and len(stack) == 3  # peeking keeps it
    assert [stack.pop().card_id for _ in range(3)] == [3, 2, 1]
    assert stack.peek() is None and not stack


# -- queue builder -----------------------------------------------------------------------


def test_cram_queue_is_every_unsuspended_card_in_scope(db):
    with db.write() as conn:
        cards.add_missing(conn, [("d", "a"), ("d", "b"), ("d", "c"), ("other", "x")])
        (b,) = [r for r in cards.rows_for_decks(conn, ["d"]) if r.key == "b"]
        cards.set_flags(conn, [b.id], suspended=True)
    queues = queue_builder.cram(db, ["d", "other"], lambda r: r.deck == "d", random.Random(1))
    assert queues.learning == [] and sorted(r.key for r in queues.main) == ["a", "c"]


# -- the due reviews read up to each deck's limit -----------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), limit=st.integers(0, 12))
def test_reviews_read_to_the_limit_plan_as_every_due_review_does(tmp_path_factory, seed, limit):
    """The queue of whole decks reads each deck's due reviews lowest retrievability first,
    up to its review limit, in SQL; the queue of a filtered scope reads every due row
    and the planner sorts them by fsrs's retrievability.  Both give the same queue,
    ties (equal stability and last review) included."""
    from drillbreak.schedule.fsrs_adapter import decay
    from drillbreak.settings import Settings
    from drillbreak.store import hot
    from drillbreak.store.db import Database

    rng = random.Random(seed)
    db = Database(tmp_path_factory.mktemp("q") / "q.sqlite3")
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    now_ms = int(now.timestamp() * 1000)
    decks = ["a", "b", "c"]
    try:
        with db.raw_write() as conn:
            cards.add_missing(conn, [(d, f"k{i}") for d in decks for i in range(30)])
            for r in cards.rows_for_decks(conn, decks):
                state = rng.choice(
                    [
                        CardState.NEW,
                        CardState.LEARNING,
                        CardState.REVIEW,
                        CardState.REVIEW,
                        CardState.REVIEW,
                        CardState.RELEARNING,
                    ]
                )
                if state == CardState.NEW:
                    continue
                stability = rng.choice([None, 0.0, 1.5, 3.0, 3.0, rng.uniform(0.1, 400)])
                last = rng.choice(
                    [None, now_ms + 5_000, now_ms - rng.randrange(1, 90) * 86_400_000]
                )
                due = now_ms + rng.randrange(-30, 3) * 86_400_000
                sched = SchedState(state, None, stability, 5.0, due, last)
                hot.save_sched(conn, r.id, sched)
        chosen = Settings(reviews_per_day=limit, new_per_day=3)
        common = {"tz": UTC, "new_limit": None, "decay": decay(chosen)}
        limited = queue_builder.today(db, decks, None, chosen, now, **common)
        everything = queue_builder.today(db, decks, lambda r: True, chosen, now, **common)
    finally:
        db.close()
    assert [r.id for r in limited.learning] == [r.id for r in everything.learning]
    assert [r.id for r in limited.main] == [r.id for r in everything.main]
