"""A diagnosis written from the lessons, not from the generators: what a practitioner
reads in a training log and the usual data checks.  ``tests/test_generated_cases.py``
checks that it names the fault of generated cases, i.e. that their evidence carries
the signal.  It sees only what the learner sees: the log columns and the facts the
scenario states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def diagnose(columns: Mapping[str, Sequence[float]], facts: Mapping[str, Any]) -> str:
    """The fault family the evidence points to ("healthy" if none)."""
    train_loss, train_acc = columns["train_loss"], columns["train_acc"]
    val_loss, val_acc = columns["val_loss"], columns["val_acc"]
    start = train_loss[0]  # the untrained network: about ln 10 = 2.30
    test_acc = facts["test_acc"]
    # Pixels should be about 0..1: anything far larger makes every step too big.
    if facts["input_max"] > 10:
        return "unnormalised-inputs"
    # Most ReLUs silent on every example before training: the initialisation.
    if columns["dead_frac"][0] >= 0.5:
        return "dead-units"
    # Training loss above where it started, or NaN, or units that were alive at the
    # start killed by training: the steps overshoot.
    dead = columns["dead_frac"]
    if facts["diverged_at"] is not None or max(train_loss) > start + 0.3 or dead[-1] >= 0.8:
        return "lr-too-high"
    # Validation examples that are copies of training examples measure memory.
    if facts["duplicates"] >= 0.1 * facts["n_val"]:
        return "leakage"
    # Validation fine, fresh data much worse, and one pixel predicts the label.
    if val_acc[-1] - test_acc > 0.1 and facts["best_pixel_acc"] > 0.8:
        return "shortcut"
    # Fresh data scores far better than validation: validation is the odd one out.
    if test_acc - val_acc[-1] > 0.15:
        return "val-distribution"
    # Memorised training set, validation behind and its loss turning up.
    overfit = train_acc[-1] >= 0.95 and train_acc[-1] - val_acc[-1] > 0.15
    if overfit and val_loss[-1] > 1.2 * min(val_loss):
        return "label-noise"
    # Many steps and the loss has hardly left chance level: the steps are tiny.
    if train_loss[-1] > 0.8 * start and facts["steps"] >= 100:
        return "lr-too-low"
    # Few steps, and the loss was still falling when training stopped.
    if facts["steps"] <= 60 and train_loss[-1] > 0.5 and train_loss[-2] > train_loss[-1]:
        return "batch-too-large"
    return "healthy"
