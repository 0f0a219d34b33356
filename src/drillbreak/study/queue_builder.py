"""What to study today: the session's queues, read from the store and planned.

``in_scope`` keeps the rows of the items the session studies; ``None`` means every row
of ``decks`` is in scope (the queue then needs no filtering: 3 ms at 100k cards).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from drillbreak.clock import to_ms
from drillbreak.schedule import queue
from drillbreak.schedule.days import day_end
from drillbreak.settings import Settings
from drillbreak.store import cards, hot
from drillbreak.store.cards import CardRow
from drillbreak.store.db import Database
from drillbreak.study import limits

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
    keys: Mapping[str, Sequence[str]] | None = None,
    whole: Collection[str] = (),
) -> Queues:
    """Due cards and today's share of new ones, within each deck's daily limits and the
    caps over all decks (``new_limit``: this many new cards, whatever the limits left).

    ``in_scope`` keeps the rows of the decks studied in part; the decks in ``whole``
    (every row in scope) and in ``keys`` (their keys in scope, read by key: at most
    ``hot.KEYS_MAX`` each) need no filter, so only what their limits let through is
    read.  ``in_scope=None``: every deck is whole."""
    now_ms = to_ms(now)
    limited = set(decks) if in_scope is None else {*whole, *(keys or ())}
    with db.raw_read() as conn:
        end_ms = to_ms(day_end(now, settings.rollover_hour, tz))
        left = limits.today(conn, decks, settings, now, tz)
        reviews_left = {d: left.reviews_left(d) for d in decks}
        # each limited deck's reviews that its limit lets through, no more
        most = {d: reviews_left[d] for d in limited}
        due = hot.due_rows(conn, decks, end_ms, now_ms, most, keys=keys)
        if in_scope is not None:
            due = [r for r in due if r.deck in limited or in_scope(r)]
        if new_limit is None:
            new_left = {d: left.new_left(d) for d in decks}
            new_cap = sum(new_left.values())
        else:
            new_left, new_cap = dict.fromkeys(decks, new_limit), new_limit
        # only the decks with new cards left are read (each is an index walk); a limited
        # deck gives no more new cards than its share
        open_decks = [d for d in decks if new_left[d] > 0]
        rows = hot.new_rows(conn, open_decks, now_ms, {d: new_left[d] for d in limited}, keys)
        new_iter = (
            rows if in_scope is None else (r for r in rows if r.deck in limited or in_scope(r))
        )
        plan = queue.plan(
            due,
            new_iter,
            now_ms=now_ms,
            new_left=new_left,
            reviews_left=reviews_left,
            new_cap=limits.capped(new_cap, left.new_cap_left if new_limit is None else None),
            reviews_cap=limits.capped(sum(reviews_left.values()), left.reviews_cap_left),
            decay=decay,
        )
    return Queues(plan.learning, plan.main)


def cram(db: Database, decks: list[str], in_scope: InScope, rng: random.Random) -> Queues:
    """Every unsuspended card in scope, due or not, shuffled."""
    with db.raw_read() as conn:
        rows = [r for r in cards.rows_for_decks(conn, decks) if in_scope(r) and not r.suspended]
    rng.shuffle(rows)
    return Queues([], rows)
