"""When ``drillbreak optimize`` last fitted, and how many reviews the log held then.

Stored in the ``setting`` table under its own key, beside (not inside) the settings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, func, select

from drillbreak.store.db import orm
from drillbreak.store.tables import CardRecord, ReviewLog, Setting, core_table

KEY = "optimizer.last_fit"


@dataclass(frozen=True)
class LastFit:
    at_ms: int  # when the fit ran
    reviews: int  # non-cram reviews in the log then


def count_reviews(conn: Connection) -> int:
    """Non-cram reviews in the log (cram never touches the schedule, so it never counts)."""
    R = core_table(ReviewLog).c
    return int(conn.execute(select(func.count()).where(R.cram.is_(False))).scalar_one())


def last_fit(conn: Connection) -> LastFit | None:
    with orm(conn) as session:
        stored = session.get(Setting, KEY)
    if stored is None:  # never fitted
        return None
    try:
        value = json.loads(stored.value)
        return LastFit(at_ms=int(value["at_ms"]), reviews=int(value["reviews"]))
    except (KeyError, TypeError, ValueError):  # unreadable: as if never fitted
        return None


def record_fit(conn: Connection, fit: LastFit) -> None:
    with orm(conn) as session:
        session.merge(Setting(key=KEY, value=json.dumps(asdict(fit))))


def count_cards(conn: Connection) -> int:
    """Cards in the learner's collection: in a deck file and not suspended."""
    C = core_table(CardRecord).c
    stmt = select(func.count()).where(C.active.is_(True), C.suspended.is_(False))
    return int(conn.execute(stmt).scalar_one())
