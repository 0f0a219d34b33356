"""``export anki --with-schedule`` imported by the real Anki (the ``anki`` package):
cards arrive learned with their reviews; toggling ``reverse`` updates the note."""

from __future__ import annotations

import random
from datetime import timedelta

import fsrs
import pytest
from conftest import SAMPLE_DECK, write_deck
from sqlalchemy import insert, update

from drillbreak.clock import to_ms, utc_now
from drillbreak.deck.items import deck_keys
from drillbreak.deck.loader import load_collection
from drillbreak.domain import CardState
from drillbreak.interop.anki_export import Schedule, card_guid, export_apkg
from drillbreak.store.anki_schedule import card_histories
from drillbreak.store.db import Database
from drillbreak.store.tables import CardRecord, ReviewLog

anki_collection = pytest.importorskip("anki.collection")

_STATE = {
    fsrs.State.Learning: CardState.LEARNING,
    fsrs.State.Review: CardState.REVIEW,
    fsrs.State.Relearning: CardState.RELEARNING,
}


def study(db: Database, deck: str, keys: list[str], *, skip: set[str]) -> dict[str, int]:
    """Each key but ``skip`` reviewed with fsrs over 60 days ending now (one cram
    review each, which must not travel); returns key -> non-cram reviews."""
    rng = random.Random(5)
    scheduler = fsrs.Scheduler(enable_fuzzing=False)
    end = utc_now()
    counts = {}
    with db.write() as conn:
        for i, key in enumerate(keys):
            card_id = conn.execute(
                insert(CardRecord.__table__).values(deck=deck, key=key, new_order=i)
            ).inserted_primary_key[0]
            if key in skip:
                continue
            now = end - timedelta(days=60 - i)
            card = fsrs.Card(card_id=card_id, due=now)
            before, logs, lapses = CardState.NEW, [], 0
            while card.due < end:
                now = max(card.due, now)
                rating = rng.choices([1, 3, 4], [0.15, 0.75, 0.1])[0]
                if rating == 1 and card.state == fsrs.State.Review:
                    lapses += 1
                card, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
                after = _STATE[card.state]
                logs.append(
                    {
                        "card_id": card_id,
                        "rating": rating,
                        "reviewed_at_ms": to_ms(now),
                        "duration_ms": 4000,
                        "state_before": before,
                        "state_after": after,
                        "interval_ms": to_ms(card.due) - to_ms(now),
                        "due_after_ms": to_ms(card.due),
                        "cram": False,
                    }
                )
                before = after
                now += timedelta(minutes=1)
            logs.append({**logs[-1], "reviewed_at_ms": to_ms(now), "cram": True, "rating": 1})
            conn.execute(insert(ReviewLog.__table__), logs)
            conn.execute(
                update(CardRecord.__table__)
                .where(CardRecord.__table__.c.id == card_id)
                .values(
                    state=_STATE[card.state],
                    step=card.step,
                    stability=card.stability,
                    difficulty=card.difficulty,
                    due_ms=to_ms(card.due),
                    last_review_ms=to_ms(card.last_review),
                    reps=len(logs) - 1,
                    lapses=lapses,
                )
            )
            counts[key] = len(logs) - 1
    return counts


def new_anki(tmp_path):
    folder = tmp_path / "anki"
    folder.mkdir()
    return anki_collection.Collection(str(folder / "collection.anki2"))


def anki_import(col, path):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Update

    # Anki's default options, plus the learning progress; without merge_notetypes a
    # note whose note type changed is a conflict, and skipped
    options = ImportAnkiPackageOptions(
        with_scheduling=True,
        merge_notetypes=False,
        update_notes=Update.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=Update.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
    )
    return col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(path), options=options)
    )


def anki_cards(col) -> dict[tuple[str, int], object]:
    """(note GUID, card ord) -> Anki card."""
    out = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        out[(card.note().guid, card.ord)] = card
    return out


@pytest.fixture
def studied(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "sample.yaml", SAMPLE_DECK)
    deck = load_collection([folder]).decks[0]
    db = Database(tmp_path / "study.sqlite3")
    counts = study(db, "sample", deck_keys(deck), skip={"op"})
    with db.read() as conn:
        histories = card_histories(conn, ["sample"])
    db.close()
    return folder, deck, counts, histories


def test_studied_cards_arrive_in_anki_learned_with_their_reviews(studied, tmp_path):
    folder, deck, counts, histories = studied
    out = tmp_path / "sched.apkg"
    summary = export_apkg([deck], out, schedule=Schedule(histories, 0.9))
    assert summary.scheduled == (len(counts), sum(counts.values()))

    col = new_anki(tmp_path)
    try:
        anki_import(col, out)
        cards = anki_cards(col)
        by_key = {
            ("q1", 0): "q1",
            ("q2", 0): "q2",
            ("q2", 1): "q2~r",
            ("cz", 0): "cz~c1",
            ("cz", 1): "cz~c2",
            ("ch", 0): "ch",
            ("op", 0): "op",
        }
        cards_by_id = {c.id: c for c in deck.cards}
        assert len(cards) == len(by_key)
        today = col.sched.today
        for (card_id, ord_), key in by_key.items():
            card = cards[(card_guid("sample", cards_by_id[card_id]), ord_)]
            revlog = col.db.scalar("select count() from revlog where cid = ?", card.id)
            if key == "op":  # never studied: still new in Anki
                assert (card.type, card.reps, revlog) == (0, 0, 0)
                continue
            ours = histories[("sample", key)].card
            assert card.type != 0 and card.reps == counts[key] == revlog, key
            assert card.memory_state is not None
            assert card.memory_state.stability == pytest.approx(ours.stability, rel=1e-3)
            assert card.memory_state.difficulty == pytest.approx(ours.difficulty, rel=1e-3)
            if ours.state == CardState.REVIEW:
                due_in = (ours.due_ms - to_ms(utc_now())) / 86_400_000
                assert card.type == 2 and card.queue == 2
                assert abs((card.due - today) - due_in) <= 1.5, key
    finally:
        col.close()


def test_toggling_reverse_updates_the_note_in_anki(studied, tmp_path):
    folder, deck, _counts, _histories = studied
    col = new_anki(tmp_path)
    try:
        anki_import(col, export_apkg([deck], tmp_path / "1.apkg", timestamp=1.7e9).path)
        guid = card_guid("sample", deck.cards[0])  # q1, not reversed
        assert sorted(o for g, o in anki_cards(col) if g == guid) == [0]

        text = SAMPLE_DECK.replace("back: Answer one\n", "back: Answer one\n    reverse: true\n")
        write_deck(folder, "sample.yaml", text)
        toggled = load_collection([folder]).decks[0]
        log = anki_import(
            col, export_apkg([toggled], tmp_path / "2.apkg", timestamp=1.8e9).path
        ).log
        assert not log.conflicting  # (the unchanged notes are listed as "duplicate")
        assert len(log.updated) == len(deck.cards)  # a newer export updates every note
        assert sorted(o for g, o in anki_cards(col) if g == guid) == [0, 1]
        assert col.note_count() == len(deck.cards)
    finally:
        col.close()
