"""Suggested ratings: choice cards graded by the answer, open cards by rubric coverage."""

from __future__ import annotations

import os
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


# A learner's word may carry one of these in front of the keyword ("miscalibrated"
# covers "calibrated"): the point is that the idea is named, negated or not.
_PREFIXES = ("anti", "dis", "mis", "non", "over", "pre", "re", "un", "under")
_WORD = re.compile(r"\w+")


def keyword_hits(answer: str, keywords: Iterable[str]) -> list[str]:
    """For each keyword found in the typed answer, the answer's words that matched it
    (case-insensitive, word by word on stems: "calibration" is found in "the model
    was miscalibrated"); words that two keywords matched are listed once."""
    words = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(answer)]
    hits = []
    for kw in keywords:
        parts = _WORD.findall(kw.lower())
        for i in range(len(words) - len(parts) + 1) if parts else ():
            window = words[i : i + len(parts)]
            if all(_same_stem(w, p) for (w, _, _), p in zip(window, parts, strict=True)):
                hit = answer[window[0][1] : window[-1][2]]
                if hit not in hits:
                    hits.append(hit)
                break
    return hits


def _same_stem(word: str, keyword: str) -> bool:
    """``word`` is ``keyword`` with another ending, maybe behind one of ``_PREFIXES``."""
    return any(
        _same_ending(word[len(p) :], keyword) for p in ("", *_PREFIXES) if word.startswith(p)
    )


def _same_ending(word: str, keyword: str) -> bool:
    if word == keyword:
        return True
    if len(keyword) < 4:  # too short to have a stem of its own: plurals only
        return word in (keyword + "s", keyword + "es")
    shared = len(os.path.commonprefix([word, keyword]))
    # the stem: all but a short ending (calibrat-ed / -ion / -e), at least 4 letters
    return shared >= max(4, len(keyword) - 3) and len(word) - shared <= 5
