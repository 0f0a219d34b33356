"""Overfitting: a big network memorises 100 noisy examples and gets worse on new ones."""

from __future__ import annotations

from typing import Any

META = {
    "name": "overfitting",
    "title": "Overfitting and its remedies",
    "concept": (
        "A network with far more parameters than examples can memorise its training set, "
        "label noise included. Training loss keeps falling; loss on held-out data falls, "
        "bottoms out, then climbs as the model learns the noise."
    ),
    "watch_for": (
        "The validation curve turning upward early while the training curve goes to zero; "
        "then how dropout, weight decay and early stopping change the end of the story. "
        "Last, the same network on correct labels: validation loss still climbs while "
        "validation accuracy barely moves, so a rising loss alone does not mean the "
        "answers got worse."
    ),
    "expected_seconds": 4,
    "order": 20,
    "results": {
        "min_val_loss": "noisy labels, no regularisation: lowest validation loss (nats)",
        "min_val_epoch": "noisy labels, no regularisation: epoch of the lowest validation loss",
        "final_val_loss": "noisy labels, no regularisation: validation loss at the end (nats)",
        "final_over_min": "noisy labels: final validation loss divided by its minimum",
        "epochs": "training epochs of every run",
        "final_train_loss": "noisy labels, no regularisation: training loss at the end (nats)",
        "dropout_final_val_loss": "noisy labels, dropout 0.5: final validation loss (nats)",
        "weight_decay_final_val_loss": "noisy labels, weight decay: final validation loss",
        "early_stopping_val_loss": "noisy labels: validation loss at the best epoch (nats)",
        "final_val_accuracy": "noisy labels: validation accuracy at the end (fraction 0-1)",
        "early_stopping_val_accuracy": (
            "noisy labels: validation accuracy at the best epoch (fraction 0-1)"
        ),
        "clean_min_val_loss": "correct labels: lowest validation loss (nats)",
        "clean_final_val_loss": "correct labels: validation loss at the end (nats)",
        "clean_final_over_min": "correct labels: final validation loss divided by its minimum",
        "clean_val_accuracy_at_min": (
            "correct labels: validation accuracy at the lowest-loss epoch (fraction 0-1)"
        ),
        "clean_final_val_accuracy": "correct labels: validation accuracy at the end (0-1)",
        "clean_accuracy_change": (
            "correct labels: final validation accuracy minus accuracy at the lowest-loss "
            "epoch (fraction, may be negative)"
        ),
        "clean_wrong_confidence_at_min": (
            "correct labels: mean confidence on wrong validation answers at the lowest-loss "
            "epoch (0-1)"
        ),
        "clean_final_wrong_confidence": (
            "correct labels: mean confidence on wrong validation answers at the end (0-1)"
        ),
    },
}

NOISE = 0.2
PATIENCE = 20
CLEAN_LR = 2e-3  # the correct-label run, at both scales
CLEAR_RISE = 1.1  # final / minimum validation loss that counts as a clear rise


def run(ctx: Any) -> None:
    import demokit as dk

    dev = ctx.device
    epochs = ctx.pick(100, 120)
    hidden = ctx.pick(256, 384)
    lr = ctx.pick(2e-3, 1e-3)
    split = dk.digits_split(100, 500, 0, seed=ctx.seed).to(dev)
    y_noisy = dk.noisy_labels(split.y_train.cpu(), NOISE, seed=ctx.seed + 1).to(dev)
    ctx.text(
        f"100 training digits, {NOISE:.0%} of them with a wrong label; a "
        f"64-{hidden}-{hidden}-10 MLP ({(64 * hidden + hidden * hidden + hidden * 10):,} weights) "
        f"trained with Adam for {epochs} epochs. Validation: 500 other digits."
    )
    settings = [
        ("no regularisation", 0.0, 0.0),
        ("dropout 0.5", 0.5, 0.0),
        ("weight decay", 0.0, 10.0),
    ]
    loss_chart = "No regularisation: loss"
    cmp_chart = "Validation loss with remedies"
    ctx.chart(loss_chart, x_label="epoch", y_label="cross-entropy", y_min=0)
    ctx.chart(cmp_chart, x_label="epoch", y_label="validation loss", y_min=0)
    total = epochs * (len(settings) + 1)
    histories: dict[str, list[tuple[float, float, float]]] = {}
    for k, (name, dropout, decay) in enumerate(settings):
        model = dk.mlp([64, hidden, hidden, 10], dropout=dropout, seed=ctx.seed, device=dev)
        hist: list[tuple[float, float, float]] = []  # (train loss, val loss, val acc)

        def on_epoch(
            epoch: int,
            train_loss: float,
            model: Any = model,
            hist: list = hist,
            k: int = k,
            name: str = name,
        ) -> None:
            val = dk.evaluate(model, split.x_val, split.y_val)
            hist.append((train_loss, val.loss, val.accuracy))
            if k == 0:
                ctx.metric(loss_chart, "train", epoch, train_loss)
                ctx.metric(loss_chart, "validation", epoch, val.loss)
            ctx.metric(cmp_chart, name, epoch, val.loss)
            ctx.progress(k * epochs + epoch, total, f"{name}: epoch {epoch}/{epochs}")

        dk.train(
            model,
            split.x_train,
            y_noisy,
            epochs=epochs,
            lr=lr,
            weight_decay=decay,
            seed=ctx.seed,
            on_epoch=on_epoch,
        )
        histories[name] = hist
        if k == 0:
            best = _best(hist)
            ctx.text(
                f"Without regularisation validation loss was lowest at epoch {best + 1} "
                f"({hist[best][1]:.2f}) and ended at {hist[-1][1]:.2f}."
            )

    rows = []
    for name, _, _ in settings:
        hist = histories[name]
        best = _best(hist)
        rows.append(
            [
                name,
                f"{hist[best][1]:.2f} (epoch {best + 1})",
                f"{hist[-1][1]:.2f}",
                f"{hist[-1][2]:.1%}",
                epochs,
            ]
        )
    base = histories["no regularisation"]
    stop, best = _early_stop(base)
    rows.append(
        [
            f"early stopping (patience {PATIENCE})",
            f"{base[best][1]:.2f} (epoch {best + 1})",
            f"{base[best][1]:.2f}",
            f"{base[best][2]:.1%}",
            stop + 1,
        ]
    )
    ctx.table(
        "Validation loss and accuracy",
        ["setting", "best val loss", "final val loss", "final val acc", "epochs run"],
        rows,
    )

    # The same network on correct labels.
    clean_chart = f"Correct labels (Adam {CLEAN_LR:g}): validation loss and accuracy"
    ctx.chart(clean_chart, x_label="epoch", y_min=0)
    model = dk.mlp([64, hidden, hidden, 10], seed=ctx.seed, device=dev)
    clean: list[tuple[float, float, float]] = []
    wrong_conf: list[float] = []  # mean confidence on wrong validation answers, per epoch

    def on_clean_epoch(epoch: int, train_loss: float) -> None:
        val = dk.evaluate(model, split.x_val, split.y_val)
        clean.append((train_loss, val.loss, val.accuracy))
        wrong_conf.append(val.confidence_where(val.preds != split.y_val))
        ctx.metric(clean_chart, "validation loss", epoch, val.loss)
        ctx.metric(clean_chart, "validation accuracy", epoch, val.accuracy)
        ctx.progress(
            len(settings) * epochs + epoch, total, f"correct labels: epoch {epoch}/{epochs}"
        )

    dk.train(
        model,
        split.x_train,
        split.y_train,
        epochs=epochs,
        lr=CLEAN_LR,
        seed=ctx.seed,
        on_epoch=on_clean_epoch,
    )
    c = _best(clean)
    ctx.text(
        f"The same network trained on the correct labels (Adam, learning rate {CLEAN_LR:g}, "
        f"{epochs} epochs): validation loss was lowest at epoch {c + 1} "
        f"({clean[c][1]:.2f}, accuracy {clean[c][2]:.1%}) and ended at {clean[-1][1]:.2f} "
        f"(accuracy {clean[-1][2]:.1%}); mean confidence in its wrong answers went from "
        f"{wrong_conf[c]:.2f} to {wrong_conf[-1]:.2f}."
    )

    b = _best(base)
    headline = {
        "min_val_loss": base[b][1],
        "min_val_epoch": b + 1,
        "final_val_loss": base[-1][1],
        "final_over_min": base[-1][1] / base[b][1],
        "epochs": epochs,
        "final_train_loss": base[-1][0],
        "dropout_final_val_loss": histories["dropout 0.5"][-1][1],
        "weight_decay_final_val_loss": histories["weight decay"][-1][1],
        "early_stopping_val_loss": base[best][1],
        "final_val_accuracy": base[-1][2],
        "early_stopping_val_accuracy": base[best][2],
        "clean_min_val_loss": clean[c][1],
        "clean_final_val_loss": clean[-1][1],
        "clean_final_over_min": clean[-1][1] / clean[c][1],
        "clean_val_accuracy_at_min": clean[c][2],
        "clean_final_val_accuracy": clean[-1][2],
        "clean_accuracy_change": clean[-1][2] - clean[c][2],
        "clean_wrong_confidence_at_min": wrong_conf[c],
        "clean_final_wrong_confidence": wrong_conf[-1],
    }
    ctx.result(
        headline,
        f"Training loss fell to {base[-1][0]:.3f}: the network memorised all 100 labels, "
        f"including the {NOISE:.0%} that are wrong. Validation loss bottomed out at epoch "
        f"{b + 1} and ended {headline['final_over_min']:.1f}x higher, because the model grew "
        "confident about what it had memorised. Dropout and weight decay slow that down "
        f"(final {headline['dropout_final_val_loss']:.2f} and "
        f"{headline['weight_decay_final_val_loss']:.2f}); early stopping keeps the weights "
        f"from the best epoch ({base[best][1]:.2f}, {base[best][2]:.0%} accuracy vs "
        f"{base[-1][2]:.0%} at the end). {_clean_story(headline)} Watching held-out "
        "curves is how you see all of this.",
    )


def _clean_story(h: dict[str, float]) -> str:
    """What the correct-label run showed, in words that stay true for any seed."""
    accuracy = (
        f"validation accuracy went from {h['clean_val_accuracy_at_min']:.1%} to "
        f"{h['clean_final_val_accuracy']:.1%}"
    )
    if h["clean_final_over_min"] < CLEAR_RISE:
        return (
            "With correct labels validation loss stayed close to its minimum this time "
            f"(ending {h['clean_final_over_min']:.2f}x it) and {accuracy}."
        )
    return (
        "With correct labels validation loss also climbed, ending "
        f"{h['clean_final_over_min']:.2f}x its minimum, while {accuracy}. It rose because "
        "the answers the model still gets wrong are given with more confidence (mean "
        f"{h['clean_wrong_confidence_at_min']:.2f} at the best epoch, "
        f"{h['clean_final_wrong_confidence']:.2f} at the end), and cross-entropy punishes a "
        "confident wrong answer heavily. A rising validation loss is a reason to look at "
        "accuracy (and calibration) too; on its own it does not mean the answers got worse."
    )


def _best(hist: list[tuple[float, float, float]]) -> int:
    """Index of the epoch with the lowest validation loss."""
    return min(range(len(hist)), key=lambda i: hist[i][1])


def _early_stop(hist: list[tuple[float, float, float]]) -> tuple[int, int]:
    """(epoch index where training stops, index of the best epoch kept) for ``PATIENCE``."""
    best = 0
    for i, (_, val, _) in enumerate(hist):
        if val < hist[best][1]:
            best = i
        elif i - best >= PATIENCE:
            return i, best
    return len(hist) - 1, best
