"""Rubric keywords match on word stems, not only whole words (issue 13)."""

from __future__ import annotations

import pytest

from drillbreak.study.grading import keyword_hits


@pytest.mark.parametrize(
    ("answer", "keyword", "found"),
    [
        ("the model is miscalibrated", "calibrated", "miscalibrated"),
        ("it was overfitting the data", "overfit", "overfitting"),
        ("calibrated probabilities", "calibration", "calibrated"),
        ("Learning rates matter", "learning rate", "Learning rates"),
        ("plain gradient-descent works", "gradient descent", "gradient-descent"),
        ("two losses", "loss", "losses"),
    ],
)
def test_keyword_found_on_its_stem(answer: str, keyword: str, found: str) -> None:
    assert keyword_hits(answer, [keyword]) == [found]


@pytest.mark.parametrize(
    ("answer", "keyword"),
    [
        ("a fine start", "art"),  # a short keyword is not a stem inside another word
        ("the model is calibrated", "miscalibration"),  # the prefix is the keyword's point
        ("gradient ascent", "gradient descent"),
        ("accurate", "rate"),
        ("", "bias"),
    ],
)
def test_other_words_do_not_match(answer: str, keyword: str) -> None:
    assert keyword_hits(answer, [keyword]) == []


def test_each_keyword_reported_once_in_keyword_order() -> None:
    hits = keyword_hits("bias, then variance and more bias", ["variance", "bias", "noise"])
    assert hits == ["variance", "bias"]


def test_a_word_two_keywords_match_is_listed_once() -> None:
    """The starter deck's rubric has both "calibration" and "calibrated": one word of the
    answer that both match is found once, not "miscalibrated, miscalibrated"."""
    answer = "Models are miscalibrated"
    assert keyword_hits(answer, ["calibration", "calibrated", "distribution"]) == ["miscalibrated"]
