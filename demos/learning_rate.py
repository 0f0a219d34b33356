"""Learning rate: too small crawls, about right trains, a bit too large bounces, far too
large blows up."""

from __future__ import annotations

from typing import Any

META = {
    "name": "learning-rate",
    "title": "Learning rate: crawl, train, bounce, explode",
    "concept": (
        "Gradient descent moves each weight by (learning rate) x (gradient). Too small and "
        "training barely moves; a little too large and steps overshoot, so the loss bounces "
        "up and down; far too large and the network breaks, often into a dead state that "
        "predicts one class."
    ),
    "watch_for": (
        "Three runs of the same model and data with plain SGD: the tiny rate's loss creeps "
        "down, the good one drops fast, the huge one spikes on its first steps and then sits "
        "flat. Then a sweep of final loss against learning rate (a valley with a cliff on "
        "the right), and gradient descent on the whole training set, where every rise of "
        "the loss is an overshoot: a rate a little too high bounces but survives."
    ),
    "expected_seconds": 4,
    "order": 30,
    "results": {
        "too_small_accuracy": "test accuracy with lr 0.001 (fraction 0-1)",
        "too_small_final_loss": "training loss at the end with lr 0.001 (nats)",
        "good_accuracy": "test accuracy with lr 0.3 (fraction 0-1)",
        "good_final_loss": "training loss at the end with lr 0.3 (nats)",
        "too_large_accuracy": "test accuracy with lr 10 (fraction 0-1)",
        "too_large_final_loss": "training loss at the end with lr 10 (nats)",
        "too_large_peak_loss": "highest batch loss of the lr 10 run (nats)",
        "too_large_classes_predicted": "how many of the 10 classes the lr 10 run predicts",
        "too_large_dead_units": "share of hidden ReLUs never active after lr 10 (fraction 0-1)",
        "sweep_best_lr": "learning rate with the lowest final training loss in the sweep",
        "sweep_best_final_loss": "lowest final training loss in the sweep (nats)",
        "steady_uphill_steps": (
            "full-batch gradient descent, lr 0.3: share of steps where the loss went up "
            "(fraction 0-1)"
        ),
        "bounce_uphill_steps": (
            "full-batch gradient descent, lr 1.5: share of steps where the loss went up "
            "(fraction 0-1)"
        ),
        "bounce_largest_rise": "full-batch lr 1.5: largest rise of the loss in one step (nats)",
        "bounce_accuracy": "full-batch lr 1.5: test accuracy at the end (fraction 0-1)",
        "full_batch_too_large_accuracy": "full-batch lr 3: test accuracy at the end",
    },
}

RATES = [("too small", 0.001), ("good", 0.3), ("too large", 10.0)]
SWEEP = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
FULL_BATCH = [("steady", 0.3), ("bounce", 1.5), ("too large", 3.0)]
LOSS_CAP = 4.0
AVERAGE_STEPS = 5
BATCH = 32


def run(ctx: Any) -> None:
    import demokit as dk

    dev = ctx.device
    epochs = ctx.pick(8, 20)
    gd_steps = ctx.pick(100, 150)
    split = dk.digits_split(1297, 0, 500, seed=ctx.seed).to(dev)
    extra = [lr for lr in SWEEP if lr not in dict(RATES).values()]
    total = (len(RATES) + len(extra)) * epochs + len(FULL_BATCH)
    done = [0]

    def tick(label: str) -> None:
        done[0] += 1
        ctx.progress(done[0], total, label)

    # 1. Three rates, mini-batch SGD, watched step by step.
    loss_chart = f"Training loss (mean of {AVERAGE_STEPS} steps, capped at {LOSS_CAP:g})"
    acc_chart = "Test accuracy"
    ctx.chart(loss_chart, x_label="SGD step", y_label="loss", y_min=0, y_max=LOSS_CAP)
    ctx.chart(acc_chart, x_label="epoch", y_label="accuracy", y_min=0, y_max=1)
    rows = []
    headline: dict[str, float] = {}
    finals: dict[float, tuple[float, float]] = {}  # lr -> (train loss, test accuracy)
    for label, lr in RATES:
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

        def on_epoch(epoch: int, loss: float, model: Any = model, series: str = series) -> None:
            ev = dk.evaluate(model, split.x_test, split.y_test)
            ctx.metric(acc_chart, series, epoch, ev.accuracy)
            tick(f"{series}: epoch {epoch}/{epochs}")

        _sgd(dk, model, split, epochs, lr, ctx.seed, on_epoch, on_step)
        train_eval = dk.evaluate(model, split.x_train, split.y_train)
        test_eval = dk.evaluate(model, split.x_test, split.y_test)
        finals[lr] = (train_eval.loss, test_eval.accuracy)
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
        f"After {epochs} epochs of SGD (batch {BATCH})",
        ["lr", "", "train loss", "peak batch loss", "test acc", "classes predicted", "dead ReLUs"],
        rows,
    )

    # 2. The sweep: final loss against the learning rate, on a log axis.
    sweep_loss_chart = "Sweep: training loss per epoch"
    ctx.chart(sweep_loss_chart, x_label="epoch", y_label="loss", y_min=0, y_max=LOSS_CAP)
    for lr in extra:
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)

        def on_sweep_epoch(epoch: int, loss: float, lr: float = lr) -> None:
            shown = min(loss, LOSS_CAP) if loss == loss else None
            ctx.metric(sweep_loss_chart, f"lr {lr:g}", epoch, shown)
            tick(f"sweep, lr {lr:g}: epoch {epoch}/{epochs}")

        _sgd(dk, model, split, epochs, lr, ctx.seed, on_sweep_epoch, None)
        finals[lr] = (
            dk.evaluate(model, split.x_train, split.y_train).loss,
            dk.evaluate(model, split.x_test, split.y_test).accuracy,
        )
    sweep_chart = f"Training loss after {epochs} epochs, by learning rate"
    ctx.chart(sweep_chart, x_label="learning rate", y_label="loss", y_min=0, x_log=True)
    for lr in SWEEP:
        ctx.metric(sweep_chart, "final training loss", lr, finals[lr][0])
    ctx.table(
        "Learning-rate sweep (same model, data and epochs)",
        ["lr", "final train loss", "test acc"],
        [[f"{lr:g}", f"{finals[lr][0]:.3f}", f"{finals[lr][1]:.1%}"] for lr in SWEEP],
    )
    best = min(SWEEP, key=lambda lr: finals[lr][0])
    headline["sweep_best_lr"] = best
    headline["sweep_best_final_loss"] = finals[best][0]

    # 3. Full-batch gradient descent: no sampling noise, so a rise is an overshoot.
    gd_chart = "Whole training set per step: loss (capped)"
    ctx.chart(gd_chart, x_label="gradient descent step", y_label="loss", y_min=0, y_max=LOSS_CAP)
    gd_rows = []
    for key, lr in FULL_BATCH:
        series = f"lr {lr:g}"
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)
        losses: list[float] = []

        def on_gd_step(step: int, loss: float, losses: list = losses, series: str = series) -> None:
            losses.append(loss)
            ctx.metric(gd_chart, series, step, min(loss, LOSS_CAP) if loss == loss else None)

        dk.train(
            model,
            split.x_train,
            split.y_train,
            epochs=gd_steps,
            lr=lr,
            batch_size=None,
            optimizer="sgd",
            seed=ctx.seed,
            on_step=on_gd_step,
        )
        tick(f"whole-set gradient descent, lr {lr:g}")
        uphill = sum(b > a for a, b in zip(losses, losses[1:], strict=False)) / (len(losses) - 1)
        rise = max(0.0, *(b - a for a, b in zip(losses, losses[1:], strict=False)))
        acc = dk.evaluate(model, split.x_test, split.y_test).accuracy
        gd_rows.append(
            [f"{lr:g}", f"{uphill:.0%}", f"{rise:.2f}", f"{losses[-1]:.3f}", f"{acc:.1%}"]
        )
        if key == "too large":
            headline["full_batch_too_large_accuracy"] = acc
        else:
            headline[f"{key}_uphill_steps"] = uphill
        if key == "bounce":
            headline["bounce_largest_rise"] = rise
            headline["bounce_accuracy"] = acc
    ctx.table(
        f"{gd_steps} steps of gradient descent on all {len(split.y_train)} training digits",
        ["lr", "steps uphill", "largest rise in one step", "final loss", "test acc"],
        gd_rows,
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
        f"{headline['too_large_final_loss']:.2f}. The sweep is a valley: loss falls as the "
        f"rate grows, is lowest at lr {best:g} ({finals[best][0]:.3f}), then jumps back up "
        "once the rate is big enough to wreck the network, so the best rate sits close to "
        "the edge. With the whole training set in every step there is no sampling noise, so "
        f"any rise of the loss is an overshoot: lr {FULL_BATCH[0][1]:g} went uphill on "
        f"{headline['steady_uphill_steps']:.0%} of its steps, lr {FULL_BATCH[1][1]:g} on "
        f"{headline['bounce_uphill_steps']:.0%} (once jumping up by "
        f"{headline['bounce_largest_rise']:.2f} in a single step), yet still reached "
        f"{headline['bounce_accuracy']:.0%}; lr {FULL_BATCH[2][1]:g} ended at "
        f"{headline['full_batch_too_large_accuracy']:.0%}. A loss stuck near ln(10)=2.30 "
        "with one predicted class is a common sign of a learning rate far too large; a "
        "loss that keeps bouncing is the milder sign of one a little too large.",
    )


def _sgd(
    dk: Any, model: Any, split: Any, epochs: int, lr: float, seed: int, on_epoch: Any, on_step: Any
) -> None:
    """The demo's mini-batch SGD run."""
    dk.train(
        model,
        split.x_train,
        split.y_train,
        epochs=epochs,
        lr=lr,
        batch_size=BATCH,
        optimizer="sgd",
        seed=seed,
        on_epoch=on_epoch,
        on_step=on_step,
    )
