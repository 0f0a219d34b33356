"""The Anki baseline: the same cards in an Anki collection, opened and queued by Anki.

    python -m bench.anki_child build COLLECTION --db SYNTHETIC_DB
    python -m bench.anki_child open COLLECTION

``build`` makes an Anki collection (the ``anki`` package, a development
dependency) with one Basic note per card of a synthetic drillbreak database,
in the same order, and gives each card the same kind of schedule: new cards
stay new, learning cards are due now, review cards are due the same number of
days from now as in the synthetic database (whose "now" is fixed).

``open`` is the measured child: it opens the collection, asks Anki's scheduler
for its queue and renders the first card's question, then prints ``READY
<time.monotonic()>`` (compared by the parent with its own clock, as for the app).
Everything, process start and imports included, is counted.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import time

DAY_MS = 86_400_000


def build(collection: str, synthetic_db: str) -> None:
    """Anki makes the collection, its decks and note type; the notes and cards are then
    inserted with SQL in Anki's own schema (``add_notes`` takes minutes for 100k notes;
    the checksum is Anki's for text without HTML), and Anki opens it as its own."""
    from anki.collection import Collection
    from anki.utils import guid64

    from bench.now import NOW

    now_ms = int(NOW.timestamp() * 1000)
    con = sqlite3.connect(synthetic_db)
    rows = con.execute(
        "SELECT deck, key, state, due_ms FROM card_state ORDER BY new_order"
    ).fetchall()
    con.close()
    col = Collection(collection)
    try:
        notetype = col.models.by_name("Basic")
        assert notetype is not None
        mid = notetype["id"]
        parent = col.decks.id("bench")
        assert parent is not None
        col.decks.select(parent)  # the queue is the current deck's, children included
        deck_ids: dict[str, int] = {}
        today = col.sched.today
        now_s = int(time.time())
        notes, cards = [], []
        base = now_s * 1000
        for i, (deck, key, state, due_ms) in enumerate(rows):
            if deck not in deck_ids:
                deck_ids[deck] = int(col.decks.id(f"bench::{deck}") or 0)
            front = f"{deck} {key}: what does this card ask?"
            nid = cid = base + i
            notes.append(
                (
                    nid,
                    guid64(),
                    mid,
                    now_s,
                    -1,
                    "",
                    f"{front}\x1fThe answer.",
                    front,
                    int(hashlib.sha1(front.encode()).hexdigest()[:8], 16),
                    0,
                    "",
                )
            )
            if state == 0:
                kind, queue, due, ivl = 0, 0, i + 1, 0
            elif state in (1, 3):  # learning / relearning, due now
                kind, queue, due, ivl = state, 1, now_s - 60, 1
            else:
                kind, queue, due, ivl = 2, 2, today + (due_ms - now_ms) // DAY_MS, 10
            cards.append(
                (
                    cid,
                    nid,
                    deck_ids[deck],
                    0,
                    now_s,
                    -1,
                    kind,
                    queue,
                    due,
                    ivl,
                    2500,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    "",
                )
            )
    finally:
        col.close()
    # Anki's DB proxy commits row by row through its backend: plain sqlite3 is faster.
    con = sqlite3.connect(collection)
    with con:
        con.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", notes)
        con.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
    con.close()


def open_and_queue(collection: str) -> None:
    from anki.collection import Collection

    col = Collection(collection)
    queued = col.sched.get_queued_cards(fetch_limit=1)
    card = col.get_card(queued.cards[0].card.id)
    assert card.question()
    print(f"READY {time.monotonic():.6f}", flush=True)
    col.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["build", "open"])
    parser.add_argument("collection")
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    if args.mode == "build":
        build(args.collection, args.db)
    else:
        open_and_queue(args.collection)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
