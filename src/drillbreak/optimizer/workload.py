"""Workload for a choice of desired retention: fsrs-rs's simulator, run on the
learner's collection size, new cards a day, learning steps and answer habits.

The simulator learns the whole collection from scratch at ``new_per_day`` cards a
day and schedules every card with the given parameters for ``days`` days, with no
daily review limit; a row gives the mean reviews (and minutes, at fsrs-rs's default
seconds per answer) a day, and how many cards are remembered at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import fsrs_rs_python as fsrs_rs

from drillbreak.optimizer.data import histories
from drillbreak.settings import Settings
from drillbreak.store.db import Database
from drillbreak.store.fit_log import count_cards
from drillbreak.store.history import ReviewRow, load_reviews

RETENTIONS = (0.80, 0.85, 0.90, 0.95)
DAYS = 365
SEED = 42
# answers needed before the learner's own rating frequencies replace fsrs-rs's defaults
MIN_ANSWERS = 50


@dataclass(frozen=True)
class Workload:
    desired_retention: float
    reviews_per_day: float
    minutes_per_day: float
    remembered: float  # cards expected to be remembered at the end


def rating_probabilities(
    rows: Iterable[ReviewRow],
) -> tuple[list[float] | None, list[float] | None]:
    """(first rating Again..Easy, later successful rating Hard..Easy) frequencies in
    the log; None where it holds fewer than MIN_ANSWERS answers to count."""
    first = [0, 0, 0, 0]
    later = [0, 0, 0]
    for reviews in histories(rows).values():
        first[reviews[0].review_rating - 1] += 1
        for row in reviews[1:]:
            if row.review_rating > 1:
                later[row.review_rating - 2] += 1

    def share(counts: list[int]) -> list[float] | None:
        total = sum(counts)
        return [c / total for c in counts] if total >= MIN_ANSWERS else None

    return share(first), share(later)


def simulator_config(
    cards: int, settings: Settings, rows: Iterable[ReviewRow] = ()
) -> fsrs_rs.SimulatorConfig:
    config = fsrs_rs.default_simulator_config()
    config.deck_size = max(1, cards)
    config.learn_span = DAYS
    config.learn_limit = settings.new_per_day
    config.max_cost_perday = float("inf")
    config.learning_step_count = len(settings.learning_steps)
    config.relearning_step_count = len(settings.relearning_steps)
    config.max_ivl = float(settings.maximum_interval_days)
    first, later = rating_probabilities(rows)
    if first is not None:
        config.first_rating_prob = first
    if later is not None:
        config.review_rating_prob = later
    return config


def simulate_workload(
    parameters: Sequence[float] | None,
    *,
    cards: int,
    settings: Settings,
    rows: Iterable[ReviewRow] = (),
    retentions: Sequence[float] = RETENTIONS,
) -> list[Workload]:
    """One row per desired retention (``parameters`` None: fsrs-rs's defaults)."""
    config = simulator_config(cards, settings, rows)
    weights = list(parameters) if parameters is not None else fsrs_rs.DEFAULT_PARAMETERS
    out = []
    for retention in retentions:
        result = fsrs_rs.simulate(weights, retention, config, SEED)
        days = len(result.review_cnt_per_day) or 1
        out.append(
            Workload(
                desired_retention=retention,
                reviews_per_day=sum(result.review_cnt_per_day) / days,
                minutes_per_day=sum(result.cost_per_day) / days / 60,
                remembered=result.memorized_cnt_per_day[-1] if days else 0.0,
            )
        )
    return out


def collection_workload(
    db: Database, settings: Settings, retentions: Sequence[float] = RETENTIONS
) -> tuple[int, list[Workload]]:
    """(cards, one row per desired retention) for the learner's collection in ``db``,
    with ``settings``' parameters, new cards a day and learning steps."""
    rows = load_reviews(db)
    with db.read() as conn:
        cards = count_cards(conn)
    return cards, simulate_workload(
        settings.parameters, cards=cards, settings=settings, rows=rows, retentions=retentions
    )


def workload_lines(rows: Sequence[Workload], cards: int, current: float) -> list[str]:
    lines = [
        f"Workload for {cards} cards over {DAYS} days (simulated with the parameters in use):",
        f"{'retention':>9} {'reviews/day':>12} {'min/day':>8} {'remembered':>11}",
    ]
    for w in rows:
        mark = "  <- now" if abs(w.desired_retention - current) < 1e-9 else ""
        lines.append(
            f"{w.desired_retention:>9.2f} {w.reviews_per_day:>12.1f} "
            f"{w.minutes_per_day:>8.1f} {w.remembered:>11.0f}{mark}"
        )
    return lines
