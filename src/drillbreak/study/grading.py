"""Suggested ratings: choice cards graded by the answer, open cards by rubric coverage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


def grade_choice(correct: Sequence[bool], selected: Iterable[int]) -> int:
    """Exactly the correct set -> Good; anything else -> Again."""
    chosen = set(selected)
    right = {i for i, ok in enumerate(correct) if ok}
    return GOOD if chosen == right else AGAIN


def grade_rubric(covered: int, total: int) -> int:
    """All points -> Good, at least half -> Hard, less -> Again (Easy is the learner's call)."""
    if total <= 0:
        return GOOD
    fraction = covered / total
    if fraction >= 1:
        return GOOD
    if fraction >= 0.5:
        return HARD
    return AGAIN


def keyword_hits(answer: str, keywords: Iterable[str]) -> list[str]:
    """Keywords found in the typed answer (case-insensitive, on word boundaries)."""
    hits = []
    for kw in keywords:
        pattern = r"(?<!\w)" + re.escape(kw.strip()) + r"(?!\w)"
        if kw.strip() and re.search(pattern, answer, re.IGNORECASE):
            hits.append(kw)
    return hits
