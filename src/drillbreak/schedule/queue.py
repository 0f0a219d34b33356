"""The due queue: what to study today, in what order.

Order (as Anki): learning/relearning cards once due come first; then due
reviews, lowest retrievability first, up to each deck's daily review limit and
the overall cap; new cards are spread evenly among them (Anki's "mix with
reviews"), up to each deck's daily new limit and the overall cap.  Pure functions
over rows, so they are tested with plain data and a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from drillbreak.domain import CardState
from drillbreak.schedule.fsrs_adapter import retrievability


class QueueRow(Protocol):
    """The fields of a card row the planner reads (the store's CardRow has them)."""

    @property
    def id(self) -> int: ...
    @property
    def deck(self) -> str: ...
    @property
    def state(self) -> int: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def due_ms(self) -> int | None: ...
    @property
    def last_review_ms(self) -> int | None: ...


Row = TypeVar("Row", bound=QueueRow)
_LEARNING = (CardState.LEARNING, CardState.RELEARNING)
_REVIEW = CardState.REVIEW


@dataclass
class QueuePlan(Generic[Row]):
    learning: list[Row]  # by due time
    main: list[Row]  # reviews with new cards mixed in


def plan(
    due: Iterable[Row],
    new: Iterable[Row],
    *,
    now_ms: int,
    new_left: Mapping[str, int],
    reviews_left: Mapping[str, int],
    new_cap: int,
    reviews_cap: int,
    decay: float,
) -> QueuePlan[Row]:
    """``new_left``/``reviews_left``: what each deck's daily limits leave today (a deck
    not named has none left); ``new_cap``/``reviews_cap``: what the overall caps leave."""
    learning: list[Row] = []
    reviews: list[Row] = []
    for row in due:
        if row.state in _LEARNING:
            learning.append(row)
        elif row.state == _REVIEW:
            reviews.append(row)
    learning.sort(key=lambda r: (r.due_ms or 0, r.id))
    reviews.sort(key=lambda r: (retrievability(r.stability, r.last_review_ms, now_ms, decay), r.id))
    return QueuePlan(
        learning,
        interleave(_within(reviews, reviews_left, reviews_cap), _within(new, new_left, new_cap)),
    )


def _within(rows: Iterable[Row], left: Mapping[str, int], cap: int) -> list[Row]:
    """The first rows, in order, that each deck's share and the overall cap allow."""
    taken: list[Row] = []
    per_deck: dict[str, int] = {}
    open_decks = sum(n > 0 for n in left.values())
    if cap <= 0 or not open_decks:
        return taken
    for row in rows:
        n = per_deck.get(row.deck, 0)
        if n < left.get(row.deck, 0):
            taken.append(row)
            per_deck[row.deck] = n + 1
            if n + 1 == left[row.deck]:
                open_decks -= 1
            if len(taken) >= cap or not open_decks:
                break
    return taken


def interleave(reviews: list[Row], fresh: list[Row]) -> list[Row]:
    """Spread new cards evenly through the reviews, as Anki's intersperser does: the
    i-th of n cards of a kind sits at (i + 1) / (n + 1); a review goes first on a tie."""
    out: list[Row] = []
    ri = ni = 0
    while ri < len(reviews) or ni < len(fresh):
        review_at = (ri + 1) / (len(reviews) + 1)
        new_at = (ni + 1) / (len(fresh) + 1)
        if ni >= len(fresh) or (ri < len(reviews) and review_at <= new_at):
            out.append(reviews[ri])
            ri += 1
        else:
            out.append(fresh[ni])
            ni += 1
    return out
