"""Shortcut learning: a model learns a scanner's dust pattern instead of the digit."""

from __future__ import annotations

from typing import Any

META = {
    "name": "shortcut",
    "title": "Shortcut learning",
    "concept": (
        "If something easier than the real signal predicts the label in the training data, "
        "a model will happily learn that instead. Here each digit class was mostly scanned on "
        "its own scanner, which leaves a tiny dust pattern of 3 dots in the image margin."
    ),
    "watch_for": (
        "Training accuracy near 100% and a test set where the dust patterns no longer match "
        "the digits: the model follows the dots, a control model that never saw them reads "
        "the digits. The weight maps show where each model looks."
    ),
    "expected_seconds": 3,
    "order": 60,
}

AGREE = 0.95  # fraction of training images carrying their own class's pattern
DOTS = 3


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    epochs = ctx.pick(15, 30)
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

    n_train, n_test = len(split.y_train), len(split.y_test)
    has_stamp = torch.rand(n_train, generator=g) < AGREE
    wrong = (split.y_test + torch.randint(1, 10, (n_test,), generator=g)) % 10
    x_train = stamp(split.x_train, split.y_train, has_stamp).to(dev)
    x_plain = stamp(split.x_train, split.y_train, torch.zeros(n_train, dtype=torch.bool)).to(dev)
    x_test = stamp(split.x_test, wrong, torch.ones(n_test, dtype=torch.bool)).to(dev)
    x_test_plain = stamp(split.x_test, wrong, torch.zeros(n_test, dtype=torch.bool)).to(dev)
    y_train, y_test, wrong = split.y_train.to(dev), split.y_test.to(dev), wrong.to(dev)

    ctx.text(
        f"{AGREE:.0%} of training digits carry their class's dust pattern; the rest are clean. "
        "In the test set every digit carries the pattern of a different class (new scanners)."
    )
    chart = "Accuracy during training"
    ctx.chart(chart, x_label="epoch", y_min=0, y_max=1)
    models, maps = {}, {}
    for k, (name, xs) in enumerate((("shortcut model", x_train), ("control", x_plain))):
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)
        start = model[0].weight.detach().clone()

        def on_epoch(
            epoch: int, loss: float, model: Any = model, name: str = name, k: int = k
        ) -> None:
            if k == 0:
                train_acc = dk.evaluate(model, x_train, y_train).accuracy
                ctx.metric(chart, "shortcut: train", epoch, train_acc)
            test_acc = dk.evaluate(model, x_test, y_test).accuracy
            ctx.metric(chart, f"{name.split()[0]}: test", epoch, test_acc)
            ctx.progress(k * epochs + epoch, 2 * epochs, f"{name}: epoch {epoch}/{epochs}")

        dk.train(
            model,
            xs,
            y_train,
            epochs=epochs,
            lr=3e-3,
            batch_size=64,
            seed=ctx.seed,
            on_epoch=on_epoch,
        )
        models[name] = model
        # How much training changed the first-layer weights reading each pixel.
        change = (model[0].weight.detach() - start).norm(dim=0)
        maps[name] = dk.pixels(change, 0, float(change.max()))

    rows, headline = [], {}
    for name, model in models.items():
        tr = dk.evaluate(model, x_train if name == "shortcut model" else x_plain, y_train)
        te = dk.evaluate(model, x_test, y_test)
        clean = dk.evaluate(model, x_test_plain, y_test)
        follows = float((te.preds == wrong).float().mean())
        rows.append(
            [
                name,
                f"{tr.accuracy:.1%}",
                f"{te.accuracy:.1%}",
                f"{clean.accuracy:.1%}",
                f"{follows:.1%}",
            ]
        )
        key = "shortcut" if name == "shortcut model" else "control"
        headline[f"{key}_train_accuracy"] = tr.accuracy
        headline[f"{key}_test_accuracy"] = te.accuracy
        headline[f"{key}_clean_test_accuracy"] = clean.accuracy
        headline[f"{key}_follows_pattern"] = follows
    ctx.table(
        "Accuracy",
        ["model", "train", "test (misleading dots)", "test (no dots)", "predicted the dots' class"],
        rows,
    )

    te = dk.evaluate(models["shortcut model"], x_test, y_test)
    j = int(has_stamp.nonzero()[0])
    ctx.text(
        "A training digit with its class's dots, a test digit with another class's dots "
        "(and what the shortcut model says), and where each model's first layer changed most."
    )
    ctx.image(
        f"train: {int(y_train[j])}", dk.pixels(x_train[j]), 8, 8, f"dots of {int(y_train[j])}"
    )
    ctx.image(
        f"test: {int(y_test[0])}",
        dk.pixels(x_test[0]),
        8,
        8,
        f"dots of {int(wrong[0])}, says {int(te.preds[0])}",
    )
    for name, pixels in maps.items():
        ctx.image(f"{name.split()[0]} weights", pixels, 8, 8, "bright = used")
    ctx.result(
        headline,
        f"The shortcut model fits its training set ({headline['shortcut_train_accuracy']:.0%}) "
        f"but on the test set it scores {headline['shortcut_test_accuracy']:.0%}, against "
        f"{headline['control_test_accuracy']:.0%} for the control: in "
        f"{headline['shortcut_follows_pattern']:.0%} of test images it predicted the class the "
        "dots pointed to. Three pixels were an easier signal than the shape of the digit, and "
        "training accuracy could not tell the difference. Its weight map lights up the margins. "
        "Check what a model relies on, and test where the shortcut breaks.",
    )
