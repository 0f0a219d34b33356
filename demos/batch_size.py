"""Batch size: with a fixed epoch budget, bigger batches mean fewer steps."""

from __future__ import annotations

from typing import Any

META = {
    "name": "batch-size",
    "title": "Batch size and the number of steps",
    "concept": (
        "One epoch is one pass over the data. With batch size B it contains N/B gradient "
        "steps, so for the same number of epochs a large batch takes far fewer steps. "
        "Scaling the learning rate with the batch recovers some of it, until the rate is "
        "too large to be stable."
    ),
    "watch_for": (
        "Same model, same data, same epochs: accuracy falls as the batch grows because the "
        "step count collapses. Then, with the learning rate scaled in proportion to the "
        "batch, middle sizes recover while full batch overshoots."
    ),
    "expected_seconds": 4,
    "order": 40,
}

BASE_LR = 0.05
BASE_BATCH = 16
N_TRAIN = 1297


def run(ctx: Any) -> None:
    import demokit as dk

    dev = ctx.device
    epochs = ctx.pick(10, 14)
    batches = [4, 16, 64, 256, N_TRAIN]
    split = dk.digits_split(N_TRAIN, 0, 500, seed=ctx.seed).to(dev)
    epoch_chart = f"Test accuracy per epoch (lr {BASE_LR:g} for every batch size)"
    final_chart = f"Test accuracy after {epochs} epochs"
    ctx.chart(epoch_chart, x_label="epoch", y_min=0, y_max=1)
    ctx.chart(final_chart, x_label="batch size", y_min=0, y_max=1, x_log=True)
    # Only bigger batches get a scaled rate: scaling batch 4 down is the slowest run
    # (4 times the steps of batch 16) and tells the least.
    scaled_batches = [b for b in batches if b > BASE_BATCH]
    runs = [(b, False) for b in batches] + [(b, True) for b in scaled_batches]
    results: dict[tuple[int, bool], tuple[float, int, float]] = {}
    for k, (batch, scaled) in enumerate(runs):
        lr = BASE_LR * batch / BASE_BATCH if scaled else BASE_LR
        name = "full batch" if batch == N_TRAIN else f"batch {batch}"
        model = dk.mlp([64, 128, 10], seed=ctx.seed, device=dev)

        def on_epoch(
            epoch: int,
            loss: float,
            model: Any = model,
            name: str = name,
            scaled: bool = scaled,
            k: int = k,
            lr: float = lr,
        ) -> None:
            if not scaled:
                ev = dk.evaluate(model, split.x_test, split.y_test)
                ctx.metric(epoch_chart, name, epoch, ev.accuracy)
            what = f"lr {lr:g}" + (" (scaled)" if scaled else "")
            ctx.progress(k * epochs + epoch, len(runs) * epochs, f"{name}, {what}: epoch {epoch}")

        steps = dk.train(
            model,
            split.x_train,
            split.y_train,
            epochs=epochs,
            lr=lr,
            batch_size=batch,
            optimizer="sgd",
            seed=ctx.seed,
            on_epoch=on_epoch,
        )
        acc = dk.evaluate(model, split.x_test, split.y_test).accuracy
        results[(batch, scaled)] = (acc, steps, lr)
        ctx.metric(final_chart, "scaled lr" if scaled else f"lr {BASE_LR:g}", batch, acc)
        if batch == BASE_BATCH:  # the scaled series starts from the same point
            ctx.metric(final_chart, "scaled lr", batch, acc)
            results[(batch, True)] = (acc, steps, lr)

    rows = []
    for b in batches:
        acc, steps, _ = results[(b, False)]
        if (b, True) in results:
            sacc, _, slr = results[(b, True)]
            rows.append([b, steps, f"{acc:.1%}", f"{slr:.3g}", f"{sacc:.1%}"])
        else:
            rows.append([b, steps, f"{acc:.1%}", "-", "-"])
    ctx.table(
        f"{epochs} epochs of SGD on {N_TRAIN} digits",
        ["batch", "steps", f"acc (lr {BASE_LR:g})", "scaled lr", "acc (scaled lr)"],
        rows,
    )
    small, full = results[(4, False)], results[(N_TRAIN, False)]
    headline = {
        "batch_4_accuracy": small[0],
        "batch_4_steps": small[1],
        "batch_64_accuracy": results[(64, False)][0],
        "batch_256_accuracy": results[(256, False)][0],
        "full_batch_accuracy": full[0],
        "full_batch_steps": full[1],
        "scaled_batch_256_accuracy": results[(256, True)][0],
        "scaled_full_batch_accuracy": results[(N_TRAIN, True)][0],
        "scaled_full_batch_lr": results[(N_TRAIN, True)][2],
    }
    ctx.result(
        headline,
        f"Batch 4 took {small[1]} steps and reached {small[0]:.0%}; full batch took "
        f"{full[1]} steps and reached {full[0]:.0%}. Each step of a big batch has a cleaner "
        "gradient, but at the same learning rate it moves no further, so fewer steps means "
        "less learning. Multiplying the learning rate by the batch ratio lifts batch 256 to "
        f"{headline['scaled_batch_256_accuracy']:.0%}, but at full batch the scaled rate "
        f"({headline['scaled_full_batch_lr']:.2g}) is too large and training breaks down "
        f"({headline['scaled_full_batch_accuracy']:.0%}). Compare runs by steps and "
        "learning rate, not by epochs alone.",
    )
