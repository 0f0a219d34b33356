"""Two processes studying the same database with normal (scheduling) sessions.

Both compete for the write lock on every rating, and both start (deck sync,
queue) at the same moment; meanwhile a third connection takes the write lock
for half a second, three times.  Nothing may reach the user as "database is locked",
and no acknowledged rating may be lost.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import SAMPLE_DECK, write_deck

RATINGS_EACH = 200

WORKER = r"""
import random, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drillbreak.clock import FakeClock
from drillbreak.deck.loader import load_collection
from drillbreak.store.db import Database
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession

db_path, deck_dir, limit, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
items = select_items(load_collection([deck_dir]))
rng = random.Random(seed)
clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
db = Database(db_path)
print("READY", flush=True)
sys.stdin.readline()  # both start together
done = 0
slowest = 0.0
while done < limit:
    session = StudySession(db, items, clock=clock, new_limit=len(items), seed=seed)
    while done < limit and (cur := session.next_card()) is not None:
        clock.advance(seconds=rng.uniform(1, 30))
        t0 = time.perf_counter()
        session.rate(rng.choice((1, 2, 3, 3, 4)))
        slowest = max(slowest, time.perf_counter() - t0)
        done += 1
        print(f"ACK {session.history.peek().review_id}", flush=True)
    if session.next_card() is None:
        clock.advance(hours=6)
db.close()
print(f"SLOWEST {slowest * 1000:.1f}", flush=True)
print("DONE", flush=True)
"""


def deck_folder(tmp_path: Path, n: int = 40) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(n))
    write_deck(folder, "d.yaml", f"deck: d\ntitle: D\ncards:\n{body}\n")
    return folder


def test_two_scheduling_sessions_at_once(tmp_path):
    decks = deck_folder(tmp_path)
    db_path = tmp_path / "shared.sqlite3"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(db_path), str(decks), str(RATINGS_EACH), str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.close()
    first = [proc.stdout.readline() for proc in procs]  # both are rating now
    # meanwhile a third writer (think: a backup tool, another app) holds the write
    # lock three times for half a second: ratings must wait for it, not fail
    holder = sqlite3.connect(db_path, isolation_level=None, timeout=120)
    for _ in range(3):
        time.sleep(0.05)
        holder.execute("BEGIN IMMEDIATE")
        time.sleep(0.5)
        holder.execute("COMMIT")
    holder.close()
    outputs = [
        (line + p.stdout.read(), p.stderr.read()) for line, p in zip(first, procs, strict=True)
    ]
    for proc in procs:
        proc.wait(timeout=120)
    elapsed = time.perf_counter() - started
    acked: list[int] = []
    slowest = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower(), err
        assert out.strip().endswith("DONE")
        acked += [int(line.split()[1]) for line in out.splitlines() if line.startswith("ACK")]
        slowest += [float(x.split()[1]) for x in out.splitlines() if x.startswith("SLOWEST")]
    assert len(acked) == 2 * RATINGS_EACH == len(set(acked))
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in con.execute("SELECT id FROM review_log")}
        assert set(acked) == stored
        # last writer wins, and the card row is always the one its last review wrote
        disagree = con.execute(
            """
            SELECT c.id FROM card_state c
            JOIN (SELECT card_id, max(id) AS last FROM review_log GROUP BY card_id) n
              ON n.card_id = c.id
            JOIN review_log r ON r.id = n.last
            WHERE c.state != r.state_after OR c.due_ms IS NOT r.due_after_ms
            """
        ).fetchall()
        assert not disagree
        cards = con.execute("SELECT count(*) FROM card_state").fetchone()[0]
        assert cards == 40  # both synced the same deck: no duplicate rows
    finally:
        con.close()
    print(
        f"\nconcurrency: 2 processes x {RATINGS_EACH} ratings in {elapsed:.1f} s, "
        f"{len(stored)} stored, 0 lost; slowest single rating {max(slowest):.0f} ms"
    )


def test_two_plain_mode_sessions_at_once(tmp_path):
    """The same through the CLI, as a user would: ``study --plain`` twice at once."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(30))
    write_deck(decks, "more.yaml", f"deck: more\ntitle: More\ncards:\n{body}\n")
    db = tmp_path / "plain.sqlite3"
    # basic cards: Enter reveals, 3 rates Good; other card types just see an unknown
    # command or a re-prompt, which is fine: only ratings are counted
    keys = "\n3\n" * 40
    env = {**os.environ}
    cmd = [sys.executable, "-m", "drillbreak", "study", "--plain", "--db", str(db)]
    cmd += ["--decks", str(decks), "--new", "40", "more"]
    procs = [
        subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(keys, timeout=120) for p in procs]
    studied = 0
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in (out + err).lower(), err
        assert "Traceback" not in err and "error" not in err.lower(), err
        found = re.search(r"Studied \d+ card\(s\) with (\d+) rating", out)
        assert found, out[-2000:]
        studied += int(found.group(1))
    con = sqlite3.connect(db)
    try:
        stored = con.execute("SELECT count(*) FROM review_log").fetchone()[0]
    finally:
        con.close()
    assert studied == stored >= 60
    print(f"\nconcurrency (plain CLI): 2 processes, {studied} ratings shown, {stored} stored")
