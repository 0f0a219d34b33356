"""`drillbreak demo list` / `drillbreak demo NAME` front end (demo_runner.cli)."""

from __future__ import annotations

import io
import json
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from helpers.procs import (
    SAFETY,
    SHORT_TIMEOUT,
    STUBBORN_FAMILY,
    fake,
    read_pids,
    wait_gone,
    wait_until,
)

from drillbreak.demo_runner.catalog import get_demo
from drillbreak.demo_runner.cli import list_command, run_command
from drillbreak.demo_runner.events import parse_line
from drillbreak.demo_runner.formatting import format_number, format_table
from drillbreak.demo_runner.request import DemoRequest

FAKE = """
import json
def emit(**e): print(json.dumps(e), flush=True)
emit(type="meta", name="x", title="Fake demo", device="cpu", seed=0, torch="0", scale="quick")
emit(type="progress", step=1, total=2, label="half")
emit(type="chart", chart="acc", x_label="n", y_label="", y_min=0, y_max=1)
emit(type="metric", chart="acc", series="mlp", x=1, y=0.2)
emit(type="metric", chart="acc", series="mlp", x=2, y=0.9)
emit(type="text", text="Hello **there**")
emit(type="table", title="Numbers", columns=["name", "value"], rows=[["a", 1.5], ["bb", 22]])
emit(type="image", title="img", width=2, height=1, pixels=[0, 255], caption="cap")
emit(type="progress", step=2, total=2, label="done")
emit(type="result", headline={"accuracy": 0.9, "steps": 12}, summary="It worked.")
"""

CRASH = """
import sys
print("Traceback: something", file=sys.stderr)
print("RuntimeError: nope", file=sys.stderr)
sys.exit(1)
"""

TINY = """
META = {"name": "tiny", "title": "Tiny demo", "concept": "Adds numbers.",
        "watch_for": "The sum.", "expected_seconds": 1}


def run(ctx):
    ctx.progress(1, 1, "adding")
    ctx.result({"sum": 3}, "one plus two")
"""


def test_list_shows_every_demo_with_title_concept_and_time():
    out = io.StringIO()
    assert list_command(out) == 0
    text = out.getvalue()
    for name in ("fgsm", "overfitting", "data-slant"):
        assert name in text
    assert "Adversarial examples (FGSM)" in text
    fgsm = next(line for line in text.splitlines() if line.startswith("fgsm "))
    assert fgsm.endswith(f"~{get_demo('fgsm').expected_seconds:g} s")  # its META's time
    assert "97% accurate" in text  # the concept line


def test_unknown_demo_is_one_line_naming_the_available_ones():
    out, err = io.StringIO(), io.StringIO()
    assert run_command(DemoRequest("nope"), stdout=out, stderr=err) == 1
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert "unknown demo 'nope'" in lines[0] and "fgsm" in lines[0] and "data-slant" in lines[0]


def test_plain_mode_prints_tables_images_sparklines_and_result():
    out, err = io.StringIO(), io.StringIO()
    assert run_command(DemoRequest("x", command=fake(FAKE)), stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "\r" not in text  # not a tty: no carriage returns
    assert "Fake demo  [device cpu" in text
    assert "Hello there" in text
    assert "Numbers" in text and "bb" in text
    assert "img" in text and "cap" in text
    assert "acc  (y from 0 to 1)" in text
    assert "accuracy" in text and "0.900" in text and "12" in text
    assert text.rstrip().endswith("It worked.")
    assert err.getvalue() == ""


def test_json_mode_streams_one_valid_event_per_line():
    out, err = io.StringIO(), io.StringIO()
    assert (
        run_command(DemoRequest("x", command=fake(FAKE)), json_mode=True, stdout=out, stderr=err)
        == 0
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    events = [parse_line(line) for line in lines]
    assert type(events[0]).__name__ == "Meta"
    assert json.loads(lines[-1])["type"] == "result"


def test_failure_reports_stderr_tail_and_returns_1():
    out, err = io.StringIO(), io.StringIO()
    assert run_command(DemoRequest("x", command=fake(CRASH)), stdout=out, stderr=err) == 1
    assert "exited with code 1" in err.getvalue()
    assert "RuntimeError: nope" in err.getvalue()


FATAL = """
import json, sys
print(json.dumps({"type": "error", "message": "no such dataset", "fatal": True}), flush=True)
sys.exit(1)
"""

RESULT_THEN_HANG = """
import json, time
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "All good."}), flush=True)
time.sleep(600)
"""


def test_a_fatal_error_is_printed_once():
    out, err = io.StringIO(), io.StringIO()
    assert run_command(DemoRequest("x", command=fake(FATAL)), stdout=out, stderr=err) == 1
    assert err.getvalue() == "drillbreak demo: no such dataset\n"


def test_a_result_then_a_hang_is_one_success():
    """Past the timeout after the result: exit 0 and no timeout message."""
    out, err = io.StringIO(), io.StringIO()
    command = fake(RESULT_THEN_HANG)
    assert (
        run_command(
            DemoRequest("x", command=command, timeout=SHORT_TIMEOUT), stdout=out, stderr=err
        )
        == 0
    )
    assert out.getvalue().rstrip().endswith("All good.")
    assert err.getvalue() == ""


# Its text comes first; the result follows and is announced in a file; then it hangs.
TEXT_RESULT_MARK = """
import json, pathlib, sys, time
def emit(**e): print(json.dumps(e), flush=True)
emit(type="text", text="first words")
emit(type="result", headline={"accuracy": 0.9}, summary="All good.")
pathlib.Path(sys.argv[1]).touch()
time.sleep(600)
"""


class SlowTerminal(io.StringIO):
    """Stdout that is busy on its first write until ``ready()`` holds."""

    def __init__(self, ready) -> None:
        super().__init__()
        self.ready = ready

    def write(self, text: str) -> int:
        if self.ready is not None:
            ready, self.ready = self.ready, None
            wait_until(ready, "the terminal catches up")
        return super().write(text)


def test_a_result_written_before_the_timeout_is_one_success_however_late_it_is_read(tmp_path):
    """The reported bug: a full result, then "timed out", then exit 1.  A result the
    child wrote before its deadline is one success: exit 0, nothing on stderr."""
    marker = tmp_path / "written"
    timeout = 1.0
    started = time.monotonic()
    out = SlowTerminal(lambda: marker.exists() and time.monotonic() - started > timeout)
    err = io.StringIO()
    request = DemoRequest("x", command=fake(TEXT_RESULT_MARK, str(marker)), timeout=timeout)
    assert run_command(request, stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    assert out.getvalue().rstrip().endswith("All good.")


def test_a_scale_chosen_for_a_slow_machine_is_said():
    meta = (
        'emit(type="meta", name="x", title="Fake demo", device="cpu", seed=0, torch="0", '
        'scale="quick", scale_reason="this machine is slow right now")'
    )
    script = FAKE.replace(FAKE.splitlines()[3], meta)
    out = io.StringIO()
    assert run_command(DemoRequest("x", command=fake(script)), stdout=out) == 0
    assert "Running the quick version: this machine is slow right now." in out.getvalue()


CLI = """
import sys
from drillbreak.demo_runner.cli import run_command
from drillbreak.demo_runner.request import DemoRequest
command = [sys.executable, "-c", sys.argv[1], sys.argv[2]]
sys.exit(run_command(DemoRequest("x", command=command, timeout=float(sys.argv[3]))))
"""


def test_timeout_returns_although_a_grandchild_holds_the_pipe(tmp_path):
    """The CLI returns (within the safety net) with one timeout message and exit 1,
    and the stubborn child and grandchild are gone."""
    pidfile = tmp_path / "pids"
    with (tmp_path / "out").open("w") as out, (tmp_path / "err").open("w") as err:
        done = subprocess.run(
            fake(CLI, textwrap.dedent(STUBBORN_FAMILY), str(pidfile), str(SHORT_TIMEOUT)),
            stdout=out,
            stderr=err,
            timeout=SAFETY,
        )
    assert done.returncode == 1
    errors = (tmp_path / "err").read_text()
    assert errors.count(f"timed out after {SHORT_TIMEOUT:g} s") == 1, errors
    wait_gone(*read_pids(pidfile))


HOG = """
META = {"name": "hog", "title": "Hog", "concept": "c", "watch_for": "w",
        "expected_seconds": 1}


def run(ctx):
    ctx.result({"size": len(bytearray(3 * 2**30))}, "should not get here")
"""


def test_a_demo_over_its_memory_limit_fails_with_one_line(tmp_path: Path):
    pytest.importorskip("torch")
    (tmp_path / "hog.py").write_text(HOG)
    out, err = io.StringIO(), io.StringIO()
    code = run_command(
        DemoRequest("hog", device="cpu", memory_gib=1, demos_dir=tmp_path), stdout=out, stderr=err
    )
    assert code == 1
    assert err.getvalue() == "drillbreak demo: the demo ran out of memory (limit 1 GiB)\n"


def test_real_child_on_a_tiny_demo(tmp_path: Path):
    (tmp_path / "tiny.py").write_text(TINY)
    out, err = io.StringIO(), io.StringIO()
    code = run_command(
        DemoRequest("tiny", device="cpu", demos_dir=tmp_path), stdout=out, stderr=err
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert text.startswith("Tiny demo\nAdds numbers.\nWatch for: The sum.")
    assert "sum" in text and "one plus two" in text


def test_formatting_helpers():
    assert format_number(3.0) == "3"
    assert format_number(0.12345) == "0.123"
    assert format_number(float("nan")) == "n/a"
    assert format_number(1234.5) == "1234"
    table = format_table(["name", "n"], [["a", 1], ["bbb", 22]])
    assert table.splitlines() == ["name   n", "----  --", "a      1", "bbb   22"]


def test_plain_sparkline_on_a_log_y_axis_spaces_powers_of_ten_evenly():
    from drillbreak.demo_runner.cli import _PlainPrinter
    from drillbreak.demo_runner.events import ChartSpec, Metric, Result

    out = io.StringIO()
    printer = _PlainPrinter(out, io.StringIO())
    printer.handle(ChartSpec(chart="err", y_log=True))
    for x, y in enumerate([1.0, 0.1, 0.01, 0.0]):  # 0 has no logarithm: a gap
        printer.handle(Metric(chart="err", series="mlp", x=x, y=y))
    printer.handle(Result(headline={"a": 1.0}, summary="done"))
    lines = out.getvalue().splitlines()
    assert "err  (y from 0.01 to 1, log scale)" in lines
    assert "  mlp  █▄▁ " in lines


def test_plain_reliability_diagram_places_points_by_confidence_not_by_bin_index():
    """Accuracy against mean confidence: each point sits in the column of its x, and
    unevenly spaced x values also get a table of the points."""
    from drillbreak.demo_runner.cli import _PlainPrinter
    from drillbreak.demo_runner.events import ChartSpec, Metric, Result

    out = io.StringIO()
    printer = _PlainPrinter(out, io.StringIO())
    printer.handle(ChartSpec(chart="Reliability", x_label="confidence", y_min=0, y_max=1))
    for i in range(11):
        printer.handle(Metric(chart="Reliability", series="diagonal", x=i / 10, y=i / 10))
    before = {0.55: 0.3, 0.95: 0.8}
    for x, y in before.items():
        printer.handle(Metric(chart="Reliability", series="before", x=x, y=y))
    printer.handle(Result(headline={"a": 1.0}, summary="done"))
    lines = out.getvalue().splitlines()
    start = lines.index("Reliability  (y from 0 to 1)")
    diagonal, drawn = lines[start + 1], lines[start + 2]
    prefix = len("  diagonal  ")
    assert drawn.startswith("  before    ")
    cols = len(diagonal) - prefix
    marks = [i for i, ch in enumerate(drawn[prefix:]) if ch != " "]
    assert len(marks) == len(before)
    for col, x in zip(marks, sorted(before), strict=True):
        assert abs(col / (cols - 1) - x) <= 1 / cols  # its place on the x axis
    assert drawn[prefix + marks[0]] < drawn[prefix + marks[1]]  # 0.3 lower than 0.8
    assert lines[start + 3].split() == ["0", "1", "(confidence)"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 5 :] if line.strip()}
    assert rows["0.55"] == ["0.300"] and rows["0.95"] == ["0.800"]
    assert rows["0.5"] == ["0.500"]  # the diagonal's point, in its own column
