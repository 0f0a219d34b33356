"""A study session: next card, reveal, answer, rate, undo, suspend, bury, summary.

The session is UI-agnostic: the Textual app and plain mode both drive it.  Each
rating is committed to the database before ``rate`` returns, so nothing the
learner did is lost if the process dies before the next card shows.  ``rate``,
``suspend``, ``bury`` and ``undo`` change the session only after their write has
committed: when the write raises (StoreError), the session is as it was and the
action can be retried.

The policies are units of their own: ``queue_builder`` (what to study today),
``leech`` (the leech rule), ``cram`` (cram ratings) and ``undo`` (the undo stack);
the session composes them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Literal

from drillbreak.clock import Clock, from_ms, to_ms, utc_now
from drillbreak.deck.items import StudyItem, whole_deck
from drillbreak.deck.models import (
    Choice,
    ChoiceCard,
    DiagnosisCard,
    OpenCard,
    PredictCard,
    RubricPoint,
)
from drillbreak.deck.variants import item_key, variants
from drillbreak.domain import CardState, Rating
from drillbreak.schedule import fsrs_adapter
from drillbreak.schedule.days import day_end
from drillbreak.schedule.fsrs_adapter import Outcome
from drillbreak.settings import Settings
from drillbreak.store import cards, hot, settings_store
from drillbreak.store.cards import CardRow
from drillbreak.store.db import Database
from drillbreak.study import cram as cram_policy
from drillbreak.study import grading, queue_builder
from drillbreak.study.leech import is_leech, leech_message
from drillbreak.study.undo import Action, Snapshot, UndoStack

if TYPE_CHECKING:
    from drillbreak.store.raw import Conn
    from drillbreak.study.overview import Idle
    from drillbreak.study.predict import PredictRound

MAX_DURATION_MS = 5 * 60 * 1000  # a card left on screen for an hour is not 1 h of thinking


@dataclass
class ChoiceFeedback:
    selected: frozenset[int]  # display positions
    correct: bool
    suggested: int


@dataclass
class Current:
    """The card on screen and what the learner has done with it so far."""

    item: StudyItem
    row: CardRow
    outcomes: dict[Rating, Outcome]
    shown_at: datetime
    order: list[int]  # display position -> index in card.choices
    revealed: bool = False
    feedback: ChoiceFeedback | None = None
    typed_answer: str = ""
    covered: set[int] = field(default_factory=set)
    keyword_hits: dict[int, list[str]] = field(default_factory=dict)
    paused_at: datetime | None = None  # while a demo launched from the card runs
    paused_ms: int = 0  # time in demos: not thinking about this card
    predict: PredictRound | None = None  # a predict card's parameters, prediction, run

    @property
    def suggested(self) -> int | None:
        if self.feedback is not None:
            return self.feedback.suggested
        if self.predict is not None:
            return self.predict.suggested
        card = self.item.card
        if isinstance(card, OpenCard) and self.revealed:
            return grading.grade_rubric(len(self.covered), len(card.rubric))
        return None

    def choices(self) -> list[Choice]:
        card = self.item.card
        if isinstance(card, ChoiceCard | DiagnosisCard):
            return [card.choices[i] for i in self.order]
        return []

    def rubric(self) -> tuple[RubricPoint, ...]:
        card = self.item.card
        return card.rubric if isinstance(card, OpenCard) else ()


@dataclass(frozen=True)
class RatingResult:
    rating: int
    outcome: Outcome
    leech: bool = False
    message: str | None = None


@dataclass(frozen=True)
class Summary:
    cards: int  # distinct cards rated
    ratings: int  # a card rated Again and then Good counts twice
    correct: int  # ratings that were right
    elapsed: timedelta
    next_due: datetime | None  # None: nothing scheduled
    cram: bool
    due_now: bool = False  # learning cards are due already (next_due is the session's end)


class StudySession:
    def __init__(
        self,
        db: Database,
        items: Sequence[StudyItem] | Mapping[str, Mapping[str, StudyItem]],
        *,
        clock: Clock = utc_now,
        settings: Settings | None = None,
        cram: bool = False,
        new_limit: int | None = None,
        tz: tzinfo | None = None,
        seed: int | None = None,
        rows_synced: bool = False,
    ) -> None:
        self.db = db
        self.clock = clock
        self.cram = cram
        self.tz = tz
        self.rng = random.Random(seed)
        # deck id -> item key -> item: no (deck, key) tuple per item (100k cards: ~6 MB).
        # Given as a mapping (study.scope.select_by_deck), whole decks' items are made
        # only when shown.
        if isinstance(items, Mapping):
            self.items: dict[str, Mapping[str, StudyItem]] = dict(items)
        else:
            by_deck: dict[str, dict[str, StudyItem]] = {}
            for i in items:
                by_key = by_deck.get(i.deck.id)
                if by_key is None:
                    by_key = by_deck[i.deck.id] = {}
                by_key[i.key] = i
            self.items = dict(by_deck)
        self.decks = sorted(self.items)
        # Every item of every deck, and the rows synced from this same load: then the
        # queue's rows are exactly these items and need no filtering (3 ms at 100k).
        self._rows_synced = rows_synced
        self._whole_decks = rows_synced and all(map(whole_deck, self.items.values()))
        self._new_limit = new_limit
        self._scope = 0  # how many times the items changed (``rescope``)
        # open_context() has already synced every loaded card; other callers (tests,
        # scripts) get their rows created here.
        if not rows_synced:
            with db.raw_write() as conn:
                cards.add_missing(conn, ((d, k) for d, keys in self.items.items() for k in keys))
        if settings is None:
            with db.raw_read() as conn:
                settings = settings_store.load(conn)
        self.settings = settings
        self.scheduler = fsrs_adapter.make_scheduler(self.settings)
        self._decay = fsrs_adapter.decay(self.settings)
        self.started_at = clock()
        self.current: Current | None = None
        self.learning: list[CardRow] = []
        self.main: list[CardRow] = []
        self.history = UndoStack()
        self.studied = 0
        self.correct = 0
        self.messages: list[str] = []
        self._last_id: int | None = None  # the card answered last: not shown twice in a row
        self._build(new_limit)

    # -- queue -------------------------------------------------------------
    def _build(self, new_limit: int | None) -> None:
        if self.cram:
            queues = queue_builder.cram(self.db, self.decks, self._in_scope, self.rng)
        else:
            queues = queue_builder.today(
                self.db,
                self.decks,
                None if self._whole_decks else self._in_scope,
                self.settings,
                self.clock(),
                tz=self.tz,
                new_limit=new_limit,
                decay=self._decay,
                keys=None if self._whole_decks else self._few_keys(),
                whole=self._whole(),
            )
        self.learning, self.main = queues.learning, queues.main

    def _whole(self) -> list[str]:
        """The decks whose every row is in scope (every item, rows synced)."""
        if not self._rows_synced:
            return []
        return [deck for deck, by_key in self.items.items() if whole_deck(by_key)]

    def _few_keys(self) -> dict[str, list[str]]:
        """The keys of each deck studied in part with few enough of them to read by key
        (the first cards of a deck still loading, a small tag): not its every row."""
        return {
            deck: list(by_key)
            for deck, by_key in self.items.items()
            if len(by_key) <= hot.KEYS_MAX and not whole_deck(by_key)
        }

    def rescope(self, items: Mapping[str, Mapping[str, StudyItem]]) -> None:
        """Study ``items`` from now on (deck id -> item key -> item, as given to the
        session): decks that finished loading since it started.  The queues are read
        again from the database, which holds every answer so far, so the day's limits
        still count them; the card on screen, the counts and the undo stack stay."""
        self.items = dict(items)
        self.decks = sorted(self.items)
        self._whole_decks = self._rows_synced and all(map(whole_deck, self.items.values()))
        self._scope += 1
        self._rebuild()

    def _rebuild(self) -> None:
        """The queues read again for the current items, less the card on screen."""
        new_limit = self._new_limit
        if new_limit is not None:  # the session's own new-card count: less those shown
            shown = sum(a.kind == "rate" and a.prev.state == CardState.NEW for a in self.history)
            new_limit = max(0, new_limit - shown)
        self._build(new_limit)
        if self.current is not None:
            self._set_aside_rows({self.current.row.id})

    def _in_scope(self, row: CardRow) -> bool:
        by_key = self.items.get(row.deck)
        return by_key is not None and row.key in by_key

    def _day_end(self, now: datetime) -> datetime:
        return day_end(now, self.settings.rollover_hour, self.tz)

    @property
    def remaining(self) -> int:
        """Cards left in this session, the one on screen included."""
        return len(self.learning) + len(self.main) + (1 if self.current else 0)

    def counts(self) -> tuple[int, int, int]:
        """(new, learning, review) left, Anki's three numbers."""
        rows = [*self.learning, *self.main]
        if self.current:
            rows.append(self.current.row)
        new = sum(r.state == CardState.NEW for r in rows)
        learn = sum(r.state in (CardState.LEARNING, CardState.RELEARNING) for r in rows)
        return new, learn, len(rows) - new - learn

    # -- showing a card ------------------------------------------------------
    def next_card(self) -> Current | None:
        """The next card: a due learning card, else the main queue, else a learning card
        due within the learn-ahead limit (Anki's order); never the card just answered
        while another one can be shown."""
        if self.current is not None:
            return self.current
        now = self.clock()
        first = None
        for queue, i in self._candidates(to_ms(now)):
            if first is None:
                first = (queue, i)
            if queue[i].id != self._last_id:
                break
        else:
            if first is None:
                return None
            queue, i = first
        self.current = self._present(queue.pop(i), now)
        return self.current

    def _candidates(self, now_ms: int) -> Iterator[tuple[list[CardRow], int]]:
        """(queue, index) of each card that may be shown now, best first."""
        learning = self.learning
        n = 0
        while n < len(learning) and (learning[n].due_ms or 0) <= now_ms:
            yield learning, n
            n += 1
        if self.main:
            yield self.main, 0
        ahead_ms = now_ms + self.settings.learn_ahead_s * 1000
        while n < len(learning) and (learning[n].due_ms or 0) <= ahead_ms:
            yield learning, n
            n += 1

    def _present(self, row: CardRow, now: datetime) -> Current:
        item = self.items[row.deck][row.key]
        outcomes = (
            {}
            if self.cram
            else fsrs_adapter.preview(self.scheduler, row.id, row.sched, row.reps, now)
        )
        card = item.card
        order: list[int] = []
        if isinstance(card, ChoiceCard | DiagnosisCard):
            order = list(range(len(card.choices)))
            if card.shuffle:
                self.rng.shuffle(order)
        predict = None
        if isinstance(card, PredictCard):
            # loaded with the first predict card: it brings the demo events' models
            from drillbreak.study.predict import PredictRound

            predict = PredictRound.start(card, self.rng)
        return Current(item, row, outcomes, now, order, predict=predict)

    def postpone(self) -> CardRow:
        """Take the card on screen off it unanswered (a generated card whose case is
        not made yet); :meth:`put_back` returns it to the queue."""
        row = self._require().row
        self.current = None
        return row

    def put_back(self, rows: Sequence[CardRow]) -> None:
        """Queue postponed ``rows`` again, in order, ahead of the rest: they come next."""
        self.main[0:0] = rows

    def reveal(self) -> None:
        if self.current is not None:
            self.current.revealed = True

    def answer_choice(self, selected: Sequence[int]) -> ChoiceFeedback:
        """Submit choices (display positions); reveals the card and suggests a rating."""
        cur = self._require()
        correct_flags = [choice.correct for choice in cur.choices()]
        suggested = grading.grade_choice(correct_flags, selected)
        cur.feedback = ChoiceFeedback(frozenset(selected), suggested == Rating.GOOD, suggested)
        cur.revealed = True
        return cur.feedback

    def answer_open(self, text: str) -> dict[int, list[str]]:
        """Submit a typed answer; points whose keywords appear are ticked to start with."""
        cur = self._require()
        cur.typed_answer = text
        cur.keyword_hits = {
            i: grading.keyword_hits(text, point.keywords) for i, point in enumerate(cur.rubric())
        }
        cur.covered = {i for i, hits in cur.keyword_hits.items() if hits}
        cur.revealed = True
        return cur.keyword_hits

    def toggle_point(self, index: int) -> None:
        cur = self._require()
        if 0 <= index < len(cur.rubric()):
            cur.covered ^= {index}

    def pause(self) -> None:
        """Stop the card's review clock (a demo launched from the card is running)."""
        if self.current is not None and self.current.paused_at is None:
            self.current.paused_at = self.clock()

    def resume(self) -> None:
        """Start the card's review clock again; the pause is not review time."""
        cur = self.current
        if cur is not None and cur.paused_at is not None:
            cur.paused_ms += max(0, to_ms(self.clock()) - to_ms(cur.paused_at))
            cur.paused_at = None

    def _require(self) -> Current:
        if self.current is None:
            raise RuntimeError("no card is being shown; call next_card() first")
        return self.current

    # -- rating ----------------------------------------------------------------
    def rate(self, rating: int) -> RatingResult:
        if rating not in tuple(Rating):
            raise ValueError(f"rating must be 1-4, got {rating}")
        cur = self._require()
        self.resume()
        now = self.clock()
        row = cur.row
        snapshot = self._snapshot()
        thinking = to_ms(now) - to_ms(cur.shown_at) - cur.paused_ms
        duration = min(MAX_DURATION_MS, max(0, thinking))
        if self.cram:
            return self._rate_cram(cur, rating, now, duration, snapshot)
        # computed again at rating time: fsrs must be told when the review happened
        outcome = fsrs_adapter.review(self.scheduler, row.id, row.sched, row.reps, rating, now)
        after = outcome.after
        lapse = row.state == CardState.REVIEW and rating == Rating.AGAIN
        lapses = row.lapses + (1 if lapse else 0)
        leech = lapse and is_leech(lapses, self.settings.leech_threshold)
        extra = {"reps": row.reps + 1, "lapses": lapses}
        if leech:
            extra.update(leech=True, suspended=True)
        # The review log is a SQLModel table: SQLAlchemy loads on the first rating, not
        # before the first card (store/raw.py).
        from drillbreak.store import reviews
        from drillbreak.store.tables import ReviewLog

        with self.db.write() as conn:
            buried = self._bury_siblings(conn, cur.item, now)
            hot.save_sched(conn, row.id, after, **extra)
            review_id = reviews.add(
                conn,
                ReviewLog(
                    card_id=row.id,
                    rating=rating,
                    reviewed_at_ms=to_ms(now),
                    duration_ms=duration,
                    state_before=row.state,
                    state_after=after.state,
                    interval_ms=to_ms(now + outcome.interval) - to_ms(now),
                    due_after_ms=after.due_ms,
                    stability_after=after.stability,
                    difficulty_after=after.difficulty,
                    cram=False,
                ),
            )
        new_row = row._replace(
            state=after.state,
            step=after.step,
            stability=after.stability,
            difficulty=after.difficulty,
            due_ms=after.due_ms,
            last_review_ms=after.last_review_ms,
            reps=row.reps + 1,
            lapses=lapses,
            leech=row.leech or leech,
            suspended=row.suspended or leech,
        )
        self.history.push(Action("rate", row.id, row, review_id, snapshot, buried))
        self._count(cur, rating)
        self._set_aside_rows({r.id for r in buried})
        self.current = None
        self._last_id = row.id
        message = None
        if leech:
            message = leech_message(cur.item.key, lapses)
            self.messages.append(message)
        elif after.state in (CardState.LEARNING, CardState.RELEARNING) and (
            after.due_ms or 0
        ) < to_ms(self._day_end(now)):
            self.learning.append(new_row)
            self.learning.sort(key=lambda r: (r.due_ms or 0, r.id))
        return RatingResult(rating, outcome, leech, message)

    def _bury_siblings(self, conn: Conn, item: StudyItem, now: datetime) -> tuple[CardRow, ...]:
        """Bury the other cards of ``item``'s note (its reverse, the other cloze gaps) until
        the next study day when the settings say so (as Anki: new and review siblings;
        learning ones stay); return their rows as they were."""
        states = (CardState.NEW, CardState.REVIEW) if self.settings.bury_siblings else ()
        keys = [k for v in variants(item.card) if (k := item_key(item.card.id, v)) != item.key]
        if not states or not keys:
            return ()
        until = to_ms(self._day_end(now))
        rows = tuple(
            r
            for r in cards.rows_by_keys(conn, item.deck_id, keys)
            if r.state in states and not r.suspended and (r.buried_until_ms or 0) < until
        )
        cards.set_flags(conn, [r.id for r in rows], buried_until_ms=until)
        return rows

    def _set_aside_rows(self, ids: set[int]) -> None:
        """Take these cards out of today's queues."""
        if ids:
            self.learning = [r for r in self.learning if r.id not in ids]
            self.main = [r for r in self.main if r.id not in ids]

    def _rate_cram(
        self, cur: Current, rating: int, now: datetime, duration: int, snapshot: Snapshot
    ) -> RatingResult:
        row = cur.row
        from drillbreak.store import reviews  # SQLModel, as in rate()

        with self.db.write() as conn:
            review_id = reviews.add(
                conn, cram_policy.review_entry(row, rating, to_ms(now), duration)
            )
        self.history.push(Action("rate", row.id, row, review_id, snapshot))
        self._count(cur, rating)
        self.current = None
        self._last_id = row.id
        cram_policy.requeue(self.main, row, rating)
        return RatingResult(rating, cram_policy.outcome(row, rating))

    def _count(self, cur: Current, rating: int) -> None:
        self.studied += 1
        if cur.feedback is not None:
            self.correct += int(cur.feedback.correct)
        elif cur.predict is not None and cur.predict.suggested is not None:
            self.correct += int(cur.predict.correct)
        else:
            self.correct += int(rating >= Rating.HARD)

    # -- suspend / bury / undo -------------------------------------------------
    def suspend(self) -> None:
        self._set_aside("suspend", suspended=True)

    def bury(self) -> None:
        """Hide the card until the next study day."""
        until = to_ms(self._day_end(self.clock()))
        self._set_aside("bury", buried_until_ms=until)

    def _set_aside(self, kind: Literal["suspend", "bury"], **values: object) -> None:
        cur = self._require()
        snapshot = self._snapshot()
        with self.db.write() as conn:
            cards.set_flags(conn, [cur.row.id], **values)
        self.history.push(Action(kind, cur.row.id, cur.row, None, snapshot))
        self.current = None

    def can_undo(self) -> bool:
        return bool(self.history)

    def undo(self) -> Action | None:
        """Undo the last rating, suspend or bury; that card is shown again."""
        action = self.history.peek()
        if action is None:
            return None
        from drillbreak.store import reviews  # SQLModel, as in rate()

        with self.db.write() as conn:
            if action.review_id is not None:
                reviews.remove(conn, action.review_id)
            for row in (action.prev, *action.siblings):
                cards.restore(conn, row)
        self.history.pop()
        snap = action.snapshot
        self.learning, self.main = snap.learning, snap.main
        self.studied, self.correct = snap.studied, snap.correct
        self.current = self._present(action.prev, self.clock())
        if snap.scope != self._scope:  # queued before the items changed: read again
            self._rebuild()
        self._last_id = None
        return action

    def _snapshot(self) -> Snapshot:
        return Snapshot(
            list(self.learning), list(self.main), self.studied, self.correct, self._scope
        )

    # -- end ---------------------------------------------------------------------
    def summary(self) -> Summary:
        now = self.clock()
        now_ms = to_ms(now)
        with self.db.read() as conn:
            later = cards.next_due_ms(conn, self.decks, now_ms)
            learning = cards.learning_due_ms(conn, self.decks, now_ms)
        # learning cards left due (quit early, or a cram session) are due now
        due = [ms for ms in (later, learning) if ms is not None]
        next_ms = max(min(due), now_ms) if due else None
        return Summary(
            cards=len({a.card_id for a in self.history if a.kind == "rate"}),
            ratings=self.studied,
            correct=self.correct,
            elapsed=now - self.started_at,
            next_due=from_ms(next_ms) if next_ms is not None else None,
            cram=self.cram,
            due_now=next_ms is not None and next_ms <= now_ms,
        )

    def why_idle(self) -> Idle:
        """Why there is nothing to study (a typed reason and a one-line message)."""
        from drillbreak.study.overview import why_idle  # only when nothing is left

        return why_idle(self.db, self.decks, self.settings, self.clock(), self.tz)
