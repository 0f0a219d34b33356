"""``drillbreak lint``: every problem of every deck file, then a summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from drillbreak.deck.loader import load_collection
from drillbreak.deck.models import PredictCard
from drillbreak.deck.predict import DemoFacts, check_against_demos


def lint(
    paths: Iterable[Path],
    out: TextIO,
    demo_names: Iterable[str] | None = None,
    *,
    demo_facts: Mapping[str, DemoFacts] | None = None,
) -> int:
    """Print problems as ``path:line:col: severity: message``; return the exit status.

    ``demo_names``: the demos a card may name (None: not checked).  ``demo_facts``:
    each demo's declared results and parameters, which predict cards may name (None:
    not checked).
    """
    paths = list(paths)
    collection = load_collection(paths, demo_names)
    found = list(collection.problems)
    if demo_facts is not None:
        for result in collection.results:
            if result.deck is not None:
                cards = [c for c in result.deck.cards if isinstance(c, PredictCard)]
                found += check_against_demos(result.path, cards, demo_facts)
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
