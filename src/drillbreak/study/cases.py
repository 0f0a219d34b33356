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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from drillbreak.childproc import stop_group
from drillbreak.clock import Clock, to_ms, utc_now
from drillbreak.deck.faults import GENERATOR_VERSION
from drillbreak.deck.items import DeckItems, StudyItem
from drillbreak.deck.loader import Deck
from drillbreak.deck.models import Generate, GeneratedDiagnosisCard, to_dict, validate
from drillbreak.demo_runner.cases import Case, generate, parse_case, to_json
from drillbreak.store import case_pool
from drillbreak.store.cards import CardRow
from drillbreak.store.db import Database
from drillbreak.study.session import Current, StudySession

__all__ = [
    "POOL_SIZE",
    "Refiller",
    "SessionCases",
    "case_card",
    "generator_specs",
    "next_ready",
    "pool_key",
    "refill",
    "snapshot",
    "take",
]

# Unused cases kept per generator key: one for the next review, spares for the
# reviews that come before a refill finishes.
POOL_SIZE = 3
# What a static copy of a generated card (the Anki export) says about itself.
SNAPSHOT_NOTE = "One generated case; in drillbreak every review shows a new one."

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


def snapshot(
    db: Database, card: GeneratedDiagnosisCard, *, making: Callable[[], None] | None = None
) -> GeneratedDiagnosisCard:
    """``card`` with one case, for a static copy (the Anki export), which its scenario
    says: a pooled case, else one made now (``making()`` is called first: it blocks for
    a training run).  Raises :class:`~drillbreak.demo_runner.cases.CaseError`."""
    case = _take_case(db, card.generate)
    if case is None:
        if making is not None:
            making()
        refill(db, [card.generate], size=1)
        case = _take_case(db, card.generate)
        assert case is not None  # refill made one
    return case_card(card, replace(case, scenario=f"*{SNAPSHOT_NOTE}*\n\n{case.scenario}"))


def take(db: Database, card: GeneratedDiagnosisCard) -> GeneratedDiagnosisCard | None:
    """The card with the oldest pooled case of its generator, which leaves the pool;
    None when the pool has none (the caller shows the card without a case, or waits)."""
    case = _take_case(db, card.generate)
    return None if case is None else case_card(card, case)


def _take_case(db: Database, spec: Generate) -> Case | None:
    with db.raw_write() as conn:
        text = case_pool.take(conn, pool_key(spec))
    return None if text is None else parse_case(text)


def generator_specs(decks: Iterable[Deck]) -> list[Generate]:
    """The generators that the generated cards of ``decks`` draw from, one per pool
    (read from each deck's list of them: no card is read)."""
    specs = {pool_key(spec): spec for deck in decks for spec in deck.generators}
    return list(specs.values())


def session_generators(items: Mapping[str, Mapping[str, StudyItem]]) -> list[Generate]:
    """The generators a session's items draw from: a whole deck's from its list (no
    card read), a selection's (a tag) from the generated cards among its items."""
    specs: dict[str, Generate] = {}
    for by_key in items.values():
        if isinstance(by_key, DeckItems):
            found: Iterable[Generate] = by_key.deck.generators
        else:
            found = (
                i.card.generate
                for i in by_key.values()
                if isinstance(i.card, GeneratedDiagnosisCard)
            )
        specs.update((pool_key(spec), spec) for spec in found)
    return list(specs.values())


class SessionCases:
    """The cases one study session shows on its generated cards.

    A generated card gets a case from the pool when it is shown (:meth:`prepare`,
    which writes to the database: call it where the session's database calls run);
    the case stays with the card until the review is rated, suspended or buried
    (:meth:`done`, which asks the refiller for a new one), and an undo of that
    review shows the same case again (:meth:`undone`).  A case taken for a review
    that never ends (the learner quits) is discarded: it was only an example.
    """

    def __init__(self, db: Database, refiller: Refiller | None = None) -> None:
        self.db = db
        self.refiller = refiller
        self._held: dict[int, GeneratedDiagnosisCard] = {}  # card row id -> case shown
        self._spent: dict[int, GeneratedDiagnosisCard] = {}  # the last review's, for undo

    @staticmethod
    def spec(cur: Current) -> Generate | None:
        card = cur.item.card
        return card.generate if isinstance(card, GeneratedDiagnosisCard) else None

    def needs_case(self, cur: Current) -> bool:
        """True for a generated card that is not showing a case yet."""
        card = cur.item.card
        return isinstance(card, GeneratedDiagnosisCard) and card.evidence is None

    def prepare(self, cur: Current) -> bool:
        """Give ``cur`` its case if it is a generated card: the one it already has, or
        the oldest in the pool.  False when the pool has none (a refill is requested)."""
        spec = self.spec(cur)
        if spec is None:
            return True
        held = self._held.get(cur.row.id)
        if held is None:
            assert isinstance(cur.item.card, GeneratedDiagnosisCard)
            held = take(self.db, cur.item.card)
            if held is None:
                if self.refiller is not None:
                    self.refiller.request([spec])
                return False
            self._held[cur.row.id] = held
        cur.item = replace(cur.item, card=held)
        return True

    def done(self, card_id: int) -> None:
        """The review of card ``card_id`` ended (rated, suspended or buried): its case
        is used up; a new one is made for the next review."""
        shown = self._held.pop(card_id, None)
        if shown is None:
            return
        self._spent[card_id] = shown
        if self.refiller is not None:
            self.refiller.request([shown.generate])

    def undone(self, card_id: int) -> None:
        """That review was undone: the card shows the same case again."""
        shown = self._spent.pop(card_id, None)
        if shown is not None:
            self._held[card_id] = shown


def next_ready(session: StudySession, cases: SessionCases) -> tuple[Current | None, bool]:
    """The session's next card, with its case if it is a generated card.

    A generated card whose pool is empty waits behind the first card that can be
    shown (it comes next, once its case is made).  Returns ``(card, True)``; ``(card,
    False)`` when only generated cards without a case are left (``card``, the first,
    is on screen and waits for its case: call again once one is made); ``(None,
    True)`` at the end of the session.  Writes to the database (``prepare``)."""
    waiting: list[CardRow] = []
    while (cur := session.next_card()) is not None and not cases.prepare(cur):
        waiting.append(session.postpone())
    session.put_back(waiting)
    if cur is None and waiting:
        return session.next_card(), False
    return cur, True


def refill(
    db: Database,
    specs: Iterable[Generate],
    *,
    size: int = POOL_SIZE,
    make: Generator | None = None,
    clock: Clock = utc_now,
    command: Sequence[str] | None = None,
    started: Callable[[int], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Top up the pool of every generator in ``specs`` to ``size`` cases, with one
    run of the case child; returns how many were added.  Each case goes into the pool
    as soon as the child made it, and ``progress(key, added, wanted)`` is told its
    pool key and how many of the round's cases are made.  Blocks while the child
    trains: call it from a worker thread.  ``started`` gets the child's pid;
    ``command`` replaces the child's command line and ``make`` the whole child (tests).
    Raises :class:`~drillbreak.demo_runner.cases.CaseError`."""
    by_family: dict[str, str] = {s.family: pool_key(s) for s in specs}
    with db.raw_read() as conn:
        have = case_pool.counts(conn, by_family.values())
    wants = {f: size - have[key] for f, key in by_family.items() if have[key] < size}
    if not wants:
        return 0
    total = sum(wants.values())
    added = 0

    def keep(case: Case) -> None:
        nonlocal added
        with db.raw_write() as conn:
            case_pool.add(conn, by_family[case.family], [to_json(case)], to_ms(clock()))
        added += 1
        if progress is not None:
            progress(by_family[case.family], added, total)

    seed = random.randrange(2**31)  # a fresh case every time
    if make is None:
        generate(wants, seed, command=command, started=started, made=keep)
    else:
        for case in make(wants, seed):
            keep(case)
    return added


class Refiller:
    """Refills the pool in a background thread, one round at a time.

    :meth:`request` asks for a round (for the generators given) and returns at once;
    requests made while a round runs are merged into the next.  The thread opens its
    own connection to the database at ``db_path``.  The case child it starts dies
    with it (:mod:`drillbreak.childproc`), and :meth:`close` stops it: call it when
    the app ends.  ``errors`` collects the failures (a failed round is not retried
    until the next request).  ``command`` replaces the case child's command line and
    ``make`` the whole child (tests).
    """

    def __init__(
        self,
        db_path: Path,
        *,
        size: int = POOL_SIZE,
        make: Generator | None = None,
        command: Sequence[str] | None = None,
    ):
        self.db_path = db_path
        self.size = size
        self.make = make
        self.command = command
        self.errors: list[Exception] = []
        self.progress: tuple[int, int] | None = None
        """(cases made, cases wanted) of the round running now; None between rounds."""
        self._made: Counter[str] = Counter()
        self._wanted: dict[str, Generate] = {}
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._child: int | None = None
        self._closed = False

    def request(self, specs: Iterable[Generate]) -> None:
        with self._lock:
            if self._closed:
                return
            self._wanted.update((pool_key(s), s) for s in specs)
            if not self._wanted:
                return
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="case-refill", daemon=True)
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every requested round has finished; False on timeout."""
        return self._idle.wait(timeout)

    @property
    def idle(self) -> bool:
        return self._idle.is_set()

    def made(self, key: str) -> int:
        """How many cases of pool ``key`` this refiller has added so far."""
        return self._made[key]

    def close(self) -> None:
        """Make no more cases: drop the requests and stop the case child running now
        (its round ends without an error).  Returns at once."""
        with self._lock:
            self._closed = True
            self._wanted.clear()
            child = self._child
        if child is not None:
            stop_group(child)

    def _started(self, pid: int) -> None:
        with self._lock:
            self._child = pid
            closed = self._closed
        if closed:  # closed while the child was starting
            stop_group(pid)

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
                    refill(
                        db,
                        specs,
                        size=self.size,
                        make=self.make,
                        command=self.command,
                        started=self._started,
                        progress=self._progress,
                    )
                finally:
                    db.close()
            except Exception as exc:  # a background thread: keep it for the caller
                if not self._closed:
                    self.errors.append(exc)
            finally:
                with self._lock:
                    self._child = None
                self.progress = None

    def _progress(self, key: str, added: int, wanted: int) -> None:
        self._made[key] += 1
        self.progress = (added, wanted)
