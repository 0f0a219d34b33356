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
    assert h["accuracy_eps_0_2"] < 0.1
    assert h["accuracy_eps_0_3"] < 0.05
    # The direction matters, not the size: random +-eps noise barely hurts.
    assert h["noise_accuracy_eps_0_2"] > 0.8
    assert h["wrong_confidence_eps_0_2"] > 0.7
    assert h["logistic_error_eps_0_25"] > 0.95
    # Equally accurate linear models: only eps*|w|_1 changes with the input size.
    assert h["dim_clean_accuracy_spread"] < 0.03
    assert h["dim_1024_attacked_accuracy"] < h["dim_2_attacked_accuracy"] - 0.5
    assert h["dim_1024_noise_accuracy"] > 0.85


def check_overfitting(h: H) -> None:
    assert h["final_over_min"] > 1.5
    assert h["min_val_epoch"] < 0.5 * h["epochs"]
    assert h["final_train_loss"] < 0.1
    assert h["dropout_final_val_loss"] < h["final_val_loss"]
    assert h["weight_decay_final_val_loss"] < h["final_val_loss"]
    assert h["early_stopping_val_accuracy"] > h["final_val_accuracy"]
    # Correct labels: validation loss rises while validation accuracy barely moves.
    assert h["clean_final_over_min"] > 1.1
    assert abs(h["clean_accuracy_change"]) < 0.05
    assert h["clean_final_wrong_confidence"] > h["clean_wrong_confidence_at_min"]


def check_learning_rate(h: H) -> None:
    assert h["good_accuracy"] > 0.9
    assert h["too_small_final_loss"] > 2.0
    assert h["too_small_accuracy"] < h["good_accuracy"] - 0.3
    assert h["too_large_accuracy"] < 0.2
    assert h["too_large_classes_predicted"] <= 2
    assert h["too_large_peak_loss"] > 10
    # The sweep is a valley: both ends well above the best rate's loss.
    assert h["sweep_best_final_loss"] < h["too_small_final_loss"] - 1
    assert h["sweep_best_final_loss"] < h["too_large_final_loss"] - 1
    assert 0.01 < h["sweep_best_lr"] < 10
    # Whole-set gradient descent: lr 1.5 bounces (uphill steps) yet survives.
    assert h["steady_uphill_steps"] < 0.02
    assert h["bounce_uphill_steps"] > 0.05
    assert h["bounce_largest_rise"] > 0.5
    assert h["bounce_accuracy"] > 0.9
    assert h["full_batch_too_large_accuracy"] < 0.2


def check_batch_size(h: H) -> None:
    assert h["batch_4_accuracy"] > h["full_batch_accuracy"] + 0.3
    assert h["batch_4_accuracy"] > h["batch_64_accuracy"] > h["full_batch_accuracy"]
    assert h["full_batch_steps"] * 100 < h["batch_4_steps"]
    assert h["scaled_batch_256_accuracy"] > h["batch_256_accuracy"] + 0.05
    assert h["scaled_full_batch_accuracy"] < 0.5
    # Given equal steps, full batch catches up: the epoch gap is mostly step count.
    assert h["equal_steps_full_batch_accuracy"] > h["full_batch_accuracy"] + 0.3
    assert h["equal_steps_spread_16_up"] < 0.05


def check_distribution_shift(h: H) -> None:
    assert h["clean_accuracy"] > 0.9
    assert h["shift_2_accuracy"] < h["clean_accuracy"] / 2
    assert h["inverted_accuracy"] < 0.2
    assert h["min_shifted_confidence"] > 0.6
    # Confidence falls, far less than accuracy.
    assert 0 < h["shift_2_confidence_drop"] < h["shift_2_accuracy_drop"] / 3
    assert h["shift_2_overconfidence"] > 0.4
    # Temperature fitted on clean data leaves the shifted set overconfident.
    assert h["temperature_shift_2_overconfidence"] > 0.4
    # Shift augmentation fixes the shift, not inversion.
    assert h["augmented_shift_2_accuracy"] > h["shift_2_accuracy"] + 0.4
    assert abs(h["augmented_shift_2_overconfidence"]) < 0.15
    assert h["augmented_inverted_accuracy"] < 0.5


def check_shortcut(h: H) -> None:
    # The same-source test looks perfect; every test where the dots mislead exposes it.
    assert h["shortcut_same_source_accuracy"] > 0.95
    assert h["shortcut_wrong_dots_accuracy"] < 0.5
    assert h["shortcut_random_dots_accuracy"] < 0.6
    assert h["shortcut_follows_wrong_dots"] > 0.4
    assert h["shortcut_wrong_dots_accuracy"] < h["shortcut_accuracy_agree_50"] - 0.15
    # It learned both signals: without dots it still reads most digits.
    assert h["shortcut_no_dots_accuracy"] > h["shortcut_wrong_dots_accuracy"] + 0.3
    # Random dots in training do no harm: the correlation does it.
    assert h["control_wrong_dots_accuracy"] > h["shortcut_wrong_dots_accuracy"] + 0.3
    assert abs(h["control_wrong_dots_accuracy"] - h["control_same_source_accuracy"]) < 0.05
    assert h["shortcut_margin_weight_share"] > h["control_margin_weight_share"] + 0.1


def check_calibration(h: H) -> None:
    assert h["ece_before"] > 0.05
    assert h["ece_after"] < 0.7 * h["ece_before"]
    assert h["temperature"] > 1
    assert h["accuracy_after"] == h["accuracy"]
    assert h["mean_confidence_before"] > h["accuracy"]
    # The reliability diagram: below the diagonal before scaling, much less after.
    assert h["bins_below_diagonal_before"] > 0.8
    assert h["bins_below_diagonal_after"] < h["bins_below_diagonal_before"] - 0.3


def check_data_hunger(h: H) -> None:
    # Error falls as a power law, and the next 5 points cost more than the first 90.
    assert h["mlp_error_exponent"] > 0.3
    assert h["mlp_error_100_per_class"] < h["mlp_error_1_per_class"] / 5
    assert h["mlp_examples_for_95"] > 2 * h["mlp_examples_for_90"]
    assert h["mlp_train_accuracy_1_per_class"] == 1.0
    assert h["mlp_error_spread_1_per_class"] > 0
    # A built-in prior (shift augmentation) cuts the examples needed several-fold.
    assert h["prior_data_saving"] > 2.5
    assert h["prior_examples_for_80"] < h["scratch_examples_for_80"]


def check_data_slant(h: H) -> None:
    assert abs(h["repay_rate_a"] - h["repay_rate_b"]) < 0.05
    assert h["past_gap"] > 0.15
    assert h["model_gap"] > 0.5 * h["past_gap"]
    assert h["model_refused_qualified_b"] > h["model_refused_qualified_a"] + 0.15
    assert h["neighbourhood_weight"] < 0
    assert h["final_gap"] > h["model_gap"] + 0.1
    # Selective labels: the gap stays open while full outcomes would close it, and the
    # records understate B's repayment.
    assert h["selective_final_gap"] > h["all_outcomes_final_gap"] + 0.05
    assert h["selective_recorded_repay_rate_b"] < h["selective_true_repay_rate_b"] - 0.1


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
