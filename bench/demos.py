"""Each demo's wall time, idle and with two CPU-bound processes beside it.

A demo is timed as a whole process (``python -m drillbreak.demo_runner.child NAME``
at the scale the app runs by default, ``auto``: full unless the machine is slow),
against ``python -c 'import torch'`` measured under the same load, alternating
with it.  Target: every demo within :data:`DEMO_TARGET_RATIO` times that baseline,
idle and loaded.  The scale a run chose is in its row: under load ``auto`` may pick
the quick one, as it would in the app.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator

from bench.common import PYTHON, ROOT, Config, Result, bench_env, median
from bench.procs import ChildFailed, _failed

DEMO_TARGET_RATIO = 3.0
# Processes spinning beside a loaded measurement (the 2-core laptop of issue 14).
LOAD_PROCESSES = 2
CHILD_LIMIT = 600.0
BASELINE = ["-c", "import torch"]


@contextlib.contextmanager
def cpu_load(processes: int) -> Iterator[None]:
    """``processes`` CPU-bound Python loops running for the duration of the block."""
    spinners = [subprocess.Popen([PYTHON, "-c", "while True: pass"]) for _ in range(processes)]
    try:
        yield
    finally:
        for proc in spinners:
            proc.kill()
        for proc in spinners:
            proc.wait()


def _wall(args: list[str]) -> tuple[float, str]:
    """Seconds ``python ARGS`` takes, and the scale a demo child reported ("" else)."""
    t0 = time.monotonic()
    proc = subprocess.run(
        [PYTHON, *args],
        capture_output=True,
        text=True,
        env=bench_env(),
        cwd=ROOT,
        timeout=CHILD_LIMIT,
    )
    dt = time.monotonic() - t0
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(args)}: rc {proc.returncode}\n{proc.stderr[-800:]}")
    scale = ""
    for line in proc.stdout.splitlines():
        if line.startswith('{"type":"meta"'):
            scale = json.loads(line).get("scale", "")
    return dt, scale


def _measure(name: str, scale: str, repeats: int, load: str) -> Result:
    args = ["-m", "drillbreak.demo_runner.child", name, "--scale", scale]
    runs: list[float] = []
    base: list[float] = []
    scales: set[str] = set()
    for i in range(repeats):
        order = (args, BASELINE) if i % 2 == 0 else (BASELINE, args)
        for which in order:
            dt, chosen = _wall(which)
            if which is args:
                runs.append(dt)
                scales.add(chosen)
            else:
                base.append(dt)
    s, b = median(runs), median(base)
    shown = "/".join(sorted(scales))
    return Result(
        "demos",
        f"{name} ({shown}, {load})",
        s,
        "s",
        b,
        f"python -c 'import torch', {load}",
        f"<= {DEMO_TARGET_RATIO:g}x",
        s / b <= DEMO_TARGET_RATIO,
        notes=[f"runs {', '.join(f'{x:.1f}' for x in runs)} s; scale {shown}"],
    )


def bench_demos(cfg: Config) -> list[Result]:
    """Each demo idle and with :data:`LOAD_PROCESSES` CPU-bound processes beside it."""
    try:
        from drillbreak.demo_runner.catalog import demo_names
    except ImportError as exc:  # pragma: no cover
        return [_failed("demos", exc)]
    repeats = 1 if cfg.quick else 3
    loaded = f"{LOAD_PROCESSES} CPU-bound processes beside it"
    results = []
    with contextlib.suppress(ChildFailed):
        _wall(BASELINE)  # warm the page cache
    for name in sorted(demo_names()):
        try:
            results.append(_measure(name, cfg.demo_scale, repeats, "idle"))
            with cpu_load(LOAD_PROCESSES):
                results.append(_measure(name, cfg.demo_scale, repeats, loaded))
        except (ChildFailed, subprocess.TimeoutExpired) as exc:
            results.append(_failed(f"demos/{name}", exc))
    return results
