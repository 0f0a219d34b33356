"""Storage faults: a full disk, a missing folder, a read-only database.

"Disk full" is simulated two ways: ``PRAGMA max_page_count`` on the session's
own connection (SQLite then fails exactly as on a full disk, SQLITE_FULL; runs
everywhere), and, when running as root where mounting is allowed, a real 512 KiB
tmpfs filled up to the last few pages, driven through the command line.  A
read-only file system is a remounted tmpfs (root ignores file permissions).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drillbreak.clock import FakeClock
from drillbreak.deck.loader import load_collection
from drillbreak.errors import UserError
from drillbreak.store.db import Database, _friendly
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession

FULL = "the disk is full; free some space (nothing stored was lost)"


def deck_folder(tmp_path: Path, n: int = 300) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    body = "\n".join(f"  - id: c{i}\n    front: F{i}\n    back: B{i}" for i in range(n))
    (folder / "d.yaml").write_text(f"deck: d\ntitle: D\ncards:\n{body}\n")
    return folder


def cli(*args: str, input: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "drillbreak", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check_consistent(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        bad = con.execute(
            """
            SELECT c.id FROM card_state c
            JOIN (SELECT card_id, max(id) AS last FROM review_log GROUP BY card_id) n
              ON n.card_id = c.id
            JOIN review_log r ON r.id = n.last
            WHERE c.state != r.state_after OR c.due_ms IS NOT r.due_after_ms
            """
        ).fetchall()
        assert not bad
        return con.execute("SELECT count(*) FROM review_log").fetchone()[0]
    finally:
        con.close()


@contextlib.contextmanager
def tmpfs(mount_point: Path, size: str):
    """A real tiny file system (root only); skips the test where mounting is refused."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_disk_full_is_a_clear_error_and_keeps_earlier_reviews(tmp_path):
    items = select_items(load_collection([deck_folder(tmp_path)]))
    db = Database(tmp_path / "full.sqlite3")
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    session = StudySession(db, items, clock=clock, new_limit=300)
    with db.read() as conn:  # the connection's own limit: a disk with 2 pages left
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count = {pages + 2}").scalar()
    rated = 0
    with pytest.raises(UserError) as failure:
        while session.next_card() is not None:
            clock.advance(seconds=20)
            session.rate(3)
            rated += 1
    assert str(failure.value).endswith(FULL)
    assert rated > 0
    assert session.current is not None  # the failed rating can be given again
    db.close()
    assert check_consistent(tmp_path / "full.sqlite3") == rated
    # space freed: the same session carries on with the same card
    db = Database(tmp_path / "full.sqlite3")
    session.db = db
    session.rate(3)
    db.close()
    assert check_consistent(tmp_path / "full.sqlite3") == rated + 1
    print(f"\nstorage: max_page_count full after {rated} ratings; all {rated} kept")


def test_real_full_file_system_through_the_cli(tmp_path):
    decks = deck_folder(tmp_path)
    seed = tmp_path / "seed.sqlite3"
    assert cli("decks", "--db", str(seed), "--decks", str(decks)).returncode == 0
    with tmpfs(tmp_path / "mnt", "512k") as mnt:
        db = mnt / "db.sqlite3"
        shutil.copy(seed, db)
        (mnt / "backups").mkdir()  # today's backup exists: it must not use the space
        (mnt / "backups" / f"db-{datetime.now(UTC):%Y-%m-%d}.sqlite3").write_bytes(b"")
        st = os.statvfs(mnt)
        (mnt / "filler").write_bytes(b"x" * (st.f_bavail * st.f_frsize - 160 * 1024))
        result = cli(
            "study",
            "--plain",
            "--db",
            str(db),
            "--decks",
            str(decks),
            "--new",
            "300",
            "d",
            input="\n3\n" * 300,
        )
        assert result.returncode == 1, result.stdout[-500:] + result.stderr
        assert result.stderr.strip() == f"drillbreak: error: {db}: {FULL}"
        prompts = len(re.findall(r"\[rate 1-4", result.stdout))
        stored = check_consistent(db)
        assert stored == prompts - 1 > 0  # every rating before the failing one is kept
    print(f"\nstorage: real tmpfs full after {stored} ratings; all {stored} kept")


def test_missing_database_folder_is_an_error_not_an_empty_database(tmp_path, monkeypatch):
    decks = deck_folder(tmp_path, 3)
    db = tmp_path / "not" / "there" / "yet" / "db.sqlite3"
    result = cli("decks", "--db", str(db), "--decks", str(decks))
    assert result.returncode == 1
    assert result.stderr == (
        f"drillbreak: error: {db.parent}: no such folder for the database given with --db; "
        "create the folder or fix the path\n"
    )
    assert not (tmp_path / "not").exists()
    # the default location (no --db, no DRILLBREAK_DB) is created, three levels deep
    monkeypatch.delenv("DRILLBREAK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "not" / "there"))
    result = cli("decks", "--decks", str(decks))
    assert result.returncode == 0, result.stderr
    default = tmp_path / "not" / "there" / "drillbreak" / "drillbreak.sqlite3"
    assert default.is_file() and check_consistent(default) == 0


def test_read_only_error_text_is_friendly(tmp_path):
    """The real error SQLite gives for a read-only database maps to a clear message."""
    path = tmp_path / "ro.sqlite3"
    Database(path).close()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as exc:
        con.execute("INSERT INTO setting (key, value) VALUES ('k', '1')")
    con.close()
    message = str(_friendly(exc.value, path))
    assert message == f"{path}: the database is read-only; fix its permissions or pass --db PATH"


def test_read_only_database_through_the_cli(tmp_path):
    decks = deck_folder(tmp_path, 3)
    seed = tmp_path / "seed.sqlite3"
    assert cli("decks", "--db", str(seed), "--decks", str(decks)).returncode == 0
    if os.geteuid() == 0:
        context = tmpfs(tmp_path / "mnt", "1m")
    else:
        context = contextlib.nullcontext(tmp_path / "ro")
        (tmp_path / "ro").mkdir()
    with context as folder:
        db = folder / "db.sqlite3"
        shutil.copy(seed, db)
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            db.chmod(0o444)
            folder.chmod(0o555)
        try:
            for args in (["decks"], ["study", "--plain"]):
                result = cli(*args, "--db", str(db), "--decks", str(decks), input="\n3\n")
                assert result.returncode == 1, result.stdout
                lines = result.stderr.strip().splitlines()
                assert len(lines) == 1 and "Traceback" not in result.stderr
                assert re.search(r"read-only|cannot open the database", lines[0]), lines[0]
            # and a default database folder that cannot be created there
            with pytest.MonkeyPatch.context() as env:
                env.delenv("DRILLBREAK_DB")
                env.setenv("XDG_DATA_HOME", str(folder / "data"))
                result = cli("decks", "--decks", str(decks))
            assert result.returncode == 1
            assert "cannot create the database folder" in result.stderr
        finally:
            if os.geteuid() != 0:
                folder.chmod(0o755)
    print(f"\nstorage: read-only database: {lines[0].split('error: ', 1)[1]}")
