"""`drillbreak demo list` / `drillbreak demo NAME` front end (demo_runner.cli)."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

from drillbreak.demo_runner.cli import list_command, run_command
from drillbreak.demo_runner.events import parse_line
from drillbreak.demo_runner.formatting import format_number, format_table

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


def fake(script: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(script)]


def test_list_shows_every_demo_with_title_concept_and_time():
    out = io.StringIO()
    assert list_command(out) == 0
    text = out.getvalue()
    for name in ("fgsm", "overfitting", "data-slant"):
        assert name in text
    assert "Adversarial examples (FGSM)" in text
    assert "~4 s" in text  # fgsm's expected seconds
    assert "97% accurate" in text  # the concept line


def test_unknown_demo_is_one_line_naming_the_available_ones():
    out, err = io.StringIO(), io.StringIO()
    assert run_command("nope", stdout=out, stderr=err) == 1
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1
    assert "unknown demo 'nope'" in lines[0] and "fgsm" in lines[0] and "data-slant" in lines[0]


def test_plain_mode_prints_tables_images_sparklines_and_result():
    out, err = io.StringIO(), io.StringIO()
    assert run_command("x", command=fake(FAKE), stdout=out, stderr=err) == 0
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
    assert run_command("x", json_mode=True, command=fake(FAKE), stdout=out, stderr=err) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    events = [parse_line(line) for line in lines]
    assert type(events[0]).__name__ == "Meta"
    assert json.loads(lines[-1])["type"] == "result"


def test_failure_reports_stderr_tail_and_returns_1():
    out, err = io.StringIO(), io.StringIO()
    assert run_command("x", command=fake(CRASH), stdout=out, stderr=err) == 1
    assert "exited with code 1" in err.getvalue()
    assert "RuntimeError: nope" in err.getvalue()


def test_real_child_on_a_tiny_demo(tmp_path: Path):
    (tmp_path / "tiny.py").write_text(TINY)
    out, err = io.StringIO(), io.StringIO()
    code = run_command("tiny", device="cpu", demos_dir=tmp_path, stdout=out, stderr=err)
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
