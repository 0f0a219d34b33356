"""A diagnosis chart draws any evidence that lint calls clean, whatever its numbers;
so does the demo CLI's sparkline (the same scaling, drillbreak.chartscale).

The decks are real YAML read by the loader (what `drillbreak lint` checks), so the
values are exactly those lint accepts: any float, 1e17 constants and +-1e308 ranges
included; inf and nan are gaps.
"""

from __future__ import annotations

import math
from pathlib import Path

from helpers.pilot import shown, wait_until
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from drillbreak.chartscale import middle
from drillbreak.deck.loader import load_text
from drillbreak.demo_runner.cli import _sparkline
from drillbreak.tui.widgets.evidence import EvidenceView, evidence_series
from drillbreak.tui.widgets.line_chart import format_ticks, render_chart

BRAILLE = {chr(c) for c in range(0x2800, 0x2900)}
LABEL_CHARS = set("0123456789.e+- ")


def _yaml_number(v: float) -> str:
    if math.isnan(v):
        return ".nan"
    if math.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    return repr(v)


def deck_yaml(columns: dict[str, list[float]]) -> str:
    body = "\n".join(
        f"        {name}: [{', '.join(_yaml_number(v) for v in values)}]"
        for name, values in columns.items()
    )
    return f"""\
deck: chart
title: Chart
cards:
  - id: diag
    type: diagnosis
    scenario: Look at the numbers.
    evidence:
      x: x
      columns:
{body}
    question: Which?
    choices:
      - text: this one
        correct: true
      - text: that one
"""


def clean_evidence(columns: dict[str, list[float]]):
    """The card's evidence, parsed by the loader; None when lint reports an error."""
    result = load_text(deck_yaml(columns), Path("chart.yaml"))
    if not result.ok:
        return None
    return result.deck.cards[0].evidence


def check_drawing(series, width: int, height: int) -> list[str]:
    """Render and check the shape: ``height`` lines, plot rows ``width`` wide, only
    braille dots in the plot and plain numbers in the labels.  Returns the lines."""
    lines = render_chart(series, width, height, x_label="x").plain.split("\n")
    assert len(lines) == height
    assert all(len(line) <= width for line in lines)
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    assert axis >= 2
    for row in lines[:axis]:
        assert len(row) == width
        label, plot = row.split("┤" if "┤" in row else "│", 1)
        assert set(label) <= LABEL_CHARS, label  # no "nan", no "inf"
        assert set(plot) <= BRAILLE | {" "}, plot
    assert set(lines[axis].strip()) <= {"└", "─"}
    assert all("━━" in line for line in lines[axis + 2 :])  # the legend
    assert any(ch in BRAILLE for row in lines[:axis] for ch in row)  # something is drawn
    return lines


def y_labels(lines: list[str]) -> list[str]:
    return [row.split("┤")[0].strip() for row in lines if "┤" in row]


names = st.lists(
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10).filter(lambda n: n != "x"),
    min_size=1,
    max_size=3,
    unique=True,
)


@st.composite
def evidence_columns(draw) -> dict[str, list[float]]:
    n = draw(st.integers(1, 40))
    column = st.lists(st.floats(), min_size=n, max_size=n)
    columns = {"x": draw(column)}
    for name in draw(names):
        columns[name] = draw(column)
    return columns


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidence_columns(), st.integers(16, 120), st.integers(8, 30))
def test_any_clean_evidence_draws(columns, width, height):
    evidence = clean_evidence(columns)
    assume(evidence is not None)
    series = evidence_series(evidence)
    points = [
        (x, y)
        for xs, ys in series.values()
        for x, y in zip(xs, ys, strict=True)
        if math.isfinite(x) and math.isfinite(y)
    ]
    if not points:
        assert "(no data yet)" in render_chart(series, width, height).plain
        return
    lines = check_drawing(series, width, height)
    lo, hi = min(y for _, y in points), max(y for _, y in points)
    if lo < hi:  # the y axis spans the data exactly, its labels in one format
        labels = y_labels(lines)
        top, _, bottom = format_ticks([hi, middle(lo, hi), lo])
        assert (labels[0], labels[-1]) == (top, bottom)


def test_constant_column_of_large_values_draws():
    evidence = clean_evidence({"x": [1.0, 2.0, 3.0], "loss": [1e17, 1e17, 1e17]})
    assert evidence is not None  # lint calls it clean
    lines = check_drawing(evidence_series(evidence), 60, 12)
    assert y_labels(lines) == ["1.1e+17", "1.0e+17", "9.0e+16"]  # the constant in the middle


def test_range_of_plus_minus_1e308_draws():
    evidence = clean_evidence(
        {"x": [-1e308, 0.0, 1e308], "a": [1e308, -1e308, 0.0], "b": [-1.5e308, 1.7e308, 1.0]}
    )
    assert evidence is not None
    lines = check_drawing(evidence_series(evidence), 60, 12)
    assert y_labels(lines) == ["1.7e+308", "1.0e+307", "-1.5e+308"]
    x_axis = lines[lines.index(next(ln for ln in lines if "└" in ln)) + 1].split()
    assert x_axis == ["-1.0e+308", "x", "1.0e+308"]
    both_large = check_drawing({"a": ([1.0, 2.0], [1e308, 1.7e308])}, 60, 12)
    assert y_labels(both_large) == ["1.7e+308", "1.3e+308", "1.0e+308"]  # 1e308 + 1.7e308 = inf


def test_constant_largest_float_on_a_log_axis_draws():
    lines = render_chart({"a": ([1.7e308], [1.7e308])}, 40, 10, x_log=True).plain.split("\n")
    assert len(lines) == 10
    assert lines[-2].rstrip().endswith("1.8e+308")  # the axis end, not an overflow


class EvidenceApp(App):
    def __init__(self, evidence) -> None:
        super().__init__()
        self.evidence = evidence

    def compose(self) -> ComposeResult:
        yield EvidenceView()

    def on_mount(self) -> None:
        self.query_one(EvidenceView).set_evidence(self.evidence)


async def test_the_study_widget_draws_a_1e17_constant():
    evidence = clean_evidence({"x": [1.0, 2.0, 3.0], "loss": [1e17, 1e17, 1e17]})
    app = EvidenceApp(evidence)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: "9.0e+16 ┤" in shown(app, "#evidence-chart"), "the chart")
        assert "━━ loss" in shown(app, "#evidence-chart")
    assert app.return_code is None


SPARK = "▁▂▃▄▅▆▇█"
finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(finite | st.just(math.nan), min_size=1, max_size=60),
    st.none() | finite,
    st.none() | finite,
)
@example([1.7e308, -1.7e308, 0.0], None, None)  # hi - lo overflows
@example([1e17, 1e17], None, None)  # a constant
def test_sparkline_draws_any_finite_numbers(ys, y_min, y_max):
    """As the demo CLI calls it: the range from the chart spec, else from the data."""
    values = [y for y in ys if not math.isnan(y)]
    assume(values)
    lo = min(values) if y_min is None else y_min
    hi = max(values) if y_max is None else y_max
    line = _sparkline(ys, lo, hi, width=60)
    assert len(line) == len(ys)
    for y, ch in zip(ys, line, strict=True):
        assert (ch == " ") == math.isnan(y)
    assert set(line) <= set(SPARK) | {" "}
    drawn = [(y, SPARK.index(ch)) for y, ch in zip(ys, line, strict=True) if ch != " "]
    for (y1, level1), (y2, level2) in zip(drawn, drawn[1:], strict=False):
        assert (level1 <= level2) if y1 <= y2 else (level1 >= level2)  # order kept
    if lo < hi:  # the range's ends are the lowest and the highest block
        assert all(level == 0 for y, level in drawn if y <= lo)
        assert all(level == 7 for y, level in drawn if y >= hi)


def test_sparkline_of_plus_minus_1e308():
    assert _sparkline([-1e308, 0.0, 1e308, math.nan], -1e308, 1e308) == "▁▄█ "


def test_log_y_axis_spaces_powers_of_ten_evenly_and_skips_non_positive_values():
    # 0.01, 0.1 and 1 sit at the bottom, middle and top: the middle label is 0.1, not 0.505.
    series = {"error": ([1.0, 2.0, 3.0, 4.0], [1.0, 0.1, 0.01, 0.0])}
    text = render_chart(series, 40, 12, y_label="test error", y_log=True).plain
    lines = text.split("\n")
    assert y_labels(lines) == ["1.00", "0.10", "0.01"]  # one format per axis
    assert "y: test error (log scale)" in lines[0]


def test_four_digit_ends_get_no_decimals_and_leave_the_legend_room():
    """format_tick writes -8181.9 as -8.18e+03: its "decimals" are none, not the
    exponent's six (which made labels 13 characters wide and cut the legend)."""
    assert format_ticks([-8181.9, -9091.0, -10000.1]) == ["-8182", "-9091", "-10000"]
    evidence = clean_evidence({"x": [0.0], "_": [-9091.0]})
    assert evidence is not None
    check_drawing(evidence_series(evidence), 16, 8)
