"""Content checks for the shipped course decks in cards/.

Plain PyYAML on purpose: these tests describe the decks we ship, not the app's
loader, so they keep working whatever happens to the internals.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from drillbreak.deck.faults import FAMILIES

CARDS_DIR = Path(__file__).resolve().parents[1] / "cards"
EXCLUDED = {"starter.yaml"}
COURSE_DECKS = (
    "what-deep-learning-is",
    "how-training-works",
    "architectures",
    "deployment-failures",
    "where-deep-learning-breaks",
)
DEMOS = (
    "fgsm",
    "overfitting",
    "learning-rate",
    "batch-size",
    "distribution-shift",
    "shortcut",
    "calibration",
    "data-hunger",
    "data-slant",
)
CATCH_ALL = re.compile(r"\b(all|none) of the above\b", re.IGNORECASE)


def _load_decks() -> dict[str, dict]:
    decks = {}
    for path in sorted(CARDS_DIR.glob("*.yaml")):
        if path.name in EXCLUDED:
            continue
        with path.open(encoding="utf-8") as fh:
            decks[path.stem] = yaml.safe_load(fh)
    return decks


DECKS = _load_decks()
ALL_CARDS = [(stem, card) for stem, deck in DECKS.items() for card in deck.get("cards") or []]


def _type(card: dict) -> str:
    return card.get("type", "basic")


def _label(stem: str, card: dict) -> str:
    return f"{stem}:{card.get('id')}"


def test_all_course_decks_present():
    for deck_id in COURSE_DECKS:
        assert deck_id in DECKS, f"missing cards/{deck_id}.yaml"
        assert DECKS[deck_id]["deck"] == deck_id


def test_enough_cards():
    assert len(ALL_CARDS) >= 120


@pytest.mark.parametrize("deck_id", COURSE_DECKS)
def test_deck_mixes_card_types(deck_id):
    types = {_type(card) for card in DECKS[deck_id]["cards"]}
    missing = {"basic", "cloze", "choice"} - types
    assert not missing, f"{deck_id} has no {sorted(missing)} cards"


def test_card_ids_unique_per_deck():
    for stem, deck in DECKS.items():
        ids = Counter(card["id"] for card in deck["cards"])
        dupes = sorted(i for i, n in ids.items() if n > 1)
        assert not dupes, f"{stem}: duplicate ids {dupes}"


def test_enough_diagnosis_and_open_cards():
    types = Counter(_type(card) for _, card in ALL_CARDS)
    assert types["diagnosis"] >= 15
    assert types["open"] >= 6


@pytest.mark.parametrize("demo", DEMOS)
def test_every_demo_linked_twice(demo):
    linked = [_label(stem, card) for stem, card in ALL_CARDS if card.get("demo") == demo]
    assert len(linked) >= 2, f"demo {demo!r} is linked from {linked}"


def test_demo_links_are_known_names():
    unknown = [
        _label(stem, card)
        for stem, card in ALL_CARDS
        if card.get("demo") is not None and card["demo"] not in DEMOS
    ]
    assert not unknown


def test_every_card_has_a_tag():
    untagged = [_label(stem, card) for stem, card in ALL_CARDS if not card.get("tags")]
    assert not untagged


def test_no_catch_all_choices():
    offenders = [
        _label(stem, card)
        for stem, card in ALL_CARDS
        for choice in card.get("choices") or []
        if CATCH_ALL.search(str(choice.get("text", "")))
    ]
    assert not offenders


def test_choices_have_a_correct_answer_and_reasons():
    for stem, card in ALL_CARDS:
        if _type(card) not in ("choice", "diagnosis") or "generate" in card:
            continue  # a generated card's choices are fault families; its case explains
        choices = card.get("choices") or []
        label = _label(stem, card)
        assert any(choice.get("correct") is True for choice in choices), label
        assert all(str(choice.get("why") or "").strip() for choice in choices), label


def test_one_generated_card_per_fault_family():
    families = Counter(card["generate"]["family"] for _, card in ALL_CARDS if "generate" in card)
    assert set(families) == set(FAMILIES) and set(families.values()) == {1}, families
