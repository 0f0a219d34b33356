"""Shared pieces: timing, results, targets, machine information."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Config:
    quick: bool = False
    repeats: int = 7
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    ratings: int = 300
    review_rows: int = 1_000_000
    demo_scale: str = "auto"  # the app's default
    verbose: bool = True

    @classmethod
    def make(cls, quick: bool) -> Config:
        if quick:
            return cls(
                quick=True,
                repeats=3,
                sizes=(1_000, 10_000),
                ratings=100,
                review_rows=100_000,
                demo_scale="quick",
            )
        return cls()

    def say(self, text: str) -> None:
        if self.verbose:
            print(text, flush=True)


@dataclass
class Result:
    """One measured line of the results table."""

    bench: str
    what: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_what: str = ""
    target: str = ""
    ok: bool | None = None  # None: informative only, no target
    notes: list[str] = field(default_factory=list)
    shown: str | None = None  # the value as words, where a number would mislead

    @property
    def value_text(self) -> str:
        if self.shown is not None:
            return self.shown
        return fmt(self.value, self.unit) if self.unit else f"{self.value:.2f}"

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else ("PASS" if self.ok else "MISS")

    def line(self) -> str:
        parts = [f"{self.bench}: {self.what} = {self.value_text}"]
        if self.baseline is not None:
            parts.append(f"baseline ({self.baseline_what}) {fmt(self.baseline, self.unit)}")
            if self.ratio is not None:
                parts.append(f"ratio {self.ratio:.2f}x")
        if self.target:
            parts.append(f"target {self.target}")
        if self.verdict:
            parts.append(self.verdict)
        return " | ".join(parts)


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:g} {unit}".strip()


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def paired(
    subject: Callable[[], object], baseline: Callable[[], object], repeats: int, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Time both callables ``repeats`` times, alternating, after a warm-up of each.

    Alternating means a burst of load from elsewhere on the machine hits both
    sides about equally; the medians are then compared.
    """
    for _ in range(warmup):
        subject()
        baseline()
    a: list[float] = []
    b: list[float] = []
    for i in range(repeats):
        order = (subject, baseline) if i % 2 == 0 else (baseline, subject)
        for fn in order:
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            (a if fn is subject else b).append(dt)
    return a, b


def rotated(fns: list[Callable[[], object]], repeats: int, warmup: int = 1) -> list[list[float]]:
    """Like :func:`paired` for any number of callables: each round runs all of them,
    starting from a different one, so that none always runs first."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for i in range(repeats):
        for k in range(len(fns)):
            j = (i + k) % len(fns)
            t0 = time.perf_counter()
            fns[j]()
            times[j].append(time.perf_counter() - t0)
    return times


def slope(sizes: list[int], times: list[float]) -> float:
    """Growth exponent between the smallest and largest size (1.0 = linear)."""
    import math

    if len(sizes) < 2 or times[0] <= 0:
        return 0.0
    return math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])


def bench_env(deck_cache: str = "off") -> dict[str, str]:
    """Child environment: the repository on the path, no user database or cache touched.

    ``deck_cache``: the parse cache folder for the app (``off`` parses every file)."""
    env = dict(os.environ)
    env["DRILLBREAK_CACHE_DIR"] = deck_cache
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.setdefault("TZ", "UTC")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 300):
    return subprocess.run(
        [PYTHON, *args],
        capture_output=True,
        text=True,
        env=env or bench_env(),
        timeout=timeout,
        cwd=ROOT,
    )


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "unknown"
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    import sqlite3

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load average at start": load,
    }
