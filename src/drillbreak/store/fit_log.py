"""When ``drillbreak optimize`` last fitted, and how many reviews the log held then.

Stored in the ``setting`` table under its own key, beside (not inside) the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from drillbreak.store.settings_store import get_value, set_value
from drillbreak.store.tables import CardState, ReviewLog

KEY = "optimizer.last_fit"


@dataclass(frozen=True)
class LastFit:
    at_ms: int  # when the fit ran
    reviews: int  # non-cram reviews in the log then


def count_reviews(conn: Connection) -> int:
    """Non-cram reviews in the log (cram never touches the schedule, so it never counts)."""
    R = ReviewLog.__table__.c
    return int(conn.execute(select(func.count()).where(R.cram.is_(False))).scalar_one())


def last_fit(conn: Connection) -> LastFit | None:
    value = get_value(conn, KEY)
    if not isinstance(value, dict):
        return None
    try:
        return LastFit(at_ms=int(value["at_ms"]), reviews=int(value["reviews"]))
    except (KeyError, TypeError, ValueError):
        return None


def record_fit(conn: Connection, fit: LastFit) -> None:
    set_value(conn, KEY, {"at_ms": fit.at_ms, "reviews": fit.reviews})


def count_cards(conn: Connection) -> int:
    """Cards in the learner's collection: in a deck file and not suspended."""
    C = CardState.__table__.c
    stmt = select(func.count()).where(C.active.is_(True), C.suspended.is_(False))
    return int(conn.execute(stmt).scalar_one())
