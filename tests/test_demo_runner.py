"""The demo runner against fake children: success, garbage, crash, hang, cancel.

Fake children are tiny ``python -c`` scripts, so these tests never import torch
(except the device tests at the end, which run the real child on a trivial demo).
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from drillbreak.demo_runner.events import ErrorEvent, Metric, Progress, Result, Text
from drillbreak.demo_runner.runner import (
    DemoFailed,
    DemoTimeout,
    child_command,
    iter_demo,
    run_demo,
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

# Ignores SIGTERM, so only the escalation to SIGKILL stops it.
STUBBORN = """
import json, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
time.sleep(60)
"""


def fake(script: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(script)]


def gone(pid: int) -> bool:
    """True once ``pid`` no longer exists (or is a zombie nobody waits for)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except OSError:
        return True


async def collect(run) -> list:
    return [event async for event in run]


def test_good_child_yields_typed_events():
    events = asyncio.run(collect(run_demo("x", command=fake(GOOD))))
    assert [type(e) for e in events] == [Progress, Progress, Progress, Metric, Result]
    assert events[-1].headline == {"a": 1.0}


def test_garbage_lines_are_reported_and_not_fatal():
    events = asyncio.run(collect(run_demo("x", command=fake(GARBAGE))))
    errors = [e for e in events if isinstance(e, ErrorEvent)]
    assert len(errors) == 4
    assert all(not e.fatal for e in errors)
    assert "not JSON" in errors[0].message
    assert "unknown event type" in errors[1].message
    assert isinstance(events[-2], Text) and events[-2].text == "still here"
    assert isinstance(events[-1], Result)


def test_crash_raises_with_stderr_tail():
    run = run_demo("x", command=fake(CRASH))
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
    run = run_demo("x", command=fake(HANG), timeout=1.0)
    pids = []

    async def main() -> None:
        async for _ in run:
            pids.append(run.pid)

    start = time.monotonic()
    with pytest.raises(DemoTimeout, match="timed out after 1 s"):
        asyncio.run(main())
    assert time.monotonic() - start < 4
    assert gone(pids[0])


def test_cancelling_the_task_kills_the_child_within_a_second():
    async def main() -> tuple[int, float]:
        run = run_demo("x", command=fake(STUBBORN))
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in run:
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 10)
        pid = run.pid
        start = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pid, time.monotonic() - start

    pid, elapsed = asyncio.run(main())
    assert elapsed < 1.0
    assert gone(pid)


def test_cancel_method_ends_iteration_quietly():
    async def main() -> tuple[int, list, DemoFailed | None]:
        run = run_demo("x", command=fake(HANG))
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
        async with run_demo("x", command=fake(HANG)) as run:
            async for _ in run:
                break
            return run.pid

    pid = asyncio.run(main())
    assert gone(pid)


def test_sync_iterator_good_garbage_crash_and_hang():
    assert isinstance(list(iter_demo("x", command=fake(GOOD)))[-1], Result)
    events = list(iter_demo("x", command=fake(GARBAGE)))
    assert sum(isinstance(e, ErrorEvent) for e in events) == 4
    assert isinstance(events[-1], Result)
    with pytest.raises(DemoFailed) as info:
        list(iter_demo("x", command=fake(CRASH)))
    assert info.value.stderr_tail[-1] == "ValueError: boom"
    start = time.monotonic()
    with pytest.raises(DemoTimeout):
        list(iter_demo("x", command=fake(HANG), timeout=1.0))
    assert time.monotonic() - start < 4


def test_child_command_uses_this_interpreter():
    cmd = child_command("fgsm", device="cpu", seed=3, scale="quick")
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
    ctx.result({"value": float(torch.ones(2, device=ctx.device).sum())}, "ok")
"""


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    (tmp_path / "tiny.py").write_text(TINY_DEMO)
    return tmp_path


def test_auto_device_falls_back_to_cpu_and_cuda_request_fails_clearly(tiny_dir):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    events = list(iter_demo("tiny", device="auto", demos_dir=tiny_dir, timeout=60))
    meta = next(e for e in events if type(e).__name__ == "Meta")
    assert meta.device == ("mps" if torch.backends.mps.is_available() else "cpu")
    assert events[-1].headline == {"value": 2.0}
    with pytest.raises(DemoFailed, match="CUDA is not available") as info:
        list(iter_demo("tiny", device="cuda", demos_dir=tiny_dir, timeout=60))
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

    assert pick_device("auto", stub(False, False)) == "cpu"
    assert pick_device("auto", stub(False, True)) == "mps"
    assert pick_device("auto", stub(True, True)) == "cuda"
    assert pick_device("cpu", stub(True, True)) == "cpu"
    with pytest.raises(DeviceUnavailable, match="cuda"):
        pick_device("cuda", stub(False, True))
    with pytest.raises(DeviceUnavailable, match="mps"):
        pick_device("mps", stub(True, False))


def test_unknown_demo_in_child_exits_2(tiny_dir):
    with pytest.raises(DemoFailed, match="unknown demo 'nope'") as info:
        list(iter_demo("nope", demos_dir=tiny_dir, timeout=30))
    assert info.value.returncode == 2
