"""DemoScreen in a tiny test app, fed by fake children (``python -c``, no torch).

Waits are for conditions (text on screen, a process gone), with a 120 s safety net.
"""

from __future__ import annotations

import pytest
from helpers.pilot import shown, wait_until
from helpers.procs import STUBBORN_FAMILY, fake, gone, read_pids, wait_gone
from textual.app import App

from drillbreak.demo_runner.request import DemoRequest
from drillbreak.tui.screens.demo import DemoScreen, markdownish
from drillbreak.tui.widgets.halfblock_image import HalfBlockImage
from drillbreak.tui.widgets.line_chart import LineChart

FAST = """
import json
def emit(**e): print(json.dumps(e), flush=True)
emit(type="progress", step=0, total=1, label="starting")
emit(type="meta", name="fgsm", title="Fake", device="cpu", seed=0, torch="0.0", scale="quick")
emit(type="text", text="Some **bold** words")
emit(type="chart", chart="loss", x_label="epoch", y_label="", y_min=0, y_max=None)
for i in range(1, 6):
    emit(type="metric", chart="loss", series="train", x=i, y=1 / i)
    emit(type="metric", chart="loss", series="validation", x=i, y=0.5 + 0.01 * i)
    emit(type="progress", step=i, total=5, label=f"epoch {i}")
emit(type="table", title="Numbers", columns=["a", "b"], rows=[["x", 1], ["y", 2]])
emit(type="image", title="one", width=2, height=2, pixels=[0, 255, 128, 64], caption="c1")
emit(type="image", title="two", width=2, height=2, pixels=[255, 0, 64, 128], caption="c2")
emit(type="result", headline={"accuracy": 0.5, "steps": 10}, summary="All done here.")
"""

HANG = """
import json, time
print(json.dumps({"type": "progress", "step": 1, "total": 9, "label": "busy"}), flush=True)
time.sleep(60)
"""

CRASH = """
import json, sys
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
print("Traceback (most recent call last):", file=sys.stderr)
print("ValueError: boom", file=sys.stderr, flush=True)
sys.exit(3)
"""

GARBAGE = """
import json
print("garbage line", flush=True)
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "fine"}), flush=True)
"""


# Starts, reports a quarter done with a live curve, then works on (hangs).
TRAINING = """
import json, time
def emit(**e): print(json.dumps(e), flush=True)
emit(type="meta", name="fgsm", title="Fake", device="cpu", seed=0, torch="0.0", scale="quick",
     scale_reason="this machine is slow right now")
emit(type="metric", chart="training loss", series="model", x=1, y=2.3)
emit(type="progress", step=1, total=4, label="training (epoch 1/4)")
time.sleep(600)
"""


class DemoTestApp(App):
    def __init__(self, screen: DemoScreen) -> None:
        super().__init__()
        self.demo_screen = screen

    def on_mount(self) -> None:
        self.push_screen(self.demo_screen)


def screen_text(app: App) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


async def test_fast_demo_shows_charts_tables_images_and_result():
    screen = DemoScreen(DemoRequest("fgsm", device="cpu", command=fake(FAST)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 80)) as pilot:
        await wait_until(pilot, lambda: not screen.running, "not screen.running")
        await wait_until(
            pilot,
            lambda: "All done here." in screen_text(app),
            '"All done here." in screen_text(app)',
        )
        assert screen.state == "finished", screen.failure
        chart = screen.query_one(LineChart)
        assert chart.chart_title == "loss" and chart.x_label == "epoch" and chart.y_min == 0
        assert list(chart.series) == ["train", "validation"]
        assert chart.series["train"][0] == [1.0, 2.0, 3.0, 4.0, 5.0]
        assert len(screen.query(HalfBlockImage)) == 2
        assert screen.result is not None and screen.result.headline["steps"] == 10
        text = screen_text(app)
        assert "Adversarial examples (FGSM)" in text  # title from the catalog
        assert "device cpu" in text and "finished in" in text
        assert "Watch for:" in text
        assert "All done here." in text and "Numbers" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DemoScreen)
        assert app.is_running


async def test_escape_stops_a_stubborn_demo_and_its_child(tmp_path):
    """Both ignore SIGTERM; escape still ends them (their group gets SIGKILL)."""
    pidfile = tmp_path / "pids"
    screen = DemoScreen(DemoRequest("fgsm", command=fake(STUBBORN_FAMILY, str(pidfile))))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: screen.state == "running", 'screen.state == "running"')
        pids = read_pids(pidfile)
        assert pids[0] == screen._run.pid and not gone(pids[1])
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: all(gone(pid) for pid in pids), "all(gone(pid) for pid in pids)"
        )
        assert not isinstance(app.screen, DemoScreen)
        assert screen.state == "cancelled"
        assert app.is_running


async def test_quitting_the_app_stops_a_stubborn_demo_and_its_child(tmp_path):
    pidfile = tmp_path / "pids"
    screen = DemoScreen(DemoRequest("fgsm", command=fake(STUBBORN_FAMILY, str(pidfile))))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: screen.state == "running", 'screen.state == "running"')
        pids = read_pids(pidfile)
        assert not any(gone(pid) for pid in pids)
        app.exit()
    assert not app.is_running
    wait_gone(*pids)


async def test_a_running_demo_shows_its_curve_elapsed_time_time_left_and_scale_note():
    """No time limit: the learner sees how long it has run and about how long is left
    (at the pace so far), the curve from its first point, and why it runs quick."""
    screen = DemoScreen(DemoRequest("fgsm", command=fake(TRAINING)))
    assert screen.request.timeout is None
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(
            pilot,
            lambda: "left" in shown(app, "#demo-progress-label"),
            "an estimate of the time left",
        )
        label = shown(app, "#demo-progress-label")
        assert "training (epoch 1/4)" in label and "elapsed" in label
        assert screen.query_one(LineChart).series["model"][0] == [1.0]
        assert "Running the quick version: this machine is slow right now." in shown(app)
        assert "quick scale" in shown(app, "#demo-header")
        assert screen.running
        await pilot.press("escape")


LONG_LABEL = """
import json, time
def emit(**e): print(json.dumps(e), flush=True)
emit(type="meta", name="fgsm", title="Fake", device="cpu", seed=0, torch="0.0", scale="full")
emit(type="progress", step=1, total=4,
     label="training the classifier on every digit of the training set (epoch 1/4)")
time.sleep(600)
"""


async def test_elapsed_and_time_left_stay_visible_at_80_columns_beside_a_long_label():
    screen = DemoScreen(DemoRequest("fgsm", command=fake(LONG_LABEL)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot,
            lambda: "left" in screen_text(app) and "elapsed" in screen_text(app),
            "the elapsed time and the time left on screen",
        )
        await pilot.press("escape")


ON_CPU = """
import json
def emit(**e): print(json.dumps(e), flush=True)
emit(type="meta", name="fgsm", title="Fake", device="cpu", seed=0, torch="0.0", scale="full",
     device_reason="on the CPU: these small models run faster there than on cuda")
emit(type="result", headline={"a": 1.0}, summary="All good.")
"""


async def test_auto_device_on_cpu_says_why_in_the_header_and_a_note():
    screen = DemoScreen(DemoRequest("fgsm", command=fake(ON_CPU)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(pilot, lambda: "All good." in shown(app), "the result")
        assert "device cpu (fastest for these small models)" in shown(app, "#demo-header")
        assert "Running on the CPU: these small models run faster there than on cuda." in (
            shown(app)
        )


async def test_crash_is_shown_and_the_app_keeps_working():
    screen = DemoScreen(DemoRequest("fgsm", command=fake(CRASH)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: not screen.running, "not screen.running")
        await wait_until(
            pilot,
            lambda: "The demo failed" in screen_text(app),
            '"The demo failed" in screen_text(app)',
        )
        assert screen.state == "failed"
        assert "exited with code 3" in screen.failure
        text = screen_text(app)
        assert "The demo failed" in text and "ValueError: boom" in text
        await pilot.press("r")  # runs again, fails again, still no crash
        await wait_until(
            pilot,
            lambda: screen.state == "failed" and screen.failure is not None,
            'screen.state == "failed" and screen.failure is not None',
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, DemoScreen)


async def test_timeout_is_shown():
    screen = DemoScreen(DemoRequest("fgsm", command=fake(HANG), timeout=1.0))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: not screen.running, "not screen.running")
        assert screen.state == "failed"
        assert "longer than 1 s" in screen.failure
        wait_gone(screen._run.pid)


async def test_garbage_lines_are_warnings_and_result_still_arrives():
    screen = DemoScreen(DemoRequest("fgsm", command=fake(GARBAGE)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: not screen.running, "not screen.running")
        await wait_until(
            pilot,
            lambda: "malformed line" in screen_text(app),
            '"malformed line" in screen_text(app)',
        )
        assert screen.state == "finished"
        assert screen.warnings == 1


async def test_unknown_demo_shows_an_error():
    screen = DemoScreen("no-such-demo")
    app = DemoTestApp(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: "unknown demo 'no-such-demo'" in screen_text(app),
            "\"unknown demo 'no-such-demo'\" in screen_text(app)",
        )
        assert screen.state == "failed"
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


def test_bindings_have_ids():
    ids = {b.id for b in DemoScreen.BINDINGS}
    assert {"demo.close", "demo.rerun"} <= ids


@pytest.mark.parametrize(
    ("text", "plain", "bold"),
    [("a **b** c", "a b c", "b"), ("no markup", "no markup", None), ("x `y`", "x y", None)],
)
def test_markdownish(text, plain, bold):
    rich = markdownish(text)
    assert rich.plain == plain
    spans = [rich.plain[s.start : s.end] for s in rich.spans if "bold" in str(s.style)]
    assert spans == ([bold] if bold else [])


async def test_the_help_lists_the_demo_keys_first_and_the_footer_starts_with_help():
    from textual.widgets import Footer

    from drillbreak.tui.screens.help import key_groups

    screen = DemoScreen(DemoRequest("fgsm", device="cpu", command=fake(FAST)))
    app = DemoTestApp(screen)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_until(pilot, lambda: not screen.running, "the demo finished")
        groups = key_groups(screen)
        assert groups[0][0] == "Demo"
        assert {line.description for line in groups[0][1]} == {"Close", "Run again"}
        footer = app.screen.query_one(Footer)
        await wait_until(pilot, lambda: footer.region.height > 0, "the footer drawn")
        first_row = screen_text(app).splitlines()[-1].split()
        assert first_row[:2] == ["?", "Help"], first_row
