"""Where drillbreak finds its shipped files and keeps its data.

The shipped ``cards/`` and ``demos/`` folders live at the top of a checkout.  A
wheel carries them inside the package as ``drillbreak/_shipped/``; both layouts
are found here so that ``pip install .`` works from any directory.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def config_path() -> Path:
    env = os.environ.get("DRILLBREAK_CONFIG")
    if env:
        return Path(env).expanduser()
    return user_config_dir() / "config.toml"
