"""Durability and concurrency of the SQLite store."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import write_deck

from drillbreak.errors import UserError
from drillbreak.settings import Settings
from drillbreak.store import backup, settings_store
from drillbreak.store.db import Database
from drillbreak.store.tables import SCHEMA_VERSION

HERE = Path(__file__).parent
RATER = HERE / "helpers" / "rater.py"


def deck_folder(tmp_path: Path, n: int = 20) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir(exist_ok=True)
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(n))
    write_deck(folder, "d.yaml", f"deck: d\ntitle: D\ncards:\n{body}\n")
    return folder


def count_reviews(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT count(*) FROM review_log").fetchone()[0]
    finally:
        con.close()


def start_rater(db_path: Path, decks: Path, limit: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(RATER), str(db_path), str(decks), str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_loses_no_acknowledged_rating(tmp_path):
    decks = deck_folder(tmp_path)
    db_path = tmp_path / "crash.sqlite3"
    rng = random.Random(1234)
    acknowledged_total = 0
    for _ in range(6):
        target = rng.randint(1, 25)
        proc = start_rater(db_path, decks, 10_000)
        acked = 0
        for line in proc.stdout:
            if line.startswith("ACK"):
                acked += 1
                if acked >= target:
                    break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        acknowledged_total += acked
        stored = count_reviews(db_path)
        assert stored >= acknowledged_total
        # a rating that was not yet acknowledged may or may not be there, never more than one
        assert stored <= acknowledged_total + 1 * 6
        acknowledged_total = stored


def test_two_processes_rating_at_once(tmp_path):
    decks = deck_folder(tmp_path)
    db_path = tmp_path / "shared.sqlite3"
    Database(db_path).close()
    procs = [start_rater(db_path, decks, 60) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert out.strip().endswith("DONE")
    assert count_reviews(db_path) == 120


def test_schema_version_and_pragmas(db):
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list(card_state)")}
    assert {"ix_card_queue", "ix_card_new_order"} <= indexes


def test_first_schema_fixture_opens_and_keeps_data(tmp_path):
    """A database written by the first release opens with its reviews intact."""
    fixture = HERE / "fixtures" / "schema_v1.sqlite3"
    copy = tmp_path / "old.sqlite3"
    shutil.copy(fixture, copy)
    before = count_reviews(copy)
    assert before > 0
    db = Database(copy)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM review_log").scalar() == before
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
    db.close()


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(UserError, match="newer drillbreak"):
        Database(path)


def test_not_a_database(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="not a drillbreak database"):
        Database(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserError):
            Database(folder / "x.sqlite3")
    finally:
        folder.chmod(0o700)


def test_missing_folder_is_a_clear_error_and_not_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match=f"^{blocker / 'sub'}: no such folder"):
        Database(blocker / "sub" / "x.sqlite3")
    with pytest.raises(UserError, match=f"^{tmp_path / 'sub'}: no such folder"):
        Database(tmp_path / "sub" / "x.sqlite3")
    assert not (tmp_path / "sub").exists()


def test_settings_round_trip(db):
    with db.write() as conn:
        settings_store.save(conn, Settings(new_per_day=7, learning_steps=(30, 300)))
    with db.read() as conn:
        loaded = settings_store.load(conn)
    assert loaded.new_per_day == 7 and loaded.learning_steps == (30, 300)


def test_daily_backup_keeps_seven(tmp_path, clock):
    path = tmp_path / "b.sqlite3"
    Database(path).close()
    made = []
    for _ in range(10):
        made.append(backup.daily_backup(path, clock()))
        assert backup.daily_backup(path, clock()) is None  # once a day
        clock.advance(days=1)
    kept = sorted(backup.backup_dir(path).glob("*.sqlite3"))
    assert len(kept) == 7 and kept[-1] == made[-1]
    con = sqlite3.connect(kept[-1])
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_failed_backup_leaves_no_partial(tmp_path, clock, monkeypatch):
    path = tmp_path / "b.sqlite3"
    Database(path).close()

    real_connect = sqlite3.connect

    class FullDisk:
        def __init__(self, *args, **kwargs):
            self.conn = real_connect(*args, **kwargs)

        def backup(self, dst):
            raise sqlite3.OperationalError("database or disk is full")

        def close(self):
            self.conn.close()

    monkeypatch.setattr(backup.sqlite3, "connect", FullDisk)
    assert backup.daily_backup(path, clock()) is None
    assert list(backup.backup_dir(path).glob("*.partial")) == []


def test_queue_reads_merge_decks_in_introduction_order(db):
    from drillbreak.store import cards, hot

    keys = [(deck, f"c{i}") for i in range(6) for deck in ("b-deck", "a-deck", "c-deck")]
    with db.write() as conn:
        cards.add_missing(conn, keys)
        rows = {(r.deck, r.key): r for r in cards.rows_for_decks(conn, ["a-deck", "b-deck"])}
        cards.set_flags(conn, [rows["a-deck", "c1"].id], suspended=True)
        cards.set_flags(conn, [rows["b-deck", "c2"].id], active=False)
        cards.set_flags(conn, [rows["b-deck", "c3"].id], buried_until_ms=2_000)
        sched = replace(rows["a-deck", "c4"].sched, state=2, due_ms=500)
        hot.save_sched(conn, rows["a-deck", "c4"].id, sched)
    with db.read() as conn:
        fresh = list(hot.new_rows(conn, ["a-deck", "b-deck"], now_ms=1_000))
        firsts = list(hot.new_rows(conn, ["a-deck", "b-deck"], 1_000, {"a-deck": 2, "b-deck": 1}))
        due = hot.due_rows(conn, ["a-deck", "b-deck", "c-deck"], until_ms=600, now_ms=1_000)
        later = hot.due_rows(conn, ["a-deck"], until_ms=400, now_ms=1_000)
    orders = [r.new_order for r in fresh]
    assert orders == sorted(orders)
    gone = {("a-deck", "c1"), ("b-deck", "c2"), ("b-deck", "c3"), ("a-deck", "c4")}
    assert [(r.deck, r.key) for r in fresh] == [
        (d, f"c{i}") for i in range(6) for d in ("b-deck", "a-deck") if (d, f"c{i}") not in gone
    ]
    assert [(r.deck, r.key) for r in firsts] == [
        ("b-deck", "c0"),
        ("a-deck", "c0"),
        ("a-deck", "c2"),
    ]
    assert [(r.deck, r.key, r.due_ms) for r in due] == [("a-deck", "c4", 500)]
    assert later == []


def test_sync_retires_and_revives_rows_deck_by_deck(db):
    from drillbreak.store import cards

    def state():
        with db.read() as conn:
            rows = cards.rows_for_decks(conn, ["one", "two"])
        return {(r.deck, r.key): r.id for r in rows}, {
            (r.deck, r.key) for r in rows if not _active(db, r.id)
        }

    with db.write() as conn:
        assert cards.sync(conn, [("one", ["a", "b", "c~c1"]), ("two", ["a"])]) == 4
    ids, inactive = state()
    assert inactive == set()
    with db.write() as conn:  # b removed from its file, d added; deck two untouched
        assert cards.sync(conn, [("one", ["a", "c~c1", "d"])]) == 1
    ids2, inactive = state()
    assert inactive == {("one", "b")}
    assert all(ids2[k] == ids[k] for k in ids)
    with db.write() as conn:  # b restored: same row, history kept
        assert cards.sync(conn, [("one", ["a", "b", "c~c1", "d"]), ("two", ["a"])]) == 0
    ids3, inactive = state()
    assert inactive == set() and ids3 == ids2
    with db.read() as conn:
        order = [
            r.key for r in sorted(cards.rows_for_decks(conn, ["one"]), key=lambda r: r.new_order)
        ]
    assert order == ["a", "b", "c~c1", "d"]


def _active(db, card_id: int) -> bool:
    from sqlalchemy import text

    with db.read() as conn:
        return bool(
            conn.execute(
                text("SELECT active FROM card_state WHERE id = :i"), {"i": card_id}
            ).scalar_one()
        )


def _columns(path: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        con.close()


def test_v1_database_migrates_to_the_declared_schema_keeping_every_review(tmp_path):
    """Version 2 drops review_log.prev; every other value of every review survives."""
    copy = tmp_path / "old.sqlite3"
    shutil.copy(HERE / "fixtures" / "schema_v1.sqlite3", copy)
    con = sqlite3.connect(copy)
    kept = ", ".join(c for c in _columns(copy)["review_log"] if c != "prev")
    before = con.execute(f"SELECT {kept} FROM review_log ORDER BY id").fetchall()
    con.close()
    assert before and "prev" in _columns(copy)["review_log"]
    Database(copy).close()
    con = sqlite3.connect(copy)
    after = con.execute(f"SELECT {kept} FROM review_log ORDER BY id").fetchall()
    con.close()
    assert after == before
    fresh = tmp_path / "fresh.sqlite3"
    Database(fresh).close()
    assert _columns(copy) == _columns(fresh)  # the migration ends where tables.py declares


def test_card_row_and_sched_state_are_the_tables_columns():
    """CardRow's fields are card_state's columns (less ``active``), in table order, and the
    schedule record is a subset of them: the columns are declared once, in tables.py."""
    from dataclasses import fields

    from drillbreak.domain import SchedState
    from drillbreak.store.cards import ROW_FIELDS, CardRow
    from drillbreak.store.tables import CardRecord

    table = [c.name for c in CardRecord.__table__.columns]
    assert CardRow._fields == ROW_FIELDS == tuple(c for c in table if c != "active")
    assert {f.name for f in fields(SchedState)} <= set(CardRow._fields)


def test_rating_write_refuses_names_that_are_not_columns(db):
    from drillbreak.store import cards, hot

    with db.write() as conn:
        cards.add_missing(conn, [("d", "k")])
        row = cards.get_by_key(conn, "d", "k")
        with pytest.raises(ValueError, match="not card_state columns"):
            hot.save_sched(conn, row.id, row.sched, reps=1, repz=2)
        hot.save_sched(conn, row.id, replace(row.sched, due_ms=5), reps=1, leech=True)
    with db.read() as conn:
        saved = cards.get(conn, row.id)
    assert (saved.due_ms, saved.reps, saved.leech) == (5, 1, True)


def test_raw_side_names_agree_with_tables():
    """The plain-SQL side (store.raw, store.db) names the tables and the schema version
    as constants; they are the ones declared in tables.py."""
    from drillbreak.store import db, raw, tables

    assert db.SCHEMA_VERSION == tables.SCHEMA_VERSION
    assert tables.CardRecord.__tablename__ == raw.CARD_TABLE
    assert tables.ReviewLog.__tablename__ == raw.REVIEW_TABLE
    assert tables.Setting.__tablename__ == raw.SETTING_TABLE
    assert tables.PooledCase.__tablename__ == raw.POOL_TABLE
    setting_columns = [c.name for c in tables.core_table(tables.Setting).columns]
    assert setting_columns == ["key", "value"]  # settings_store's INSERT names them


FIRST_CARD = """
import sys
from pathlib import Path
from drillbreak.context import open_context
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession

ctx = open_context(Path(sys.argv[1]), [Path(sys.argv[2])], include_shipped=False)
session = StudySession(
    ctx.db, select_items(ctx.collection), settings=ctx.settings, rows_synced=True
)
card = session.next_card()
print("CARD", card.item.key if card else None)
# the case refiller's look at the pool runs while the first card is drawn
from drillbreak.store import case_pool
with ctx.db.raw_write() as conn:
    case_pool.add(conn, "k", ["x", "y"], 1)
with ctx.db.raw_read() as conn:
    print("POOL", case_pool.counts(conn, ["k", "j"]))
with ctx.db.raw_write() as conn:
    print("TAKEN", case_pool.take(conn, "k"))
print("SQLALCHEMY", sorted(m for m in ("sqlalchemy", "sqlmodel") if m in sys.modules))
session.rate(3)
print("RATED", "sqlalchemy" in sys.modules)
ctx.close()
"""


def test_first_card_is_drawn_without_sqlalchemy(tmp_path):
    """Opening a current database, syncing the decks, building the queue, showing the
    first card and the case pool's reads and writes run on plain sqlite3; SQLAlchemy
    loads on the first rating."""
    folder = deck_folder(tmp_path, 3)
    path = tmp_path / "first.sqlite3"
    Database(path).close()  # a current schema (making it runs the migrations)
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CARD, str(path), str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert "CARD c0" in out, out
    assert "POOL {'k': 2, 'j': 0}" in out, out
    assert "TAKEN x" in out, out
    assert "SQLALCHEMY []" in out, out
    assert "RATED True" in out, out
    assert count_reviews(path) == 1


def test_unchanged_deck_files_skip_the_row_sync(tmp_path, monkeypatch):
    """A deck served by the parse cache with the fingerprint its rows were synced with is
    not read back from the database; an edited file, and rows added outside a sync, are
    synced at the next start."""
    from drillbreak.context import open_context
    from drillbreak.store import cards, hot

    synced: list[str] = []
    real = hot.stored_keys

    def counting(conn, deck):
        synced.append(deck)
        return real(conn, deck)

    monkeypatch.setattr(hot, "stored_keys", counting)
    folder = deck_folder(tmp_path, 3)
    path = tmp_path / "sync.sqlite3"

    def start() -> dict[str, bool]:
        ctx = open_context(path, [folder], include_shipped=False)
        try:
            with ctx.db.raw_read() as conn:
                rows = conn.execute("SELECT key, active FROM card_state").fetchall()
        finally:
            ctx.close()
        return {key: bool(active) for key, active in rows}

    assert start() == {"c0": True, "c1": True, "c2": True} and synced == ["d"]
    assert start() == {"c0": True, "c1": True, "c2": True} and synced == ["d"]
    deck_folder(tmp_path, 4)  # the file edited: a card added
    assert start() == {"c0": True, "c1": True, "c2": True, "c3": True}
    assert synced == ["d", "d"]
    db = Database(path)
    with db.raw_write() as conn:
        cards.add_missing(conn, [("d", "stray")])
    db.close()
    assert start()["stray"] is False and synced == ["d", "d", "d"]  # retired by the sync
