"""Data hunger: how test error falls with the number of examples, and what prior knowledge saves."""

from __future__ import annotations

import math
from typing import Any

META = {
    "name": "data-hunger",
    "title": "How much data? Learning curves and prior knowledge",
    "concept": (
        "Test error falls as more examples arrive, roughly as a power law: a straight line "
        "on log-log axes, so every further point of accuracy costs more examples than the "
        "last. How many examples a network needs depends on what it knows before it starts: "
        "the same network told that a digit moved by a pixel is still the same digit needs "
        "several times fewer."
    ),
    "watch_for": (
        "The error lines on log-log axes, the table of examples needed to reach 90% and 95%, "
        "the spread between runs at small sizes, and, on digits that are not centred, how "
        "far apart the network from scratch and the same network with a built-in prior are."
    ),
    "expected_seconds": 14,
    "order": 80,
    "results": {
        "mlp_examples_for_90": (
            "training examples the MLP needs to reach 90% test accuracy on centred digits "
            "(interpolated on a log scale; nan if not reached)"
        ),
        "mlp_examples_for_95": (
            "training examples the MLP needs to reach 95% test accuracy on centred digits "
            "(interpolated; nan if not reached)"
        ),
        "logreg_examples_for_90": (
            "training examples logistic regression needs to reach 90% test accuracy "
            "(interpolated; nan if not reached)"
        ),
        "logreg_examples_for_95": (
            "training examples logistic regression needs to reach 95% test accuracy "
            "(interpolated; nan if not reached)"
        ),
        "mlp_error_exponent": (
            "b in test error ~ examples^-b for the MLP: minus the slope of its error line "
            "on log-log axes"
        ),
        "mlp_error_1_per_class": "MLP test error with 1 example per class (fraction 0-1)",
        "mlp_error_100_per_class": "MLP test error with 100 examples per class (fraction 0-1)",
        "mlp_train_accuracy_1_per_class": (
            "MLP accuracy on its own 10 training examples (fraction 0-1)"
        ),
        "mlp_error_spread_1_per_class": (
            "highest minus lowest MLP test error over the runs with 1 example per class "
            "(fraction 0-1)"
        ),
        "mlp_lead_1_per_class": (
            "MLP minus logistic-regression test accuracy with 1 example per class "
            "(fraction; negative if logistic regression wins)"
        ),
        "mlp_lead_100_per_class": (
            "MLP minus logistic-regression test accuracy with 100 examples per class (fraction)"
        ),
        "scratch_examples_for_80": (
            "off-centre digits: examples the MLP from scratch needs for 80% test accuracy "
            "(interpolated; nan if not reached)"
        ),
        "prior_examples_for_80": (
            "off-centre digits: examples the same MLP trained with random one-pixel shifts "
            "needs for 80% test accuracy (interpolated; nan if not reached)"
        ),
        "prior_data_saving": (
            "scratch_examples_for_80 divided by prior_examples_for_80: how many times fewer "
            "examples the prior needs"
        ),
    },
}

N_TEST = 500
HUMAN_ERROR = 0.045  # Lake, Salakhutdinov & Tenenbaum (2015): people, one-shot, 20 new characters


def run(ctx: Any) -> None:
    import demokit as dk
    import torch
    from torch import nn

    dev = ctx.device
    per_class = ctx.pick([1, 5, 20, 50, 100], [1, 2, 5, 10, 20, 50, 100])
    shifted_per_class = ctx.pick([1, 10, 50, 100], [1, 2, 5, 10, 20, 50, 100])
    runs = ctx.pick(2, 5)
    shifted_runs = ctx.pick(1, 3)
    steps, prior_steps = 150, 300
    x_all, y_all = dk.load_digits()
    order = torch.randperm(len(y_all), generator=dk.gen(ctx.seed))
    test, pool = order[:N_TEST], order[N_TEST:]
    # Progress in training steps (two models per run in each part), so that the estimate
    # of the time left allows for part 2's longer runs.
    part1_run, part2_run = 2 * steps, 2 * prior_steps
    total = len(per_class) * runs * part1_run + len(shifted_per_class) * shifted_runs * part2_run
    done = 0

    def fit(model: Any, x: Any, y: Any, lr: float, seed: int, on_epoch: Any = None) -> Any:
        dk.train(model, x.to(dev), y.to(dev), epochs=steps, lr=lr, seed=seed, on_epoch=on_epoch)
        return model

    def fit_with_shifts(model: Any, x: Any, y: Any, seed: int) -> Any:
        """Full-batch Adam where every step sees each image moved by a random pixel."""
        opt, g = dk.Adam(model.parameters(), lr=3e-3), dk.gen(seed)
        x, y = x.to(dev), y.to(dev)
        model.train()
        for _ in range(prior_steps):
            loss = nn.functional.cross_entropy(model(dk.random_shifts(x, 1, g)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        return model

    def accuracy(model: Any, x: Any, y: Any) -> float:
        return dk.evaluate(model, x.to(dev), y.to(dev)).accuracy

    # ---- part 1: centred digits, logistic regression vs MLP, several runs per size
    ctx.text(
        f"Part 1. Centred 8x8 digits. For each size, {runs} runs draw a fresh balanced "
        "training set (the same number of examples of each digit) and train logistic "
        f"regression and a 64-128-10 MLP for {steps} full-batch Adam steps; every model "
        f"is tested on the same {N_TEST} held-out digits."
    )
    loss_chart = "Training loss of the first MLP at each size"
    ctx.chart(loss_chart, x_label="full-batch Adam step", y_label="cross-entropy", y_min=0)
    chart = "Test error vs training examples (centred digits)"
    ctx.chart(chart, x_label="training examples", y_label="test error", x_log=True, y_log=True)
    x_test, y_test = x_all[test], y_all[test]
    curves: dict[str, list[list[float]]] = {"mlp": [], "logreg": [], "mlp_train": []}
    for k in per_class:
        accs: dict[str, list[float]] = {key: [] for key in curves}
        for r in range(runs):
            seed = ctx.seed + 1000 * r + k
            idx = dk.per_class_sample(y_all, pool, k, seed)
            x, y = x_all[idx], y_all[idx]
            curve = None
            if r == 0:
                curve = ctx.training_curve(f"{10 * k} examples", chart=loss_chart)
                curve = dk.thinned(curve, dk.every(steps, 30))
            mlp = fit(dk.mlp([64, 128, 10], seed=seed, device=dev), x, y, 3e-3, seed, curve)
            logreg = fit(dk.logistic(64, seed=seed, device=dev), x, y, 1e-2, seed)
            accs["mlp"].append(accuracy(mlp, x_test, y_test))
            accs["logreg"].append(accuracy(logreg, x_test, y_test))
            accs["mlp_train"].append(accuracy(mlp, x, y))
            done += part1_run
            ctx.progress(done, total, f"centred digits: {k} per class, run {r + 1}/{runs}")
        for key in curves:
            curves[key].append(accs[key])
        ctx.metric(chart, "MLP", 10 * k, 1 - _mean(accs["mlp"]))
        ctx.metric(chart, "logistic regression", 10 * k, 1 - _mean(accs["logreg"]))

    sizes = [10 * k for k in per_class]
    mean = {key: [_mean(a) for a in runs_] for key, runs_ in curves.items()}
    rows = []
    for i, k in enumerate(per_class):
        rows.append(
            [
                sizes[i],
                k,
                f"{mean['mlp_train'][i]:.0%}",
                _error_cell(curves["mlp"][i]),
                _error_cell(curves["logreg"][i]),
                f"{100 * (mean['mlp'][i] - mean['logreg'][i]):+.1f} pts",
            ]
        )
    ctx.table(
        f"Test error: mean of {runs} runs (lowest-highest, %)",
        ["examples", "per digit", "MLP train", "MLP error", "logistic error", "MLP lead"],
        rows,
    )
    need = {
        (model, target): dk.examples_to_reach(sizes, mean[model], target)
        for model in ("mlp", "logreg")
        for target in (0.9, 0.95)
    }
    exponent, r2 = dk.power_law_fit(sizes, [1 - a for a in mean["mlp"]])
    shape = (
        "close to a straight line on log-log axes (a power law"
        if r2 > 0.95
        else "only roughly a straight line on log-log axes (at best a rough power law"
    )
    ctx.table(
        "Examples needed (interpolated between the sizes tried)",
        ["model", "for 90% accuracy", "for 95% accuracy"],
        [
            ["MLP", _count(need["mlp", 0.9]), _count(need["mlp", 0.95])],
            ["logistic regression", _count(need["logreg", 0.9]), _count(need["logreg", 0.95])],
        ],
    )
    ctx.text(
        "For reference (not measured here): in Lake, Salakhutdinov and Tenenbaum "
        "(2015), people shown one drawing of each of 20 unfamiliar handwritten characters "
        f"matched new drawings to them with about {HUMAN_ERROR:.1%} error. With one example "
        f"per digit the MLP's error is {1 - mean['mlp'][0]:.0%}. Between "
        f"{sizes[0]} and {sizes[-1]} examples the MLP's error line has slope "
        f"{-exponent:.2f} on log-log axes (a straight line explains {r2:.0%} of the "
        f"variation of log error): error ~ examples^-{exponent:.2f}, so each doubling of "
        f"the data divides the error by about {2**exponent:.1f}."
    )

    # ---- part 2: off-centre digits, the same MLP from scratch vs with a shift prior
    ctx.text(
        "Part 2. The same digits, each moved by up to one pixel in a random direction "
        "(training and test alike), as handwriting is rarely centred. The MLP from scratch "
        "must learn every position from examples. The same MLP with a built-in prior "
        "(each training step sees every image moved by a random pixel, i.e. 'a shifted "
        f"digit is the same digit') needs no extra labels. Both train for {prior_steps} "
        "steps here; the prior costs computation, not data."
    )
    x_off = dk.random_shifts(x_all, 1, dk.gen(ctx.seed + 7))
    x_off_test = x_off[test]
    prior_chart = "Test error vs training examples (off-centre digits)"
    ctx.chart(
        prior_chart, x_label="training examples", y_label="test error", x_log=True, y_log=True
    )
    off: dict[str, list[float]] = {"scratch": [], "prior": []}
    prior_rows = []
    for k in shifted_per_class:
        accs = {"scratch": [], "prior": []}
        for r in range(shifted_runs):
            seed = ctx.seed + 1000 * r + k + 500
            idx = dk.per_class_sample(y_all, pool, k, seed)
            x, y = x_off[idx], y_all[idx]
            scratch = dk.mlp([64, 128, 10], seed=seed, device=dev)
            dk.train(scratch, x.to(dev), y.to(dev), epochs=prior_steps, lr=3e-3, seed=seed)
            prior = fit_with_shifts(dk.mlp([64, 128, 10], seed=seed, device=dev), x, y, seed)
            accs["scratch"].append(accuracy(scratch, x_off_test, y_test))
            accs["prior"].append(accuracy(prior, x_off_test, y_test))
            done += part2_run
            ctx.progress(done, total, f"off-centre digits: {k} per class, run {r + 1}")
        for key in off:
            off[key].append(_mean(accs[key]))
        ctx.metric(prior_chart, "MLP from scratch", 10 * k, 1 - off["scratch"][-1])
        ctx.metric(prior_chart, "same MLP + shift prior", 10 * k, 1 - off["prior"][-1])
        prior_rows.append([10 * k, _error_cell(accs["scratch"]), _error_cell(accs["prior"])])
    off_sizes = [10 * k for k in shifted_per_class]
    scratch_80 = dk.examples_to_reach(off_sizes, off["scratch"], 0.8)
    prior_80 = dk.examples_to_reach(off_sizes, off["prior"], 0.8)
    saving = scratch_80 / prior_80
    prior_rows.append(["for 80% accuracy", _count(scratch_80), _count(prior_80)])
    ctx.table(
        f"Off-centre digits: test error, mean over {shifted_runs} run(s)",
        ["examples", "MLP from scratch", "same MLP + shift prior"],
        prior_rows,
    )

    leads = [m - lg for m, lg in zip(mean["mlp"], mean["logreg"], strict=True)]
    lead_small, lead_big = leads[0], leads[-1]
    headline = {
        "mlp_examples_for_90": need["mlp", 0.9],
        "mlp_examples_for_95": need["mlp", 0.95],
        "logreg_examples_for_90": need["logreg", 0.9],
        "logreg_examples_for_95": need["logreg", 0.95],
        "mlp_error_exponent": exponent,
        "mlp_error_1_per_class": 1 - mean["mlp"][0],
        "mlp_error_100_per_class": 1 - mean["mlp"][-1],
        "mlp_train_accuracy_1_per_class": mean["mlp_train"][0],
        "mlp_error_spread_1_per_class": max(curves["mlp"][0]) - min(curves["mlp"][0]),
        "mlp_lead_1_per_class": lead_small,
        "mlp_lead_100_per_class": lead_big,
        "scratch_examples_for_80": scratch_80,
        "prior_examples_for_80": prior_80,
        "prior_data_saving": saving,
    }
    race = _race(sizes, leads, [max(a) - min(a) for a in curves["mlp"]])
    ctx.result(
        headline,
        f"On centred digits the MLP's test error falls from {1 - mean['mlp'][0]:.0%} with "
        f"{sizes[0]} examples to {1 - mean['mlp'][-1]:.1%} with {sizes[-1]}, {shape}, "
        f"error ~ examples^-{exponent:.2f}). "
        f"It needs {_count(need['mlp', 0.9])} examples for 90% but "
        f"{_count(need['mlp', 0.95])} for 95%: each further point costs more than the last. "
        f"{race} On off-centre digits the same MLP needs {_count(scratch_80)} examples for "
        f"80% from scratch and {_count(prior_80)} when it is built to treat a shifted digit "
        f"as the same digit"
        + (f", {saving:.1f} times fewer. " if math.isfinite(saving) else ". ")
        + "Data hunger is the price of starting with no knowledge of the task; people, who "
        "bring a lifetime of it, learn a new character from one example.",
    )


def _race(sizes: list[int], leads: list[float], spreads: list[float]) -> str:
    """What the run shows about MLP vs logistic regression (a crossover only if it crossed)."""
    ends = (
        f"{100 * leads[0]:+.1f} points with {sizes[0]} examples and "
        f"{100 * leads[-1]:+.1f} with {sizes[-1]}"
    )
    if all(lead > 0 for lead in leads):
        grows = ", and its lead grows with data" if leads[-1] > leads[0] else ""
        return (
            f"The MLP beats logistic regression at every size in this run ({ends}){grows}: "
            "no crossover here."
        )
    behind = [i for i, lead in enumerate(leads) if lead <= 0]
    where = ", ".join(str(sizes[i]) for i in behind)
    worst = max(-leads[i] for i in behind)
    noise = max(spreads[i] for i in behind)
    if leads[0] <= 0 < leads[-1] and behind == list(range(len(behind))) and worst > noise:
        return (
            f"Logistic regression is ahead up to {sizes[behind[-1]]} examples and the MLP "
            f"after that ({ends}): the curves cross."
        )
    within = "within" if worst <= noise else "beyond"
    return (
        f"Logistic regression ties or leads at {where} examples by at most "
        f"{100 * worst:.1f} points, {within} the run-to-run spread of {100 * noise:.1f}; "
        "elsewhere the MLP leads "
        f"(MLP minus logistic: {ends})."
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _error_cell(accuracies: list[float]) -> str:
    errors = [1 - a for a in accuracies]
    if len(errors) == 1:
        return f"{errors[0]:.1%}"
    return f"{_mean(errors):.1%} ({100 * min(errors):.0f}-{100 * max(errors):.0f})"


def _count(n: float) -> str:
    return f"about {n:.0f}" if math.isfinite(n) else "not reached"
