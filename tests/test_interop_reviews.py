"""``export reviews``: the FSRS optimizer's CSV and the JSON form, cram left out."""

from __future__ import annotations

import csv
import io
import json

from drillbreak.clock import to_ms
from drillbreak.deck.loader import load_collection
from drillbreak.domain import CardState
from drillbreak.interop.reviews import FSRS_COLUMNS, write_reviews
from drillbreak.store.history import load_reviews
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession


def study(db, sample_dir, clock):
    """Two real sessions a day apart, then a cram session: a realistic log."""
    items = select_items(load_collection([sample_dir]), ["sample"])
    times = []
    session = StudySession(db, items, clock=clock, seed=1)
    first = session.next_card()
    clock.advance(seconds=7)
    times.append((first.item.key, to_ms(clock()), 7000))
    session.rate(3)  # new -> learning
    second = session.next_card()
    clock.advance(seconds=4)
    times.append((second.item.key, to_ms(clock()), 4000))
    session.rate(4)  # easy: new -> review
    clock.advance(days=30)
    session = StudySession(db, items, clock=clock, seed=1, new_limit=0)
    cur = session.next_card()
    while cur is not None and cur.item.key != second.item.key:
        session.bury()
        cur = session.next_card()
    clock.advance(seconds=3)
    session.rate(1)  # review -> relearning
    times.append((second.item.key, to_ms(clock()), 3000))
    cram = StudySession(db, items, clock=clock, cram=True, seed=1)
    cram.next_card()
    clock.advance(seconds=2)
    cram.rate(3)
    return times


def test_fsrs_csv_columns_values_and_no_cram(db, sample_dir, clock):
    times = study(db, sample_dir, clock)
    rows = load_reviews(db)
    assert len(rows) == 3  # the cram review is not there
    buf = io.StringIO()
    assert write_reviews(rows, "fsrs-csv", buf) == 3
    lines = buf.getvalue().splitlines()
    assert lines[0] == "card_id,review_time,review_rating,review_state,review_duration"
    data = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert list(data[0]) == list(FSRS_COLUMNS)
    assert [int(r["review_time"]) for r in data] == [t for _k, t, _d in times]
    assert [int(r["review_rating"]) for r in data] == [3, 4, 1]
    # the state before each review: new, new, then review
    assert [int(r["review_state"]) for r in data] == [
        CardState.NEW,
        CardState.NEW,
        CardState.REVIEW,
    ]
    assert [int(r["review_duration"]) for r in data] == [d for _k, _t, d in times]
    first_card, second_card = data[0]["card_id"], data[1]["card_id"]
    assert first_card != second_card and data[2]["card_id"] == second_card
    assert all(r.isdigit() for line in lines[1:] for r in line.split(","))


def test_json_has_deck_and_key(db, sample_dir, clock):
    times = study(db, sample_dir, clock)
    buf = io.StringIO()
    write_reviews(load_reviews(db), "json", buf)
    data = json.loads(buf.getvalue())
    assert [d["key"] for d in data] == [k for k, _t, _d in times]
    assert {d["deck"] for d in data} == {"sample"}
    assert set(data[0]) == {*FSRS_COLUMNS, "deck", "key"}
    assert data[1]["review_state"] == CardState.NEW and data[2]["review_state"] == CardState.REVIEW
    assert load_reviews(db, ["other-deck"]) == []


def test_learning_state_is_recorded_before_a_learning_step(db, sample_dir, clock):
    items = select_items(load_collection([sample_dir]), ["sample"])
    session = StudySession(db, items, clock=clock, seed=1, new_limit=1)
    session.next_card()
    session.rate(1)
    clock.advance(minutes=2)
    session.next_card()
    session.rate(3)
    assert [r.review_state for r in load_reviews(db)] == [CardState.NEW, CardState.LEARNING]
