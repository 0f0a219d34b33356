"""LineChart and HalfBlockImage: pure rendering and the widgets in a small app."""

from __future__ import annotations

import math

import pytest
from rich.color import Color
from textual.app import App, ComposeResult

from drillbreak.chartscale import format_tick
from drillbreak.tui.widgets.halfblock_image import HalfBlockImage, render_halfblock
from drillbreak.tui.widgets.line_chart import COLOURS, LineChart, render_chart


def braille_cells(text) -> int:
    return sum(1 for ch in text.plain if 0x2801 <= ord(ch) <= 0x28FF)


def test_three_points_at_80_columns():
    text = render_chart(
        {"train": ([1, 2, 3], [1.0, 0.5, 0.2]), "val": ([1, 2, 3], [1.0, 0.8, 1.4])},
        80,
        12,
        title="Loss",
        x_label="epoch",
    )
    lines = text.plain.split("\n")
    assert len(lines) == 12
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "Loss"
    assert lines[1].strip().startswith("1.4 ┤")  # y max label
    assert "0.2 ┤" in lines[-4]  # y min label on the last plot row
    assert "epoch" in lines[-2] and lines[-2].rstrip().endswith("3")
    assert "━━ train" in lines[-1] and "━━ val" in lines[-1]
    assert braille_cells(text) > 20


def test_fifty_points_and_distinct_colours():
    xs = list(range(50))
    series = {f"s{i}": (xs, [math.sin(x / 5 + i) for x in xs]) for i in range(3)}
    text = render_chart(series, 80, 14)
    styles = {str(span.style) for span in text.spans}
    for colour in COLOURS[:3]:
        assert colour in styles
    assert len(set(COLOURS)) == len(COLOURS)


def test_gaps_fixed_range_and_log_x():
    text = render_chart(
        {"a": ([1, 10, 100, 1000], [0.5, None, 2.0, float("nan")])},
        60,
        10,
        y_min=0,
        y_max=1,
        x_log=True,
        x_label="n",
    )
    plain = text.plain
    assert "1.0 ┤" in plain and "0.0 ┤" in plain  # the fixed range, not the data range
    assert "n (log scale)" in plain
    assert plain.split("\n")[-2].rstrip().endswith("100")  # last finite x


def test_empty_and_tiny_charts_do_not_crash():
    assert "no data yet" in render_chart({}, 80, 10).plain
    assert "no data yet" in render_chart({"a": ([1], [None])}, 80, 10).plain
    assert "too small" in render_chart({"a": ([1, 2], [1, 2])}, 10, 3).plain
    single = render_chart({"a": ([5], [3.0])}, 40, 8)
    assert braille_cells(single) >= 1


def test_format_tick():
    assert [format_tick(v) for v in (0, 1199.9999999, 0.25, 1e6, 200.0)] == [
        "0",
        "1200",
        "0.25",
        "1e+06",
        "200",
    ]


def test_halfblock_image_colours_and_size():
    text = render_halfblock([0, 255, 128, 64], 2, 2, scale=2, title="t", caption="c")
    lines = text.plain.split("\n")
    assert lines == ["t", "▀▀▀▀", "▀▀▀▀", "c"]
    first = [s.style for s in text.spans if text.plain[s.start : s.end] == "▀"][0]
    assert first.color == Color.from_rgb(0, 0, 0) and first.bgcolor == Color.from_rgb(0, 0, 0)
    styles = [s.style for s in text.spans if text.plain[s.start : s.end] == "▀"]
    # second row of cells: top pixel 128 (fg), bottom pixel 128 (bg) for the left half
    assert styles[4].color == Color.from_rgb(128, 128, 128)
    with pytest.raises(ValueError, match="3 pixels"):
        render_halfblock([1, 2, 3], 2, 2)


class WidgetApp(App):
    def compose(self) -> ComposeResult:
        yield LineChart("live", x_label="step", id="chart")
        yield HalfBlockImage([0, 255] * 32, 8, 8, title="digit", caption="a caption", id="img")


async def test_widgets_in_an_app():
    app = WidgetApp()
    async with app.run_test(size=(80, 30)) as pilot:
        chart = app.query_one(LineChart)
        for i in range(40):
            chart.add_point("a", i, i * i)
        chart.set_series("b", [0, 20, 39], [5, 500, 1000])
        chart.y_max = 2000
        await pilot.pause()
        assert chart.series["b"] == ([0.0, 20.0, 39.0], [5.0, 500.0, 1000.0])
        rendered = chart.render().plain
        assert "2000 ┤" in rendered and "━━ a" in rendered and "━━ b" in rendered
        chart.clear()
        assert chart.series == {}
        image = app.query_one(HalfBlockImage)
        assert image.size.width == 16 and image.size.height == 8 + 2
        image.set_image([128] * 4, 2, 2, caption="")
        await pilot.pause()
        assert image.render().plain.split("\n") == ["digit", "▀▀▀▀", "▀▀▀▀"]
