"""Terminal front end for the demos: ``drillbreak demo list`` / ``drillbreak demo NAME``.

The app's CLI parses the arguments and calls :func:`list_command` or
:func:`run_command`; both return a process exit status.
"""

from __future__ import annotations

import math
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from drillbreak.chartscale import bucket, format_tick, scaler
from drillbreak.demo_runner.catalog import UnknownDemo, get_demo, list_demos
from drillbreak.demo_runner.events import (
    ChartSpec,
    ErrorEvent,
    Event,
    Image,
    Log,
    Meta,
    Metric,
    Progress,
    Result,
    Table,
    Text,
    to_json,
)
from drillbreak.demo_runner.formatting import format_number, format_table
from drillbreak.demo_runner.params import show_value
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import DemoFailed, iter_demo

__all__ = ["format_table", "list_command", "run_command"]

_SHADES = " .:-=+*#%@"
_SPARK = "▁▂▃▄▅▆▇█"
# A chart whose x values are unevenly spaced also gets a table of its points, when it
# has at most this many distinct x values.
MAX_TABLE_ROWS = 30


def _width(stream: TextIO) -> int:
    return max(40, min(100, shutil.get_terminal_size((80, 24)).columns))


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def list_command(stdout: TextIO | None = None, demos_dir: Path | None = None) -> int:
    """Print a table of the demos (name, title, concept, expected seconds). Returns 0."""
    out = stdout or sys.stdout
    demos = list_demos(demos_dir)
    width = _width(out)
    name_w = max([4, *(len(d.name) for d in demos)])
    title_w = max([5, *(len(d.title) for d in demos)])
    out.write(f"{'name'.ljust(name_w)}  {'title'.ljust(title_w)}  time\n")
    out.write(f"{'-' * name_w}  {'-' * title_w}  ----\n")
    for d in demos:
        out.write(f"{d.name.ljust(name_w)}  {d.title.ljust(title_w)}  ~{d.expected_seconds:g} s\n")
        concept = textwrap.shorten(d.concept, width - 5, placeholder="...")
        out.write(f"    {concept}\n")
        for pname, spec in d.params.items():
            values = ", ".join(
                f"[{show_value(v)}]" if v == spec.default else show_value(v) for v in spec.values
            )
            out.write(f"    --param {pname}=: {values} ([default])\n")
    out.write(
        "\nRun one with: drillbreak demo NAME [--device auto|cpu|cuda|mps] [--seed N] "
        "[--param NAME=VALUE]\n"
    )
    return 0


def _sparkline(ys: list[float], lo: float, hi: float, width: int = 40) -> str:
    """``ys`` as block characters scaled from ``lo`` to ``hi`` (blank for gaps); any
    finite numbers draw, ranges wider than the largest float included."""
    if len(ys) > width:  # resample to ``width`` points
        ys = [ys[int(i * len(ys) / width)] for i in range(width)]
    if not lo < hi:  # a constant (or an empty range): every point on the bottom line
        return "".join(" " if y != y else _SPARK[0] for y in ys)
    frac = scaler(lo, hi)
    return "".join(
        " " if y != y else _SPARK[bucket(frac(min(hi, max(lo, y))), len(_SPARK))] for y in ys
    )


def _log10(y: float) -> float:
    return math.log10(y) if y > 0 else math.nan


def _evenly_spaced(xs: list[float]) -> bool:
    """True when sorted distinct ``xs`` are one step apart (epochs, rounds, ticks)."""
    if len(xs) < 3:
        return True
    step = (xs[-1] - xs[0]) / (len(xs) - 1)
    return all(abs(b - a - step) <= 1e-6 * abs(step) for a, b in zip(xs, xs[1:], strict=False))


def _columns(xs: list[float], width: int) -> tuple[int, Callable[[float], int]]:
    """How many columns a chart with distinct sorted (finite) ``xs`` gets, and the
    column of an x: one per x when they are evenly spaced (at most ``width``), else
    ``width`` columns with each x at its place between the ends."""
    cols = min(width, len(xs)) if _evenly_spaced(xs) else width
    if len(xs) < 2 or cols < 2:
        return max(1, cols), lambda x: 0
    frac = scaler(xs[0], xs[-1])
    return cols, lambda x: bucket(frac(x), cols)


def _place(
    points: list[tuple[float, float]], cols: int, column: Callable[[float], int]
) -> list[float]:
    """``cols`` y values, each point's y in its x's column (the last one there wins);
    nan (a gap) where no point falls."""
    ys = [math.nan] * cols
    for x, y in points:
        if x == x:
            ys[column(x)] = y
    return ys


def _x_axis(lo: float, hi: float, cols: int, label: str, log: bool) -> str:
    """The ends of the x axis under ``cols`` columns of sparkline, then what x is."""
    left, right = format_tick(lo), format_tick(hi)
    what = f"{label or 'x'}{', log scale' if log else ''}"
    if cols >= len(left) + len(right) + 2:
        return f"{left}{right.rjust(cols - len(left))}  ({what})"
    return f"({what} from {left} to {right})"


def _cell(y: float | None) -> str:
    return "" if y is None else format_number(y)


def _render_images(images: list[Image]) -> str:
    """Images side by side as ASCII art, each pixel two characters wide."""
    blocks = []
    for img in images:
        rows = []
        for r in range(img.height):
            line = img.pixels[r * img.width : (r + 1) * img.width]
            rows.append("".join(_SHADES[min(9, p * 10 // 256)] * 2 for p in line))
        width = max(img.width * 2, len(img.title), len(img.caption))
        blocks.append(
            [img.title.ljust(width)] + [r.ljust(width) for r in rows] + [img.caption.ljust(width)]
        )
    height = max(len(b) for b in blocks)
    lines = []
    for i in range(height):
        lines.append("   ".join(b[i] if i < len(b) else " " * len(b[0]) for b in blocks))
    return "\n".join(line.rstrip() for line in lines)


class _PlainPrinter:
    """Renders events for a person reading a terminal or a log."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.tty = _is_tty(out)
        self.width = _width(out)
        self.progress_shown = False
        self.last_quarter = -1
        self.images: list[Image] = []
        self.series: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self.specs: dict[str, ChartSpec] = {}

    def clear_progress(self) -> None:
        if self.tty and self.progress_shown:
            self.out.write("\r" + " " * (self.width - 1) + "\r")
            self.progress_shown = False

    def flush_images(self) -> None:
        if self.images:
            self.clear_progress()
            self.out.write(_render_images(self.images) + "\n\n")
            self.images = []

    def handle(self, event: Event) -> None:
        if not isinstance(event, Image | Progress):
            self.flush_images()
        if isinstance(event, Progress):
            self.progress(event)
            return
        if isinstance(event, Metric):
            self.series.setdefault((event.chart, event.series), []).append(
                (event.x, float("nan") if event.y is None else event.y)
            )
            return
        if isinstance(event, ChartSpec):
            self.specs[event.chart] = event
            return
        if isinstance(event, Log):
            return
        if isinstance(event, Image):
            self.images.append(event)
            return
        self.clear_progress()
        if isinstance(event, Meta):
            self.out.write(
                f"{event.title}  [device {event.device}, seed {event.seed}, "
                f"torch {event.torch}, {event.scale}]\n\n"
            )
            if event.device_reason:
                self.out.write(self.wrap(f"Running {event.device_reason}.") + "\n\n")
            if event.scale_reason:
                self.out.write(
                    self.wrap(f"Running the {event.scale} version: {event.scale_reason}.") + "\n\n"
                )
        elif isinstance(event, Text):
            self.out.write(self.wrap(event.text.replace("**", "")) + "\n\n")
        elif isinstance(event, Table):
            self.out.write(event.title + "\n" + format_table(event.columns, event.rows) + "\n\n")
        elif isinstance(event, ErrorEvent) and not event.fatal:
            self.err.write(f"warning: {event.message}\n")  # a fatal one ends the run: shown then
        elif isinstance(event, Result):
            self.result(event)
        self.out.flush()

    def wrap(self, text: str) -> str:
        return textwrap.fill(text, self.width - 2)

    def progress(self, event: Progress) -> None:
        if self.tty:
            bar_width = 24
            filled = round(event.fraction * bar_width)
            bar = "#" * filled + "-" * (bar_width - filled)
            line = f"[{bar}] {event.fraction:4.0%}  {event.label}"
            self.out.write("\r" + line[: self.width - 1].ljust(self.width - 1))
            self.progress_shown = True
            self.out.flush()
            return
        quarter = int(event.fraction * 4)
        if quarter != self.last_quarter and event.step > 0:
            self.last_quarter = quarter
            self.out.write(f"... {event.fraction:.0%} {event.label}\n")

    def result(self, event: Result) -> None:
        charts: dict[str, list[tuple[str, list[tuple[float, float]]]]] = {}
        for (chart, series), points in self.series.items():
            charts.setdefault(chart, []).append((series, points))
        for chart, lines in charts.items():
            self.chart(chart, lines, self.specs.get(chart))
        self.out.write("Result\n")
        rows = [[k, format_number(v)] for k, v in event.headline.items()]
        self.out.write(format_table(["measure", "value"], rows) + "\n\n")
        self.out.write(self.wrap(event.summary) + "\n")

    def chart(
        self, chart: str, lines: list[tuple[str, list[tuple[float, float]]]], spec: ChartSpec | None
    ) -> None:
        """Each series as a sparkline with its points placed by x (on the chart's log
        axes where it has them; values <= 0 there are gaps), the x axis's ends under
        them, and, where the x values are unevenly spaced (a reliability diagram's
        mean confidences), a table of the points too."""
        y_log = spec is not None and spec.y_log
        x_log = spec is not None and spec.x_log
        x_label = "" if spec is None else spec.x_label

        def moved(x: float, y: float) -> tuple[float, float]:
            return (_log10(x) if x_log else x), (_log10(y) if y_log else y)

        drawn = [(name, [moved(x, y) for x, y in points]) for name, points in lines]
        values = [y for _, points in drawn for _, y in points if y == y]
        xs = sorted({x for _, points in drawn for x, _ in points if x == x})
        if not values or not xs:
            return
        y_min = None if spec is None else spec.y_min
        y_max = None if spec is None else spec.y_max
        lo = min(values) if y_min is None else _log10(y_min) if y_log else y_min
        hi = max(values) if y_max is None else _log10(y_max) if y_log else y_max
        ends = f"{format_tick(10**lo if y_log else lo)} to {format_tick(10**hi if y_log else hi)}"
        self.out.write(f"{chart}  (y from {ends}{', log scale' if y_log else ''})\n")
        cols, column = _columns(xs, 40)
        name_width = max(len(s) for s, _ in lines)
        for series, points in drawn:
            line = _sparkline(_place(points, cols, column), lo, hi, width=cols)
            self.out.write(f"  {series.ljust(name_width)}  {line}\n")
        first, last = (10 ** xs[0], 10 ** xs[-1]) if x_log else (xs[0], xs[-1])
        axis = _x_axis(first, last, cols, x_label, x_log)
        self.out.write(f"  {' ' * name_width}  {axis}\n\n")
        if not _evenly_spaced(xs) and len(xs) <= MAX_TABLE_ROWS:
            self.out.write(self.points_table(lines, x_label) + "\n\n")

    @staticmethod
    def points_table(lines: list[tuple[str, list[tuple[float, float]]]], x_label: str) -> str:
        """One row per x (ascending), one column per series: y where it has a point."""
        table: dict[float, dict[str, float]] = {}
        for series, points in lines:
            for x, y in points:
                table.setdefault(x, {})[series] = y
        rows = [
            [format_tick(x), *(_cell(table[x].get(s)) for s, _ in lines)] for x in sorted(table)
        ]
        return format_table([x_label or "x", *(s for s, _ in lines)], rows)


def run_command(
    request: DemoRequest,
    *,
    json_mode: bool = False,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the demo of ``request`` in a child process and show it; returns the exit status.

    ``json_mode`` streams the raw event lines (one JSON object per line) instead.
    Unknown name: one line on stderr listing the demos, status 1.  One outcome per
    run: a child that delivered its result succeeded (status 0, nothing about its
    exit printed), however slowly or untidily it exits after; a failed child, or
    one timed out before its result, prints its message (once) and stderr tail on
    stderr, status 1.
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    info = None
    if request.command is None:
        try:
            info = get_demo(request.name, request.demos_dir)
        except UnknownDemo as exc:
            err.write(f"drillbreak demo: {exc}\n")
            return 1
    printer = None if json_mode else _PlainPrinter(out, err)
    if printer is not None and info is not None:
        out.write(f"{info.title}\n{printer.wrap(info.concept)}\n")
        out.write(printer.wrap("Watch for: " + info.watch_for) + "\n\n")
    try:
        for event in iter_demo(request):
            if printer is None:
                out.write(to_json(event) + "\n")
                out.flush()
            else:
                printer.handle(event)
        if printer is not None:
            printer.flush_images()
            printer.clear_progress()
    except DemoFailed as exc:
        if printer is not None:
            printer.clear_progress()
        err.write(f"drillbreak demo: {exc.message}\n")
        for line in exc.stderr_tail:
            err.write(f"  {line}\n")
        return 1
    except KeyboardInterrupt:
        if printer is not None:
            printer.clear_progress()
        err.write("drillbreak demo: interrupted\n")
        return 130
    return 0
