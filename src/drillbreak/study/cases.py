"""Generated diagnosis cards at review time: a pooled case becomes the card shown.

A :class:`~drillbreak.deck.models.GeneratedDiagnosisCard` names a fault family.
Cases for it are made in the background by the case child
(:mod:`drillbreak.demo_runner.cases`) and kept in the database
(:mod:`drillbreak.store.case_pool`), a few per generator key, so that a review takes
one at once (:func:`take`) and never waits for a training run; :class:`Refiller`
tops the pool up again afterwards, in a thread of its own.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from drillbreak.clock import Clock, to_ms, utc_now
from drillbreak.deck.faults import GENERATOR_VERSION
from drillbreak.deck.models import Generate, GeneratedDiagnosisCard, to_dict, validate
from drillbreak.demo_runner.cases import Case, generate, parse_case, to_json
from drillbreak.store import case_pool
from drillbreak.store.db import Database

__all__ = ["POOL_SIZE", "Refiller", "case_card", "pool_key", "refill", "take"]

# Unused cases kept per generator key: one for the next review, spares for the
# reviews that come before a refill finishes.
POOL_SIZE = 3

Generator = Callable[[Mapping[str, int], int], list[Case]]  # ({family: count}, seed)


def pool_key(spec: Generate) -> str:
    """The pool a card draws from: its family and the generators' version (cases made
    by older generators are never served)."""
    return f"{spec.family}@v{GENERATOR_VERSION}"


def case_card(card: GeneratedDiagnosisCard, case: Case) -> GeneratedDiagnosisCard:
    """``card`` showing ``case``: the case's scenario, evidence and explanation (before
    the card's own takeaway); the card's question and choices."""
    takeaway = case.explanation
    if card.takeaway is not None:
        takeaway += f"\n\n{card.takeaway}"
    raw = to_dict(card) | {
        "scenario": case.scenario,
        "evidence": case.evidence,
        "takeaway": takeaway,
    }
    shown = validate(GeneratedDiagnosisCard, raw)
    assert isinstance(shown, GeneratedDiagnosisCard)
    return shown


def take(db: Database, card: GeneratedDiagnosisCard) -> GeneratedDiagnosisCard | None:
    """The card with the oldest pooled case of its generator, which leaves the pool;
    None when the pool has none (the caller shows the card without a case, or waits)."""
    with db.write() as conn:
        text = case_pool.take(conn, pool_key(card.generate))
    return None if text is None else case_card(card, parse_case(text))


def refill(
    db: Database,
    specs: Iterable[Generate],
    *,
    size: int = POOL_SIZE,
    make: Generator | None = None,
    clock: Clock = utc_now,
) -> int:
    """Top up the pool of every generator in ``specs`` to ``size`` cases, with one
    run of the case child; returns how many were added.  Blocks while the child
    trains: call it from a worker thread.  ``make`` replaces the case child (tests).
    Raises :class:`~drillbreak.demo_runner.cases.CaseError`."""
    by_key = {pool_key(s): s for s in specs}
    with db.read() as conn:
        have = case_pool.counts(conn, by_key)
    wants: dict[str, int] = {
        s.family: size - have[key] for key, s in by_key.items() if have[key] < size
    }
    if not wants:
        return 0
    seed = random.randrange(2**31)  # a fresh case every time
    made = (make or generate)(wants, seed)
    with db.write() as conn:
        for key, spec in by_key.items():
            mine = (to_json(c) for c in made if c.family == spec.family)
            case_pool.add(conn, key, mine, to_ms(clock()))
    return len(made)


class Refiller:
    """Refills the pool in a background thread, one round at a time.

    :meth:`request` asks for a round (for the generators given) and returns at once;
    requests made while a round runs are merged into the next.  The thread opens its
    own connection to the database at ``db_path``, and the case child it starts dies
    with it (:mod:`drillbreak.childproc`).  ``errors`` collects the failures (a
    failed round is not retried until the next request).
    """

    def __init__(self, db_path: Path, *, size: int = POOL_SIZE, make: Generator | None = None):
        self.db_path = db_path
        self.size = size
        self.make = make
        self.errors: list[Exception] = []
        self._wanted: dict[str, Generate] = {}
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def request(self, specs: Iterable[Generate]) -> None:
        with self._lock:
            self._wanted.update((pool_key(s), s) for s in specs)
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="case-refill", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every requested round has finished; False on timeout."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                specs = list(self._wanted.values())
                self._wanted.clear()
                if not specs:
                    self._thread = None
                    self._idle.set()
                    return
            try:
                db = Database(self.db_path)
                try:
                    refill(db, specs, size=self.size, make=self.make)
                finally:
                    db.close()
            except Exception as exc:  # a background thread: keep it for the caller
                self.errors.append(exc)
