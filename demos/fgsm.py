"""FGSM: a digit classifier is fooled by changes too small to matter to a person."""

from __future__ import annotations

from typing import Any

META = {
    "name": "fgsm",
    "title": "Adversarial examples (FGSM)",
    "concept": (
        "A network that is 97% accurate can be pushed to near 0% by adding a tiny, "
        "carefully chosen change to every pixel: step each pixel by eps in the direction "
        "that increases the loss (the fast gradient sign method)."
    ),
    "watch_for": (
        "Accuracy collapsing as eps grows while the confidence of the wrong answers rises; "
        "then the same attack on linear models of growing input size: the more dimensions, "
        "the bigger the effect of the same tiny per-pixel step."
    ),
    "expected_seconds": 4,
    "order": 10,
}

EPS_STEPS = 12  # eps from 0 to 0.3
EPS_MAX = 0.3
SHOW_EPS = 0.2
DIM_EPS = 0.1


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    epochs = ctx.pick(20, 40)
    dims = [2**k for k in range(1, 11)]
    total = epochs + EPS_STEPS + 1 + len(dims)
    split = dk.digits_split(1297, 0, 500, seed=ctx.seed).to(dev)

    # 1. An ordinary, accurate digit classifier.
    def on_epoch(epoch: int, loss: float) -> None:
        ctx.progress(epoch, total, f"training the classifier (epoch {epoch}/{epochs})")

    model = dk.digit_classifier(
        split.x_train, split.y_train, epochs=epochs, seed=ctx.seed, device=dev, on_epoch=on_epoch
    )
    clean = dk.evaluate(model, split.x_test, split.y_test)
    ctx.text(f"Trained an MLP on 8x8 digits: **{clean.accuracy:.1%}** test accuracy.")

    # 2. Sweep eps: accuracy and the confidence of wrong answers.
    chart = "FGSM on digits"
    ctx.chart(chart, x_label="eps (per-pixel step, pixels in 0..1)", y_min=0, y_max=1)
    rows = []
    headline: dict[str, float] = {"clean_accuracy": clean.accuracy}
    for i in range(EPS_STEPS + 1):
        eps = round(EPS_MAX * i / EPS_STEPS, 4)
        adv = dk.fgsm(model, split.x_test, split.y_test, eps)
        ev = dk.evaluate(model, adv, split.y_test)
        wrong_conf = ev.confidence_where(ev.preds != split.y_test)
        ctx.metric(chart, "accuracy", eps, ev.accuracy)
        ctx.metric(chart, "confidence when wrong", eps, wrong_conf)
        rows.append([f"{eps:.3f}", f"{ev.accuracy:.1%}", f"{wrong_conf:.2f}"])
        if eps in (0.1, 0.2, 0.3):
            headline[f"accuracy_eps_{eps}"] = ev.accuracy
        if eps in (0.2, 0.3):
            headline[f"wrong_confidence_eps_{eps}"] = wrong_conf
        ctx.progress(epochs + i + 1, total, f"attacking with eps={eps:.3f}")
    ctx.table("Accuracy under attack", ["eps", "accuracy", "confidence when wrong"], rows)

    # 3. One digit, before and after.
    show_digit(ctx, dk, model, split.x_test, split.y_test)

    # 4. Why: the same eps on linear models with more and more inputs.
    dim_chart = "Same eps=0.1, more dimensions (linear model)"
    ctx.chart(dim_chart, x_label="input dimensions", y_min=0, y_max=1, x_log=True)
    dim_rows = []
    gen = torch.Generator().manual_seed(ctx.seed + 1)
    for j, d in enumerate(dims):
        clean_acc, adv_acc, shift, margin = linear_attack(dk, d, gen, ctx.seed, dev)
        ctx.metric(dim_chart, "clean accuracy", d, clean_acc)
        ctx.metric(dim_chart, "accuracy under attack", d, adv_acc)
        dim_rows.append([d, f"{clean_acc:.1%}", f"{adv_acc:.1%}", f"{shift:.1f}", f"{margin:.1f}"])
        if d in (dims[0], dims[-1]):
            headline[f"dim_{d}_attacked_accuracy"] = adv_acc
        ctx.progress(epochs + EPS_STEPS + 2 + j, total, f"linear model with {d} inputs")
    ctx.table(
        "Linear models, eps=0.1 (noise per input has std 1)",
        ["dims", "clean acc", "attacked acc", "logit shift eps*|w|_1", "mean margin"],
        dim_rows,
    )
    ctx.result(
        headline,
        f"Clean accuracy {clean.accuracy:.1%}; at eps=0.2 it is "
        f"{headline['accuracy_eps_0.2']:.1%} and wrong answers carry "
        f"{headline['wrong_confidence_eps_0.2']:.0%} confidence. Each pixel moved by at most "
        "0.2, but it moved in the worst direction for the model. For a linear score w.x the "
        "step changes the score by eps*|w|_1, which grows with the number of inputs while the "
        f"per-input change stays fixed: at eps=0.1 a 2-input model keeps "
        f"{headline['dim_2_attacked_accuracy']:.0%} accuracy, a 1024-input one "
        f"{headline['dim_1024_attacked_accuracy']:.0%}. Networks are piecewise linear, "
        "so they inherit this brittleness.",
    )


def show_digit(ctx: Any, dk: Any, model: Any, x: Any, y: Any) -> None:
    """A clean digit, its attacked version and the perturbation, with predictions."""
    adv = dk.fgsm(model, x, y, SHOW_EPS)
    clean_eval, adv_eval = dk.evaluate(model, x, y), dk.evaluate(model, adv, y)
    fooled = (clean_eval.preds == y) & (adv_eval.preds != y)
    # The most confidently right digit among those the attack flips.
    score = clean_eval.probs.max(1).values * fooled
    i = int(score.argmax())
    ctx.text(
        f"A test digit {int(y[i])} before and after the attack (eps={SHOW_EPS}), and the "
        "change itself; under each image, the model's answer and its confidence."
    )
    for title, img, ev in (("clean", x[i], clean_eval), (f"eps={SHOW_EPS}", adv[i], adv_eval)):
        pred, conf = int(ev.preds[i]), float(ev.probs[i].max())
        ctx.image(title, dk.pixels(img), 8, 8, f"says {pred} ({conf:.0%})")
    diff = adv[i] - x[i]
    ctx.image("change", dk.pixels(diff, -SHOW_EPS, SHOW_EPS), 8, 8, "grey 0, white +")


def linear_attack(dk: Any, d: int, gen: Any, seed: int, dev: str) -> tuple[float, ...]:
    """Two Gaussian classes in ``d`` dims, equally separable for every ``d``; FGSM at eps 0.1.

    Returns clean accuracy, attacked accuracy, the logit shift eps*|w|_1 and the mean
    margin of the trained logistic regression.
    """
    import torch

    n = 1000
    labels = torch.randint(0, 2, (2 * n,), generator=gen)
    mu = torch.full((d,), 1.5 / d**0.5)  # |mu| = 1.5 whatever d is
    x = torch.randn(2 * n, d, generator=gen) + (2 * labels[:, None] - 1) * mu
    x, labels = x.to(dev), labels.to(dev)
    model = dk.logistic(d, 2, seed=seed, device=dev)
    dk.train(model, x[:n], labels[:n], epochs=100, lr=0.05, seed=seed)
    xt, yt = x[n:], labels[n:]
    clean = dk.evaluate(model, xt, yt).accuracy
    attacked = dk.evaluate(model, dk.fgsm(model, xt, yt, DIM_EPS, clip=None), yt).accuracy
    w = model[0].weight.detach()
    w_diff = w[1] - w[0]
    logits = dk.logits_of(model, xt)
    margin = float(((2 * yt - 1) * (logits[:, 1] - logits[:, 0])).mean())
    return clean, attacked, DIM_EPS * float(w_diff.abs().sum()), margin
