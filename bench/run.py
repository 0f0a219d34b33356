"""Command line of the benchmark suite."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench import demos, inproc, procs
from bench.common import ROOT, Config, Result, machine_info
from bench.report import write
from bench.workspace import Workspace

BENCHES = ("queue", "rating", "lint", "stats", "startup", "listing", "memory", "demos")


def run(cfg: Config, only: tuple[str, ...] = BENCHES, ws: Workspace | None = None) -> list[Result]:
    """Run the chosen benchmarks; print each result as it comes."""
    own = ws is None
    ws = ws or Workspace(say=cfg.say)
    results: list[Result] = []
    table = {
        "queue": lambda: inproc.bench_queue(cfg, ws),
        "rating": lambda: inproc.bench_rating(cfg, ws),
        "lint": lambda: inproc.bench_lint(cfg, ws, 10_000 if 10_000 in cfg.sizes else 1_000),
        "stats": lambda: inproc.bench_stats(cfg, ws),
        "startup": lambda: procs.bench_startup(cfg, ws),
        "listing": lambda: procs.bench_listing(cfg, ws),
        "memory": lambda: procs.bench_memory(cfg, ws),
        "demos": lambda: demos.bench_demos(cfg),
    }
    try:
        for name in only:
            cfg.say(f"== {name}")
            ws.release()
            t0 = time.perf_counter()
            got = table[name]()
            for r in got:
                cfg.say("  " + r.line())
                for note in r.notes:
                    cfg.say(f"      {note}")
            cfg.say(f"  ({name} took {time.perf_counter() - t0:.1f} s)")
            results.extend(got)
    finally:
        if own:
            ws.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer repeats")
    parser.add_argument(
        "--only", default=",".join(BENCHES), help=f"comma-separated subset of {','.join(BENCHES)}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "BENCHMARKS.md",
        help="results file (default BENCHMARKS.md; '-' to skip)",
    )
    args = parser.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    unknown = [x for x in only if x not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {BENCHES}")
    cfg = Config.make(args.quick)
    machine = machine_info()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in machine.items()), flush=True)
    t0 = time.perf_counter()
    results = run(cfg, only)
    took = time.perf_counter() - t0
    misses = [r for r in results if r.ok is False]
    print(f"\n{len(results)} measurement(s) in {took:.0f} s; {len(misses)} target(s) missed")
    for r in misses:
        print(f"  MISS {r.line()}")
    if str(args.out) != "-":
        flags = " ".join(a for a in (sys.argv[1:] if argv is None else argv))
        notes = [f"- The whole run took {took:.0f} s."]
        if cfg.quick:
            notes.append(
                "- Quick run: smaller sizes; targets stated for larger sizes are indicative."
            )
        write(args.out, results, machine, flags, notes)
        print(f"wrote {args.out}")
    return 0
