"""``drillbreak lint``: every problem of every deck file, then a summary."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TextIO

from drillbreak.deck.claims import parse_claim
from drillbreak.deck.loader import FileResult, load_collection
from drillbreak.deck.models import Card, PredictCard
from drillbreak.deck.predict import DemoFacts, check_against_demos, locate_card_problems
from drillbreak.deck.problems import Problem


def lint(
    paths: Iterable[Path],
    out: TextIO,
    demo_names: Iterable[str] | None = None,
    *,
    demo_results: Mapping[str, Collection[str] | None] | None = None,
    demo_facts: Mapping[str, DemoFacts] | None = None,
) -> int:
    """Print problems as ``path:line:col: severity: message``; return the exit status.

    ``demo_names``: the demos a card may name (None: not checked).  ``demo_results``:
    each demo's declared result names (None for a demo that declares none), which
    cards' ``claims`` may cite (None: not checked).  ``demo_facts``: each demo's
    declared results and parameters, which predict cards may name (None: not checked).
    """
    paths = list(paths)
    collection = load_collection(paths, demo_names)
    found = list(collection.problems)
    if demo_results is not None:
        found += check_claim_names(collection.results, demo_results)
    if demo_facts is not None:
        for result in collection.results:
            if result.deck is not None:
                predicts = [c for c in result.deck.cards if isinstance(c, PredictCard)]
                found += check_against_demos(result.path, predicts, demo_facts)
    problems = sorted(found, key=lambda p: (p.path, p.line, p.col))
    for problem in problems:
        print(problem.format(), file=out)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    files = len(collection.results)
    cards = sum(len(r.deck.cards) for r in collection.results if r.deck)
    if files == 0:
        print("no deck files found (looked for *.yaml and *.yml)", file=out)
        return 1
    status = "clean" if not problems else f"{errors} error(s), {warnings} warning(s)"
    print(f"{files} file(s), {cards} card(s): {status}", file=out)
    return 1 if errors else 0


def check_claim_names(
    results: list[FileResult], demo_results: Mapping[str, Collection[str] | None]
) -> list[Problem]:
    """Errors for claims citing names their card's demo does not declare, at the
    claim's ``file:line:col``.  ``demo_results``: each demo's declared result names
    (``None``: the demo declares none); cards of demos not in it are not checked
    (the loader reports unknown demos)."""
    problems: list[Problem] = []
    for result in results:
        if result.deck is None:
            continue
        found = [
            (card.id, ("claims", index), message)
            for card in result.deck.cards
            if card.demo is not None and card.demo in demo_results
            for index, message in _bad_claims(card, demo_results[card.demo])
        ]
        if found:
            problems += locate_card_problems(result.path, found)
    return problems


def _bad_claims(card: Card, declared: Collection[str] | None) -> list[tuple[int, str]]:
    bad = []
    for index, text in enumerate(card.claims):
        if declared is None:
            bad.append(
                (
                    index,
                    f"claim {text!r}: demo {card.demo!r} declares no results "
                    "(META['results'] in its module); claims can cite only declared names",
                )
            )
            continue
        for name in parse_claim(text).names:
            if name not in declared:
                close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else "its results: " + ", ".join(sorted(declared))
                )
                bad.append(
                    (
                        index,
                        f"claim {text!r}: {name!r} is not a result of demo {card.demo!r}; {hint}",
                    )
                )
    return bad
