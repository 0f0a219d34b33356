"""The study session's policies as units: the leech rule, cram ratings, the undo stack,
and the queue builder."""

from __future__ import annotations

import random

import pytest

from drillbreak.domain import CardState, Rating
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
