"""Progress statistics, aggregated in SQL (fast on a million review rows).

Days are study days: local days starting at the rollover hour.  Cram reviews
are excluded: they do not touch the schedule and would flatter retention.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from drillbreak.clock import to_ms
from drillbreak.domain import CardState
from drillbreak.schedule.days import day_start
from drillbreak.settings import Settings
from drillbreak.store import stats_queries as q
from drillbreak.store.db import Database
from drillbreak.store.stats_queries import DAY_MS


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
    since = today_ms - (history_days - 1) * DAY_MS
    with db.read() as conn:
        per_day = q.reviews_per_day(conn, decks, since, history_days)
        today = q.review_totals(conn, decks, today_ms)
        retention = {
            days: Retention(days, *q.retention(conn, decks, now_ms - days * DAY_MS))
            for days in (7, 30)
        }
        forecast = q.due_forecast(conn, decks, today_ms, forecast_days)
        by_state = q.cards_by_state(conn, decks)
    states: dict[str, dict[str, int]] = {}
    names = [*(s.label for s in CardState), "suspended"]
    for row in by_state:
        bucket = states.setdefault(row.deck, dict.fromkeys(names, 0))
        bucket["suspended" if row.suspended else row.state.label] += row.cards
    return Stats(
        reviews_today=today.reviews,
        new_today=today.new,
        time_today_s=today.duration_ms / 1000,
        reviews_per_day=per_day,
        due_forecast=forecast,
        retention_7=retention[7],
        retention_30=retention[30],
        states_by_deck=dict(sorted(states.items())),
    )
