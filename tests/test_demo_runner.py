"""The demo runner against fake children: success, garbage, crash, hang, cancel.

Fake children are tiny ``python -c`` scripts, so these tests never import torch
(except the tests at the end, which run the real child on a trivial demo).  No test
measures time: a stopped child is awaited until it is gone (120 s safety net).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers.procs import (
    SAFETY,
    SHORT_TIMEOUT,
    STUBBORN_FAMILY,
    fake,
    gone,
    no_hang,
    read_pids,
    wait_gone,
    wait_until,
)

from drillbreak.demo_runner.events import (
    ErrorEvent,
    Meta,
    Metric,
    Progress,
    Result,
    Text,
    parse_line,
)
from drillbreak.demo_runner.pace import REFERENCE_SECONDS
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import (
    DemoFailed,
    DemoRun,
    DemoTimeout,
    child_command,
    iter_demo,
)

GOOD = """
import json, sys
for i in range(3):
    print(json.dumps({"type": "progress", "step": i + 1, "total": 3, "label": "x"}), flush=True)
print(json.dumps({"type": "metric", "chart": "c", "series": "s", "x": 1, "y": 0.5}), flush=True)
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "done"}), flush=True)
"""

GARBAGE = """
import json
print("this is not json", flush=True)
print('{"type": "nope"}', flush=True)
print('{"type": "progress", "step": "one", "total": 3}', flush=True)
print('[1, 2]', flush=True)
print("", flush=True)
print(json.dumps({"type": "text", "text": "still here"}), flush=True)
print(json.dumps({"type": "result", "headline": {"a": 2}, "summary": "ok"}), flush=True)
"""

CRASH = """
import json, sys
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
for i in range(30):
    print(f"stderr line {i}", file=sys.stderr)
print("ValueError: boom", file=sys.stderr, flush=True)
sys.exit(3)
"""

HANG = """
import json, time
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
time.sleep(60)
"""

# Delivers its result, then neither exits nor lets go of the pipe.
RESULT_THEN_HANG = """
import json, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "done"}), flush=True)
time.sleep(600)
"""

# Starts a grandchild that holds the pipe open, says so and exits (status 0, no result).
EXIT_LEAVING_GRANDCHILD = """
import json, subprocess, sys
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(sys.argv[1], "w").write(str(grandchild.pid))
print(json.dumps({"type": "text", "text": "bye"}), flush=True)
"""


# Delivers its result, says so in a file, then hangs past any timeout.
RESULT_THEN_MARK = """
import json, pathlib, sys, time
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "done"}), flush=True)
pathlib.Path(sys.argv[1]).touch()
time.sleep(600)
"""

# Reports the OpenMP wait policy it was started with.
SHOW_WAIT_POLICY = """
import json, os
policy = os.environ.get("OMP_WAIT_POLICY", "unset")
print(json.dumps({"type": "text", "text": policy}), flush=True)
print(json.dumps({"type": "result", "headline": {"a": 1}, "summary": "done"}), flush=True)
"""


async def collect(run) -> list:
    return [event async for event in run]


def test_good_child_yields_typed_events():
    events = asyncio.run(collect(DemoRun(DemoRequest("x", command=fake(GOOD)))))
    assert [type(e) for e in events] == [Progress, Progress, Progress, Metric, Result]
    assert events[-1].headline == {"a": 1.0}


def test_garbage_lines_are_reported_and_not_fatal():
    events = asyncio.run(collect(DemoRun(DemoRequest("x", command=fake(GARBAGE)))))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 4
    assert all(not e.fatal for e in errors)
    assert "not JSON" in errors[0].message
    assert "unknown event type" in errors[1].message
    assert isinstance(events[-2], Text) and events[-2].text == "still here"
    assert isinstance(events[-1], Result)


def test_crash_raises_with_stderr_tail():
    run = DemoRun(DemoRequest("x", command=fake(CRASH)))
    seen = []

    async def main() -> None:
        async for event in run:
            seen.append(event)

    with pytest.raises(DemoFailed) as info:
        asyncio.run(main())
    assert len(seen) == 1
    err = info.value
    assert err.returncode == 3
    assert len(err.stderr_tail) == 20
    assert err.stderr_tail[-1] == "ValueError: boom"
    assert "stderr line 29" in err.stderr_tail
    assert "stderr line 5" not in err.stderr_tail
    assert "exited with code 3" in str(err)
    assert "ValueError: boom" in err.details()


def test_hang_hits_timeout_and_child_is_killed():
    run = DemoRun(DemoRequest("x", command=fake(HANG), timeout=1.0))
    with pytest.raises(DemoTimeout, match="timed out after 1 s"):
        asyncio.run(collect(run))
    wait_gone(run.pid)


def test_cancelling_the_task_kills_a_stubborn_child_and_its_child(tmp_path):
    """SIGTERM is ignored by both: the group gets SIGKILL after the grace."""
    pidfile = tmp_path / "pids"

    async def main() -> None:
        run = DemoRun(DemoRequest("x", command=fake(STUBBORN_FAMILY, str(pidfile))))
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in run:
                first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    wait_gone(*read_pids(pidfile))


def test_terminate_stops_a_stubborn_family_without_waiting(tmp_path):
    """What the demo screen calls on escape and on quit: returns at once, yet the
    SIGKILL comes even though the event loop ends straight after."""
    pidfile = tmp_path / "pids"

    async def main() -> list:
        run = DemoRun(DemoRequest("x", command=fake(STUBBORN_FAMILY, str(pidfile))))
        seen = []
        async for event in run:
            seen.append(event)
            run.terminate()
        return seen

    assert len(asyncio.run(main())) == 1
    wait_gone(*read_pids(pidfile))


def test_cancel_method_ends_iteration_quietly():
    async def main() -> tuple[int, list, DemoFailed | None]:
        run = DemoRun(DemoRequest("x", command=fake(HANG)))
        seen: list = []
        async for event in run:
            seen.append(event)
            await run.cancel()
        return run.pid, seen, None

    pid, seen, _ = asyncio.run(main())
    assert len(seen) == 1
    assert gone(pid)


def test_context_manager_kills_on_exit():
    async def main() -> int:
        async with DemoRun(DemoRequest("x", command=fake(HANG))) as run:
            async for _ in run:
                break
            return run.pid

    pid = asyncio.run(main())
    assert gone(pid)


def test_sync_iterator_good_garbage_crash_and_hang():
    assert isinstance(list(iter_demo(DemoRequest("x", command=fake(GOOD))))[-1], Result)
    events = list(iter_demo(DemoRequest("x", command=fake(GARBAGE))))
    assert sum(isinstance(e, ErrorEvent) for e in events) == 4
    assert isinstance(events[-1], Result)
    with pytest.raises(DemoFailed) as info:
        list(iter_demo(DemoRequest("x", command=fake(CRASH))))
    assert info.value.stderr_tail[-1] == "ValueError: boom"
    with pytest.raises(DemoTimeout):
        list(iter_demo(DemoRequest("x", command=fake(HANG), timeout=1.0)))


def test_sync_timeout_stops_a_family_holding_the_pipe(tmp_path):
    """Reading stops at the deadline although the grandchild keeps the pipe open."""
    pidfile = tmp_path / "pids"
    command = fake(STUBBORN_FAMILY, str(pidfile))
    with no_hang(), pytest.raises(DemoTimeout, match=f"timed out after {SHORT_TIMEOUT:g} s"):
        list(iter_demo(DemoRequest("x", command=command, timeout=SHORT_TIMEOUT)))
    wait_gone(*read_pids(pidfile))


def test_closing_the_sync_iterator_stops_the_family(tmp_path):
    """The CLI on Ctrl-C: the iterator is closed, the whole group is stopped."""
    pidfile = tmp_path / "pids"
    events = iter_demo(DemoRequest("x", command=fake(STUBBORN_FAMILY, str(pidfile))))
    assert isinstance(next(events), Progress)
    events.close()
    wait_gone(*read_pids(pidfile))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_result_then_a_hang_is_a_success_not_a_timeout(mode):
    """One outcome: the result arrived, so running past the timeout is no failure."""
    with no_hang():
        if mode == "sync":
            events = list(
                iter_demo(DemoRequest("x", command=fake(RESULT_THEN_HANG), timeout=SHORT_TIMEOUT))
            )
        else:
            run = DemoRun(DemoRequest("x", command=fake(RESULT_THEN_HANG), timeout=SHORT_TIMEOUT))
            events = asyncio.run(collect(run))
    assert [type(e) for e in events] == [Result]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_grandchild_left_behind_is_stopped_and_does_not_hold_the_run(tmp_path, mode):
    """The child exits; its grandchild still holds the pipe: the run ends (long
    before its far-off timeout: the safety net would fail the test) as a success,
    and the grandchild is stopped."""
    pidfile = tmp_path / "grandchild"
    command = fake(EXIT_LEAVING_GRANDCHILD, str(pidfile))
    far = 10 * SAFETY
    with no_hang():
        if mode == "sync":
            events = list(iter_demo(DemoRequest("x", command=command, timeout=far)))
        else:
            events = asyncio.run(collect(DemoRun(DemoRequest("x", command=command, timeout=far))))
    assert [type(e) for e in events] == [Text]
    wait_gone(*read_pids(pidfile))


# A parent that runs the demo runner and prints its child's pid, then waits.
PARENT = """
import asyncio, json, sys
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import DemoRun, iter_demo
child = [sys.executable, "-c", sys.argv[2], sys.argv[3]]


async def main():
    async for event in DemoRun(DemoRequest("x", command=child, timeout=600)):
        print("event", flush=True)


if sys.argv[1] == "sync":
    for event in iter_demo(DemoRequest("x", command=child, timeout=600)):
        print("event", flush=True)
else:
    asyncio.run(main())
"""


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_kill_9_of_the_parent_takes_the_child_with_it(tmp_path, mode):
    pidfile = tmp_path / "pids"
    parent = subprocess.Popen(
        fake(PARENT, mode, textwrap.dedent(STUBBORN_FAMILY), str(pidfile)),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline() == "event\n"
        child, _ = read_pids(pidfile)
        os.kill(parent.pid, signal.SIGKILL)
        wait_gone(child)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        for pid in read_pids(
            pidfile
        ):  # a fake child does not watch its parent: its own child outlives it
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_result_still_in_the_pipe_at_the_deadline_is_a_success(tmp_path):
    """A reader busy elsewhere when the time runs out (a slow terminal, a loaded
    machine) still takes the result the child wrote before it: one outcome, success."""
    marker = tmp_path / "written"
    timeout = 1.0
    events = iter_demo(
        DemoRequest("x", command=fake(RESULT_THEN_MARK, str(marker)), timeout=timeout)
    )
    first = next(events)  # the child is running; its reader now waits for this caller
    started = time.monotonic()
    wait_until(marker.exists, "the result written")
    wait_until(lambda: time.monotonic() - started > timeout, "the deadline passed")
    rest = list(events)
    assert isinstance(first, Progress)
    assert isinstance(rest[-1], Result)


def test_no_timeout_by_default():
    assert DemoRequest("fgsm").timeout is None


def test_the_child_runs_with_a_passive_openmp_wait_policy(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    events = list(iter_demo(DemoRequest("x", command=fake(SHOW_WAIT_POLICY))))
    assert [e.text for e in events if isinstance(e, Text)] == ["PASSIVE"]


def test_child_command_uses_this_interpreter():
    cmd = child_command(DemoRequest("fgsm", device="cpu", seed=3, scale="quick"))
    assert cmd[:3] == [sys.executable, "-m", "drillbreak.demo_runner.child"]
    assert cmd[3] == "fgsm"
    assert "--scale" in cmd and "quick" in cmd and "3" in cmd


# ------------------------------------------------------------ device selection

TINY_DEMO = """
META = {"name": "tiny", "title": "Tiny", "concept": "c", "watch_for": "w",
        "expected_seconds": 1}


def run(ctx):
    import torch
    ctx.text(f"device {ctx.device}")
    ctx.text(f"scale {ctx.scale}")
    ctx.result({"value": float(torch.ones(2, device=ctx.device).sum())}, "ok")
"""

POLICY_DEMO = """
META = {"name": "policy", "title": "Policy", "concept": "c", "watch_for": "w",
        "expected_seconds": 1}


def run(ctx):
    import os
    ctx.text(os.environ.get("OMP_WAIT_POLICY", "unset"))
    ctx.result({"value": 1.0}, "ok")
"""


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    (tmp_path / "tiny.py").write_text(TINY_DEMO)
    (tmp_path / "policy.py").write_text(POLICY_DEMO)
    return tmp_path


def test_auto_device_falls_back_to_cpu_and_cuda_request_fails_clearly(tiny_dir):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    events = list(iter_demo(DemoRequest("tiny", device="auto", demos_dir=tiny_dir, timeout=300)))
    meta = next(e for e in events if type(e).__name__ == "Meta")
    assert meta.device == "cpu"
    assert events[-1].headline == {"value": 2.0}
    with pytest.raises(DemoFailed, match="CUDA is not available") as info:
        list(iter_demo(DemoRequest("tiny", device="cuda", demos_dir=tiny_dir, timeout=300)))
    assert info.value.returncode == 2


def test_pick_device_with_a_stub_torch():
    from types import SimpleNamespace

    from drillbreak.demo_runner.child import DeviceUnavailable, pick_device

    def stub(cuda: bool, mps: bool):
        return SimpleNamespace(
            __version__="0",
            cuda=SimpleNamespace(is_available=lambda: cuda),
            backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)),
        )

    # auto: the CPU (these small models run faster there), saying why when it passed
    # over an accelerator; an accelerator asked for by name is used.
    assert pick_device("auto", stub(False, False)) == ("cpu", "")
    device, reason = pick_device("auto", stub(False, True))
    assert device == "cpu" and "faster" in reason and "mps" in reason
    device, reason = pick_device("auto", stub(True, True))
    assert device == "cpu" and "faster" in reason and "--device cuda" in reason
    assert pick_device("cpu", stub(True, True)) == ("cpu", "")
    assert pick_device("cuda", stub(True, False)) == ("cuda", "")
    assert pick_device("mps", stub(False, True)) == ("mps", "")
    with pytest.raises(DeviceUnavailable, match="cuda"):
        pick_device("cuda", stub(False, True))
    with pytest.raises(DeviceUnavailable, match="mps"):
        pick_device("mps", stub(True, False))


def test_unknown_demo_in_child_exits_2(tiny_dir):
    with pytest.raises(DemoFailed, match="unknown demo 'nope'") as info:
        list(iter_demo(DemoRequest("nope", demos_dir=tiny_dir, timeout=300)))
    assert info.value.returncode == 2


@pytest.mark.parametrize("scale", ["quick", "full"])
def test_every_scale_runs_torch_on_one_thread_waiting_passively(tiny_dir, scale, monkeypatch):
    """Torch uses 1 thread unless told otherwise, and its OpenMP threads do not
    spin: spinning threads waiting for busy cores make 2 threads far slower than 1.
    The child sets the wait policy itself when started by hand (no runner)."""
    pytest.importorskip("torch")
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    request = DemoRequest("policy", device="cpu", scale=scale, demos_dir=tiny_dir)
    out = subprocess.run(
        child_command(request), capture_output=True, text=True, timeout=SAFETY, check=True
    )
    events = [parse_line(line) for line in out.stdout.splitlines()]
    meta = next(e for e in events if isinstance(e, Meta))
    assert (meta.threads, meta.scale) == (1, scale)
    assert [e.text for e in events if isinstance(e, Text)] == ["PASSIVE"]


def with_calibration(request: DemoRequest, seconds: float) -> DemoRequest:
    """``request`` run by the real child with an injected calibration time."""
    command = (*child_command(request), "--calibration-seconds", str(seconds))
    return DemoRequest(request.name, command=command)


@pytest.mark.parametrize(
    ("calibration", "scale"), [(100 * REFERENCE_SECONDS, "quick"), (REFERENCE_SECONDS, "full")]
)
def test_auto_scale_follows_the_calibration_and_says_why(tiny_dir, calibration, scale):
    pytest.importorskip("torch")
    request = DemoRequest("tiny", device="cpu", demos_dir=tiny_dir, timeout=300)
    events = list(iter_demo(with_calibration(request, calibration)))
    meta = next(e for e in events if isinstance(e, Meta))
    assert meta.scale == scale
    assert ("slow" in meta.scale_reason) == (scale == "quick")
    assert f"scale {scale}" in [e.text for e in events if isinstance(e, Text)]


DECLARED_DEMO = """
META = {"name": "declared", "title": "Declared", "concept": "c", "watch_for": "w",
        "expected_seconds": 1, "results": {"value": "a number (count)", "other": "x (1)"}}


def run(ctx):
    names = {0: ["value", "other"], 1: ["value", "other", "extra"], 2: ["value"]}[ctx.seed]
    ctx.result({name: 1.0 for name in names}, "ok")
"""


@pytest.mark.parametrize(
    ("seed", "problem"), [(1, "undeclared extra"), (2, "missing other")], ids=["extra", "missing"]
)
def test_a_result_must_have_exactly_the_declared_names(tmp_path, seed, problem):
    pytest.importorskip("torch")
    (tmp_path / "declared.py").write_text(DECLARED_DEMO)
    ok = list(iter_demo(DemoRequest("declared", device="cpu", demos_dir=tmp_path, timeout=300)))
    assert isinstance(ok[-1], Result)
    with pytest.raises(DemoFailed) as info:
        list(
            iter_demo(
                DemoRequest("declared", device="cpu", seed=seed, demos_dir=tmp_path, timeout=300)
            )
        )
    message = info.value.message
    assert message.startswith("demo 'declared' reported results that do not match")
    assert message.endswith(problem)
    assert not any("Traceback" in line for line in info.value.stderr_tail)


HOG_DEMO = """
META = {"name": "hog", "title": "Hog", "concept": "c", "watch_for": "w",
        "expected_seconds": 1}


def run(ctx):
    import torch
    ctx.progress(1, 2, "allocating")
    if ctx.seed == 0:
        block = bytearray(3 * 2**30)
    else:
        block = torch.ones(3 * 2**30 // 4)
    ctx.result({"size": len(block)}, "should not get here")
"""


@pytest.mark.parametrize("allocator", ["python", "torch"])
def test_memory_limit_ends_the_demo_with_one_clear_line(tmp_path, allocator):
    pytest.importorskip("torch")
    (tmp_path / "hog.py").write_text(HOG_DEMO)
    seed = 0 if allocator == "python" else 1
    with pytest.raises(DemoFailed) as info:
        list(
            iter_demo(
                DemoRequest(
                    "hog", device="cpu", seed=seed, memory_gib=1, demos_dir=tmp_path, timeout=300
                )
            )
        )
    assert info.value.message == "the demo ran out of memory (limit 1 GiB)"
    assert info.value.returncode == 1
    assert not any("Traceback" in line for line in info.value.stderr_tail)
