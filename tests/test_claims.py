"""Cards agree with their demos: every claim in the shipped decks holds when its demo
runs (quick scale, the app's seed), and the check itself catches a claim that fails.

Slow: each linked demo runs once in the real child.  The time limit is the
calibrated ``budget`` (tests/conftest.py), a safety net against a hang.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from drillbreak.deck.claims import holds, parse_claim
from drillbreak.deck.loader import load_collection
from drillbreak.demo_runner.events import Result
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import iter_demo
from drillbreak.paths import shipped_cards_dir

pytestmark = pytest.mark.slow

# The app runs a demo from a card with the default request: this seed.
APP_SEED = DemoRequest("any").seed

Claims = dict[str, list[tuple[str, str]]]  # demo -> [(card id, claim text)]


def claims_in(decks: Path) -> Claims:
    """Every claim of the decks under ``decks``, by demo."""
    found: Claims = defaultdict(list)
    for deck in load_collection([decks]).decks:
        for card in deck.cards:
            for text in card.claims:
                assert card.demo is not None  # lint: claims need a demo
                found[card.demo].append((f"{deck.id}/{card.id}", text))
    return dict(found)


def failed_claims(
    demo: str, claims: list[tuple[str, str]], budget: float, demos_dir: Path | None = None
) -> list[str]:
    """Run ``demo`` once; one line per claim that does not hold, with the values."""
    request = DemoRequest(
        demo, device="cpu", seed=APP_SEED, scale="quick", timeout=budget, demos_dir=demos_dir
    )
    result = next(e for e in reversed(list(iter_demo(request))) if isinstance(e, Result))
    failures = []
    for card, text in claims:
        claim = parse_claim(text)
        values = {name: result.headline[name] for name in claim.names}
        if not holds(claim, values):
            shown = ", ".join(f"{name} = {value:g}" for name, value in values.items())
            failures.append(f"{card}: claim {text!r} does not hold ({shown})")
    return failures


SHIPPED = claims_in(shipped_cards_dir())


@pytest.mark.parametrize("demo", sorted(SHIPPED))
def test_every_claim_of_the_shipped_cards_holds(demo, budget):
    assert failed_claims(demo, SHIPPED[demo], budget) == []


CHECKED_DEMO = """
META = {"name": "checked", "title": "Checked", "concept": "c", "watch_for": "w",
        "expected_seconds": 1,
        "results": {"accuracy": "accuracy (fraction 0-1)", "noise_accuracy": "x (0-1)"}}


def run(ctx):
    ctx.result({"accuracy": 0.25, "noise_accuracy": 0.875}, "done")
"""

CHECKED_DECK = """
deck: checked
title: Checked
cards:
  - id: right
    front: Q
    back: A
    demo: checked
    claims: ["accuracy < 0.5", "noise_accuracy > accuracy"]
  - id: wrong
    front: Q
    back: A
    demo: checked
    claims: ["accuracy > 0.5", "noise_accuracy >= 0.5"]
"""


def test_a_claim_that_does_not_hold_is_reported_with_card_and_values(tmp_path, budget):
    demos, decks = tmp_path / "demos", tmp_path / "decks"
    demos.mkdir()
    decks.mkdir()
    (demos / "checked.py").write_text(textwrap.dedent(CHECKED_DEMO))
    (decks / "checked.yaml").write_text(textwrap.dedent(CHECKED_DECK))
    claims = claims_in(decks)
    assert len(claims["checked"]) == 4
    assert failed_claims("checked", claims["checked"], budget, demos) == [
        "checked/wrong: claim 'accuracy > 0.5' does not hold (accuracy = 0.25)"
    ]
