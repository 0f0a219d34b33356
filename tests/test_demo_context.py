"""DemoContext without a child: the live training curve hook and the declared names."""

from __future__ import annotations

import pytest

from drillbreak.demo_runner.context import DemoContext, ResultNamesError
from drillbreak.demo_runner.events import Event, Metric, Result


def test_training_curve_draws_each_epochs_loss_as_it_comes():
    events: list[Event] = []
    ctx = DemoContext(events.append)
    hook = ctx.training_curve("with dropout", x_offset=10)
    hook(1, 2.5)
    hook(2, 1.25)
    assert events == [
        Metric(chart="training loss", series="with dropout", x=11.0, y=2.5),
        Metric(chart="training loss", series="with dropout", x=12.0, y=1.25),
    ]


def test_a_result_needs_exactly_the_declared_names():
    events: list[Event] = []
    ctx = DemoContext(events.append, results=["accuracy", "confidence"])
    with pytest.raises(ResultNamesError) as info:
        ctx.result({"accuracy": 0.5, "extra": 1.0}, "no")
    assert (info.value.undeclared, info.value.missing) == (["extra"], ["confidence"])
    assert str(info.value) == "undeclared extra; missing confidence"
    assert events == [] and not ctx.result_emitted
    ctx.result({"confidence": 0.9, "accuracy": 0.5}, "yes")
    assert events == [Result(headline={"confidence": 0.9, "accuracy": 0.5}, summary="yes")]


def test_without_declared_names_any_result_goes():
    events: list[Event] = []
    DemoContext(events.append).result({"anything": 1.0}, "ok")
    assert len(events) == 1
