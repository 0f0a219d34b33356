"""Predict cards: the checks a deck file gets, and what a prediction is compared with.

A predict card names a demo, one of its declared results (``measure``) and how the
learner answers: ``ranges`` (ordered, touching: each one starts where the one before
ends) or a number within ``tolerance``.  ``vary`` picks one of a demo parameter's
values per review; the prompt shows it through ``{param}``.

The loader checks the card's own shape (:func:`check_shape`); what needs the demo
catalog (result and parameter names, allowed values) is checked by ``drillbreak lint``
(:func:`check_against_demos`), which is given each demo's :class:`DemoFacts` from
above: the deck layer never imports the demo runner.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from drillbreak.deck.models import Choice, PredictCard, PredictRange
from drillbreak.deck.problems import Problem, display_path
from drillbreak.domain import ParamValue, same_value

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class DemoFacts:
    """What lint needs to know about one demo: its declared result names (None: it
    declares none) and its parameters with their allowed values."""

    results: frozenset[str] | None
    params: Mapping[str, tuple[ParamValue, ...]]


# -- the card's own shape (the loader) ---------------------------------------------------

Report = Callable[[tuple, str], None]  # (path inside the card, message)


def check_shape(card: PredictCard, report: Report) -> None:
    if (card.ranges is None) == (card.tolerance is None):
        report((), "a predict card needs exactly one of 'ranges' or 'tolerance'")
    if card.ranges is not None:
        _check_ranges(card.ranges, report)
    names = set(PLACEHOLDER.findall(card.prompt))
    allowed = {card.vary.param} if card.vary is not None else set()
    for name in sorted(names - allowed):
        fix = f"only {{{card.vary.param}}} is filled in" if card.vary else "the card has no 'vary'"
        report(("prompt",), f"placeholder {{{name}}} in the prompt: {fix}")
    if card.vary is not None:
        seen: list[ParamValue] = []
        for i, value in enumerate(card.vary.values):
            if any(same_value(value, other) for other in seen):
                report(("vary", "values", i), f"value {format_param(value)} is listed twice")
            seen.append(value)


def _check_ranges(ranges: Sequence[PredictRange], report: Report) -> None:
    last = len(ranges) - 1
    for i, r in enumerate(ranges):
        if i > 0 and r.min is None:
            report(("ranges", i), f"range {r.label!r} needs 'min' (only the first may be open)")
        if i < last and r.max is None:
            report(("ranges", i), f"range {r.label!r} needs 'max' (only the last may be open)")
        if r.min is not None and r.max is not None and not r.min < r.max:
            report(("ranges", i), f"range {r.label!r}: 'min' must be below 'max'")
        if i < last:
            nxt = ranges[i + 1]
            if r.max is not None and nxt.min is not None and r.max != nxt.min:
                what = "a gap" if r.max < nxt.min else "an overlap"
                report(
                    ("ranges", i + 1),
                    f"{what} between {r.label!r} (max {r.max:g}) and {nxt.label!r} "
                    f"(min {nxt.min:g}); ranges must be in order, each starting where "
                    "the one before ends",
                )


# -- against the demo catalog (lint) --------------------------------------------------------


def check_against_demos(
    path: Path, cards: Sequence[PredictCard], demos: Mapping[str, DemoFacts]
) -> list[Problem]:
    """Errors for measures, parameters and values the card's demo does not declare, at
    their ``file:line:col`` (the file is read again only when there is one)."""
    found: list[tuple[str, tuple, str]] = []
    for card in cards:
        facts = demos.get(card.demo)
        if facts is None:
            continue  # an unknown demo: the loader reports it
        if facts.results is None:
            found.append((card.id, ("measure",), f"demo {card.demo!r} declares no results"))
        elif card.measure not in facts.results:
            found.append(
                (
                    card.id,
                    ("measure",),
                    f"{card.measure!r} is not a result of demo {card.demo!r}"
                    + _hint(card.measure, facts.results),
                )
            )
        if card.vary is None:
            continue
        allowed = facts.params.get(card.vary.param)
        if allowed is None:
            known = ", ".join(sorted(facts.params)) or "none"
            found.append(
                (
                    card.id,
                    ("vary", "param"),
                    f"demo {card.demo!r} has no parameter {card.vary.param!r} (its parameters: "
                    f"{known})",
                )
            )
            continue
        for i, value in enumerate(card.vary.values):
            if not any(same_value(value, a) for a in allowed):
                shown = ", ".join(str(a) for a in allowed)
                found.append(
                    (
                        card.id,
                        ("vary", "values", i),
                        f"{card.vary.param} = {format_param(value)} is not a value demo {card.demo!r} "
                        f"allows; use one of {shown}",
                    )
                )
    return locate_card_problems(path, found) if found else []


def _hint(name: str, names: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return (
        f"; did you mean {close[0]!r}?" if close else f"; its results: {', '.join(sorted(names))}"
    )


def locate_card_problems(path: Path, found: list[tuple[str, tuple, str]]) -> list[Problem]:
    """Errors at the position of a field of a card in ``path``: each of ``found`` is
    (card id, path inside the card, message).  The file is read again, with
    positions: only files with such a problem, which lint reports."""
    from drillbreak.deck import yamlsource  # PyYAML: loaded only where a file is parsed

    try:
        data, positions = yamlsource.read_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yamlsource.YamlError):  # it loaded a moment ago
        data, positions = None, None
    raw_cards = data.get("cards") if isinstance(data, dict) else None
    index = {c.get("id"): i for i, c in enumerate(raw_cards or []) if isinstance(c, dict)}
    shown = display_path(path)
    problems = []
    for card_id, where, message in found:
        line, col = 1, 1
        if positions is not None and card_id in index:
            line, col = positions.of(("cards", index[card_id], *where))
        problems.append(Problem(shown, line, col, "error", message))
    return problems


# -- what a prediction is compared with -----------------------------------------------------


def range_index(ranges: Sequence[PredictRange], value: float) -> int | None:
    """The range ``value`` falls in (each range holds its min, not its max; the last
    holds its max too); a value beyond a closed end counts in the nearest range; None
    for a value that is not a number."""
    if math.isnan(value):
        return None
    for i, r in enumerate(ranges):
        if r.max is not None and value >= r.max and i < len(ranges) - 1:
            continue
        return i
    return len(ranges) - 1


def range_choices(card: PredictCard, actual: int | None = None) -> list[Choice]:
    """A card's ranges as lettered choices; ``actual``: the one marked right."""
    ranges = card.ranges or ()  # labels validated with the card
    return [Choice(text=r.label, correct=i == actual) for i, r in enumerate(ranges)]


def fill_prompt(prompt: str, values: Mapping[str, ParamValue]) -> str:
    """The prompt with ``{param}`` replaced by this review's value."""
    return PLACEHOLDER.sub(
        lambda m: format_param(values[m.group(1)]) if m.group(1) in values else m.group(0),
        prompt,
    )


def format_param(value: ParamValue) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def format_tolerance(card: PredictCard) -> str:
    """The tolerance as the learner reads it: ``5 points`` of a percentage."""
    tol = card.tolerance or 0.0
    return f"{100 * tol:g} points" if card.percent else f"{tol:g}"


def format_gap(card: PredictCard, gap: float) -> str:
    """How far a prediction was from the measure: points between two percentages."""
    if math.isnan(gap):
        return "n/a"
    return (
        f"{100 * gap:.1f} points".replace(".0 points", " points") if card.percent else f"{gap:.3g}"
    )


def format_measure(card: PredictCard, value: float) -> str:
    """A number as the card talks about it: a percentage with ``percent: true``."""
    if math.isnan(value):
        return "n/a"
    if card.percent:
        return f"{100 * value:.1f}%".replace(".0%", "%")
    return f"{value:.3g}"
