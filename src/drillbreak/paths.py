"""Where drillbreak finds its shipped files and keeps its data.

The shipped ``cards/`` and ``demos/`` folders live at the top of a checkout.  A
wheel carries them inside the package as ``drillbreak/_shipped/``; both layouts
are found here so that ``pip install .`` works from any directory.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from drillbreak.errors import UserError

PACKAGE_DIR = Path(__file__).resolve().parent
APP_NAME = "drillbreak"


def shipped_dir(name: str) -> Path:
    """Return the shipped folder ``name`` (``"cards"`` or ``"demos"``)."""
    packaged = PACKAGE_DIR / "_shipped" / name
    if packaged.is_dir():
        return packaged
    checkout = PACKAGE_DIR.parent.parent / name
    return checkout


def shipped_cards_dir() -> Path:
    return shipped_dir("cards")


def shipped_demos_dir() -> Path:
    """The demos folder: ``DRILLBREAK_DEMOS_DIR`` if set (your own demos, in the
    shipped ones' format), else the shipped one."""
    env = os.environ.get("DRILLBREAK_DEMOS_DIR")
    if env:
        return Path(env).expanduser()
    return shipped_dir("demos")


def user_data_dir() -> Path:
    from platformdirs import user_data_dir as _udd

    return Path(_udd(APP_NAME, appauthor=False))


def user_config_dir() -> Path:
    from platformdirs import user_config_dir as _ucd

    return Path(_ucd(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """``DRILLBREAK_DB`` if set, else ``<user data dir>/drillbreak.sqlite3``."""
    env = os.environ.get("DRILLBREAK_DB")
    if env:
        return Path(env).expanduser()
    return user_data_dir() / "drillbreak.sqlite3"


def database_path(given: Path | None = None) -> Path:
    """The database to open: ``given`` (``--db``), else ``DRILLBREAK_DB``, else the default.

    Only the default location's folder is created (readable by the user only).  A
    path the user named, with ``--db`` or ``DRILLBREAK_DB``, must be in a folder that
    exists: a typo there would otherwise start an empty database that looks like
    lost progress.
    """
    if given is not None:
        path, source = Path(given), "--db"
    elif os.environ.get("DRILLBREAK_DB"):
        path, source = default_db_path(), "DRILLBREAK_DB"
    else:
        path = default_db_path()
        try:
            make_private_dirs(path.parent)
        except OSError as exc:
            raise UserError(
                f"{path.parent}: cannot create the database folder ({exc.strerror}); pass --db PATH"
            ) from None
        return path
    if not path.parent.is_dir():
        raise UserError(
            f"{path.parent}: no such folder for the database given with {source}; "
            "create the folder or fix the path"
        )
    return path


def make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each one 0700 (the user's only)."""
    missing: list[Path] = []
    here = Path(folder)
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    for each in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            os.mkdir(each, 0o700)


def config_path() -> Path:
    env = os.environ.get("DRILLBREAK_CONFIG")
    if env:
        return Path(env).expanduser()
    return user_config_dir() / "config.toml"
