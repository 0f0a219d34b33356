"""Every shipped demo runs in the real child process (quick scale) and shows its effect.

Each demo is its own test so pytest-xdist spreads them over workers; no test
depends on another's order or output.  A demo's time budget (the ``budget``
fixture, tests/conftest.py) is not a fixed number but scaled from a calibration
run on the same (possibly busy) machine; it is a safety net against a hung demo,
not a speed test (speed belongs in ``make bench``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drillbreak.demo_runner.events import ErrorEvent, Event, Image, Meta, Metric, Progress, Result
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import iter_demo

pytestmark = pytest.mark.slow

H = dict[str, float]


def run_quick(name: str, budget: float, seed: int = 0) -> list[Event]:
    return list(
        iter_demo(DemoRequest(name, device="cpu", seed=seed, scale="quick", timeout=budget))
    )


def check_fgsm(h: H) -> None:
    assert h["clean_accuracy"] > 0.9
    assert h["accuracy_eps_0.2"] < h["clean_accuracy"] / 3
    assert h["accuracy_eps_0.3"] < 0.05
    assert h["wrong_confidence_eps_0.3"] > 0.8
    assert h["dim_1024_attacked_accuracy"] < h["dim_2_attacked_accuracy"] - 0.5


def check_overfitting(h: H) -> None:
    assert h["final_over_min"] > 1.5
    assert h["min_val_epoch"] < 0.5 * h["epochs"]
    assert h["final_train_loss"] < 0.1
    assert h["dropout_final_val_loss"] < h["final_val_loss"]
    assert h["weight_decay_final_val_loss"] < h["final_val_loss"]
    assert h["early_stopping_val_accuracy"] > h["final_val_accuracy"]


def check_learning_rate(h: H) -> None:
    assert h["good_accuracy"] > 0.9
    assert h["too_small_final_loss"] > 2.0
    assert h["too_small_accuracy"] < h["good_accuracy"] - 0.3
    assert h["too_large_accuracy"] < 0.2
    assert h["too_large_classes_predicted"] <= 2
    assert h["too_large_peak_loss"] > 10


def check_batch_size(h: H) -> None:
    assert h["batch_4_accuracy"] > h["full_batch_accuracy"] + 0.3
    assert h["batch_4_accuracy"] > h["batch_64_accuracy"] > h["full_batch_accuracy"]
    assert h["full_batch_steps"] * 100 < h["batch_4_steps"]
    assert h["scaled_batch_256_accuracy"] > h["batch_256_accuracy"] + 0.05
    assert h["scaled_full_batch_accuracy"] < 0.5


def check_distribution_shift(h: H) -> None:
    assert h["clean_accuracy"] > 0.9
    assert h["shift_2_accuracy"] < h["clean_accuracy"] / 2
    assert h["inverted_accuracy"] < 0.2
    assert h["min_shifted_confidence"] > 0.6


def check_shortcut(h: H) -> None:
    assert h["shortcut_train_accuracy"] > 0.9
    assert h["shortcut_test_accuracy"] < 0.5
    assert h["control_test_accuracy"] > h["shortcut_test_accuracy"] + 0.3
    assert h["shortcut_follows_pattern"] > 0.4


def check_calibration(h: H) -> None:
    assert h["ece_before"] > 0.05
    assert h["ece_after"] < 0.7 * h["ece_before"]
    assert h["temperature"] > 1
    assert h["accuracy_after"] == h["accuracy"]
    assert h["mean_confidence_before"] > h["accuracy"]


def check_data_hunger(h: H) -> None:
    assert h["mlp_accuracy_20"] < h["mlp_accuracy_200"] < h["mlp_accuracy_1200"]
    assert h["gain_20_to_200"] > h["gain_200_to_1200"] > 0
    assert h["mlp_train_accuracy_20"] == 1.0
    assert abs(h["logreg_accuracy_20"] - h["mlp_accuracy_20"]) < 0.1


def check_data_slant(h: H) -> None:
    assert abs(h["repay_rate_a"] - h["repay_rate_b"]) < 0.05
    assert h["past_gap"] > 0.15
    assert h["model_gap"] > 0.5 * h["past_gap"]
    assert h["model_refused_qualified_b"] > h["model_refused_qualified_a"] + 0.15
    assert h["final_gap"] > h["model_gap"] + 0.1
    assert h["neighbourhood_weight"] < 0


CHECKS: dict[str, Callable[[H], None]] = {
    "fgsm": check_fgsm,
    "overfitting": check_overfitting,
    "learning-rate": check_learning_rate,
    "batch-size": check_batch_size,
    "distribution-shift": check_distribution_shift,
    "shortcut": check_shortcut,
    "calibration": check_calibration,
    "data-hunger": check_data_hunger,
    "data-slant": check_data_slant,
}


def test_every_shipped_demo_has_a_check():
    from drillbreak.demo_runner.catalog import demo_names

    assert set(CHECKS) == demo_names()


@pytest.mark.parametrize("name", list(CHECKS))
def test_demo_runs_and_shows_its_effect(name, budget):
    events = run_quick(name, budget)
    assert isinstance(events[1], Meta) and events[1].name == name
    assert events[1].device == "cpu" and events[1].scale == "quick"
    assert events[1].threads == 1
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    assert any(isinstance(e, Progress) for e in events)
    metrics = [e for e in events if isinstance(e, Metric)]
    assert len({m.chart for m in metrics}) >= 1
    for image in (e for e in events if isinstance(e, Image)):
        assert len(image.pixels) == image.width * image.height
    result = events[-1]
    assert isinstance(result, Result)
    assert len(result.summary) > 100
    CHECKS[name](result.headline)


def test_same_seed_gives_identical_numbers(budget):
    first = run_quick("distribution-shift", budget, seed=0)[-1]
    second = run_quick("distribution-shift", budget, seed=0)[-1]
    assert isinstance(first, Result)
    assert first.headline == second.headline
    assert first.summary == second.summary


def test_child_seeding_is_deterministic_without_loading_the_compiler(budget):
    """seed_everything turns deterministic kernels on without importing torch._inductor
    (1 s of start-up that torch.use_deterministic_algorithms() would add to every demo)."""
    import subprocess
    import sys

    code = (
        "import sys, torch\n"
        "from drillbreak.demo_runner.child import seed_everything\n"
        "seed_everything(3, torch)\n"
        "print(torch.are_deterministic_algorithms_enabled(),"
        " 'torch._inductor.config' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=budget
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]
