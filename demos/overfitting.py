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
        "then how dropout, weight decay and early stopping change the end of the story."
    ),
    "expected_seconds": 5,
    "order": 20,
}

NOISE = 0.2
PATIENCE = 20


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
    total = epochs * len(settings)
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
        f"{base[-1][2]:.0%} at the end). Watching a held-out curve is how you see it.",
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
