"""Claims parse into (lhs, op, rhs) and are judged against a run's numbers."""

from __future__ import annotations

import pytest

from drillbreak.deck.claims import Claim, holds, parse_claim


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("accuracy_eps_0_2 < 0.1", Claim("accuracy_eps_0_2", "<", 0.1)),
        ("  a>=b ", Claim("a", ">=", "b")),
        ("-1e-3 <= loss", Claim(-0.001, "<=", "loss")),
        ("x > .5", Claim("x", ">", 0.5)),
    ],
)
def test_parse(text, claim):
    assert parse_claim(text) == claim


@pytest.mark.parametrize("text", ["a < ", "a == 1", "a <> b", "A < 1", "a < 1 < b", "1 < 2", ""])
def test_not_a_claim(text):
    with pytest.raises(ValueError, match="claim"):
        parse_claim(text)


def test_names_and_text():
    claim = parse_claim("noise_accuracy >= accuracy")
    assert claim.names == ["noise_accuracy", "accuracy"]
    assert str(claim) == "noise_accuracy >= accuracy"
    assert str(parse_claim("a<0.10")) == "a < 0.1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a < 0.5", True),
        ("a < 0.2", False),
        ("a <= 0.2", True),
        ("a > b", False),
        ("b >= 0.9", True),
        ("0.1 < a", True),
        ("b > 0.9", False),
    ],
)
def test_holds(text, expected):
    assert holds(parse_claim(text), {"a": 0.2, "b": 0.9}) is expected


@pytest.mark.parametrize("text", ["n < 1", "n > 1", "n >= n", "1 <= n", "m < 1", "a < m"])
def test_a_value_the_run_could_not_measure_fails_the_claim(text):
    """NaN or None (a demo's "not reached") is never true and never raises."""
    assert holds(parse_claim(text), {"a": 0.2, "n": float("nan"), "m": None}) is False
