"""Progress statistics, aggregated in SQL (fast on a million review rows).

Days are study days: local days starting at the rollover hour.  Cram reviews
are excluded: they do not touch the schedule and would flatter retention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from sqlalchemy import case, func, select

from drillbreak.clock import to_ms
from drillbreak.schedule.days import day_start
from drillbreak.schedule.settings import Settings
from drillbreak.store.db import Database
from drillbreak.store.tables import NEW, REVIEW, STATE_NAMES, CardState, ReviewLog

DAY_MS = 86_400_000
R = ReviewLog.__table__.c
C = CardState.__table__.c


@dataclass(frozen=True)
class Retention:
    days: int
    reviews: int  # reviews of cards in the review state (the ones retention is about)
    passed: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None


@dataclass(frozen=True)
class Stats:
    reviews_today: int
    new_today: int
    time_today_s: float
    reviews_per_day: list[int]  # oldest first; the last entry is today
    due_forecast: list[int]  # [0] = due today (incl. overdue), then each following day
    retention_7: Retention
    retention_30: Retention
    states_by_deck: dict[str, dict[str, int]]

    def to_json_dict(self) -> dict:
        d = asdict(self)
        for key in ("retention_7", "retention_30"):
            ret = getattr(self, key)
            d[key]["rate"] = ret.rate
        return d


def compute(
    db: Database,
    settings: Settings,
    now: datetime,
    *,
    decks: list[str] | None = None,
    history_days: int = 30,
    forecast_days: int = 30,
    tz: tzinfo | None = None,
) -> Stats:
    today_ms = to_ms(day_start(now, settings.rollover_hour, tz))
    now_ms = to_ms(now)
    live = R.cram.is_(False)
    card_filter = []
    review_filter = [live]
    if decks is not None:
        card_filter.append(C.deck.in_(decks))
        ids = select(C.id).where(C.deck.in_(decks)).scalar_subquery()
        review_filter.append(R.card_id.in_(ids))

    def count(cond):
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    since = today_ms - (history_days - 1) * DAY_MS
    day_index = (R.reviewed_at_ms - since) // DAY_MS
    with db.read() as conn:
        per_day = dict(
            conn.execute(
                select(day_index, func.count())
                .where(*review_filter, R.reviewed_at_ms >= since)
                .group_by(day_index)
            ).all()
        )
        today = conn.execute(
            select(
                func.count(),
                count(R.state_before == NEW),
                func.coalesce(func.sum(R.duration_ms), 0),
            ).where(*review_filter, R.reviewed_at_ms >= today_ms)
        ).one()
        retention = {}
        for days in (7, 30):
            got = conn.execute(
                select(func.count(), count(R.rating > 1)).where(
                    *review_filter,
                    R.state_before == REVIEW,
                    R.reviewed_at_ms >= now_ms - days * DAY_MS,
                )
            ).one()
            retention[days] = Retention(days, int(got[0]), int(got[1]))
        due_index = case(
            (C.due_ms < today_ms + DAY_MS, 0),
            else_=(C.due_ms - today_ms) // DAY_MS,
        )
        forecast = dict(
            conn.execute(
                select(due_index, func.count())
                .where(
                    *card_filter,
                    C.state != NEW,
                    C.active.is_(True),
                    C.suspended.is_(False),
                    C.due_ms < today_ms + forecast_days * DAY_MS,
                )
                .group_by(due_index)
            ).all()
        )
        by_state = conn.execute(
            select(C.deck, C.state, C.suspended, func.count())
            .where(*card_filter, C.active.is_(True))
            .group_by(C.deck, C.state, C.suspended)
        ).all()
    states: dict[str, dict[str, int]] = {}
    for deck, state, suspended, n in by_state:
        bucket = states.setdefault(deck, {name: 0 for name in (*STATE_NAMES.values(), "suspended")})
        bucket["suspended" if suspended else STATE_NAMES[state]] += n
    return Stats(
        reviews_today=int(today[0]),
        new_today=int(today[1]),
        time_today_s=int(today[2]) / 1000,
        reviews_per_day=[int(per_day.get(i, 0)) for i in range(history_days)],
        due_forecast=[int(forecast.get(i, 0)) for i in range(forecast_days)],
        retention_7=retention[7],
        retention_30=retention[30],
        states_by_deck=dict(sorted(states.items())),
    )
