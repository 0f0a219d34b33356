"""The slow-machine decision and the time-left estimate: plain functions of numbers."""

from __future__ import annotations

import pytest

from drillbreak.demo_runner.pace import (
    PATIENCE_SECONDS,
    REFERENCE_SECONDS,
    choose_scale,
    format_duration,
    seconds_left,
)


@pytest.mark.parametrize("requested", ["quick", "full"])
def test_an_explicit_scale_is_kept_whatever_the_calibration(requested):
    assert choose_scale(requested, 100 * REFERENCE_SECONDS, 10).scale == requested
    assert choose_scale(requested, None, 10).reason == ""


def test_auto_without_a_measurement_runs_full():
    assert choose_scale("auto", None, 1000).scale == "full"


def test_auto_on_a_machine_as_fast_as_the_reference_runs_full():
    choice = choose_scale("auto", REFERENCE_SECONDS, PATIENCE_SECONDS / 2)
    assert (choice.scale, choice.reason) == ("full", "")


def test_auto_runs_quick_when_the_full_run_would_outlast_the_patience_and_says_why():
    expected = 10.0
    slow = choose_scale("auto", 4 * REFERENCE_SECONDS, expected)  # about 40 s here
    assert slow.scale == "quick"
    assert "4.0x slower" in slow.reason and "40 s" in slow.reason
    fine = choose_scale("auto", 2 * REFERENCE_SECONDS, expected)  # about 20 s here
    assert fine.scale == "full"


def test_a_faster_machine_does_not_shrink_a_long_demo_below_its_expected_time():
    assert choose_scale("auto", REFERENCE_SECONDS / 10, 2 * PATIENCE_SECONDS).scale == "quick"


@pytest.mark.parametrize(
    ("elapsed", "fraction", "left"),
    [(10.0, 0.5, 10.0), (30.0, 0.75, 10.0), (5.0, 1.0, 0.0), (5.0, 0.0, None), (5.0, 0.01, None)],
)
def test_seconds_left_at_the_pace_so_far(elapsed, fraction, left):
    assert seconds_left(elapsed, fraction) == left


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0 s"), (4.2, "5 s"), (59.5, "1 min 00 s"), (61, "1 min 01 s")]
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text
