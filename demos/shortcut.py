"""Shortcut learning: a model learns a scanner's dust pattern as well as the digit."""

from __future__ import annotations

from typing import Any

META = {
    "name": "shortcut",
    "title": "Shortcut learning",
    "concept": (
        "If something easier than the real signal predicts the label in the training data, "
        "a model will learn it too. Here each digit class was mostly scanned on its own "
        "scanner, which leaves a dust pattern of 3 dots in the image margin. An ordinary "
        "held-out test from the same scanners cannot tell: the dots are there too."
    ),
    "watch_for": (
        "Near-perfect accuracy on held-out digits from the same scanners, then the same "
        "model on digits without dots, with random dots and with another class's dots; the "
        "sweep of accuracy against the share of test digits whose dots agree with their "
        "label; and a control trained on the same digits with dots assigned at random."
    ),
    "expected_seconds": 3,
    "order": 60,
    "params": {
        # share of training digits carrying their own class's dots (the rest are clean)
        "dot_share": {"default": 0.95, "values": [0.5, 0.8, 0.95, 1.0]},
    },
    "results": {
        "shortcut_train_accuracy": "shortcut model on its own training set (fraction 0-1)",
        "shortcut_same_source_accuracy": (
            "shortcut model on held-out digits from the same scanners, dots matching the "
            "label as in training (fraction 0-1)"
        ),
        "shortcut_no_dots_accuracy": "shortcut model on digits with no dots (fraction 0-1)",
        "shortcut_random_dots_accuracy": (
            "shortcut model on digits carrying a random class's dots (fraction 0-1)"
        ),
        "shortcut_wrong_dots_accuracy": (
            "shortcut model on digits carrying another class's dots (fraction 0-1)"
        ),
        "shortcut_follows_wrong_dots": (
            "share of digits with another class's dots that the shortcut model labels as "
            "the dots' class (fraction 0-1)"
        ),
        "shortcut_accuracy_agree_50": (
            "shortcut model when half the test digits carry their own class's dots and half "
            "another class's (fraction 0-1)"
        ),
        "control_same_source_accuracy": (
            "control (trained with randomly assigned dots) on same-scanner test digits "
            "(fraction 0-1)"
        ),
        "control_wrong_dots_accuracy": (
            "control on digits carrying another class's dots (fraction 0-1)"
        ),
        "shortcut_margin_weight_share": (
            "share of the shortcut model's first-layer weight change on the 16 margin "
            "pixels, where the dots go (fraction 0-1; 0.25 if spread evenly)"
        ),
        "control_margin_weight_share": ("the same share for the control (fraction 0-1)"),
    },
}

DOTS = 3
WRONG = "another class's dots"
MAP_SCALE = 2  # weight maps and examples drawn at 16x16


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    dot_share = float(ctx.param("dot_share"))
    epochs = ctx.pick(15, 30)
    shares = ctx.pick([0.0, 0.25, 0.5, 0.75, 1.0], [k / 10 for k in range(11)])
    split = dk.digits_split(1297, 0, 500, seed=ctx.seed)
    g = dk.gen(ctx.seed + 11)
    margin = torch.tensor([r * 8 for r in range(8)] + [r * 8 + 7 for r in range(8)])
    patterns = torch.stack(
        [margin[torch.randperm(len(margin), generator=g)[:DOTS]] for _ in range(10)]
    )

    def stamp(x: Any, cls: Any, on: Any) -> Any:
        """Clear the margins; put class ``cls``'s dust pattern on rows where ``on``."""
        x = x.clone()
        x[:, margin] = 0
        rows = torch.arange(len(x))[on]
        for j in range(DOTS):
            x[rows, patterns[cls[on], j]] = 1.0
        return x

    def other_class(y: Any) -> Any:
        return (y + torch.randint(1, 10, (len(y),), generator=g)) % 10

    y_train, y_test = split.y_train, split.y_test
    n_train, n_test = len(y_train), len(y_test)
    has_stamp = torch.rand(n_train, generator=g) < dot_share
    x_train = stamp(split.x_train, y_train, has_stamp)
    random_train = torch.randint(0, 10, (n_train,), generator=g)
    x_control = stamp(split.x_train, random_train, has_stamp)

    test_has_stamp = torch.rand(n_test, generator=g) < dot_share
    wrong = other_class(y_test)
    everyone = torch.ones(n_test, dtype=torch.bool)
    tests = {
        "same scanners": stamp(split.x_test, y_test, test_has_stamp),
        "no dots": stamp(split.x_test, y_test, ~everyone),
        "random dots": stamp(split.x_test, torch.randint(0, 10, (n_test,), generator=g), everyone),
        WRONG: stamp(split.x_test, wrong, everyone),
    }
    agrees_rank = torch.rand(n_test, generator=g)

    ctx.text(
        f"Training: {n_train} digits; {dot_share:.0%} carry their class's dust pattern, the rest "
        "are clean. The control trains on the same digits with each pattern taken from a "
        f"random class. Tests: {n_test} held-out digits, stamped four ways."
    )
    chart = "Shortcut model during training"
    ctx.chart(chart, x_label="epoch", y_label="accuracy", y_min=0, y_max=1)
    ctx.chart("training loss", x_label="epoch", y_label="cross-entropy", y_min=0)
    models, maps, margin_share = {}, {}, {}
    trained = {"shortcut": x_train, "control": x_control}
    for k, (name, xs) in enumerate(trained.items()):
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)
        start = model[0].weight.detach().clone()

        def on_epoch(
            epoch: int, loss: float, model: Any = model, k: int = k, name: str = name
        ) -> None:
            if k == 0:
                for label in ("same scanners", "no dots", WRONG):
                    acc = dk.evaluate(model, tests[label].to(dev), y_test.to(dev)).accuracy
                    ctx.metric(chart, f"test: {label}", epoch, acc)
            ctx.progress(
                k * epochs + epoch, 2 * epochs + 1, f"{name} model: epoch {epoch}/{epochs}"
            )

        dk.train(
            model,
            xs.to(dev),
            y_train.to(dev),
            epochs=epochs,
            lr=3e-3,
            batch_size=64,
            seed=ctx.seed,
            on_epoch=dk.chain(ctx.training_curve(f"{name} model"), on_epoch),
        )
        models[name] = model
        # How much training changed the first-layer weights reading each pixel.
        change = (model[0].weight.detach() - start).norm(dim=0).cpu()
        margin_share[name] = float(change[margin].sum() / change.sum())
        maps[name] = dk.upscale(dk.pixels(change, 0, float(change.max())), 8, MAP_SCALE)

    def accuracy(name: str, x: Any) -> Any:
        return dk.evaluate(models[name], x.to(dev), y_test.to(dev))

    evals = {name: {label: accuracy(name, x) for label, x in tests.items()} for name in models}
    rows = [
        [f"{name} model"] + [f"{evals[name][label].accuracy:.1%}" for label in tests]
        for name in models
    ]
    ctx.table("Test accuracy", ["trained on", *tests], rows)

    sweep_chart = "Accuracy vs share of test digits whose dots agree with the label"
    ctx.chart(sweep_chart, x_label="share of dots that agree", y_min=0, y_max=1)
    sweep: dict[str, dict[float, float]] = {name: {} for name in models}
    for share in shares:
        agree = agrees_rank < share
        x = stamp(split.x_test, torch.where(agree, y_test, wrong), everyone)
        for name in models:
            sweep[name][share] = accuracy(name, x).accuracy
            ctx.metric(sweep_chart, f"{name} model", share, sweep[name][share])
    ctx.progress(2 * epochs + 1, 2 * epochs + 1, "sweep done")
    ctx.table(
        "Accuracy as the share of agreeing dots changes",
        ["dots agree", *(f"{name} model" for name in models)],
        [[f"{s:.0%}"] + [f"{sweep[n][s]:.1%}" for n in models] for s in shares],
    )

    short = evals["shortcut"]
    follows = float((short[WRONG].preds.cpu() == wrong).float().mean())
    train_acc = dk.evaluate(models["shortcut"], x_train.to(dev), y_train.to(dev)).accuracy
    x_wrong = tests[WRONG]
    j = int(has_stamp.nonzero()[0])
    ctx.text(
        "A training digit with its class's dots, and a test digit with another class's dots "
        "and what the shortcut model says:"
    )
    ctx.image(
        f"train: {int(y_train[j])}", dk.pixels(x_train[j]), 8, 8, f"dots of {int(y_train[j])}"
    )
    ctx.image(
        f"test: {int(y_test[0])}",
        dk.pixels(x_wrong[0]),
        8,
        8,
        f"dots of {int(wrong[0])}, says {int(short[WRONG].preds[0])}",
    )
    ctx.text(
        "Where each model's first layer changed most in training (bright = most; the dots "
        "live in the left and right columns, 25% of the pixels):"
    )
    big = 8 * MAP_SCALE
    for name, image in maps.items():
        ctx.image(f"{name} model", image, big, big, f"margin share {margin_share[name]:.0%}")

    headline = {
        "shortcut_train_accuracy": train_acc,
        "shortcut_same_source_accuracy": short["same scanners"].accuracy,
        "shortcut_no_dots_accuracy": short["no dots"].accuracy,
        "shortcut_random_dots_accuracy": short["random dots"].accuracy,
        "shortcut_wrong_dots_accuracy": short[WRONG].accuracy,
        "shortcut_follows_wrong_dots": follows,
        "shortcut_accuracy_agree_50": sweep["shortcut"][0.5],
        "control_same_source_accuracy": evals["control"]["same scanners"].accuracy,
        "control_wrong_dots_accuracy": evals["control"][WRONG].accuracy,
        "shortcut_margin_weight_share": margin_share["shortcut"],
        "control_margin_weight_share": margin_share["control"],
    }
    no_dots = short["no dots"].accuracy
    both = (
        f"It learned both signals: with no dots at all it still reads {no_dots:.0%} of the "
        "digits, yet where dots and shape disagree it sides with the dots "
        f"{'more' if follows > short[WRONG].accuracy else 'less'} often than with the shape "
        f"({follows:.0%} vs {short[WRONG].accuracy:.0%})"
        if no_dots > 0.5
        else f"It barely learned the digits: with no dots it reads only {no_dots:.0%}"
    )
    ctx.result(
        headline,
        f"On held-out digits from the same scanners the shortcut model scores "
        f"{headline['shortcut_same_source_accuracy']:.1%}, and an ordinary test set would "
        f"stop there. With random dots it scores {headline['shortcut_random_dots_accuracy']:.0%}"
        f" and with another class's dots {headline['shortcut_wrong_dots_accuracy']:.0%}. "
        f"{both}. Its accuracy "
        f"falls from {sweep['shortcut'][shares[-1]]:.0%} to {sweep['shortcut'][0.0]:.0%} as "
        "the share of agreeing dots goes from all to none. The control, trained on the same "
        "digits and dots with no link between dots and label, scores "
        f"{headline['control_same_source_accuracy']:.0%} and "
        f"{headline['control_wrong_dots_accuracy']:.0%} on the same two tests: the "
        "correlation did the damage, not the dots. Test where the shortcut breaks, not only "
        "on data from the same source.",
    )
