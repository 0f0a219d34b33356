"""Generators of diagnosis cases: one small real training run with a hidden fault.

Not a demo (no ``META``): ``python -m drillbreak.demo_runner.cases`` imports it in
the child process.  :func:`make_case` trains a small MLP on the 8x8 digits with the
fault of one family (``drillbreak.deck.faults.FAMILIES``), every magnitude drawn
from ``seed``, and returns the case as plain data:

- ``evidence``: the run's log, a row per epoch (every few epochs in a long run; epoch
  0 is the untrained model):
  ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` and ``dead_frac`` (the
  share of hidden ReLUs that are zero on every training example);
- ``facts``: the set-up and the checks a practitioner would run (the same keys for
  every family): learning rate, batch size, steps, input range, exact duplicates
  between the training and validation sets, the best accuracy any single input
  pixel reaches on the training set, and accuracy on a fresh test set;
- ``scenario`` (the facts in words) and ``explanation`` (citing the run's numbers).

torch is imported inside the functions (via ``demokit``), like the demos.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from drillbreak.deck.faults import FAMILIES, GENERATOR_VERSION

LN10 = math.log(10)
N_VAL = 300
N_TEST = 400
MAX_ROWS = 20  # log rows shown (long runs are logged every few epochs)


@dataclass
class Setup:
    """One run's settings; a generator draws them and plants its fault."""

    n_train: int
    hidden: int
    epochs: int
    lr: float
    batch: int
    optimizer: str = "adam"
    noise: float = 0.0  # share of training labels replaced by a wrong class
    val_shift: int = 0  # validation images moved this many pixels
    leaked: float = 0.0  # share of validation rows copied from the training set
    shortcut: float = 0.0  # share of training/validation images with a class mark
    input_scale: float = 1.0  # inputs multiplied by this (1: pixels in 0..1)
    bias_init: float | None = None  # first-layer bias, None: PyTorch's default
    facts: dict[str, Any] = field(default_factory=dict)


@cache
def _digits() -> tuple[Any, Any]:
    import demokit

    return demokit.load_digits()


def _mark(x: Any, y: Any, share: float, g: Any) -> Any:
    """A copy of ``x`` where ``share`` of the images carry a grey mark in the four
    corners whose brightness says the class: a shortcut a model finds at once."""
    import torch

    x = x.clone()
    chosen = torch.rand(len(y), generator=g) < share
    corners = torch.tensor([0, 7, 8, 15, 48, 55, 56, 63])  # 2 pixels in each corner
    x[chosen.nonzero(), corners] = ((y[chosen] + 1) / 10)[:, None]
    return x


def _duplicates(x_train: Any, x_val: Any) -> int:
    """How many validation rows are exact copies of a training row."""
    import torch

    exact = "donot_use_mm_for_euclid_dist"  # the matrix-product shortcut is not exact
    same = torch.cdist(x_val, x_train, compute_mode=exact) == 0
    return int(same.any(1).sum())


def _best_single_pixel(x: Any, y: Any) -> float:
    """The best training accuracy of a rule reading one input only (a lookup table
    from each of 17 value levels to its most common class)."""
    import torch

    lo, hi = x.min(0).values, x.max(0).values
    levels = ((x - lo) / (hi - lo).clamp_min(1e-12) * 16).round().long()  # (n, 64)
    n, d = levels.shape
    counts = torch.zeros(d, 17, 10)
    index = (levels * 10 + y[:, None]).T  # (d, n)
    counts.view(d, -1).scatter_add_(1, index, torch.ones(d, n))
    return float(counts.max(2).values.sum(1).max() / n)


def _data(setup: Setup, seed: int) -> tuple[Any, ...]:
    import demokit
    import torch

    x, y = _digits()
    g = demokit.gen(seed)
    order = torch.randperm(len(y), generator=g)
    n_fresh = N_VAL - round(setup.leaked * N_VAL)
    tr = order[: setup.n_train]
    va = order[setup.n_train : setup.n_train + n_fresh]
    te = order[setup.n_train + n_fresh : setup.n_train + n_fresh + N_TEST]
    if n_fresh < N_VAL:  # leakage: copies of training rows in the validation set
        copies = tr[torch.randint(len(tr), (N_VAL - n_fresh,), generator=g)]
        va = torch.cat([va, copies])
    x_tr, y_tr, x_va, y_va, x_te, y_te = x[tr], y[tr], x[va], y[va], x[te], y[te]
    if setup.noise:
        y_tr = demokit.noisy_labels(y_tr, setup.noise, seed + 1)
    if setup.val_shift:
        x_va = demokit.shift_images(x_va, setup.val_shift)
    if setup.shortcut:
        x_tr = _mark(x_tr, y_tr, setup.shortcut, g)
        x_va = _mark(x_va, y_va, setup.shortcut, g)
    s = setup.input_scale
    return x_tr * s, y_tr, x_va * s, y_va, x_te * s, y_te


def _round(v: float, digits: int = 4) -> float:
    return float(f"{v:.{digits}g}")


def run_case(setup: Setup, seed: int) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """Train as ``setup`` says; the per-epoch log and the facts of the run."""
    import demokit
    import torch

    x_tr, y_tr, x_va, y_va, x_te, y_te = _data(setup, seed)
    model = demokit.mlp([64, setup.hidden, 10], seed=seed)
    if setup.bias_init is not None:
        with torch.no_grad():
            model[0].bias.fill_(setup.bias_init)
    log: dict[str, list[Any]] = {
        k: [] for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "dead_frac")
    }

    stride = math.ceil(setup.epochs / (MAX_ROWS - 3))  # rows: 0, 1, multiples, the last

    def shown(epoch: int) -> bool:
        return epoch <= 1 or epoch % stride == 0 or epoch == setup.epochs

    finished = [0]  # the last epoch whose losses were finite

    def record(epoch: int, _loss: float = 0.0) -> bool:
        tr = demokit.evaluate(model, x_tr, y_tr)
        va = demokit.evaluate(model, x_va, y_va)
        if not (math.isfinite(tr.loss) and math.isfinite(va.loss)):
            return True  # diverged: the log stops at the last finite epoch
        finished[0] = epoch
        if not shown(epoch):
            return False
        log["epoch"].append(epoch)
        row = (tr.loss, tr.accuracy, va.loss, va.accuracy, demokit.dead_units(model, x_tr))
        for key, value in zip(list(log)[1:], row, strict=True):
            log[key].append(_round(value))
        return False

    record(0)
    steps = demokit.train(
        model,
        x_tr,
        y_tr,
        epochs=setup.epochs,
        lr=setup.lr,
        batch_size=setup.batch,
        optimizer=setup.optimizer,
        seed=seed,
        on_epoch=record,
    )
    test = demokit.evaluate(model, x_te, y_te)
    facts = {
        "n_train": setup.n_train,
        "n_val": N_VAL,
        "hidden": setup.hidden,
        "optimizer": setup.optimizer,
        "lr": setup.lr,
        "batch": min(setup.batch, setup.n_train),
        "epochs": setup.epochs,
        "diverged_at": None if finished[0] == setup.epochs else finished[0] + 1,
        "steps": steps,
        "input_min": _round(float(x_tr.min())),
        "input_max": _round(float(x_tr.max())),
        "duplicates": _duplicates(x_tr, x_va),
        "best_pixel_acc": _round(_best_single_pixel(x_tr, y_tr)),
        "test_acc": _round(test.accuracy) if math.isfinite(test.loss) else None,
    }
    return log, facts


# ------------------------------------------------------------------ the families


def _base(r: random.Random) -> Setup:
    """A healthy run: Adam, a sensible learning rate and batch, enough epochs."""
    return Setup(
        n_train=r.choice([500, 600, 700, 800]),
        hidden=r.choice([32, 48, 64]),
        epochs=r.randint(12, 18),
        lr=_round(r.uniform(2e-3, 6e-3), 2),
        batch=r.choice([32, 64]),
    )


def _lr_too_high(r: random.Random) -> Setup:
    s = _base(r)
    s.optimizer = "momentum"
    s.lr = _round(r.uniform(1.5, 4.0), 2)
    return s


def _lr_too_low(r: random.Random) -> Setup:
    s = _base(r)
    s.optimizer = "sgd"
    s.batch = 32
    s.lr = _round(r.uniform(5e-4, 2e-3), 2)
    return s


def _label_noise(r: random.Random) -> Setup:
    s = _base(r)
    s.n_train = r.choice([200, 250, 300])
    s.hidden = r.choice([128, 192, 256])
    s.noise = _round(r.uniform(0.3, 0.5))
    s.epochs = r.randint(50, 70)
    s.batch = 32
    s.lr = _round(r.uniform(6e-3, 1.2e-2), 2)
    return s


def _val_distribution(r: random.Random) -> Setup:
    s = _base(r)
    s.val_shift = r.choice([-1, 1])
    return s


def _leakage(r: random.Random) -> Setup:
    s = _base(r)
    s.n_train = r.choice([50, 60, 80])
    s.hidden = r.choice([64, 128])
    s.leaked = _round(r.uniform(0.7, 0.95))
    s.epochs = r.randint(40, 60)
    s.batch = 16
    return s


def _shortcut(r: random.Random) -> Setup:
    s = _base(r)
    s.shortcut = _round(r.uniform(0.95, 1.0))
    s.batch = 32
    s.epochs = r.randint(3, 6)
    return s


def _batch_too_large(r: random.Random) -> Setup:
    s = _base(r)
    s.optimizer = "sgd"
    s.lr = _round(r.uniform(0.1, 0.3), 2)
    s.batch = s.n_train
    s.epochs = r.randint(15, 30)
    return s


def _unnormalised(r: random.Random) -> Setup:
    s = _base(r)
    s.optimizer = "momentum"
    s.lr = _round(r.uniform(0.02, 0.05), 2)
    s.input_scale = float(r.choice([50, 100, 255]))
    return s


def _dead_units(r: random.Random) -> Setup:
    s = _base(r)
    s.bias_init = _round(r.uniform(-1.2, -0.6), 2)
    return s


GENERATORS: dict[str, Callable[[random.Random], Setup]] = {
    "lr-too-high": _lr_too_high,
    "lr-too-low": _lr_too_low,
    "label-noise": _label_noise,
    "val-distribution": _val_distribution,
    "leakage": _leakage,
    "shortcut": _shortcut,
    "batch-too-large": _batch_too_large,
    "unnormalised-inputs": _unnormalised,
    "dead-units": _dead_units,
}
assert set(GENERATORS) == set(FAMILIES)


def make_case(family: str, seed: int) -> dict[str, Any]:
    """One case of ``family`` from ``seed`` (the same seed gives the same case on a CPU)."""
    setup = GENERATORS[family](random.Random(f"{family}:{seed}"))
    log, facts = run_case(setup, seed)
    return {
        "version": GENERATOR_VERSION,
        "family": family,
        "seed": seed,
        "scenario": scenario(facts),
        "evidence": {"title": "Training log", "x": "epoch", "columns": log},
        "facts": facts,
        "explanation": explain(family, setup, log, facts),
    }


def scenario(f: dict[str, Any]) -> str:
    """The set-up and the data checks in words (the same sentences for every family)."""
    opt = {"adam": "Adam", "sgd": "plain SGD", "momentum": "SGD with momentum 0.9"}
    lines = [
        f"A {64}-{f['hidden']}-10 ReLU network learns to read 8x8 digits from "
        f"{f['n_train']} labelled images ({opt[f['optimizer']]}, learning rate {f['lr']:g}, "
        f"batch {f['batch']}, {f['epochs']} epochs: {f['steps']} steps).",
        f"Inputs range from {f['input_min']:g} to {f['input_max']:g}. "
        f"{f['duplicates']} of the {f['n_val']} validation images are exact copies of "
        f"training images. The best single input pixel predicts the training labels with "
        f"accuracy {f['best_pixel_acc']:.2f}.",
    ]
    if f["diverged_at"] is not None:
        lines.append(f"At epoch {f['diverged_at']} the loss became NaN and training stopped.")
    if f["test_acc"] is not None:
        lines.append(f"On a fresh test set from deployment, accuracy is {f['test_acc']:.2f}.")
    return "\n\n".join(lines)


def explain(family: str, s: Setup, log: dict[str, list[Any]], f: dict[str, Any]) -> str:
    """Why the evidence points at ``family``, with this run's numbers."""
    tl, ta, vl, va = log["train_loss"], log["train_acc"], log["val_loss"], log["val_acc"]
    end = log["epoch"][-1]
    test = f["test_acc"]
    if family == "lr-too-high":
        peak = max(tl)
        at = log["epoch"][tl.index(peak)]
        rise = f", jumped to {peak:.3g} at epoch {at}" if at else ""
        stop = (
            f"became NaN at epoch {f['diverged_at']}"
            if f["diverged_at"]
            else f"ended at {tl[-1]:.2f}"
        )
        dead = log["dead_frac"]
        killed = (
            f"; the big steps also killed hidden ReLUs ({dead[0]:.0%} dead at the start, "
            f"{dead[-1]:.0%} at the end)"
            if dead[-1] >= 0.5
            else ""
        )
        return (
            f"Training loss started at {tl[0]:.2f}{rise} and {stop}{killed}: each step of "
            f"size {s.lr:g} overshoots the minimum. Lower the learning rate (by 10x, then "
            "tune)."
        )
    if family == "lr-too-low":
        return (
            f"After {f['steps']} steps the training loss only went from {tl[0]:.2f} to "
            f"{tl[-1]:.2f} (chance is ln 10 = {LN10:.2f}), smoothly: the steps are tiny "
            f"(learning rate {s.lr:g} with plain SGD). Raise the learning rate."
        )
    if family == "label-noise":
        best = min(vl)
        return (
            f"Training accuracy reached {ta[-1]:.2f} while validation accuracy is "
            f"{va[-1]:.2f}, and validation loss rose from its best {best:.2f} (epoch "
            f"{log['epoch'][vl.index(best)]}) to {vl[-1]:.2f}: the network memorised its "
            f"{f['n_train']} training labels, {s.noise:.0%} of which were wrong. Clean "
            "the labels, regularise, or stop early."
        )
    if family == "val-distribution":
        return (
            f"Validation accuracy ({va[-1]:.2f}) stays far below training accuracy "
            f"({ta[-1]:.2f}) from the start, yet a fresh test set scores {test:.2f}: the "
            f"validation images differ from the rest (they were shifted a pixel sideways). "
            "Draw the validation set from the data you will deploy on."
        )
    if family == "leakage":
        return (
            f"Validation accuracy ({va[-1]:.2f}) matches training accuracy ({ta[-1]:.2f}), "
            f"but a fresh test set scores only {test:.2f}; {f['duplicates']} of the "
            f"{f['n_val']} validation images are copies of training images, so validation "
            "measured memory, not generalisation. Deduplicate across the split."
        )
    if family == "shortcut":
        return (
            f"One input pixel alone predicts the training labels with accuracy "
            f"{f['best_pixel_acc']:.2f} (on clean digits no pixel gets near that), validation "
            f"reached {va[-1]:.2f} within {end} epochs, and the fresh test set, where the "
            f"marks are absent, scores {test:.2f}: the model read a mark in the image corners "
            "instead of the digit. Remove the mark or check what the model attends to."
        )
    if family == "batch-too-large":
        return (
            f"With batch {f['batch']} = the whole training set, {f['epochs']} epochs are only "
            f"{f['steps']} steps: training loss was still falling ({tl[-2]:.2f} -> "
            f"{tl[-1]:.2f}) when the run ended at {tl[-1]:.2f}. Use smaller batches or "
            "train for more steps."
        )
    if family == "unnormalised-inputs":
        how = (
            f"the loss became NaN at epoch {f['diverged_at']}"
            if f["diverged_at"]
            else f"training loss ended at {tl[-1]:.2f}"
        )
        return (
            f"The inputs range up to {f['input_max']:g} instead of about 1, so the first "
            f"layer's activations and gradients are {s.input_scale:g} times too large: the "
            f"untrained network's loss was already {tl[0]:.1f} (chance is {LN10:.2f}) and "
            f"{how}, even with an ordinary learning rate ({s.lr:g}). Scale the inputs "
            "(e.g. to mean 0, standard deviation 1)."
        )
    if family == "dead-units":
        return (
            f"Before any training {log['dead_frac'][0]:.0%} of the hidden ReLUs output zero "
            f"for every training image (first-layer biases set to {s.bias_init:g}), so they "
            f"get no gradient and never recover ({log['dead_frac'][-1]:.0%} at the end); "
            f"validation accuracy reached only {va[-1]:.2f}. Use the default (or He) "
            "initialisation with biases near zero."
        )
    raise KeyError(family)
