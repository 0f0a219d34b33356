"""The benchmark code itself keeps working: the cheap benchmarks at 1k cards.

No timing is asserted here (timings belong to ``make bench``); this only checks
that each benchmark runs, measures something, and that the report renders.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report, run  # noqa: E402
from bench.common import Config, machine_info  # noqa: E402
from bench.workspace import Workspace  # noqa: E402


def test_cheap_benchmarks_run_at_1k(tmp_path):
    cfg = Config(
        quick=True, repeats=1, sizes=(1_000,), ratings=20, review_rows=2_000, verbose=False
    )
    ws = Workspace(tmp_path / "ws", say=lambda _text: None)
    results = run.run(cfg, ("queue", "rating", "lint", "stats"), ws)
    benches = {r.bench for r in results}
    assert benches == {"queue", "rating", "lint", "stats"}
    for r in results:
        assert math.isfinite(r.value) and r.value > 0, r
        assert r.baseline is None or r.baseline > 0, r
        assert r.line()
    out = tmp_path / "BENCHMARKS.md"
    report.write(out, results, machine_info(), "--smoke")
    text = out.read_text()
    assert "| queue |" in text and "| rating |" in text and "| lint |" in text
