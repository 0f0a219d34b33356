"""Benchmarks that run inside this process: queue, rating, deck loading, stats."""

from __future__ import annotations

import io
import random
import sqlite3
import time
from pathlib import Path

import yaml

from bench import synth
from bench.common import Config, Result, median, paired, percentile, rotated, slope
from bench.workspace import Workspace

QUEUE_TARGET_MS = 20.0
RATING_P99_TARGET_MS = 10.0
LINT_TARGET_RATIO = 1.5
# Hostile files are refused by bounded work, far below parsing a real deck of 10k cards.
BOMB_TARGET_RATIO = 0.5
OVERSIZE_TARGET_RATIO = 0.01
STATS_TARGET_S = 1.0

_DUE_SQL = (
    "SELECT id, deck, key, state, step, stability, difficulty, due_ms, last_review_ms, reps,"
    " lapses, suspended, buried_until_ms, leech, new_order FROM card_state"
    " WHERE deck = ? AND state IN (1, 2, 3) AND due_ms <= ? AND active = 1 AND suspended = 0"
    " AND (buried_until_ms IS NULL OR buried_until_ms <= ?)"
)
_NEW_SQL = (
    "SELECT id, deck, key, state, step, stability, difficulty, due_ms, last_review_ms, reps,"
    " lapses, suspended, buried_until_ms, leech, new_order FROM card_state"
    " WHERE deck = ? AND state = 0 AND active = 1 AND suspended = 0"
    " AND (buried_until_ms IS NULL OR buried_until_ms <= ?) ORDER BY new_order LIMIT ?"
)


def _session(db, items, clock, **kw):
    from drillbreak.study.session import StudySession

    return StudySession(db, items, clock=clock, seed=7, **kw)


# -- due queue -------------------------------------------------------------------
def bench_queue(cfg: Config, ws: Workspace, sizes: tuple[int, ...] | None = None) -> list[Result]:
    """Queue build (due + new SQL, filtering, ordering) against the bare SQL."""
    from drillbreak.clock import FakeClock, to_ms
    from drillbreak.deck.items import deck_keys
    from drillbreak.schedule.days import day_end
    from drillbreak.store import cards
    from drillbreak.store.db import Database

    sizes = sizes or cfg.sizes
    results: list[Result] = []
    medians: list[float] = []
    for n in sizes:
        syn = ws.synthetic(n)
        items = ws.items(n)
        db = Database(syn.db_path)
        clock = FakeClock(synth.NOW)
        try:
            t0 = time.perf_counter()
            # as the app does: open_context() syncs every deck, then the session starts
            with db.write() as conn:
                decks = {id(i.deck): i.deck for i in items}.values()
                cards.sync(conn, ((d.id, deck_keys(d)) for d in decks))
            session = _session(db, items, clock, rows_synced=True)
            construct = time.perf_counter() - t0
            end_ms = to_ms(day_end(synth.NOW, session.settings.rollover_hour))
            now_ms = to_ms(synth.NOW)
            raw = sqlite3.connect(syn.db_path)

            def bare(raw=raw, decks=syn.decks, end_ms=end_ms, now_ms=now_ms):
                # the cheapest fetch of the same rows: one index range per deck
                for deck in decks:
                    raw.execute(_DUE_SQL, (deck, end_ms, now_ms)).fetchall()
                    raw.execute(_NEW_SQL, (deck, now_ms, 20)).fetchall()

            def build(session=session):
                session._build(None)

            a, b = paired(build, bare, max(cfg.repeats, 5))
            raw.close()
            queued = session.remaining
        finally:
            db.close()
        ms, base_ms = median(a) * 1000, median(b) * 1000
        medians.append(ms)
        big = n == max(sizes)
        results.append(
            Result(
                "queue",
                f"due queue build, {n:,} cards ({queued} queued)",
                ms,
                "ms",
                base_ms,
                "bare SQL of the same rows",
                f"<= {QUEUE_TARGET_MS:g} ms at 100k" if big else "",
                (ms <= QUEUE_TARGET_MS) if big else None,
                [f"card sync + StudySession(), as at app start: {construct * 1000:.1f} ms"],
            )
        )
    if len(sizes) > 1:
        k = slope(list(sizes), medians)
        results.append(
            Result(
                "queue",
                f"growth exponent {sizes[0]:,} -> {sizes[-1]:,} cards",
                k,
                "",
                target="<= 1 (linear)",
                ok=k <= 1.05,
                notes=["log(t_max/t_min) / log(n_max/n_min); 1.0 is linear"],
            )
        )
    return results


# -- rating ------------------------------------------------------------------------
def bench_rating(cfg: Config, ws: Workspace, sizes: tuple[int, ...] | None = None) -> list[Result]:
    """Show the next card (four outcomes computed) and rate it (committed), per rating."""
    from drillbreak.clock import FakeClock
    from drillbreak.store.db import Database

    sizes = sizes or cfg.sizes
    results: list[Result] = []
    p50s: list[float] = []
    for n in sizes:
        path = ws.copy_db(n, "rating")
        items = ws.items(n)
        db = Database(path)
        clock = FakeClock(synth.NOW)
        rng = random.Random(11)
        steps: list[float] = []
        rates: list[float] = []
        try:
            session = _session(db, items, clock, new_limit=cfg.ratings)
            for _ in range(3):  # warm-up: first-use costs are not per-rating costs
                session.next_card()
                session.rate(3)
            for _ in range(cfg.ratings):
                clock.advance(seconds=rng.uniform(3, 20))
                t0 = time.perf_counter()
                cur = session.next_card()
                if cur is None:
                    break
                t1 = time.perf_counter()
                session.rate(rng.choice((1, 2, 3, 3, 3, 3, 4)))
                t2 = time.perf_counter()
                steps.append((t2 - t0) * 1000)
                rates.append((t2 - t1) * 1000)
        finally:
            db.close()
        base = _bare_commits(path, len(steps))
        p50, p99 = percentile(steps, 50), percentile(steps, 99)
        p50s.append(p50)
        results.append(
            Result(
                "rating",
                f"rating p99, {n:,} cards ({len(steps)} ratings)",
                p99,
                "ms",
                percentile(base, 99),
                "bare UPDATE+INSERT+COMMIT p99",
                f"<= {RATING_P99_TARGET_MS:g} ms",
                p99 <= RATING_P99_TARGET_MS,
                [
                    f"p50 {p50:.2f} ms (bare commit p50 {percentile(base, 50):.2f} ms, "
                    f"{p50 / percentile(base, 50):.2f}x); rate() alone p50 "
                    f"{percentile(rates, 50):.2f} ms p99 {percentile(rates, 99):.2f} ms"
                ],
            )
        )
    if len(sizes) > 1:
        k = slope(list(sizes), p50s)
        results.append(
            Result(
                "rating",
                f"p50 growth exponent {sizes[0]:,} -> {sizes[-1]:,} cards",
                k,
                "",
                target="<= 1 (linear)",
                ok=k <= 1.05,
            )
        )
    return results


def _bare_commits(path, count: int) -> list[float]:
    """The durability floor: one UPDATE + one INSERT + COMMIT, same pragmas."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    ids = [r[0] for r in con.execute("SELECT id FROM card_state LIMIT 500")]
    out = []
    for i in range(max(count, 20)):
        cid = ids[i % len(ids)]
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE card_state SET reps = reps + 1, due_ms = ? WHERE id = ?", (i, cid))
        con.execute(
            "INSERT INTO review_log (card_id, rating, reviewed_at_ms, duration_ms, state_before,"
            " state_after, interval_ms, cram) VALUES (?, 3, ?, 0, 2, 2, 0, 0)",
            (cid, i),
        )
        con.execute("COMMIT")
        out.append((time.perf_counter() - t0) * 1000)
    con.close()
    return out


# -- deck loading and lint ---------------------------------------------------------------
def bench_lint(cfg: Config, ws: Workspace, n: int = 10_000) -> list[Result]:
    from drillbreak.context import known_demo_names
    from drillbreak.deck.lint import lint
    from drillbreak.deck.loader import deck_files, load_collection, load_file

    syn = ws.synthetic(n)
    files = deck_files([syn.deck_dir])
    names = known_demo_names()
    bomb, big = synth.hostile_decks(ws.root / "hostile")

    def bare():
        for f in files:
            yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def run_lint():
        out = io.StringIO()
        lint([syn.deck_dir], out, names)

    def load():
        load_collection([syn.deck_dir], names)

    def refusal(path: Path, message: str):
        def refuse():
            problems = load_file(path, names).problems
            if len(problems) != 1 or message not in problems[0].message:
                raise RuntimeError(f"{path.name} was not refused: {problems}")

        return refuse

    a, b, c, d, e = rotated(
        [run_lint, load, bare, refusal(bomb, "alias bomb"), refusal(big, "5 MB limit")],
        max(cfg.repeats, 3 if cfg.quick else 5),
    )
    lint_s, load_s, base_s, bomb_s, big_s = map(median, (a, b, c, d, e))
    target = n == 10_000
    base_what = f"yaml.load CSafeLoader, {n:,} cards"

    def result(what: str, seconds: float, ratio: float) -> Result:
        return Result(
            "lint",
            what,
            seconds,
            "s",
            base_s,
            base_what,
            f"<= {ratio:g}x" if target else "",
            (seconds / base_s <= ratio) if target else None,
        )

    return [
        result(
            f"drillbreak lint, {n:,} cards ({syn.yaml_bytes / 1e6:.1f} MB YAML)",
            lint_s,
            LINT_TARGET_RATIO,
        ),
        result(f"load_collection, {n:,} cards", load_s, LINT_TARGET_RATIO),
        result("alias bomb (9**10 values) refused", bomb_s, BOMB_TARGET_RATIO),
        result(
            f"{big.stat().st_size / 1e6:.1f} MB file refused unread", big_s, OVERSIZE_TARGET_RATIO
        ),
    ]


# -- stats ---------------------------------------------------------------------------
def bench_stats(cfg: Config, ws: Workspace, n_cards: int = 100_000) -> list[Result]:
    from drillbreak.settings import Settings
    from drillbreak.store.db import Database
    from drillbreak.study.stats import compute

    rows = cfg.review_rows
    n_cards = min(n_cards, max(cfg.sizes))
    syn = ws.synthetic(n_cards, reviews=rows)
    db = Database(syn.db_path)
    raw = sqlite3.connect(syn.db_path)
    try:

        def stats():
            compute(db, Settings(), synth.NOW)

        def bare():
            raw.execute("SELECT count(*), sum(duration_ms) FROM review_log").fetchone()

        a, b = paired(stats, bare, max(cfg.repeats, 5))
    finally:
        raw.close()
        db.close()
    s = median(a)
    return [
        Result(
            "stats",
            f"stats.compute, {rows:,} review rows, {n_cards:,} cards",
            s,
            "s",
            median(b),
            "one full scan of review_log",
            f"<= {STATS_TARGET_S:g} s" + ("" if rows >= 1_000_000 else " (at 1M rows)"),
            s <= STATS_TARGET_S,
        )
    ]
