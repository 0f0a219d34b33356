"""Shared helpers for the drillbreak demos: data, models, training, measurements.

Imported by demo modules inside ``run()`` only (it imports torch).  Optimisers are
written by hand here: importing ``torch.optim`` costs about a second of start-up.
Every function that draws random numbers takes a ``seed`` and uses its own
``torch.Generator``, so results do not depend on the order of calls.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

DATA_DIR = Path(__file__).resolve().parent / "data"
DIGITS_FILE = DATA_DIR / "digits.u8.gz"
N_CLASSES = 10
SIDE = 8  # digits are 8x8


# --------------------------------------------------------------------------- data


def gen(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def load_digits() -> tuple[Tensor, Tensor]:
    """The 1797 8x8 digits: ``x`` float32 (N, 64) scaled to 0..1, ``y`` int64 (N,)."""
    raw = gzip.decompress(DIGITS_FILE.read_bytes())
    table = torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(-1, 65)
    return table[:, :64].float() / 16.0, table[:, 64].long()


@dataclass
class Split:
    """Train / validation / test tensors (on one device)."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_test: Tensor
    y_test: Tensor

    def to(self, device: str | torch.device) -> Split:
        return Split(*(t.to(device) for t in self.tensors()))

    def tensors(self) -> tuple[Tensor, ...]:
        return (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test)


def digits_split(n_train: int, n_val: int = 0, n_test: int | None = None, seed: int = 0) -> Split:
    """A random split of the digits (fixed by ``seed``); ``n_test`` defaults to the rest."""
    x, y = load_digits()
    order = torch.randperm(len(y), generator=gen(seed))
    n_test = len(y) - n_train - n_val if n_test is None else n_test
    if n_train + n_val + n_test > len(y):
        raise ValueError("split larger than the data set")
    a, b, c = n_train, n_train + n_val, n_train + n_val + n_test
    tr, va, te = order[:a], order[a:b], order[b:c]
    return Split(x[tr], y[tr], x[va], y[va], x[te], y[te])


def noisy_labels(y: Tensor, fraction: float, seed: int) -> Tensor:
    """A copy of ``y`` with ``fraction`` of the labels replaced by a different class."""
    g = gen(seed)
    y = y.clone()
    n = round(fraction * len(y))
    idx = torch.randperm(len(y), generator=g)[:n]
    shift = torch.randint(1, N_CLASSES, (n,), generator=g)
    y[idx] = (y[idx] + shift) % N_CLASSES
    return y


def shift_images(x: Tensor, dx: int, dy: int = 0) -> Tensor:
    """Move 8x8 images ``dx`` pixels right and ``dy`` down, filling with black."""
    img = x.reshape(-1, SIDE, SIDE)
    out = torch.zeros_like(img)
    h, w = SIDE - abs(dy), SIDE - abs(dx)
    src_y, dst_y = (0, dy) if dy >= 0 else (-dy, 0)
    src_x, dst_x = (0, dx) if dx >= 0 else (-dx, 0)
    out[:, dst_y : dst_y + h, dst_x : dst_x + w] = img[:, src_y : src_y + h, src_x : src_x + w]
    return out.reshape(x.shape)


def pixels(img: Tensor, vmin: float = 0.0, vmax: float = 1.0) -> list[int]:
    """A flat list of 0..255 grey levels for an image with values in ``vmin..vmax``."""
    flat = img.detach().float().cpu().reshape(-1)
    scaled = ((flat - vmin) / max(vmax - vmin, 1e-12)).clamp(0, 1) * 255
    return [round(v) for v in scaled.tolist()]


# ------------------------------------------------------------------------- models


def mlp(
    sizes: Sequence[int], *, dropout: float = 0.0, seed: int = 0, device: str = "cpu"
) -> nn.Sequential:
    """A ReLU MLP with layer ``sizes`` (in, hidden..., out); dropout after each hidden."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers).to(device)


def logistic(
    n_in: int, n_out: int = N_CLASSES, *, seed: int = 0, device: str = "cpu"
) -> nn.Sequential:
    """Multinomial logistic regression: one linear layer (softmax in the loss)."""
    return mlp([n_in, n_out], seed=seed, device=device)


# --------------------------------------------------------------------- optimisers


class SGD:
    """Plain SGD with optional momentum and L2 weight decay."""

    def __init__(
        self, params: Iterable[Tensor], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.buf = [torch.zeros_like(p) for p in self.params] if momentum else []

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            d = p.grad
            if self.weight_decay:
                d = d + self.weight_decay * p
            if self.momentum:
                self.buf[i].mul_(self.momentum).add_(d)
                d = self.buf[i]
            p.add_(d, alpha=-self.lr)


class Adam:
    """Adam with decoupled weight decay (AdamW when ``weight_decay`` > 0)."""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter that has a gradient: per tensor, the same operations
        in the same order as a loop over them (the same numbers, bit for bit), issued
        as one ``torch._foreach_*`` call each (the demos' tiny networks spent much of
        a step dispatching per-tensor calls from Python)."""
        self.t += 1
        b1, b2 = self.betas
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        ps = [self.params[i] for i in live]
        grads = [p.grad for p in ps]
        ms, vs = [self.m[i] for i in live], [self.v[i] for i in live]
        if self.weight_decay:
            torch._foreach_mul_(ps, 1 - self.lr * self.weight_decay)
        torch._foreach_mul_(ms, b1)
        torch._foreach_add_(ms, grads, alpha=1 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
        denom = torch._foreach_div(vs, c2)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(ps, ms, denom, value=-self.lr / c1)


def make_optimizer(
    kind: str, params: Iterable[Tensor], lr: float, weight_decay: float = 0.0
) -> SGD | Adam:
    if kind == "adam":
        return Adam(params, lr=lr, weight_decay=weight_decay)
    if kind == "sgd":
        return SGD(params, lr=lr, weight_decay=weight_decay)
    if kind == "momentum":
        return SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    raise ValueError(f"unknown optimiser {kind!r}")


# ----------------------------------------------------------------------- training

# Called after each epoch with (epoch starting at 1, mean training loss); return True to stop.
EpochHook = Callable[[int, float], bool | None]


def train(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    seed: int = 0,
    on_epoch: EpochHook | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> int:
    """Train ``model`` with cross-entropy; returns the number of optimiser steps.

    ``batch_size`` ``None`` means full batch.  Mini-batches are drawn in a fresh
    random order each epoch from a generator seeded with ``seed``.  ``on_step`` is
    called after each optimiser step with (step starting at 1, batch loss).
    """
    opt = make_optimizer(optimizer, model.parameters(), lr, weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    g = gen(seed)
    n = len(y)
    bs = n if batch_size is None else min(batch_size, n)
    steps = 0
    for epoch in range(1, epochs + 1):
        if not model.training:  # switching walks every submodule: only when a hook evaluated
            model.train()
        order = torch.randperm(n, generator=g).to(x.device) if bs < n else None
        total, count = 0.0, 0
        for start in range(0, n, bs):
            if order is None:
                xb, yb = x, y
            else:
                idx = order[start : start + bs]
                xb, yb = x[idx], y[idx]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
            value = float(loss.detach())
            total += value * len(yb)
            if on_step is not None:
                on_step(steps, value)
            count += len(yb)
        if on_epoch is not None:
            model.eval()  # a hook sees (and may evaluate) the model as it is used
            if on_epoch(epoch, total / count):
                break
    model.eval()
    return steps


def chain(*hooks: EpochHook | None) -> EpochHook:
    """One ``on_epoch`` hook calling each of ``hooks`` (``None`` skipped) in turn;
    training stops when any of them asks to."""

    def on_epoch(epoch: int, loss: float) -> bool:
        stop = False
        for hook in hooks:
            if hook is not None:
                stop = bool(hook(epoch, loss)) or stop
        return stop

    return on_epoch


def thinned(hook: EpochHook, keep: Callable[[int], bool]) -> EpochHook:
    """``hook`` called only on the epochs ``keep`` is true for, e.g. ``every(n, 30)``:
    a live curve of a long run without a point for every epoch."""

    def on_epoch(epoch: int, loss: float) -> bool:
        return bool(hook(epoch, loss)) if keep(epoch) else False

    return on_epoch


def digit_classifier(
    x: Tensor,
    y: Tensor,
    *,
    epochs: int,
    seed: int = 0,
    device: str = "cpu",
    on_epoch: EpochHook | None = None,
) -> nn.Sequential:
    """The demos' standard digit classifier: a 64-128-10 MLP, Adam 3e-3, batch 64."""
    model = mlp([64, 128, N_CLASSES], seed=seed, device=device)
    train(model, x, y, epochs=epochs, lr=3e-3, batch_size=64, seed=seed, on_epoch=on_epoch)
    return model


# ------------------------------------------------------------------- measurements


@dataclass
class Eval:
    """Loss, accuracy and confidence of a model on a data set."""

    loss: float
    accuracy: float
    confidence: float  # mean max-softmax probability
    probs: Tensor
    preds: Tensor

    def confidence_where(self, mask: Tensor) -> float:
        """Mean confidence on the examples selected by ``mask`` (nan if none)."""
        return float(self.probs.max(1).values[mask].mean()) if bool(mask.any()) else math.nan


@torch.no_grad()
def logits_of(model: nn.Module, x: Tensor) -> Tensor:
    model.eval()
    return model(x)


@torch.no_grad()
def evaluate(model: nn.Module, x: Tensor, y: Tensor, temperature: float = 1.0) -> Eval:
    """Cross-entropy, accuracy and mean confidence of ``model`` on ``(x, y)``."""
    logits = logits_of(model, x) / temperature
    return eval_logits(logits, y)


def eval_logits(logits: Tensor, y: Tensor) -> Eval:
    loss = float(nn.functional.cross_entropy(logits, y))
    probs = logits.softmax(1)
    preds = probs.argmax(1)
    return Eval(
        loss=loss,
        accuracy=float((preds == y).float().mean()),
        confidence=float(probs.max(1).values.mean()),
        probs=probs,
        preds=preds,
    )


@torch.no_grad()
def dead_units(model: nn.Sequential, x: Tensor) -> float:
    """Fraction of the first hidden layer's ReLUs that are zero on every row of ``x``."""
    model.eval()
    h = model[1](model[0](x))
    return float(((h > 0).sum(0) == 0).float().mean())


def fgsm(
    model: nn.Module, x: Tensor, y: Tensor, eps: float, clip: tuple[float, float] | None = (0, 1)
) -> Tensor:
    """Fast gradient sign attack: ``x + eps * sign(grad of the loss)``, clipped to ``clip``."""
    model.eval()
    x = x.clone().requires_grad_(True)
    loss = nn.functional.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    adv = (x + eps * grad.sign()).detach()
    return adv if clip is None else adv.clamp(*clip)


@dataclass
class Bin:
    """One confidence bin of a reliability diagram."""

    lo: float
    hi: float
    count: int
    confidence: float
    accuracy: float


def reliability(probs: Tensor, y: Tensor, n_bins: int = 15) -> list[Bin]:
    """Equal-width confidence bins with their mean confidence and accuracy."""
    conf, pred = probs.max(1)
    correct = (pred == y).float()
    bins = []
    for i in range(n_bins):
        lo, hi = i / n_bins, (i + 1) / n_bins
        mask = (conf > lo) & (conf <= hi)
        n = int(mask.sum())
        bins.append(
            Bin(
                lo,
                hi,
                n,
                float(conf[mask].mean()) if n else math.nan,
                float(correct[mask].mean()) if n else math.nan,
            )
        )
    return bins


def ece(probs: Tensor, y: Tensor, n_bins: int = 15) -> float:
    """Expected calibration error: the count-weighted mean |accuracy - confidence|."""
    total = len(y)
    return sum(
        b.count / total * abs(b.accuracy - b.confidence)
        for b in reliability(probs, y, n_bins)
        if b.count
    )


def fit_temperature(logits: Tensor, y: Tensor, steps: int = 200, lr: float = 0.05) -> float:
    """The temperature minimising validation NLL (gradient descent on log T)."""
    log_t = torch.zeros((), device=logits.device, requires_grad=True)
    opt = Adam([log_t], lr=lr)
    logits = logits.detach()
    for _ in range(steps):
        loss = nn.functional.cross_entropy(logits / log_t.exp(), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(log_t.detach().exp())


def every(n_total: int, n_points: int) -> Callable[[int], bool]:
    """A predicate true for about ``n_points`` evenly spaced epochs (and the last)."""
    stride = max(1, n_total // max(1, n_points))
    return lambda i: i % stride == 0 or i == n_total or i == 1


# ------------------------------------------------- sampling, curves, image helpers


def per_class_sample(y: Tensor, pool: Tensor, per_class: int, seed: int) -> Tensor:
    """``per_class`` random indices from ``pool`` for each class (labels ``y``)."""
    g = gen(seed)
    picks = []
    for c in range(N_CLASSES):
        members = pool[y[pool] == c]
        picks.append(members[torch.randperm(len(members), generator=g)[:per_class]])
    return torch.cat(picks)


def random_shifts(x: Tensor, max_shift: int, g: torch.Generator) -> Tensor:
    """Each 8x8 image moved by its own random (dx, dy), each in ``-max_shift..max_shift``."""
    d = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=g).to(x.device)
    # As shift_images per image, in one gather: pixel (r, c) of an image moved by (dx, dy)
    # is pixel (r - dy, c - dx) of the original, black outside it (the zero padding).
    padded = nn.functional.pad(x.reshape(-1, SIDE, SIDE), (max_shift,) * 4)
    at = torch.arange(SIDE, device=x.device) + max_shift
    rows = (at[None, :] - d[:, 1:2])[:, :, None]
    cols = (at[None, :] - d[:, 0:1])[:, None, :]
    image = torch.arange(len(x), device=x.device)[:, None, None]
    return padded[image, rows, cols].reshape(x.shape)


def examples_to_reach(sizes: Sequence[float], accuracies: Sequence[float], target: float) -> float:
    """The training-set size where accuracy first reaches ``target``, interpolated on a
    log scale between the two sizes around it; nan if it never does."""
    for i, (n, acc) in enumerate(zip(sizes, accuracies, strict=True)):
        if acc >= target:
            if i == 0:
                return float(n)
            n0, a0 = sizes[i - 1], accuracies[i - 1]
            t = (target - a0) / (acc - a0)
            return math.exp(math.log(n0) + t * (math.log(n) - math.log(n0)))
    return math.nan


def power_law_fit(sizes: Sequence[float], errors: Sequence[float]) -> tuple[float, float]:
    """``(b, r2)`` for error ~ size^-b: minus the least-squares slope of log error on log
    size, and the share of the variance of log error that the straight line explains."""
    lx = torch.tensor([math.log(n) for n in sizes], dtype=torch.float64)
    ly = torch.tensor([math.log(max(e, 1e-6)) for e in errors], dtype=torch.float64)
    lx, ly = lx - lx.mean(), ly - ly.mean()
    slope = (lx * ly).sum() / (lx * lx).sum()
    r2 = 1 - float(((ly - slope * lx) ** 2).sum() / (ly * ly).sum().clamp_min(1e-12))
    return float(-slope), r2


def upscale(pixel_list: Sequence[int], width: int, factor: int) -> list[int]:
    """A row-major image (``width`` wide) with each pixel repeated ``factor`` x ``factor``."""
    rows = [pixel_list[i : i + width] for i in range(0, len(pixel_list), width)]
    return [p for row in rows for _ in range(factor) for p in row for _ in range(factor)]


def random_sign_noise(
    x: Tensor, eps: float, seed: int, clip: tuple[float, float] | None = (0, 1)
) -> Tensor:
    """``x + eps * (random +-1 per input)``: an FGSM-sized step in a random direction."""
    signs = torch.randint(0, 2, x.shape, generator=gen(seed)).to(x.device) * 2 - 1
    noisy = x + eps * signs
    return noisy if clip is None else noisy.clamp(*clip)


def shift_augment(
    x: Tensor, y: Tensor, max_shift: int, copies: int, seed: int
) -> tuple[Tensor, Tensor]:
    """``x`` plus ``copies`` copies, each image moved by a random (dx, dy) in +-``max_shift``."""
    g = gen(seed)
    xs, ys = [x], [y]
    for _ in range(copies):
        moved = random_shifts(x, max_shift, g)
        xs.append(moved)
        ys.append(y)
    return torch.cat(xs), torch.cat(ys)


def train_steps(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    steps: int,
    lr: float,
    batch_size: int,
    optimizer: str = "sgd",
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
) -> None:
    """Train with cross-entropy for exactly ``steps`` optimiser steps of ``batch_size``
    examples, in a fresh random order on each pass over the data (seeded with ``seed``)."""
    opt = make_optimizer(optimizer, model.parameters(), lr)
    loss_fn = nn.CrossEntropyLoss()
    g = gen(seed)
    n = len(y)
    bs = min(batch_size, n)
    model.train()
    step = 0
    while step < steps:
        order = torch.randperm(n, generator=g).to(x.device)
        for start in range(0, n, bs):
            idx = order[start : start + bs]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if on_step is not None:
                on_step(step, float(loss.detach()))
            if step == steps:
                break
    model.eval()
