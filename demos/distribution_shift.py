"""Distribution shift: small, harmless-looking changes to the test images break the model."""

from __future__ import annotations

from typing import Any

META = {
    "name": "distribution-shift",
    "title": "Distribution shift",
    "concept": (
        "A model is only tested on data like its training data. Move the digits by a "
        "pixel or two, add noise, brighten or invert them, and the test data no longer "
        "looks like the training data, though a person reads them as easily."
    ),
    "watch_for": (
        "Accuracy collapsing under shifts a person would not notice, while the model's "
        "confidence barely moves: it does not know that it does not know."
    ),
    "expected_seconds": 3,
    "order": 50,
}

NOISE_STD = 0.4
BRIGHTEN = 0.3


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    epochs = ctx.pick(20, 40)
    split = dk.digits_split(1297, 0, 500, seed=ctx.seed).to(dev)

    def on_epoch(epoch: int, loss: float) -> None:
        ctx.progress(epoch, epochs + 1, f"training on centred digits (epoch {epoch}/{epochs})")

    model = dk.digit_classifier(
        split.x_train, split.y_train, epochs=epochs, seed=ctx.seed, device=dev, on_epoch=on_epoch
    )
    x, y = split.x_test, split.y_test
    noise = torch.randn(x.shape, generator=dk.gen(ctx.seed + 7)).to(dev)
    conditions = {
        "clean": x,
        "shifted 1 px right": dk.shift_images(x, 1),
        "shifted 2 px right": dk.shift_images(x, 2),
        "shifted 1 px right, 1 down": dk.shift_images(x, 1, 1),
        f"noise (std {NOISE_STD:g})": (x + NOISE_STD * noise).clamp(0, 1),
        f"brighter (+{BRIGHTEN:g})": (x + BRIGHTEN).clamp(0, 1),
        "inverted": 1 - x,
    }
    rows, evals = [], {}
    for name, xs in conditions.items():
        ev = dk.evaluate(model, xs, y)
        evals[name] = ev
        wrong = ev.confidence_where(ev.preds != y)
        rows.append([name, f"{ev.accuracy:.1%}", f"{ev.confidence:.2f}", f"{wrong:.2f}"])
    ctx.table(
        "Same model, shifted test sets",
        ["test set", "accuracy", "mean confidence", "confidence when wrong"],
        rows,
    )

    chart = "Shift right by k pixels"
    ctx.chart(chart, x_label="pixels shifted", y_min=0, y_max=1)
    for k in range(4):
        ev = dk.evaluate(model, dk.shift_images(x, k), y)
        ctx.metric(chart, "accuracy", k, ev.accuracy)
        ctx.metric(chart, "mean confidence", k, ev.confidence)

    # An example that is right when centred and wrong when shifted, both with confidence.
    clean, moved = evals["clean"], evals["shifted 2 px right"]
    flipped = (clean.preds == y) & (moved.preds != y)
    sure = torch.minimum(clean.probs.max(1).values, moved.probs.max(1).values)
    i = int((sure * flipped).argmax())
    ctx.text(
        f"One test digit {int(y[i])} under four conditions; under each image, the model's "
        "answer and its confidence."
    )
    shown = {
        "clean": "clean",
        "shifted 2 px right": "2 px right",
        f"noise (std {NOISE_STD:g})": "noise",
        "inverted": "inverted",
    }
    for name, title in shown.items():
        ev = evals[name]
        pred, conf = int(ev.preds[i]), float(ev.probs[i].max())
        ctx.image(title, dk.pixels(conditions[name][i]), 8, 8, f"says {pred} ({conf:.0%})")
    ctx.progress(epochs + 1, epochs + 1, "done")

    shifted = [evals[n] for n in conditions if n != "clean"]
    headline = {
        "clean_accuracy": evals["clean"].accuracy,
        "clean_confidence": evals["clean"].confidence,
        "shift_1_accuracy": evals["shifted 1 px right"].accuracy,
        "shift_2_accuracy": evals["shifted 2 px right"].accuracy,
        "shift_2_confidence": evals["shifted 2 px right"].confidence,
        "noise_accuracy": evals[f"noise (std {NOISE_STD:g})"].accuracy,
        "brighter_accuracy": evals[f"brighter (+{BRIGHTEN:g})"].accuracy,
        "inverted_accuracy": evals["inverted"].accuracy,
        "inverted_confidence": evals["inverted"].confidence,
        "min_shifted_confidence": min(e.confidence for e in shifted),
    }
    ctx.result(
        headline,
        f"On centred digits the model is {headline['clean_accuracy']:.0%} right. Moving every "
        f"digit 2 pixels right drops it to {headline['shift_2_accuracy']:.0%}, inverting to "
        f"{headline['inverted_accuracy']:.0%}, yet the mean confidence never falls below "
        f"{headline['min_shifted_confidence']:.0%}. A softmax score measures how far an input "
        "is from a decision boundary, not how familiar it is: on data unlike the training "
        "set the model is still sure, just wrong. Test on the data you will really meet.",
    )
