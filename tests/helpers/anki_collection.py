"""Real Anki collections for the import tests, built with the ``anki`` package.

Cards are answered through Anki's own scheduler (FSRS on); the answer time is moved
into the past with ``answered_at_millis``, so the revlog spans several days.

Run as a script to time a big import: ``PYTHONPATH=src:tests python -m helpers.anki_collection``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from anki.collection import Collection, ExportAnkiPackageOptions

DAY_MS = 86_400_000


def new_collection(path: Path) -> Collection:
    col = Collection(str(path))
    col.set_config("fsrs", True)
    return col


def add_note(col: Collection, notetype: str, fields: list[str], deck: str = "Default", tags=()):
    note = col.new_note(col.models.by_name(notetype))
    for i, value in enumerate(fields):
        note.fields[i] = value
    note.tags = list(tags)
    col.add_note(note, col.decks.id(deck))
    return note


def answer(col: Collection, card_id: int, rating: int, at_ms: int, taken_ms: int = 4000) -> None:
    """Answer with ``rating`` 1-4 as if at ``at_ms`` (Anki's scheduler writes the revlog)."""
    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card_id)
    ans = col.sched.build_answer(card=card, states=states, rating=rating - 1)
    ans.answered_at_millis = at_ms
    ans.milliseconds_taken = taken_ms
    col.sched.answer_card(ans)


def export_apkg(col: Collection, out: Path, *, legacy: bool = False) -> Path:
    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=True, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def export_colpkg(col: Collection, out: Path) -> Path:
    """Writes the whole collection; Anki closes ``col`` to do it."""
    col.export_collection_package(str(out), include_media=True, legacy=False)
    return out


def big_collection(path: Path, notes: int, reviews_per_card: int, seed: int = 1) -> Collection:
    """``notes`` Basic notes whose cards were each reviewed ``reviews_per_card`` times
    over the last months, with ratings drawn at random (mostly Good)."""
    rng = random.Random(seed)
    col = new_collection(path)
    now = int(time.time() * 1000)
    start = now - 200 * DAY_MS
    for n in range(notes):
        note = add_note(col, "Basic", [f"question {n}", f"answer {n}"], deck="Big::Deck")
        cid = note.card_ids()[0]
        at = start + rng.randrange(DAY_MS)
        for _ in range(reviews_per_card):
            rating = rng.choices((1, 2, 3, 4), weights=(10, 10, 70, 10))[0]
            answer(col, cid, rating, at, taken_ms=rng.randrange(1000, 20000))
            at += rng.randrange(1, 20) * DAY_MS // 2
            at = min(at, now)
    return col


def main() -> None:
    from datetime import UTC, datetime

    from drillbreak.interop.anki_import import import_package
    from drillbreak.store.db import Database

    notes = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    per_card = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        col = big_collection(tmp_path / "big.anki2", notes, per_card)
        revlog = col.db.scalar("select count() from revlog")
        pkg = export_colpkg(col, tmp_path / "big.colpkg")
        t1 = time.perf_counter()
        db = Database(tmp_path / "db.sqlite3")
        out = tmp_path / "decks"
        out.mkdir()
        summary = import_package(pkg, out, db, datetime.now(UTC), taken_deck_ids=set())
        t2 = time.perf_counter()
        again = import_package(pkg, out, db, datetime.now(UTC), taken_deck_ids=set())
        t3 = time.perf_counter()
        db.close()
        h = summary.history
        print(f"Anki: {notes} notes, {revlog} revlog rows (built and exported in {t1 - t0:.1f} s)")
        print(
            f"import: {summary.result.notes} notes, {h.cards} cards, {h.reviews_added} reviews "
            f"added, {h.manual_skipped} skipped, states {dict(h.by_state)} in {t2 - t1:.2f} s"
        )
        print(
            f"again: {again.history.reviews_added} added, {again.history.reviews_present} "
            f"already there, in {t3 - t2:.2f} s"
        )


if __name__ == "__main__":
    main()
