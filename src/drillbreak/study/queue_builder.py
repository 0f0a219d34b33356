"""What to study today: the session's queues, read from the store and planned.

``in_scope`` keeps the rows of the items the session studies; ``None`` means every row
of ``decks`` is in scope (the queue then needs no filtering: 3 ms at 100k cards).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from drillbreak.clock import to_ms
from drillbreak.schedule import queue
from drillbreak.schedule.days import day_end, day_start
from drillbreak.settings import Settings
from drillbreak.store import cards, hot
from drillbreak.store.cards import CardRow
from drillbreak.store.db import Database

InScope = Callable[[CardRow], bool]


@dataclass
class Queues:
    learning: list[CardRow]  # due soon today, by due time
    main: list[CardRow]  # reviews and new cards, interleaved


def today(
    db: Database,
    decks: list[str],
    in_scope: InScope | None,
    settings: Settings,
    now: datetime,
    *,
    tz: tzinfo | None,
    new_limit: int | None,
    decay: float,
) -> Queues:
    """Due cards and today's share of new ones (``new_limit`` overrides what is left of
    the daily limit), within the daily review cap."""
    now_ms = to_ms(now)
    with db.read() as conn:
        end_ms = to_ms(day_end(now, settings.rollover_hour, tz))
        due = hot.due_rows(conn, decks, end_ms, now_ms)
        if in_scope is not None:
            due = [r for r in due if in_scope(r)]
        new_today, reviews_today = hot.counts_since(
            conn, to_ms(day_start(now, settings.rollover_hour, tz))
        )
        new_left = settings.new_per_day - new_today if new_limit is None else new_limit
        new_iter = hot.new_rows(conn, decks, now_ms)
        if in_scope is not None:
            new_iter = (r for r in new_iter if in_scope(r))
        plan = queue.plan(
            due,
            new_iter,
            now_ms=now_ms,
            new_left=new_left,
            reviews_left=settings.reviews_per_day - reviews_today,
            decay=decay,
        )
    return Queues(plan.learning, plan.main)


def cram(db: Database, decks: list[str], in_scope: InScope, rng: random.Random) -> Queues:
    """Every unsuspended card in scope, due or not, shuffled."""
    with db.read() as conn:
        rows = [r for r in cards.rows_for_decks(conn, decks) if in_scope(r) and not r.suspended]
    rng.shuffle(rows)
    return Queues([], rows)
