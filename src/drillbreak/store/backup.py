"""Daily automatic backups with SQLite's online backup API; the last 7 are kept."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

KEEP = 7


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def daily_backup(db_path: Path, now: datetime, keep: int = KEEP) -> Path | None:
    """Back up ``db_path`` once per (UTC) day; return the new file, or None if not needed."""
    if str(db_path) == ":memory:" or not db_path.exists():
        return None
    folder = backup_dir(db_path)
    target = folder / f"{db_path.stem}-{now:%Y-%m-%d}.sqlite3"
    if target.exists():
        return None
    partial = target.with_suffix(".partial")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        partial.replace(target)
    except (OSError, sqlite3.Error):
        partial.unlink(missing_ok=True)  # e.g. a full disk: leave nothing behind
        return None  # a backup must never stop anyone from studying
    backups = sorted(folder.glob(f"{db_path.stem}-*.sqlite3"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
    return target
