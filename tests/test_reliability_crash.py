"""SIGKILL at random points of a normal (scheduling) study session, many times.

A "zygote" process imports drillbreak and loads the decks once, then forks one
studying child per round, so that about thirty kills fit in a few seconds.  Each
child rates cards with a fake clock that moves on, and prints ``ACK card review``
after ``rate()`` returns (the rating is committed then).  The test kills it with
SIGKILL, either right after its k-th acknowledgement or after a random delay
(which lands anywhere: start-up, the queue query, the middle of a commit), and
then checks the database from outside:

* ``PRAGMA integrity_check`` is ``ok``;
* every acknowledged review row is there;
* every card's row agrees with its last review (state, due time, stability,
  difficulty, and ``reps`` equal to its number of reviews), and never-reviewed
  cards are still new.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import write_deck

ROUNDS = 30

ZYGOTE = r'''
import os, random, sys, traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drillbreak.clock import FakeClock, from_ms
from drillbreak.deck.loader import load_collection
from drillbreak.store.db import Database
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession

db_path, deck_dir = Path(sys.argv[1]), Path(sys.argv[2])
items = select_items(load_collection([deck_dir]))
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
OUT = sys.stdout.fileno()


def say(text):
    os.write(OUT, (text + "\n").encode())


def study(round_no):
    rng = random.Random(round_no)
    db = Database(db_path)
    with db.read() as conn:
        last = conn.exec_driver_sql("SELECT max(reviewed_at_ms) FROM review_log").scalar()
    # time only moves forward, from one process to the next
    clock = FakeClock(max(START, from_ms(last or 0)) + timedelta(minutes=10))
    for _ in range(100_000):
        session = StudySession(db, items, clock=clock, new_limit=len(items), seed=round_no)
        while (cur := session.next_card()) is not None:
            clock.advance(seconds=rng.uniform(5, 120))
            session.rate(rng.choice((1, 2, 3, 3, 3, 4)))
            say(f"ACK {cur.row.id} {session.history.peek().review_id}")
        next_due = session.summary().next_due  # nothing left: jump to the next due card
        clock.set(max(next_due or clock(), clock()) + timedelta(minutes=1))


def warm_up():
    """Imports and SQL compilation happen here once, not in every forked child."""
    db = Database(":memory:")
    session = StudySession(db, items, clock=FakeClock(START), new_limit=3)
    while session.next_card() is not None:
        session.rate(3)
    session.summary()
    db.close()


warm_up()
say("READY")
for line in sys.stdin:
    cmd, arg = line.split()
    if cmd != "GO":
        break
    pid = os.fork()
    if pid == 0:
        try:
            study(int(arg))
        except BaseException:
            traceback.print_exc()
            os._exit(3)
        os._exit(0)
    say(f"PID {pid}")
    _, status = os.waitpid(pid, 0)
    say(f"EXIT {status}")
'''


def make_decks(tmp_path: Path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(25))
    write_deck(folder, "d.yaml", f"deck: d\ntitle: D\ncards:\n{body}\n")
    cloze = "\n".join(
        f'  - id: z{i}\n    type: cloze\n    text: "a {{{{c1::b{i}}}}} c {{{{c2::d}}}}"'
        for i in range(5)
    )
    write_deck(folder, "z.yaml", f"deck: z\ntitle: Z\ncards:\n{cloze}\n")
    return folder


def check_database(path: Path, acked: set[int]) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in con.execute("SELECT id FROM review_log")}
        missing = acked - stored
        assert not missing, f"acknowledged ratings lost: {sorted(missing)[:10]}"
        disagree = con.execute(
            """
            SELECT c.id, c.state, r.state_after, c.due_ms, r.due_after_ms, c.reps, n.cnt
            FROM card_state c
            JOIN (SELECT card_id, max(id) AS last, count(*) AS cnt
                  FROM review_log GROUP BY card_id) n ON n.card_id = c.id
            JOIN review_log r ON r.id = n.last
            WHERE c.state != r.state_after
               OR c.due_ms IS NOT r.due_after_ms
               OR c.stability IS NOT r.stability_after
               OR c.difficulty IS NOT r.difficulty_after
               OR c.reps != n.cnt
            """
        ).fetchall()
        assert not disagree, f"card rows disagree with their last review: {disagree[:5]}"
        unreviewed_not_new = con.execute(
            "SELECT count(*) FROM card_state WHERE id NOT IN (SELECT card_id FROM review_log)"
            " AND (state != 0 OR reps != 0)"
        ).fetchone()[0]
        assert unreviewed_not_new == 0
        return {
            "stored": len(stored),
            "states": dict(con.execute("SELECT state, count(*) FROM card_state GROUP BY state")),
        }
    finally:
        con.close()


def test_sigkill_at_random_points_many_times(tmp_path):
    decks = make_decks(tmp_path)
    db_path = tmp_path / "crash.sqlite3"
    script = tmp_path / "zygote.py"
    script.write_text(ZYGOTE)
    zygote = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(decks)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    rng = random.Random(20260302)
    acked: set[int] = set()
    mid_startup = 0
    started = time.perf_counter()
    try:
        assert zygote.stdout.readline().strip() == "READY", zygote.stderr.read()
        for round_no in range(ROUNDS):
            by_delay = round_no % 2 == 1
            kill_after_acks = rng.randint(1, 40)
            # a third of the timed kills land in start-up (open, sync, queue), the rest later
            delay = rng.uniform(0.0, 0.02) if round_no % 6 == 1 else rng.uniform(0.03, 0.25)
            zygote.stdin.write(f"GO {round_no}\n")
            zygote.stdin.flush()
            pid = None
            timer = None
            round_acks = 0
            status = None
            for line in zygote.stdout:
                word, *rest = line.split()
                if word == "PID":
                    pid = int(rest[0])
                    if by_delay:
                        timer = threading.Timer(delay, os.kill, (pid, signal.SIGKILL))
                        timer.start()
                elif word == "ACK":
                    acked.add(int(rest[1]))
                    round_acks += 1
                    if not by_delay and round_acks == kill_after_acks:
                        os.kill(pid, signal.SIGKILL)
                elif word == "EXIT":
                    status = int(rest[0])
                    break
            if timer is not None:
                timer.cancel()
            assert status is not None, zygote.stderr.read()
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
                f"child ended by itself (status {status}): {zygote.stderr.read()}"
            )
            mid_startup += round_acks == 0
            figures = check_database(db_path, acked)
        elapsed = time.perf_counter() - started
    finally:
        zygote.stdin.close()
        zygote.kill()
        zygote.wait()
    print(
        f"\ncrash: {ROUNDS} SIGKILLs in {elapsed:.1f} s, {len(acked)} acknowledged ratings, "
        f"{figures['stored']} stored ({figures['stored'] - len(acked)} committed but not yet "
        f"acknowledged), {mid_startup} kills before the first rating; states {figures['states']}"
    )
    assert figures["stored"] >= len(acked) > ROUNDS
