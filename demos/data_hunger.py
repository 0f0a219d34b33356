"""Data hunger: how test accuracy grows with the number of training examples."""

from __future__ import annotations

from typing import Any

META = {
    "name": "data-hunger",
    "title": "How much data? Learning curves",
    "concept": (
        "Accuracy on new data grows with the size of the training set, fast at first and "
        "then ever more slowly: each doubling buys less. With few examples a flexible "
        "network memorises them and a simple model is nearly as good."
    ),
    "watch_for": (
        "The learning curve on a log scale: a steep climb from 20 to 200 examples, then a "
        "flattening. Training accuracy stays at 100% while test accuracy catches up: the gap "
        "between them is what more data closes."
    ),
    "expected_seconds": 4,
    "order": 80,
}

N_POOL = 1200


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    sizes = ctx.pick([20, 50, 100, 200, 400, 1200], [20, 50, 100, 200, 400, 800, 1200])
    steps = ctx.pick(150, 150)
    split = dk.digits_split(N_POOL, 0, 500, seed=ctx.seed).to(dev)
    chart = "Accuracy vs training-set size"
    ctx.chart(chart, x_label="training examples (log scale)", y_min=0, y_max=1, x_log=True)
    ctx.text(
        f"Each model is trained for {steps} full-batch Adam steps on a random subset and "
        "tested on the same 500 held-out digits; small sizes are averaged over several "
        "random subsets."
    )
    rows, curve = [], {}
    total = len(sizes)
    for k, n in enumerate(sizes):
        reps = ctx.pick(2, 3) if n <= 100 else 1
        acc = {"mlp": 0.0, "logreg": 0.0, "mlp_train": 0.0}
        for rep in range(reps):
            seed = ctx.seed + 100 * rep
            idx = torch.randperm(N_POOL, generator=dk.gen(seed + n)).to(dev)[:n]
            x, y = split.x_train[idx], split.y_train[idx]
            mlp = dk.mlp([64, 128, 10], seed=seed, device=dev)
            dk.train(mlp, x, y, epochs=steps, lr=3e-3, seed=seed)
            logreg = dk.logistic(64, seed=seed, device=dev)
            dk.train(logreg, x, y, epochs=steps, lr=1e-2, seed=seed)
            acc["mlp"] += dk.evaluate(mlp, split.x_test, split.y_test).accuracy / reps
            acc["logreg"] += dk.evaluate(logreg, split.x_test, split.y_test).accuracy / reps
            acc["mlp_train"] += dk.evaluate(mlp, x, y).accuracy / reps
        curve[n] = acc
        ctx.metric(chart, "MLP: test", n, acc["mlp"])
        ctx.metric(chart, "logistic regression: test", n, acc["logreg"])
        ctx.metric(chart, "MLP: train", n, acc["mlp_train"])
        rows.append(
            [
                n,
                reps,
                f"{acc['mlp_train']:.1%}",
                f"{acc['mlp']:.1%}",
                f"{acc['logreg']:.1%}",
                f"{acc['mlp'] - acc['logreg']:+.1%}",
            ]
        )
        ctx.progress(k + 1, total, f"{n} training examples")
    ctx.table(
        "Learning curve",
        ["examples", "runs", "MLP train", "MLP test", "logistic test", "MLP - logistic"],
        rows,
    )
    small, mid, big = curve[sizes[0]], curve[200], curve[sizes[-1]]
    headline = {
        f"mlp_accuracy_{sizes[0]}": small["mlp"],
        "mlp_accuracy_200": mid["mlp"],
        f"mlp_accuracy_{sizes[-1]}": big["mlp"],
        f"logreg_accuracy_{sizes[0]}": small["logreg"],
        f"logreg_accuracy_{sizes[-1]}": big["logreg"],
        f"mlp_train_accuracy_{sizes[0]}": small["mlp_train"],
        f"gain_{sizes[0]}_to_200": mid["mlp"] - small["mlp"],
        f"gain_200_to_{sizes[-1]}": big["mlp"] - mid["mlp"],
    }
    ctx.result(
        headline,
        f"With {sizes[0]} examples (2 per digit) the MLP reaches {small['mlp']:.0%} on new "
        f"digits while scoring {small['mlp_train']:.0%} on its own training set, and plain "
        f"logistic regression is close behind ({small['logreg']:.0%}). Going from "
        f"{sizes[0]} to 200 examples adds {100 * headline[f'gain_{sizes[0]}_to_200']:.0f} points; "
        f"going from 200 to {sizes[-1]} (six times more) adds only "
        f"{100 * headline[f'gain_200_to_{sizes[-1]}']:.0f}. Returns diminish roughly with the log "
        "of the data size, so the next point of accuracy costs ever more examples.",
    )
