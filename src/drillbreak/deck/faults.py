"""The fault families of generated diagnosis cards: ids and the labels a learner sees.

A generated diagnosis card (``generate: {family: ...}``) shows a case made by the
generator of its family (``demos/faults.py``, run in the demo child) and offers
these families as its options.  Dependency-free: the loader validates with it and
the demo child names its generators by it.
"""

from __future__ import annotations

__all__ = ["FAMILIES", "GENERATOR_VERSION", "QUESTION"]

# Bump when a generator changes what its cases show: pooled cases of an older
# version are then never served.
GENERATOR_VERSION = 1

QUESTION = "What is wrong with this training run?"

FAMILIES: dict[str, str] = {
    "lr-too-high": "The learning rate is too high",
    "lr-too-low": "The learning rate is too low",
    "label-noise": "It memorises noisy training labels (overfitting)",
    "val-distribution": "The validation set comes from another distribution",
    "leakage": "Validation examples leaked in from the training set",
    "shortcut": "The model learned a shortcut feature",
    "batch-too-large": "The batch is too large for this number of epochs",
    "unnormalised-inputs": "The inputs are not normalised",
    "dead-units": "A bad initialisation left most units dead",
}
