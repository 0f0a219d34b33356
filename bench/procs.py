"""Benchmarks that run child processes: time to first card and memory (demos: bench.demos).

Each child is timed from just before it is spawned; the app and the bare
Textual baseline report the moment they are ready on a system-wide monotonic
clock, so process start-up, imports and the first frame are all counted.
Subject and baseline runs alternate.
"""

from __future__ import annotations

import subprocess
import time

from bench.common import PYTHON, ROOT, Config, Result, bench_env, median
from bench.workspace import Workspace

# Time to first card against the bare Textual app, by (cards, warm/cold).
STARTUP_TARGETS = {(10_000, "warm"): 2.0, (100_000, "warm"): 2.0, (100_000, "cold"): 3.0}
ANKI_TARGET_RATIO = 1.5
LISTING_TARGET_S = 1.0
MEMORY_TARGET_MB = 150.0

# Runs a command and reports its peak RSS (KiB on Linux) from RUSAGE_CHILDREN:
# a fresh wrapper per measurement, so only that one child is counted.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)\n"
    "sys.exit(r.returncode)\n"
)


class ChildFailed(RuntimeError):
    pass


def _app_args(ws: Workspace, n: int, db_name: str) -> list[str]:
    syn = ws.synthetic(n)
    db = ws.copy_db(n, db_name)
    return ["-m", "bench.child_app", "app", "--decks", str(syn.deck_dir), "--db", str(db)]


def _ready_time(
    args: list[str], cache: str = "off", timeout: float = 300
) -> tuple[float, float, dict[str, str]]:
    """(seconds to READY, seconds to exit, other KEY value lines) of one child run."""
    t0 = time.monotonic()
    proc = subprocess.run(
        [PYTHON, *args],
        capture_output=True,
        text=True,
        env=bench_env(cache),
        cwd=ROOT,
        timeout=timeout,
    )
    t_exit = time.monotonic() - t0
    info = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    if proc.returncode != 0 or "READY" not in info:
        tail = (proc.stdout + proc.stderr)[-1500:]
        raise ChildFailed(f"{' '.join(args)} failed (rc {proc.returncode}):\n{tail}")
    return float(info["READY"]) - t0, t_exit, info


def _startup_sizes(cfg: Config) -> list[int]:
    """1k (informative) and the target sizes, 10k and 100k; --quick stops at 10k."""
    return [n for n in cfg.sizes if n <= (10_000 if cfg.quick else 100_000)]


def bench_startup(cfg: Config, ws: Workspace) -> list[Result]:
    """Process start to the first study card on screen, against a bare Textual app,
    and at the largest size against Anki opening the same cards and queueing them."""
    results = []
    for n in _startup_sizes(cfg):
        try:
            app_args = _app_args(ws, n, "startup")
            anki_args = (
                ["-m", "bench.anki_child", "open", str(ws.anki_collection(n))]
                if n >= 100_000
                else None
            )
        except Exception as exc:  # pragma: no cover - app or anki missing or broken
            return [_failed("startup", exc)]
        bare_args = ["-m", "bench.child_app", "bare"]
        cache = str(ws.root / f"deck-cache-{n}")
        kinds = ["warm", "cold", "bare"] + (["anki"] if anki_args else [])
        times: dict[str, list[float]] = {k: [] for k in kinds}
        torch = "0"
        repeats = max(cfg.repeats, 5) if n < 100_000 else 3
        try:
            # warm-up: page cache, .pyc files, the app's once-a-day backup, the parse cache
            # (a progressive load fills it as its files land: the run waits for them)
            _ready_time([*app_args, "--settle"], cache)
            _ready_time(bare_args)
            if anki_args:
                _ready_time(anki_args)
            for i in range(repeats):
                for kind in kinds[i % len(kinds) :] + kinds[: i % len(kinds)]:
                    if kind == "bare":
                        times["bare"].append(_ready_time(bare_args)[0])
                    elif kind == "anki":
                        assert anki_args is not None
                        times["anki"].append(_ready_time(anki_args)[0])
                    else:
                        ready, _, info = _ready_time(app_args, cache if kind == "warm" else "off")
                        times[kind].append(ready)
                        torch = info.get("TORCH", "?") if torch == "0" else torch
        except ChildFailed as exc:
            return [_failed("startup", exc)]
        bare_s = median(times["bare"])
        for kind in ("warm", "cold"):
            app_s = median(times[kind])
            limit = STARTUP_TARGETS.get((n, kind))
            what = (
                "decks unchanged since the last start (parse cache)"
                if kind == "warm"
                else "first start or every deck edited (no parse cache)"
            )
            results.append(
                Result(
                    "startup",
                    f"time to first card, {n:,} cards, {kind}",
                    app_s,
                    "s",
                    bare_s,
                    "bare Textual app, headless",
                    f"<= {limit:g}x at {n // 1000}k" if limit else "",
                    (app_s / bare_s <= limit) if limit else None,
                    [
                        f"{what}; runs min {min(times[kind]) * 1000:.0f} / max "
                        f"{max(times[kind]) * 1000:.0f} ms; torch imported: "
                        f"{'yes' if torch == '1' else 'no'}"
                    ],
                )
            )
        if anki_args:
            app_s, anki_s = median(times["warm"]), median(times["anki"])
            results.append(
                Result(
                    "startup",
                    f"open to first card, {n:,} cards, warm, against Anki",
                    app_s,
                    "s",
                    anki_s,
                    "Anki: open the collection, queue, render the first question (process)",
                    f"<= {ANKI_TARGET_RATIO:g}x",
                    app_s / anki_s <= ANKI_TARGET_RATIO,
                    [
                        f"anki {_anki_version()}, the same {n:,} cards and schedule "
                        "(bench/anki_child.py); runs alternate with the app's; Anki runs "
                        f"min {min(times['anki']) * 1000:.0f} / max "
                        f"{max(times['anki']) * 1000:.0f} ms"
                    ],
                )
            )
    return results


def _anki_version() -> str:
    from importlib.metadata import version

    try:
        return version("anki")
    except Exception:  # pragma: no cover - not installed: building the collection failed first
        return "?"


def bench_listing(cfg: Config, ws: Workspace) -> list[Result]:
    """``drillbreak decks`` on a folder of 1000 deck files (10 cards each), warm and cold,
    against a bare ``python -c pass``."""
    n, files = 10_000, 1_000
    try:
        syn = ws.synthetic(n, n_decks=files)
        db = ws.copy_db(n, "listing", n_decks=files)
    except Exception as exc:  # pragma: no cover
        return [_failed("listing", exc)]
    cache = str(ws.root / "deck-cache-listing")
    args = ["-m", "drillbreak", "decks", "--db", str(db), "--decks", str(syn.deck_dir)]

    def wall(cmd: list[str], deck_cache: str = "off") -> float:
        t0 = time.monotonic()
        proc = subprocess.run(
            [PYTHON, *cmd],
            capture_output=True,
            text=True,
            env=bench_env(deck_cache),
            cwd=ROOT,
            timeout=600,
        )
        dt = time.monotonic() - t0
        if proc.returncode != 0:
            raise ChildFailed(f"{' '.join(cmd)}: rc {proc.returncode}\n{proc.stderr[-800:]}")
        return dt

    times: dict[str, list[float]] = {"warm": [], "cold": [], "python": []}
    try:
        wall(args, cache)  # fills the parse cache
        wall(["-c", "pass"])
        kinds = list(times)
        for i in range(3 if cfg.quick else 5):
            for kind in kinds[i % 3 :] + kinds[: i % 3]:
                cmd = ["-c", "pass"] if kind == "python" else args
                times[kind].append(wall(cmd, cache if kind == "warm" else "off"))
    except ChildFailed as exc:
        return [_failed("listing", exc)]
    base = median(times["python"])
    return [
        Result(
            "listing",
            f"drillbreak decks, {files:,} deck files ({n:,} cards), {kind}",
            median(times[kind]),
            "s",
            base,
            "python -c pass",
            f"<= {LISTING_TARGET_S:g} s" if kind == "warm" else "",
            (median(times[kind]) <= LISTING_TARGET_S) if kind == "warm" else None,
            [
                (
                    "decks unchanged since the last run (parse cache)"
                    if kind == "warm"
                    else "every file parsed (no parse cache)"
                )
                + f"; runs min {min(times[kind]):.2f} / max {max(times[kind]):.2f} s"
            ],
        )
        for kind in ("warm", "cold")
    ]


def _peak_rss(args: list[str], cache: str = "off") -> tuple[float, dict[str, str]]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [PYTHON, "-c", _RSS_WRAPPER, PYTHON, *args],
        capture_output=True,
        text=True,
        env=bench_env(cache),
        cwd=ROOT,
        timeout=600,
    )
    info = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    if proc.returncode != 0 or "MAXRSS" not in info:
        tail = (proc.stdout + proc.stderr)[-1500:]
        raise ChildFailed(f"{' '.join(args)} failed (rc {proc.returncode}):\n{tail}")
    if "READY" in info:
        info["SECONDS"] = str(float(info["READY"]) - t0)
    # the child's own peak when it reports one: the wrapper's counts its children too,
    # such as the case child (torch) the app starts for generated cards
    return int(info.get("SELF_MAXRSS", info["MAXRSS"])) / 1024, info


def bench_memory(cfg: Config, ws: Workspace) -> list[Result]:
    """Peak RSS of the app up to its first card with every deck loaded (a progressive
    load parses the rest after the first card), at the largest size; torch must stay out."""
    n = max(cfg.sizes)
    try:
        app_args = [*_app_args(ws, n, "memory"), "--settle"]
        cache = str(ws.root / f"deck-cache-{n}")
        runs = 3 if not cfg.quick else 2
        app_mb: dict[str, list[float]] = {"warm": [], "cold": []}
        bare_mb: list[float] = []
        torch = set()
        ready: dict[str, list[float]] = {"warm": [], "cold": []}
        _peak_rss(app_args, cache)  # fills the parse cache
        for _ in range(runs):
            for kind in ("warm", "cold"):
                mb, info = _peak_rss(app_args, cache if kind == "warm" else "off")
                app_mb[kind].append(mb)
                ready[kind].append(float(info.get("SECONDS", "nan")))
                torch.add(info.get("TORCH", "?"))
            bare_mb.append(_peak_rss(["-m", "bench.child_app", "bare"])[0])
    except ChildFailed as exc:
        return [_failed("memory", exc)]
    big = n >= 100_000
    target = f"<= {MEMORY_TARGET_MB:g} MB at 100k" if big else f"<= {MEMORY_TARGET_MB:g} MB"
    results = []
    for kind in ("warm", "cold"):
        mb = median(app_mb[kind])
        what = (
            "decks from the parse cache" if kind == "warm" else "every deck parsed"
        ) + "; the app's process (the case child for generated cards is not counted)"
        secs = ready[kind]
        results.append(
            Result(
                "memory",
                f"app peak RSS, first card and every deck loaded, {n:,} cards, {kind}",
                mb,
                "MB",
                median(bare_mb),
                "bare Textual app",
                target,
                mb <= MEMORY_TARGET_MB,
                [
                    f"{what}; time to first card in these runs: median {median(secs):.1f} s "
                    f"(runs {', '.join(f'{x:.1f}' for x in secs)} s)"
                ],
            )
        )
    return [
        *results,
        Result(
            "memory",
            "torch imported by the app",
            float(torch != {"0"}),
            "",
            target="never",
            ok=torch == {"0"},
            shown="no" if torch == {"0"} else "yes",
            notes=[f"TORCH flags seen: {sorted(torch)}"],
        ),
    ]


def _failed(bench: str, exc: BaseException) -> Result:
    text = str(exc).strip().splitlines()
    last = text[-1] if text else type(exc).__name__
    return Result(bench, "could not run", float("nan"), "", target="runs", ok=False, notes=[last])
