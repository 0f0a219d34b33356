"""Learning rate: too small crawls, about right trains, too large blows up."""

from __future__ import annotations

from typing import Any

META = {
    "name": "learning-rate",
    "title": "Learning rate: crawl, train, explode",
    "concept": (
        "Gradient descent moves each weight by (learning rate) x (gradient). Too small and "
        "training barely moves; too large and a step overshoots so far that the network "
        "breaks, often into a dead state that predicts one class forever."
    ),
    "watch_for": (
        "Three runs of the same model and data with plain SGD. The tiny rate's loss creeps "
        "down, the good one drops fast, the huge one spikes on its first steps and then sits "
        "flat at a high loss while accuracy stays at chance."
    ),
    "expected_seconds": 3,
    "order": 30,
}

RATES = [("too small", 0.001), ("good", 0.3), ("too large", 10.0)]
LOSS_CAP = 4.0
AVERAGE_STEPS = 5


def run(ctx: Any) -> None:
    import demokit as dk

    dev = ctx.device
    epochs = ctx.pick(8, 20)
    split = dk.digits_split(1297, 0, 500, seed=ctx.seed).to(dev)
    loss_chart = f"Training loss (mean of {AVERAGE_STEPS} steps, capped at {LOSS_CAP:g})"
    acc_chart = "Test accuracy"
    ctx.chart(loss_chart, x_label="SGD step", y_label="loss", y_min=0, y_max=LOSS_CAP)
    ctx.chart(acc_chart, x_label="epoch", y_label="accuracy", y_min=0, y_max=1)
    rows = []
    headline: dict[str, float] = {}
    for k, (label, lr) in enumerate(RATES):
        series = f"lr {lr:g} ({label})"
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)
        window: list[float] = []
        peak = [0.0]

        def on_step(
            step: int, loss: float, window: list = window, peak: list = peak, series: str = series
        ) -> None:
            window.append(loss)
            peak[0] = max(peak[0], loss) if loss == loss else float("inf")
            if len(window) == AVERAGE_STEPS:
                mean = sum(window) / len(window)
                ctx.metric(loss_chart, series, step, min(mean, LOSS_CAP) if mean == mean else None)
                window.clear()

        def on_epoch(
            epoch: int, loss: float, model: Any = model, series: str = series, k: int = k
        ) -> None:
            ev = dk.evaluate(model, split.x_test, split.y_test)
            ctx.metric(acc_chart, series, epoch, ev.accuracy)
            ctx.progress(k * epochs + epoch, len(RATES) * epochs, f"{series}: epoch {epoch}")

        dk.train(
            model,
            split.x_train,
            split.y_train,
            epochs=epochs,
            lr=lr,
            batch_size=32,
            optimizer="sgd",
            seed=ctx.seed,
            on_epoch=on_epoch,
            on_step=on_step,
        )
        train_eval = dk.evaluate(model, split.x_train, split.y_train)
        test_eval = dk.evaluate(model, split.x_test, split.y_test)
        classes = int(test_eval.preds.unique().numel())
        dead = dk.dead_units(model, split.x_train)
        rows.append(
            [
                f"{lr:g}",
                label,
                f"{train_eval.loss:.3f}",
                f"{peak[0]:.3g}",
                f"{test_eval.accuracy:.1%}",
                classes,
                f"{dead:.0%}",
            ]
        )
        key = label.replace(" ", "_")
        headline[f"{key}_accuracy"] = test_eval.accuracy
        headline[f"{key}_final_loss"] = train_eval.loss
        if label == "too large":
            headline["too_large_peak_loss"] = peak[0]
            headline["too_large_classes_predicted"] = classes
            headline["too_large_dead_units"] = dead
    ctx.table(
        f"After {epochs} epochs of SGD (batch 32)",
        ["lr", "", "train loss", "peak batch loss", "test acc", "classes predicted", "dead ReLUs"],
        rows,
    )
    ctx.result(
        headline,
        f"lr {RATES[0][1]:g} barely moved: loss {headline['too_small_final_loss']:.2f} "
        f"(chance is 2.30), accuracy {headline['too_small_accuracy']:.0%}. "
        f"lr {RATES[1][1]:g} reached {headline['good_accuracy']:.0%}. "
        f"lr {RATES[2][1]:g} overshot: a batch loss of {headline['too_large_peak_loss']:.3g} "
        "in its first steps pushed "
        f"{headline['too_large_dead_units']:.0%} of the hidden ReLUs into a dead state (never "
        "active, so no gradient flows through them); since then the network "
        f"predicts {headline['too_large_classes_predicted']:.0f} class(es), accuracy "
        f"{headline['too_large_accuracy']:.0%}, and the loss stays flat at "
        f"{headline['too_large_final_loss']:.2f}. A loss stuck near or above ln(10)=2.30 with "
        "one predicted class is the signature of a learning rate that was too large.",
    )
