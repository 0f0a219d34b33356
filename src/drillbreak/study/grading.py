"""Suggested ratings: choice cards graded by the answer, open cards by rubric coverage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from drillbreak.domain import Rating


def grade_choice(correct: Sequence[bool], selected: Iterable[int]) -> Rating:
    """Exactly the correct set -> Good; anything else -> Again."""
    chosen = set(selected)
    right = {i for i, ok in enumerate(correct) if ok}
    return Rating.GOOD if chosen == right else Rating.AGAIN


def grade_rubric(covered: int, total: int) -> Rating:
    """All points -> Good, at least half -> Hard, less -> Again (Easy is the learner's call)."""
    if total <= 0:
        return Rating.GOOD
    fraction = covered / total
    if fraction >= 1:
        return Rating.GOOD
    if fraction >= 0.5:
        return Rating.HARD
    return Rating.AGAIN


def keyword_hits(answer: str, keywords: Iterable[str]) -> list[str]:
    """Keywords found in the typed answer (case-insensitive, on word boundaries)."""
    hits = []
    for kw in keywords:
        pattern = r"(?<!\w)" + re.escape(kw.strip()) + r"(?!\w)"
        if kw.strip() and re.search(pattern, answer, re.IGNORECASE):
            hits.append(kw)
    return hits
