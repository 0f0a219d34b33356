"""The database's files: named exactly as given, private, checkpointed, backed up daily."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drillbreak.store import backup
from drillbreak.store.db import Database


def _setting(path: Path) -> str | None:
    con = sqlite3.connect(os.path.abspath(path))
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'probe'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def _write_probe(db: Database, value: str) -> None:
    with db.write() as conn:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO setting (key, value) VALUES ('probe', ?)", (value,)
        )


@pytest.mark.parametrize(
    "name",
    ["q?mode=ro.sqlite3", "pct%41.sqlite3", "h#x.sqlite3"],
    ids=["question-mark", "percent", "hash"],
)
def test_special_characters_in_the_path_name_that_file(tmp_path, name, clock):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / name
    db = Database(path)
    _write_probe(db, "here")
    db.close()
    assert sorted(p.name for p in folder.iterdir()) == [name]  # no stray "q", "pctA", "h"
    assert _setting(path) == "here"
    made = backup.daily_backup(path, clock())
    stem = name.removesuffix(".sqlite3")
    assert made == folder / "backups" / f"{stem}-2026-03-02.sqlite3"
    assert _setting(made) == "here"  # a copy of this database, not of an empty stray file
    assert sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != name) in (
        [],
        [f"{name}-shm", f"{name}-wal"],  # left by the read-only backup connection
    )
    assert sorted(p.name for p in made.parent.iterdir()) == [made.name]


def test_new_database_its_wal_and_backups_are_private(tmp_path, clock):
    path = tmp_path / "p.sqlite3"
    db = Database(path)
    _write_probe(db, "x")
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert file.stat().st_mode & 0o777 == 0o600, file
    db.close()
    made = backup.daily_backup(path, clock())
    assert made.stat().st_mode & 0o777 == 0o600
    assert made.parent.stat().st_mode & 0o777 == 0o700


def test_an_existing_database_keeps_its_mode(tmp_path):
    path = tmp_path / "shared.sqlite3"
    Database(path).close()
    path.chmod(0o640)
    Database(path).close()
    assert path.stat().st_mode & 0o777 == 0o640


def test_close_checkpoints_the_wal(tmp_path):
    path = tmp_path / "w.sqlite3"
    db = Database(path)
    other = sqlite3.connect(path)  # another process's reader keeps the WAL file alive
    try:
        assert _setting(path) is None and other.execute("SELECT 1 FROM setting").fetchall() == []
        _write_probe(db, "x")
        assert os.path.getsize(f"{path}-wal") > 0
        db.close()
        assert os.path.getsize(f"{path}-wal") == 0
        # the database file alone now holds the write
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(path.read_bytes())
        assert _setting(copy) == "x"
    finally:
        other.close()


def test_migration_is_checkpointed_into_the_database_file(tmp_path):
    path = tmp_path / "m.sqlite3"
    db = Database(path)  # stays open: SQLite's own checkpoint on last close cannot run
    try:
        assert os.path.getsize(f"{path}-wal") == 0
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(path.read_bytes())
        con = sqlite3.connect(copy)
        assert con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        con.close()
    finally:
        db.close()


def test_backup_rotation_keeps_each_databases_own_backups(tmp_path, clock):
    paths = [tmp_path / "a.sqlite3", tmp_path / "a-b.sqlite3"]
    for path in paths:
        Database(path).close()
    for _ in range(10):
        for path in paths:
            assert backup.daily_backup(path, clock()) is not None
        clock.advance(days=1)
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert len([n for n in names if n.startswith("a-b-")]) == 7
    assert len([n for n in names if not n.startswith("a-b-")]) == 7


def test_backups_are_daily_not_hourly(tmp_path):
    """Guard: a second start later the same day makes no second backup; the next day does."""
    path = tmp_path / "d.sqlite3"
    Database(path).close()
    morning = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert backup.daily_backup(path, morning) is not None
    for hours in (1, 3, 6, 15):
        assert backup.daily_backup(path, morning + timedelta(hours=hours)) is None
    assert backup.daily_backup(path, morning + timedelta(days=1)) is not None
    assert len(list((tmp_path / "backups").iterdir())) == 2


def test_synchronous_full_on_real_connections(tmp_path):
    """Guard: read back from SQLite, on the session's connection and on a new one."""
    db = Database(tmp_path / "s.sqlite3")
    try:
        with db.read() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        with db.engine.connect() as fresh:
            assert fresh.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        db.close()
