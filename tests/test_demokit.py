"""demokit's fast paths give the numbers of the plain versions, bit for bit."""

from __future__ import annotations

import sys

import pytest

from drillbreak.paths import shipped_demos_dir

torch = pytest.importorskip("torch")
sys.path.insert(0, str(shipped_demos_dir()))
import demokit as dk  # noqa: E402


def _reference_adam_step(opt: dk.Adam) -> None:
    """The update one tensor at a time: the oracle for the foreach version."""
    opt.t += 1
    b1, b2 = opt.betas
    c1, c2 = 1 - b1**opt.t, 1 - b2**opt.t
    with torch.no_grad():
        for p, m, v in zip(opt.params, opt.m, opt.v, strict=True):
            if p.grad is None:
                continue
            if opt.weight_decay:
                p.mul_(1 - opt.lr * opt.weight_decay)
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            denom = (v / c2).sqrt_().add_(opt.eps)
            p.addcdiv_(m, denom, value=-opt.lr / c1)


@pytest.mark.parametrize("weight_decay", [0.0, 0.5])
def test_adam_step_matches_the_per_tensor_update(weight_decay):
    split = dk.digits_split(200, 0, 0, seed=3)
    weights = []
    for step in (dk.Adam.step, _reference_adam_step):
        model = dk.mlp([64, 32, 10], seed=1)
        opt = dk.Adam(model.parameters(), lr=1e-2, weight_decay=weight_decay)
        for _ in range(30):
            loss = torch.nn.functional.cross_entropy(model(split.x_train), split.y_train)
            opt.zero_grad()
            loss.backward()
            step(opt)
        weights.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


@pytest.mark.parametrize("max_shift", [1, 2])
def test_random_shifts_moves_each_image_as_shift_images_does(max_shift):
    x, _ = dk.load_digits()
    x = x[:300]
    moved = dk.random_shifts(x, max_shift, dk.gen(7))
    d = torch.randint(-max_shift, max_shift + 1, (len(x), 2), generator=dk.gen(7))
    expected = torch.cat(
        [dk.shift_images(x[i : i + 1], int(dx), int(dy)) for i, (dx, dy) in enumerate(d)]
    )
    assert torch.equal(moved, expected)


def test_a_training_curve_hook_leaves_the_numbers_unchanged():
    split = dk.digits_split(300, 0, 0, seed=0)
    points: list[tuple[int, float]] = []

    def curve(epoch: int, loss: float) -> None:
        points.append((epoch, loss))

    weights = []
    for hook in (None, dk.thinned(dk.chain(curve), dk.every(12, 4))):
        model = dk.mlp([64, 32, 10], dropout=0.3, seed=2)
        dk.train(
            model,
            split.x_train,
            split.y_train,
            epochs=12,
            lr=3e-3,
            batch_size=64,
            seed=5,
            on_epoch=hook,
        )
        weights.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))
    assert [e for e, _ in points] == [1, 3, 6, 9, 12]
