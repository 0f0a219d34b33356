"""Synthetic collections: deck files on disk and a database with history.

Everything is deterministic (seeded) so two runs measure the same work.  Deck
files are written as YAML text directly (fast, and the same shape an author
writes); database rows are inserted with ``executemany`` on a database whose
schema was made by :class:`drillbreak.store.db.Database`.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from bench.now import NOW
from drillbreak.clock import to_ms
from drillbreak.store.db import Database

DAY_MS = 86_400_000

WORDS = [
    "gradient",
    "loss",
    "batch",
    "epoch",
    "tensor",
    "layer",
    "weight",
    "bias",
    "dropout",
    "attention",
    "token",
    "embedding",
    "optimiser",
    "momentum",
    "overfitting",
    "regularisation",
    "softmax",
    "logits",
    "label",
    "feature",
    "dataset",
    "validation",
    "inference",
    "latency",
    "checkpoint",
    "quantisation",
]


@dataclass(frozen=True)
class Synthetic:
    deck_dir: Path
    db_path: Path
    n_cards: int
    decks: list[str]
    keys: list[tuple[str, str]] = field(repr=False)  # (deck id, item key), file order
    yaml_bytes: int = 0


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _card_yaml(rng: random.Random, deck_no: int, i: int) -> tuple[str, str]:
    """One card as YAML text and its study-item key (one item per card)."""
    cid = f"d{deck_no}-c{i}"
    roll = rng.random()
    if roll < 0.70:
        text = (
            f"  - id: {cid}\n"
            f"    front: What does {_words(rng, 3)} do in step {i}?\n"
            f"    back: It changes the {_words(rng, 6)}.\n"
            f"    tags: [t{i % 7}]\n"
        )
        return text, cid
    if roll < 0.85:
        text = (
            f"  - id: {cid}\n"
            "    type: cloze\n"
            f'    text: "The {{{{c1::{_words(rng, 2)}}}}} controls {_words(rng, 5)}."\n'
        )
        return text, f"{cid}~c1"
    if roll < 0.95:
        text = (
            f"  - id: {cid}\n"
            "    type: choice\n"
            f"    question: Which {_words(rng, 2)} fixes case {i}?\n"
            "    choices:\n"
            f"      - text: {_words(rng, 3)} a\n"
            "        correct: true\n"
            f"        why: {_words(rng, 5)}\n"
            f"      - text: {_words(rng, 3)} b\n"
            f"      - text: {_words(rng, 3)} c\n"
        )
        return text, cid
    text = (
        f"  - id: {cid}\n"
        "    type: open\n"
        f"    prompt: Explain {_words(rng, 4)}.\n"
        "    rubric:\n"
        f"      - point: mentions {_words(rng, 2)}\n"
        f"        keywords: [{rng.choice(WORDS)}]\n"
        f"    model_answer: {_words(rng, 8)}\n"
    )
    return text, cid


def decks_for(n_cards: int) -> int:
    """Several decks, each at most 10k cards (deck files stay well under 5 MB)."""
    return max(4, -(-n_cards // 10_000))


def write_decks(
    folder: Path, n_cards: int, *, seed: int = 1, n_decks: int | None = None
) -> tuple[list[str], list, int]:
    """Write ``n_cards`` cards over ``n_decks`` deck files (default :func:`decks_for`);
    return (deck ids, keys, bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n_decks = n_decks or decks_for(n_cards)
    per = [n_cards // n_decks + (1 if d < n_cards % n_decks else 0) for d in range(n_decks)]
    decks: list[str] = []
    keys: list[tuple[str, str]] = []
    total = 0
    for d, count in enumerate(per):
        deck_id = f"bench-{d}"
        parts = [f"deck: {deck_id}\ntitle: Bench deck {d}\ntags: [bench]\ncards:\n"]
        for i in range(count):
            text, key = _card_yaml(rng, d, i)
            parts.append(text)
            keys.append((deck_id, key))
        body = "".join(parts)
        (folder / f"{deck_id}.yaml").write_text(body, encoding="utf-8")
        decks.append(deck_id)
        total += len(body.encode())
    return decks, keys, total


def hostile_decks(folder: Path) -> tuple[Path, Path]:
    """Two files lint must refuse without doing their work: an alias bomb ("billion
    laughs": 9**10 values once expanded) and a 10 MB file (over the 5 MB limit)."""
    folder.mkdir(parents=True, exist_ok=True)
    bomb = folder / "alias-bomb.yaml"
    lines = ["deck: bomb", "title: Bomb", "a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb.write_text("\n".join([*lines, "cards: *a9"]) + "\n")
    big = folder / "ten-megabytes.yaml"
    big.write_text("deck: big\ntitle: Big\n# " + "x" * (10 * 1024 * 1024) + "\n")
    return bomb, big


def populate_cards(db_path: Path, keys: list[tuple[str, str]], *, seed: int = 2) -> None:
    """Card rows for ``keys``: 25% new, 74% review (due -5..+175 days), 1% learning.

    With the default daily limits (20 new, 200 reviews) this is a learner with a
    normal day's backlog: about 3% of review cards are due.
    """
    Database(db_path).close()  # the schema, pragmas and user_version
    rng = random.Random(seed)
    now_ms = to_ms(NOW)
    rows = []
    new_order = 0
    for deck, key in keys:
        roll = rng.random()
        if roll < 0.25:
            new_order += 1
            rows.append((deck, key, 0, None, None, None, None, None, 0, 0, new_order))
            continue
        difficulty = rng.uniform(1, 10)
        if roll < 0.99:
            stability = rng.lognormvariate(3, 1)  # days, median ~20
            due = now_ms + int(rng.uniform(-5, 175) * DAY_MS)
            last = due - int(max(1.0, stability) * DAY_MS)
            reps = rng.randint(2, 20)
            rows.append((deck, key, 2, None, stability, difficulty, due, last, reps, 0, 0))
        else:
            state = rng.choice((1, 3))
            due = now_ms + int(rng.uniform(-2, 6) * 3_600_000)
            last = due - 600_000
            rows.append((deck, key, state, 0, 2.0, difficulty, due, last, 3, 1, 0))
    con = sqlite3.connect(db_path)
    with con:
        con.executemany(
            "INSERT INTO card_state (deck, key, state, step, stability, difficulty, due_ms,"
            " last_review_ms, reps, lapses, suspended, leech, active, new_order)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 1, ?)",
            rows,
        )
    con.close()


def populate_reviews(db_path: Path, n_reviews: int, *, days: int = 730, seed: int = 3) -> None:
    """``n_reviews`` review-log rows spread over the last ``days`` days, all cards."""
    rng = random.Random(seed)
    con = sqlite3.connect(db_path)
    ids = [r[0] for r in con.execute("SELECT id FROM card_state")]
    now_ms = to_ms(NOW)
    start = now_ms - days * DAY_MS
    ratings = (1, 2, 3, 3, 3, 3, 3, 3, 4, 4)
    batch = 100_000
    with con:
        for offset in range(0, n_reviews, batch):
            rows = []
            for _ in range(min(batch, n_reviews - offset)):
                at = rng.randint(start, now_ms)
                rating = rng.choice(ratings)
                before = 2 if rng.random() < 0.8 else rng.choice((0, 1, 3))
                after = 3 if (rating == 1 and before == 2) else 2
                rows.append(
                    (
                        rng.choice(ids),
                        rating,
                        at,
                        rng.randint(2_000, 20_000),
                        before,
                        after,
                        DAY_MS * 3,
                        at + DAY_MS * 3,
                        10.0,
                        5.0,
                        0,
                    )
                )
            con.executemany(
                "INSERT INTO review_log (card_id, rating, reviewed_at_ms, duration_ms,"
                " state_before, state_after, interval_ms, due_after_ms, stability_after,"
                " difficulty_after, cram) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def make(root: Path, n_cards: int, *, reviews: int = 0, n_decks: int | None = None) -> Synthetic:
    """Deck files (``n_decks`` of them, default :func:`decks_for`) and a populated
    database under ``root`` (created)."""
    files = f"-{n_decks}files" if n_decks else ""
    deck_dir = root / f"decks-{n_cards}{files}"
    db_path = root / f"db-{n_cards}{files}-{reviews}.sqlite3"
    for stale in (db_path, db_path.with_name(db_path.name + "-wal")):
        stale.unlink(missing_ok=True)
    decks, keys, size = write_decks(deck_dir, n_cards, n_decks=n_decks)
    populate_cards(db_path, keys)
    if reviews:
        populate_reviews(db_path, reviews)
    return Synthetic(deck_dir, db_path, n_cards, decks, keys, size)
