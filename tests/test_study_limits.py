"""Issue 13, the study core: per-deck limits and why a deck is idle, sibling burying,
another card after Again, demo time, the summary's counts."""

from __future__ import annotations

from datetime import timedelta

import fsrs
from conftest import write_deck
from test_session import card_row, many_cards, oracle, session

from drillbreak.clock import to_ms
from drillbreak.deck.loader import load_collection
from drillbreak.domain import Rating
from drillbreak.schedule.days import day_end
from drillbreak.settings import DeckLimits, Settings
from drillbreak.store import deck_limits, settings_store
from drillbreak.study.overview import deck_counts, why_idle
from drillbreak.study.scope import select_items


def save(db, settings: Settings) -> Settings:
    with db.write() as conn:
        settings_store.save(conn, settings)
    return settings


def set_limits(db, deck: str, **limits: int | None) -> None:
    with db.write() as conn:
        deck_limits.save(conn, deck, DeckLimits(**limits))


def two_decks(tmp_path, n=10):
    for deck in ("alpha", "beta"):
        (tmp_path / deck).mkdir()
        many_cards(tmp_path / deck, n, deck=deck)
    return select_items(load_collection([tmp_path / "alpha", tmp_path / "beta"]))


def study_all(s, rating=Rating.GOOD):
    keys = []
    while (cur := s.next_card()) is not None:
        keys.append(cur.item.key)
        s.rate(rating)
    return keys


# -- per-deck limits ---------------------------------------------------------------------


def test_each_deck_has_its_own_new_limit(tmp_path, db, clock):
    items = two_decks(tmp_path)
    save(db, Settings(new_per_day=3))
    alpha = [i for i in items if i.deck_id == "alpha"]
    session(db, items, clock)  # every card has its row
    assert len(study_all(session(db, alpha, clock), Rating.EASY)) == 3
    # alpha's 3 new cards do not use up beta's limit
    counts = deck_counts(db, ["alpha", "beta"], Settings(new_per_day=3), clock.now)
    assert (counts.decks["alpha"].new, counts.decks["beta"].new) == (0, 3)
    s = session(db, items, clock)
    assert s.counts() == (3, 0, 0)
    assert {r.deck for r in s.main} == {"beta"}


def test_a_deck_override_and_the_all_decks_cap(tmp_path, db, clock):
    items = two_decks(tmp_path)
    set_limits(db, "alpha", new_per_day=5)
    save(db, Settings(new_per_day=2))
    s = session(db, items, clock)
    assert sorted(r.deck for r in s.main) == ["alpha"] * 5 + ["beta"] * 2
    save(db, Settings(new_per_day=2, new_per_day_all=4))
    s = session(db, items, clock)
    assert s.counts() == (4, 0, 0)
    counts = deck_counts(
        db, ["alpha", "beta"], Settings(new_per_day=2, new_per_day_all=4), clock.now
    )
    assert (counts.decks["alpha"].new, counts.decks["beta"].new, counts.total.new) == (4, 2, 4)


def test_deck_limits_round_trip_and_reset(db):
    set_limits(db, "alpha", new_per_day=5)
    set_limits(db, "beta", reviews_per_day=7)
    with db.read() as conn:
        assert deck_limits.load(conn) == {
            "alpha": DeckLimits(new_per_day=5),
            "beta": DeckLimits(reviews_per_day=7),
        }
    set_limits(db, "alpha")
    with db.read() as conn:
        assert deck_limits.load(conn) == {"beta": DeckLimits(reviews_per_day=7)}


def test_review_limit_per_deck(tmp_path, db, clock):
    items = two_decks(tmp_path, n=4)
    save(db, Settings(new_per_day=20))
    study_all(session(db, items, clock), Rating.EASY)
    clock.advance(days=60)
    set_limits(db, "alpha", reviews_per_day=1)
    s = session(db, items, clock)
    assert sorted(r.deck for r in s.main) == ["alpha"] + ["beta"] * 4


# -- why a deck is idle ------------------------------------------------------------------


def test_idle_because_the_new_limit_is_reached(tmp_path, db, clock):
    items = many_cards(tmp_path, 30)
    settings = save(db, Settings(new_per_day=20))
    study_all(session(db, items, clock), Rating.EASY)
    s = session(db, items, clock)
    assert s.remaining == 0
    idle = s.why_idle()
    assert idle.why == "new_limit"
    assert idle.message.startswith("daily new-card limit reached (20/20): raise it in Settings")
    assert why_idle(db, ["many"], settings, clock.now).why == "new_limit"


def test_idle_because_of_the_all_decks_cap(tmp_path, db, clock):
    items = two_decks(tmp_path)
    save(db, Settings(new_per_day=20, new_per_day_all=3))
    study_all(session(db, items, clock), Rating.EASY)
    idle = session(db, items, clock).why_idle()
    assert idle.why == "all_new_limit" and "(3/3)" in idle.message


def test_idle_because_nothing_is_due_says_when(tmp_path, db, clock):
    items = many_cards(tmp_path, 2)
    save(db, Settings())
    study_all(session(db, items, clock), Rating.EASY)
    idle = session(db, items, clock).why_idle()
    assert idle.why == "not_due" and idle.next_due is not None
    assert "next card due in" in idle.message and "days" in idle.message


def test_idle_because_the_deck_is_empty_or_suspended(tmp_path, db, clock):
    items = many_cards(tmp_path, 2)
    s = session(db, items, clock)
    assert why_idle(db, ["nothing"], s.settings, clock.now).why == "empty"
    s.next_card()
    s.suspend()
    s.next_card()
    s.suspend()
    assert session(db, items, clock).why_idle().why == "suspended"


# -- siblings ----------------------------------------------------------------------------

NOTES = """
deck: notes
title: Notes
cards:
  - {id: fw, front: F, back: B, reverse: true}
  - {id: gaps, type: cloze, text: "{{c1::a}} and {{c2::b}} and {{c3::c}}"}
  - {id: other, front: O, back: P}
"""


def notes(tmp_path):
    write_deck(tmp_path, "notes.yaml", NOTES)
    return select_items(load_collection([tmp_path]))


def test_siblings_wait_until_tomorrow(tmp_path, db, clock):
    items = notes(tmp_path)
    save(db, Settings())
    s = session(db, items, clock)
    assert study_all(s, Rating.EASY) == ["fw", "gaps~c1", "other"]
    # tomorrow (after the rollover) they come
    clock.now = day_end(clock.now, 4) + timedelta(minutes=1)
    assert study_all(session(db, items, clock), Rating.EASY) == ["fw~r", "gaps~c2"]


def test_sibling_burying_is_a_setting(tmp_path, db, clock):
    items = notes(tmp_path)
    save(db, Settings(bury_siblings=False))
    keys = study_all(session(db, items, clock), Rating.EASY)
    assert sorted(keys) == ["fw", "fw~r", "gaps~c1", "gaps~c2", "gaps~c3", "other"]


def test_review_siblings_are_buried_too(tmp_path, db, clock):
    items = notes(tmp_path)
    save(db, Settings(bury_siblings=False))
    study_all(session(db, items, clock), Rating.EASY)
    clock.advance(days=400)  # every card due again
    save(db, Settings(bury_siblings=True))
    keys = study_all(session(db, items, clock))
    assert len(keys) == 3 and {k.split("~")[0] for k in keys} == {"fw", "gaps", "other"}


def test_undo_unburies_the_siblings(tmp_path, db, clock):
    items = notes(tmp_path)
    save(db, Settings())
    s = session(db, items, clock)
    assert s.next_card().item.key == "fw"
    s.rate(Rating.EASY)
    assert s.remaining == 4 and "fw~r" not in [s.items["notes"][r.key].key for r in s.main]
    assert card_row(db, "fw~r", "notes").buried_until_ms == to_ms(day_end(clock.now, 4))
    s.undo()
    assert s.remaining == 6
    assert card_row(db, "fw~r", "notes").buried_until_ms is None


# -- another card after Again --------------------------------------------------------------


def test_again_shows_other_waiting_cards_first(tmp_path, db, clock):
    items = many_cards(tmp_path, 3)
    settings = save(db, Settings(learning_steps=(60, 600)))
    s = session(db, items, clock)
    first = s.next_card().item.key
    s.rate(Rating.AGAIN)
    # fsrs's own step: the failed card is due again a minute later
    new = fsrs.Card(card_id=1, due=clock.now)
    card, _ = oracle(settings).review_card(new, fsrs.Rating.Again, clock.now)
    assert card.due - clock.now == timedelta(minutes=1)
    assert s.learning[0].due_ms == to_ms(card.due)
    clock.advance(minutes=2)  # it is due, yet the other cards waiting come first
    second = s.next_card().item.key
    assert second != first
    s.rate(Rating.GOOD)
    assert s.next_card().item.key == first  # due learning cards before the main queue
    s.rate(Rating.AGAIN)
    clock.advance(minutes=2)
    assert s.next_card().item.key not in (first, second)


def test_the_only_card_left_comes_back_within_learn_ahead(tmp_path, db, clock):
    items = many_cards(tmp_path, 1)
    save(db, Settings())
    s = session(db, items, clock)
    key = s.next_card().item.key
    s.rate(Rating.AGAIN)
    assert s.next_card().item.key == key


# -- demo time and the summary ------------------------------------------------------------


def test_demo_time_is_not_review_time(tmp_path, db, clock):
    items = many_cards(tmp_path, 1)
    s = session(db, items, clock)
    s.next_card()
    clock.advance(seconds=5)
    s.pause()
    clock.advance(seconds=100)  # the demo runs
    s.resume()
    clock.advance(seconds=2)
    s.rate(Rating.GOOD)
    with db.read() as conn:
        (duration,) = conn.exec_driver_sql("SELECT duration_ms FROM review_log").one()
    assert duration == 7000


def test_summary_counts_cards_and_ratings_apart(tmp_path, db, clock):
    items = many_cards(tmp_path, 2)
    s = session(db, items, clock)
    s.next_card()
    s.rate(Rating.AGAIN)
    s.next_card()
    s.rate(Rating.GOOD)
    clock.advance(minutes=2)
    s.next_card()
    s.rate(Rating.GOOD)
    summary = s.summary()
    assert (summary.cards, summary.ratings) == (2, 3)


def test_after_cram_learning_cards_are_due_now(tmp_path, db, clock):
    items = many_cards(tmp_path, 1)
    s = session(db, items, clock)
    s.next_card()
    s.rate(Rating.AGAIN)  # learning, due in a minute
    clock.advance(hours=1)
    cram = session(db, items, clock, cram=True)
    cram.next_card()
    cram.rate(Rating.GOOD)
    summary = cram.summary()
    assert summary.due_now and summary.next_due == clock.now
