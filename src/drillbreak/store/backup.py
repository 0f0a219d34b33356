"""Daily automatic backups with SQLite's online backup API; the last 7 are kept.

Backups are ``backups/<stem>-YYYY-MM-DD.sqlite3`` beside the database, created
readable by the user only (0600, in a 0700 folder).  Rotation looks at exactly
that name, so the backups of ``a-b.sqlite3`` are never taken for ``a``'s.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import datetime
from pathlib import Path

from drillbreak.paths import make_private_dirs

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
        make_private_dirs(folder)
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Read-only through a URI built from the path, quoted: "?", "%" and "#" in a
        # file name must not become URI syntax.
        source = Path(os.path.abspath(db_path)).as_uri() + "?mode=ro"
        src = sqlite3.connect(source, uri=True, timeout=10)
        try:
            dst = sqlite3.connect(os.path.abspath(partial))
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
    dated = re.compile(re.escape(db_path.stem) + r"-\d{4}-\d{2}-\d{2}\.sqlite3")
    backups = sorted(p for p in folder.iterdir() if dated.fullmatch(p.name))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
    return target
