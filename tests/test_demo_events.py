"""The demo event protocol: round trips and clear errors for malformed lines."""

from __future__ import annotations

import json
import math

import pytest

from drillbreak.demo_runner.context import DemoContext
from drillbreak.demo_runner.events import (
    ChartSpec,
    ErrorEvent,
    EventParseError,
    Image,
    Log,
    Meta,
    Metric,
    Progress,
    Result,
    Table,
    Text,
    parse_line,
    to_json,
)

EVENTS = [
    Meta(name="fgsm", title="T", device="cpu", seed=0, torch="2.13.0", scale="quick", threads=1),
    Progress(step=3, total=10, label="epoch 3"),
    ChartSpec(chart="c", x_label="x", y_label="y", y_min=0.0, y_max=1.0, x_log=True),
    Metric(chart="c", series="s", x=1.0, y=0.25),
    Metric(chart="c", series="s", x=2.0, y=None),
    Table(title="t", columns=["a", "b"], rows=[["x", 1], ["y", 2.5]]),
    Image(title="i", width=2, height=2, pixels=[0, 64, 128, 255], caption="c"),
    Text(text="**hello**"),
    Result(headline={"acc": 0.5, "n": 3.0}, summary="s"),
    Log(message="m", level="info"),
    ErrorEvent(message="bad", fatal=False),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_round_trip(event):
    line = to_json(event)
    assert "\n" not in line
    assert parse_line(line) == event
    assert parse_line(line + "\n") == event


def test_non_finite_numbers_become_null_and_strict_json():
    line = to_json(Metric(chart="c", series="s", x=1.0, y=float("inf")))
    assert json.loads(line)["y"] is None
    result = parse_line(to_json(Result(headline={"a": float("nan")}, summary="")))
    assert math.isnan(result.headline["a"])


def test_ints_are_accepted_for_floats():
    event = parse_line('{"type":"metric","chart":"c","series":"s","x":1,"y":2}')
    assert event == Metric(chart="c", series="s", x=1.0, y=2.0)
    assert isinstance(event.x, float)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "empty line"),
        ("hello", "not JSON"),
        ("[1]", "expected a JSON object"),
        ('{"step": 1}', "unknown event type None"),
        ('{"type": "bogus"}', "unknown event type 'bogus'"),
        ('{"type": "progress", "step": 1}', "missing field(s) total"),
        ('{"type": "progress", "step": "1", "total": 2}', "progress.step: expected int, got str"),
        (
            '{"type": "progress", "step": true, "total": 2}',
            "progress.step: expected int, got a boolean",
        ),
        ('{"type": "text", "text": "x", "extra": 1}', "unknown field(s) extra"),
        (
            '{"type": "image", "title": "", "width": 2, "height": 2, "pixels": [1, 2, 3]}',
            "image: 3 pixels for 2x2",
        ),
        (
            '{"type": "image", "title": "", "width": 1, "height": 1, "pixels": [300]}',
            "image.pixels[0]: input should be less than or equal to 255",
        ),
        (
            '{"type": "table", "title": "", "columns": [1], "rows": []}',
            "table.columns[0]: expected string, got int",
        ),
        (
            '{"type": "result", "headline": {"a": "x"}, "summary": ""}',
            "result.headline['a']: expected number, got str",
        ),
    ],
)
def test_malformed_lines_raise_clear_errors(line, reason):
    with pytest.raises(EventParseError) as info:
        parse_line(line)
    assert reason in str(info.value)


def test_context_emits_valid_events():
    lines: list[str] = []
    ctx = DemoContext(lambda e: lines.append(to_json(e)), device="cpu", seed=1, scale="quick")
    assert ctx.quick and ctx.pick(1, 2) == 1
    ctx.progress(1, 2, "a")
    ctx.chart("c", x_label="x", y_min=0, y_max=1)
    ctx.metric("c", "s", 0.1 + 0.2, 1 / 3)
    ctx.table("t", ["a", "b"], [[1, 0.123456789], [True, None]])
    ctx.image("i", [0.0, 127.6, 300, -5], 2, 2, "cap")
    ctx.text("x")
    ctx.result({"a": 1, "b": 0.5}, "done")
    events = [parse_line(line) for line in lines]
    metric = events[2]
    assert metric.x == 0.3 and metric.y == 0.333333
    assert events[3].rows == [[1, 0.1235], ["True", "None"]]
    assert events[4].pixels == [0, 128, 255, 0]
    assert events[-1] == Result(headline={"a": 1.0, "b": 0.5}, summary="done")
    assert ctx.result_emitted
