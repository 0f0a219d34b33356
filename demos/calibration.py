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
        "The reliability diagram, accuracy against confidence: before scaling the points "
        "sit below the diagonal (confidence above accuracy); after, they lie near it, and "
        "the expected calibration error (ECE, 15 bins) drops while accuracy stays the same."
    ),
    "expected_seconds": 3,
    "order": 70,
    "results": {
        "accuracy": "test accuracy before temperature scaling (fraction 0-1)",
        "accuracy_after": "test accuracy after temperature scaling (fraction 0-1)",
        "mean_confidence_before": "mean max-softmax confidence before scaling (0-1)",
        "mean_confidence_after": "mean max-softmax confidence after scaling (0-1)",
        "ece_before": "expected calibration error before scaling, 15 bins (0-1)",
        "ece_after": "expected calibration error after scaling, 15 bins (0-1)",
        "temperature": "temperature T fitted on validation digits (logits divided by T)",
        "nll_before": "test cross-entropy before scaling (nats)",
        "nll_after": "test cross-entropy after scaling (nats)",
        "bins_below_diagonal_before": (
            "share of plotted bins whose accuracy is below their mean confidence, before "
            "scaling (fraction 0-1)"
        ),
        "bins_below_diagonal_after": (
            "share of plotted bins whose accuracy is below their mean confidence, after "
            "scaling (fraction 0-1)"
        ),
    },
}

NOISE = 0.2
BINS = 15
MIN_BIN_COUNT = 10  # bins with fewer test digits are left off the diagram


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
    show = dk.every(epochs, 20)  # the test set's loss, at 20 epochs: each costs a pass

    def on_epoch(epoch: int, loss: float) -> None:
        if show(epoch):
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
        on_epoch=dk.chain(ctx.training_curve("train loss", chart=train_chart), on_epoch),
    )

    temperature = dk.fit_temperature(dk.logits_of(model, split.x_val), split.y_val)
    before = dk.evaluate(model, split.x_test, split.y_test)
    after = dk.evaluate(model, split.x_test, split.y_test, temperature=temperature)
    ece_before = dk.ece(before.probs, split.y_test, BINS)
    ece_after = dk.ece(after.probs, split.y_test, BINS)
    bins_before = dk.reliability(before.probs, split.y_test, BINS)
    bins_after = dk.reliability(after.probs, split.y_test, BINS)

    chart = "Reliability diagram"
    ctx.chart(chart, x_label="mean confidence in the bin", y_label="accuracy", y_min=0, y_max=1)
    for i in range(11):
        ctx.metric(chart, "perfect calibration", i / 10, i / 10)
    below: dict[str, float] = {}
    for key, label, bins in (
        ("before", "before", bins_before),
        ("after", f"after (T={temperature:.2f})", bins_after),
    ):
        shown = [b for b in bins if b.count >= MIN_BIN_COUNT]
        for b in shown:
            ctx.metric(chart, label, b.confidence, b.accuracy)
        below[key] = sum(b.accuracy < b.confidence for b in shown) / max(1, len(shown))
    ctx.text(
        f"Each point is one of {BINS} equal-width confidence bins: its mean confidence "
        "across, the share of its test digits answered correctly up. Points below the "
        f"diagonal are overconfident. Bins holding fewer than {MIN_BIN_COUNT} test digits "
        "are left off (their accuracy is mostly chance); the table lists every bin."
    )
    rows = []
    for b0, b1 in zip(bins_before, bins_after, strict=True):
        if b0.count or b1.count:
            rows.append(
                [
                    f"{b0.lo:.2f}-{b0.hi:.2f}",
                    b0.count,
                    _frac(b0.confidence),
                    _pct(b0.accuracy),
                    b1.count,
                    _frac(b1.confidence),
                    _pct(b1.accuracy),
                ]
            )
    ctx.table(
        "Test digits per confidence bin",
        ["bin", "n before", "conf before", "acc before", "n after", "conf after", "acc after"],
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
        "bins_below_diagonal_before": below["before"],
        "bins_below_diagonal_after": below["after"],
    }
    ctx.result(
        headline,
        f"Test accuracy is {before.accuracy:.0%} but mean confidence was "
        f"{before.confidence:.0%}: ECE {ece_before:.3f}. Dividing the logits by "
        f"T={temperature:.2f} (fitted on validation data) brought mean confidence to "
        f"{after.confidence:.0%} and ECE to {ece_after:.3f}, with the same predictions "
        f"(accuracy {after.accuracy:.0%}). On the diagram, {below['before']:.0%} of the "
        f"plotted bins sat below the diagonal before scaling and {below['after']:.0%} after. "
        "The network had learned to be sure of its "
        "memorised (and partly wrong) labels; a softmax score is not a probability until it "
        "is checked against held-out data.",
    )


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"


def _frac(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"
