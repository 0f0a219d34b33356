"""Calibration: an overconfident network, measured with ECE and fixed by temperature."""

from __future__ import annotations

from typing import Any

META = {
    "name": "calibration",
    "title": "Calibration and temperature scaling",
    "concept": (
        "A classifier is calibrated when its confidence matches its accuracy: of the answers "
        "given with 80% confidence, 80% are right. Networks trained long on little, messy "
        "data are overconfident. Dividing the logits by one number T, fitted on held-out "
        "data, fixes much of it without changing a single prediction."
    ),
    "watch_for": (
        "The reliability diagram: before scaling the curve sits below the diagonal "
        "(confidence above accuracy); after, it hugs the diagonal and the expected "
        "calibration error (ECE, 15 bins) drops while accuracy stays the same."
    ),
    "expected_seconds": 4,
    "order": 70,
}

NOISE = 0.2
BINS = 15


def run(ctx: Any) -> None:
    import demokit as dk

    dev = ctx.device
    epochs = ctx.pick(160, 200)
    split = dk.digits_split(300, 400, None, seed=ctx.seed).to(dev)
    y_noisy = dk.noisy_labels(split.y_train.cpu(), NOISE, seed=ctx.seed + 1).to(dev)
    ctx.text(
        f"A 64-256-256-10 MLP trained for {epochs} epochs on 300 digits, {NOISE:.0%} of them "
        f"mislabelled. Temperature fitted on 400 validation digits; ECE measured on "
        f"{len(split.y_test)} test digits."
    )
    train_chart = "Training"
    ctx.chart(train_chart, x_label="epoch", y_label="cross-entropy", y_min=0)
    model = dk.mlp([64, 256, 256, 10], seed=ctx.seed, device=dev)
    show = dk.every(epochs, 40)

    def on_epoch(epoch: int, loss: float) -> None:
        if show(epoch):
            ctx.metric(train_chart, "train loss", epoch, loss)
            ctx.metric(
                train_chart, "test NLL", epoch, dk.evaluate(model, split.x_test, split.y_test).loss
            )
        ctx.progress(epoch, epochs + 1, f"training (epoch {epoch}/{epochs})")

    dk.train(
        model,
        split.x_train,
        y_noisy,
        epochs=epochs,
        lr=1e-3,
        batch_size=64,
        seed=ctx.seed,
        on_epoch=on_epoch,
    )

    temperature = dk.fit_temperature(dk.logits_of(model, split.x_val), split.y_val)
    before = dk.evaluate(model, split.x_test, split.y_test)
    after = dk.evaluate(model, split.x_test, split.y_test, temperature=temperature)
    ece_before = dk.ece(before.probs, split.y_test, BINS)
    ece_after = dk.ece(after.probs, split.y_test, BINS)
    bins_before = dk.reliability(before.probs, split.y_test, BINS)
    bins_after = dk.reliability(after.probs, split.y_test, BINS)

    chart = "Reliability diagram (accuracy vs confidence)"
    ctx.chart(chart, x_label="confidence", y_label="accuracy", y_min=0, y_max=1)
    ctx.metric(chart, "perfect", 0.0, 0.0)
    ctx.metric(chart, "perfect", 1.0, 1.0)
    for label, bins in (("before", bins_before), (f"after (T={temperature:.2f})", bins_after)):
        for b in bins:
            if b.count:
                ctx.metric(chart, label, b.confidence, b.accuracy)
    rows = []
    for b0, b1 in zip(bins_before, bins_after, strict=True):
        if b0.count or b1.count:
            rows.append(
                [
                    f"{b0.lo:.2f}-{b0.hi:.2f}",
                    b0.count,
                    _pct(b0.accuracy),
                    b1.count,
                    _pct(b1.accuracy),
                ]
            )
    ctx.table(
        "Test digits per confidence bin",
        ["confidence", "n before", "acc before", "n after", "acc after"],
        rows,
    )
    ctx.progress(epochs + 1, epochs + 1, "done")
    headline = {
        "accuracy": before.accuracy,
        "accuracy_after": after.accuracy,
        "mean_confidence_before": before.confidence,
        "mean_confidence_after": after.confidence,
        "ece_before": ece_before,
        "ece_after": ece_after,
        "temperature": temperature,
        "nll_before": before.loss,
        "nll_after": after.loss,
    }
    ctx.result(
        headline,
        f"Test accuracy is {before.accuracy:.0%} but mean confidence was "
        f"{before.confidence:.0%}: ECE {ece_before:.3f}. Dividing the logits by "
        f"T={temperature:.2f} (fitted on validation data) brought mean confidence to "
        f"{after.confidence:.0%} and ECE to {ece_after:.3f}, with the same predictions "
        f"(accuracy {after.accuracy:.0%}). The network had learned to be sure of its "
        "memorised (and partly wrong) labels; a softmax score is not a probability until it "
        "is checked against held-out data.",
    )


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"
