"""The domain vocabulary shared by every layer: card states, ratings, the schedule record.

Dependency-free (the standard library only), so the store, the scheduler and the
screens can all speak it without importing each other.  States and ratings are
stored in SQLite as these integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class CardState(IntEnum):
    """Where a card is in its schedule; fsrs has no "new", so a never-reviewed card is NEW."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Rating(IntEnum):
    """The learner's answer to a card, as fsrs numbers them."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


@dataclass(frozen=True, slots=True)
class SchedState:
    """The scheduling part of a card: what fsrs reads and writes."""

    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    due_ms: int | None
    last_review_ms: int | None


# A demo parameter's value (a predict card's ``vary:``, a run's ``--param``).
ParamValue = int | float | str


def same_value(a: ParamValue, b: ParamValue) -> bool:
    """Whether two parameter values are the same: numbers by value (``1`` is ``1.0``)."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b
