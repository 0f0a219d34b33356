"""How well a set of FSRS parameters predicts a review log (pure Python, no torch).

Each card's whole history is replayed with ``fsrs.Scheduler`` as ``fsrs.Optimizer``
replays it (the same defaults for the learning steps, no fuzz); before every review made a day or more after the
previous one, the forgetting curve gives the predicted probability of recall,
compared with what happened (Again = forgotten, anything else = recalled).

* log loss: the mean binary cross-entropy (lower is better; what fsrs minimises);
* RMSE (bins): predictions grouped into 20 bins by predicted recall, the root mean
  square gap between mean prediction and observed recall rate, weighted by bin size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from drillbreak.optimizer.data import Review

BINS = 20
_EPS = 1e-7


@dataclass(frozen=True)
class Fit:
    log_loss: float
    rmse_bins: float
    n: int  # predictions scored

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def predictions(
    parameters: Sequence[float], cards: Mapping[int, Sequence[Review]]
) -> list[tuple[float, int]]:
    """(predicted recall, recalled 0/1) for every scored review."""
    import fsrs

    scheduler = fsrs.Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    out: list[tuple[float, int]] = []
    for card_id, reviews in cards.items():
        card = None
        for when, rating, _duration in reviews:
            if card is None:
                card = fsrs.Card(card_id=card_id, due=when)
            if card.last_review is not None and (when - card.last_review).days > 0:
                p = float(scheduler.get_card_retrievability(card, current_datetime=when))
                out.append((p, 0 if rating == 1 else 1))
            card, _log = scheduler.review_card(card, fsrs.Rating(rating), review_datetime=when)
    return out


def log_loss(pairs: Sequence[tuple[float, int]]) -> float:
    if not pairs:
        return math.nan
    total = 0.0
    for p, y in pairs:
        p = min(max(p, _EPS), 1 - _EPS)
        total -= math.log(p) if y else math.log(1 - p)
    return total / len(pairs)


def rmse_bins(pairs: Sequence[tuple[float, int]], bins: int = BINS) -> float:
    if not pairs:
        return math.nan
    sums: dict[int, list[float]] = {}
    for p, y in pairs:
        b = min(int(p * bins), bins - 1)
        acc = sums.setdefault(b, [0.0, 0.0, 0.0])
        acc[0] += p
        acc[1] += y
        acc[2] += 1
    sq = sum(n * (sp / n - sy / n) ** 2 for sp, sy, n in sums.values())
    return math.sqrt(sq / len(pairs))


def evaluate(parameters: Sequence[float], cards: Mapping[int, Sequence[Review]]) -> Fit:
    pairs = predictions(parameters, cards)
    return Fit(log_loss(pairs), rmse_bins(pairs), len(pairs))
