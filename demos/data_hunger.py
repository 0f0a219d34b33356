"""Data hunger: how test error falls with the number of examples, and what prior knowledge saves."""

from __future__ import annotations

import math
from collections.abc import Callable
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
    "expected_seconds": 3,
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

    dev = ctx.device
    per_class = ctx.pick([1, 5, 20, 50, 100], [1, 2, 5, 10, 20, 50, 100])
    shifted_per_class = ctx.pick([1, 10, 30, 100], [1, 3, 10, 30, 100])
    runs = ctx.pick(2, 5)
    shifted_runs = ctx.pick(1, 2)
    steps, prior_steps = 60, 100
    x_all, y_all = dk.load_digits()
    order = torch.randperm(len(y_all), generator=dk.gen(ctx.seed))
    test, pool = order[:N_TEST], order[N_TEST:]
    x_test, y_test = x_all[test].T.contiguous().to(dev), y_all[test].to(dev)
    # All the runs of a part train at once (see _Stack).  Progress counts the examples
    # the MLPs see, the bulk of a step's cost, so that the estimate of the time left
    # allows for the parts' different numbers of steps and examples.
    part1_rows = runs * 10 * sum(per_class)
    part2_rows = 2 * shifted_runs * 10 * sum(shifted_per_class)
    total = steps * part1_rows + prior_steps * part2_rows

    def progress(done: int, rows: int, n_steps: int, label: str) -> Callable[[int], None]:
        stride = max(1, n_steps // 30)

        def on_step(step: int) -> None:
            if step % stride == 0 or step == n_steps:
                ctx.progress(done + step * rows, total, f"{label}, step {step}/{n_steps}")

        return on_step

    # ---- part 1: centred digits, logistic regression vs MLP, several runs per size
    ctx.text(
        f"Part 1. Centred 8x8 digits. For each size, {runs} runs draw a fresh balanced "
        "training set (the same number of examples of each digit) and train logistic "
        f"regression and a 64-128-10 MLP for {steps} full-batch Adam steps; every model "
        f"is tested on the same {N_TEST} held-out digits. All the runs train side by side."
    )
    loss_chart = "Training loss of the first MLP at each size"
    ctx.chart(loss_chart, x_label="full-batch Adam step", y_label="cross-entropy", y_min=0)
    chart = "Test error vs training examples (centred digits)"
    ctx.chart(chart, x_label="training examples", y_label="test error", x_log=True, y_log=True)
    mlp_models: list[list[Any]] = []
    logreg_models: list[list[Any]] = []
    xs, ys, mlp_curves = [], [], {}
    for k in per_class:
        seeds = [ctx.seed + 1000 * r + k for r in range(runs)]
        idx = torch.stack([dk.per_class_sample(y_all, pool, k, s) for s in seeds])
        xs.append(x_all[idx].transpose(1, 2).contiguous().to(dev))
        ys.append(y_all[idx].to(dev))
        curve = ctx.training_curve(f"{10 * k} examples", chart=loss_chart)
        mlp_curves[len(mlp_models) * runs] = dk.thinned(curve, dk.every(steps, 30))
        mlp_models.append([dk.mlp([64, 128, 10], seed=s, device=dev) for s in seeds])
        logreg_models.append([dk.logistic(64, seed=s, device=dev) for s in seeds])
    mlps = _Stack(mlp_models, xs, ys, mlp_curves)
    logregs = _Stack(logreg_models, xs, ys)
    _train(
        [(mlps, 8e-3), (logregs, 2.5e-2)],
        steps,
        progress(0, part1_rows, steps, f"centred digits: {len(per_class)} sizes x {runs} runs"),
    )
    curves = {
        "mlp": mlps.accuracies(x_test, y_test),
        "logreg": logregs.accuracies(x_test, y_test),
        "mlp_train": mlps.accuracies(),
    }
    for k, mlp_accs, logreg_accs in zip(per_class, curves["mlp"], curves["logreg"], strict=True):
        ctx.metric(chart, "MLP", 10 * k, 1 - _mean(mlp_accs))
        ctx.metric(chart, "logistic regression", 10 * k, 1 - _mean(logreg_accs))

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
    x_off_test = x_off[test].T.contiguous().to(dev)
    biggest = 10 * shifted_per_class[-1]
    prior_loss_chart = f"Training loss on off-centre digits, first run with {biggest} examples"
    ctx.chart(prior_loss_chart, x_label="full-batch Adam step", y_label="cross-entropy", y_min=0)
    prior_chart = "Test error vs training examples (off-centre digits)"
    ctx.chart(
        prior_chart, x_label="training examples", y_label="test error", x_log=True, y_log=True
    )
    # One stack; per size, the runs from scratch, then the same runs (same examples, same
    # starting weights) with the prior, whose inputs are moved afresh before every step.
    models: list[list[Any]] = []
    xs, ys, originals, prior_curves = [], [], [], {}
    for k in shifted_per_class:
        seeds = [ctx.seed + 1000 * r + k + 500 for r in range(shifted_runs)]
        idx = torch.stack([dk.per_class_sample(y_all, pool, k, s) for s in seeds])
        x, y = x_off[idx], y_all[idx].to(dev)
        if 10 * k == biggest:
            for i, name in enumerate(("MLP from scratch", "same MLP + shift prior")):
                curve = ctx.training_curve(name, chart=prior_loss_chart)
                prior_curves[len(models) * 2 * shifted_runs + i * shifted_runs] = dk.thinned(
                    curve, dk.every(prior_steps, 30)
                )
        models.append([dk.mlp([64, 128, 10], seed=s, device=dev) for s in seeds + seeds])
        columns = x.transpose(1, 2).to(dev)
        xs.append(torch.cat([columns, columns]))
        ys.append(torch.cat([y, y]))
        originals.append(x.reshape(-1, 64))
    pairs = _Stack(models, xs, ys, prior_curves)
    # The prior's random one-pixel moves, drawn as dk.random_shifts draws them, picked each
    # step from the nine moved copies of every image, made once (a row copy per image
    # instead of a gather per pixel).
    unshifted = torch.cat(originals)
    n_prior, g = len(unshifted), dk.gen(ctx.seed + 11)
    moved_copies = torch.cat(
        [dk.shift_images(unshifted, dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    ).to(dev)
    image = torch.arange(n_prior, device=dev)
    counts = [len(x) for x in originals]

    def shift_prior_inputs() -> None:
        """Every prior run's images, each moved by its own random pixel for this step."""
        d = torch.randint(-1, 2, (n_prior, 2), generator=g).to(dev)
        copy = (d[:, 1] + 1) * 3 + d[:, 0] + 1
        moved = moved_copies.index_select(0, copy * n_prior + image).split(counts)
        for x, m in zip(xs, moved, strict=True):
            x[shifted_runs:] = m.view(shifted_runs, -1, 64).transpose(1, 2)

    _train(
        [(pairs, 1e-2)],
        prior_steps,
        progress(
            steps * part1_rows,
            part2_rows,
            prior_steps,
            f"off-centre digits: {len(shifted_per_class)} sizes x {shifted_runs} run(s) x 2",
        ),
        before_step=shift_prior_inputs,
    )
    off: dict[str, list[float]] = {"scratch": [], "prior": []}
    prior_rows = []
    for k, both in zip(shifted_per_class, pairs.accuracies(x_off_test, y_test), strict=True):
        accs = {"scratch": both[:shifted_runs], "prior": both[shifted_runs:]}
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


class _Stack:
    """Every run of one architecture, trained as one batched model.

    ``models[g]`` are the runs of group ``g`` (one training-set size), each a
    ``nn.Sequential`` of Linear and ReLU layers whose weights are copied (so each run
    starts exactly as its model would): layer ``i`` of all runs is ``weights[i]`` (runs,
    out, in) and ``biases[i]`` (runs, out, 1).  Examples are columns: group ``g`` trains
    on ``xs[g]`` (its runs, inputs, examples) with labels ``ys[g]`` (its runs, examples),
    run ``r`` on ``xs[g][r]`` only (with the classes along dim 1, cross-entropy's softmax
    runs over contiguous rows of examples, several times faster than over rows of 10
    logits).  The loss to minimise is the sum of the runs' own mean cross-entropies, so
    each run's gradient, and its Adam step (which is elementwise), is exactly its own: a
    step costs a few batched kernels per size, not a few per run, and the optimiser sees
    one tensor per layer.  ``curves`` maps a run's index to the hook that gets its loss
    after each step.
    """

    def __init__(
        self, models: list[list[Any]], xs: list[Any], ys: list[Any], curves: Any = None
    ) -> None:
        import torch

        runs = [[m for m in model if isinstance(m, torch.nn.Linear)] for g in models for model in g]
        self.weights = [
            torch.stack([layers[i].weight.detach() for layers in runs]).requires_grad_()
            for i in range(len(runs[0]))
        ]
        self.biases = [
            torch.stack([layers[i].bias.detach()[:, None] for layers in runs]).requires_grad_()
            for i in range(len(runs[0]))
        ]
        self.counts = [len(g) for g in models]
        self.xs, self.ys = xs, ys
        self.curves: dict[int, Any] = curves or {}

    def params(self) -> list[Any]:
        return [*self.weights, *self.biases]

    def _groups(self) -> list[list[tuple[Any, Any]]]:
        """Per group, its (weights, biases) of each layer: views of the stacked ones."""
        layers = [
            list(zip(w.split(self.counts), b.split(self.counts), strict=True))
            for w, b in zip(self.weights, self.biases, strict=True)
        ]
        return [list(group) for group in zip(*layers, strict=True)]

    @staticmethod
    def _logits(layers: list[tuple[Any, Any]], x: Any) -> Any:
        """(runs, classes, examples) for ``x`` (runs, inputs, examples)."""
        import torch

        for i, (w, b) in enumerate(layers):
            x = torch.baddbmm(b, w, x)
            if i < len(layers) - 1:
                x = x.relu_()
        return x

    def losses(self) -> Any:
        """Each run's mean cross-entropy on its own training set, shape (runs,)."""
        import torch

        return torch.cat(
            [
                torch.nn.functional.cross_entropy(
                    self._logits(layers, x), y, reduction="none"
                ).mean(1)
                for layers, x, y in zip(self._groups(), self.xs, self.ys, strict=True)
            ]
        )

    def accuracies(self, x: Any = None, y: Any = None) -> list[list[float]]:
        """Per group, each run's accuracy on ``(x, y)`` (inputs, examples), one set for
        all; on its own training set when ``x`` is None."""
        import torch

        with torch.no_grad():
            out = []
            for layers, xg, yg in zip(self._groups(), self.xs, self.ys, strict=True):
                if x is not None:
                    xg, yg = x.expand(len(xg), *x.shape), y.expand(len(xg), *y.shape)
                out.append((self._logits(layers, xg).argmax(1) == yg).float().mean(1).tolist())
            return out


def _train(
    groups: list[tuple[_Stack, float]],
    steps: int,
    on_step: Callable[[int], None],
    before_step: Callable[[], None] | None = None,
) -> None:
    """Full-batch Adam for ``steps`` steps on every stack at once, one learning rate per
    stack, streaming the stacks' training curves."""
    import demokit as dk

    opts = [dk.Adam(stack.params(), lr=lr) for stack, lr in groups]
    for step in range(1, steps + 1):
        if before_step is not None:
            before_step()
        losses = [stack.losses() for stack, _ in groups]
        for opt in opts:
            opt.zero_grad()
        sum(each.sum() for each in losses).backward()
        for opt in opts:
            opt.step()
        for (stack, _), each in zip(groups, losses, strict=True):
            if stack.curves:
                values = each.detach().tolist()
                for run, curve in stack.curves.items():
                    curve(step, values[run])
        on_step(step)


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
        f"{100 * worst:.1f} points, {within} the run-to-run spread of {100 * noise:.1f} points; "
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
