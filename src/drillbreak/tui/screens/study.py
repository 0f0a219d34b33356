"""The study screen: one card at a time, Anki's keys.

All decisions (grading, scheduling, undo) live in the core StudySession; this
screen only draws the current card and forwards keys.  What is drawn follows two
reactive attributes: ``presented`` (the card on screen) and ``revealed`` (its answer
side shown); each card type's own widgets sit in one pane of a ContentSwitcher.

Session calls that use the database (rate, undo, suspend, bury, the summary) run in
a thread, so a busy database never freezes the screen; a store error (disk full,
database locked) leaves the card on screen with a one-line message, and the key can
be pressed again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import var
from textual.widgets import ContentSwitcher, Footer, Markdown, Static, TextArea

from drillbreak.deck.models import ChoiceCard, DiagnosisCard, OpenCard
from drillbreak.store.db import StoreError
from drillbreak.study import content
from drillbreak.study.cases import SessionCases, next_ready, pool_key
from drillbreak.study.session import Current, RatingResult, StudySession, Summary
from drillbreak.study.undo import Action
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.widgets.choice_list import ChoiceList
from drillbreak.tui.widgets.evidence import EvidenceView
from drillbreak.tui.widgets.rating_bar import RatingBar
from drillbreak.tui.widgets.rubric_list import RubricList

# While a database call is in flight, only these actions run: they leave the session alone.
_WHILE_SAVING = frozenset({"hint", "toggle_table"})
# The pane of #card-body that holds each card type's widgets (basic and cloze cards
# have none: only the question and the answer, shown for every type).
_BODIES: dict[str, str | None] = {
    "basic": None,
    "cloze": None,
    "choice": "choice-body",
    "diagnosis": "choice-body",
    "open": "open-body",
}


class StudyScreen(DrillbreakScreen):
    BINDINGS = [
        Binding("space,enter", "primary", "Show answer", id="study.reveal"),
        Binding("space,enter", "accept", "Accept", id="study.accept"),
        Binding("1", "rate(1)", "Again", id="study.again"),
        Binding("2", "rate(2)", "Hard", id="study.hard"),
        Binding("3", "rate(3)", "Good", id="study.good"),
        Binding("4", "rate(4)", "Easy", id="study.easy"),
        Binding("ctrl+s", "submit_typed", "Submit answer", id="study.submit", priority=True),
        Binding("u", "undo", "Undo", id="study.undo"),
        Binding("s", "suspend", "Suspend", id="study.suspend"),
        Binding("b", "bury", "Bury", id="study.bury"),
        Binding("h", "hint", "Hint", id="study.hint"),
        Binding("d", "demo", "Demo", id="study.demo"),
        Binding("t", "toggle_table", "Table", id="study.table"),
        Binding("escape", "back", "End", id="study.end"),
    ]

    class Saved(Message, bubble=False):
        """A session call made in a thread returned (``error`` is None) or failed."""

        def __init__(
            self, then: Callable[[Any], None], result: Any, error: StoreError | None
        ) -> None:
            super().__init__()
            self.then = then
            self.result = result
            self.error = error

    presented: var[Current | None] = var(None, init=False, always_update=True)
    """The card on screen; setting it (again) draws it from its question."""
    revealed: var[bool] = var(False, init=False, always_update=True)
    """Whether the presented card's answer side is drawn (else its prompt)."""

    def __init__(self, session: StudySession, title: str) -> None:
        super().__init__()
        self.session = session
        self.deck_title = title
        self.cases: SessionCases | None = None  # the cases of generated cards (on mount)
        self.saving = False  # a session call is running in a thread
        self._numbers = (0, 0, 0, 0)  # remaining, new, learn, review: kept while saving

    def compose(self) -> ComposeResult:
        yield Static(id="study-status")
        with VerticalScroll(id="card"):
            yield Markdown(id="question")
            with ContentSwitcher(id="card-body"):
                with Vertical(id="choice-body"):
                    yield EvidenceView(id="evidence")
                    yield ChoiceList(id="choices")
                with Vertical(id="open-body"):
                    yield TextArea(id="typed", soft_wrap=True, show_line_numbers=False)
                    yield Static(id="typed-echo")
                    yield RubricList(id="rubric")
            yield Static(id="hint")
            yield Markdown(id="answer")
        yield Static(id="prompt")
        yield RatingBar(id="ratings")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(RubricList).on_toggle = self._toggle_point
        self.cases = SessionCases(self.ctx.db, self.drill_app.refiller)
        self.set_interval(1, self._update_status)
        self.show_next()

    # drawing ---------------------------------------------------------------------
    @property
    def current(self) -> Current | None:
        return self.session.current

    def show_next(self) -> None:
        cur = self.session.next_card()
        if cur is None:
            self._finish()
            return
        if self.cases is not None and self.cases.needs_case(cur):
            # taking a case from the pool writes to the database: in a thread
            self._in_thread(partial(next_ready, self.session, self.cases), self._case_ready)
            return
        self.presented = cur

    def _case_ready(self, result: tuple[Current | None, bool]) -> None:
        from drillbreak.tui.screens.making_case import MakingCaseScreen

        cur, ready = result
        if cur is None:
            self._finish()
        elif ready:
            self.presented = cur
        else:  # only generated cards waiting for a case are left: wait for one
            spec = SessionCases.spec(cur)
            refiller = self.drill_app.refiller
            assert spec is not None and refiller is not None  # started for these decks
            self.app.push_screen(MakingCaseScreen(refiller, pool_key(spec)), self._case_made)

    def _case_made(self, made: bool | None) -> None:
        if made:
            self.show_next()
        else:
            self._finish()

    def watch_presented(self, cur: Current | None) -> None:
        if cur is None:
            return
        item = cur.item
        card = item.card
        self.query_one("#question", Markdown).update(content.question(item))
        body = _BODIES[card.type]
        self.query_one("#card-body", ContentSwitcher).current = body
        evidence = self.query_one(EvidenceView)
        shown = card.evidence if isinstance(card, DiagnosisCard) else None
        evidence.display = shown is not None
        if shown is not None:
            evidence.set_evidence(shown)
        if isinstance(card, ChoiceCard | DiagnosisCard):
            self.query_one(ChoiceList).set_choices(cur.choices(), card.multi)
        typed = self.query_one("#typed", TextArea)
        if body == "open-body":
            typed.text = cur.typed_answer
        self.query_one("#hint").display = False
        self.query_one("#card", VerticalScroll).scroll_home(animate=False)
        self.revealed = cur.revealed
        self._update_status()
        if typed.display:
            typed.focus()
        elif body == "choice-body" and not cur.revealed:
            self.query_one(ChoiceList).focus()
        else:
            self.set_focus(None)
        self.refresh_bindings()

    def watch_revealed(self, revealed: bool) -> None:
        cur = self.presented
        if cur is None:
            return
        is_open = cur.item.type == "open"
        self.query_one("#typed").display = is_open and not revealed
        self.query_one("#typed-echo").display = is_open and revealed
        self.query_one(RubricList).display = is_open and revealed
        self.query_one(RatingBar).display = revealed
        if revealed:
            self._draw_revealed(cur)
        else:
            self.query_one("#answer").display = False
            self._draw_prompt(cur)

    def _draw_prompt(self, cur: Current) -> None:
        card = cur.item.card
        if isinstance(card, ChoiceCard | DiagnosisCard):
            many = "letters" if card.multi else "a letter"
            msg = f"Press {many} to choose, then enter to submit."
        elif isinstance(card, OpenCard):
            msg = "Type your answer, then ctrl+s to submit. (esc leaves the text box)"
        else:
            msg = "space or enter: show answer"
        self.query_one("#prompt", Static).update(Text(msg, style="dim"))

    def _draw_revealed(self, cur: Current) -> None:
        item = cur.item
        answer = content.answer(item)
        ans = self.query_one("#answer", Markdown)
        ans.display = bool(answer)
        if item.type == "open":
            answer = f"**Model answer**\n\n{answer}"
        if answer:
            ans.update(answer)
        if item.type in ("choice", "diagnosis"):
            self.query_one(ChoiceList).show_feedback()
        if item.type == "open":
            self._draw_open_revealed(cur)
        bar = self.query_one(RatingBar)
        labels = {r: o.label for r, o in cur.outcomes.items()}
        bar.show(labels, cur.suggested)
        if cur.feedback is not None:
            verdict = (
                Text("Correct! ", style="bold green")
                if cur.feedback.correct
                else Text("Not quite. ", style="bold red")
            )
        else:
            verdict = Text()
        verdict.append("Rate 1-4", style="dim")
        if cur.suggested:
            verdict.append(" (enter takes the highlighted one)", style="dim")
        self.query_one("#prompt", Static).update(verdict)

    def _draw_open_revealed(self, cur: Current) -> None:
        echo = self.query_one("#typed-echo", Static)
        echo.update(_highlight(cur.typed_answer, cur.keyword_hits))
        rubric = self.query_one(RubricList)
        rubric.set_points(list(cur.rubric()), cur.covered, cur.keyword_hits)
        rubric.focus()
        self.call_after_refresh(rubric.scroll_visible, animate=False)

    def _update_status(self) -> None:
        s = self.session
        if not self.saving:  # a thread may be changing the queues: keep the last numbers
            self._numbers = (s.remaining, *s.counts())
        remaining, new, learn, due = self._numbers
        elapsed = int((s.clock() - s.started_at).total_seconds())
        text = Text()
        title = self.deck_title if len(self.deck_title) <= 28 else self.deck_title[:27] + "…"
        text.append(f" {title} ", style="bold reverse")
        text.append(f" {remaining} left ")
        text.append(f"{new} new", style="cyan")
        text.append(" · ")
        text.append(f"{learn} learn", style="red")
        text.append(" · ")
        text.append(f"{due} review", style="green")
        text.append(f"  {elapsed // 60:02d}:{elapsed % 60:02d}", style="dim")
        cur = self.current
        if cur is not None:
            text.append(f"  {cur.item.type}", style="dim italic")
        if self.saving:
            text.append("  saving…", style="bold yellow")
        self.query_one("#study-status", Static).update(text)

    # actions ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.saving and action not in _WHILE_SAVING:
            return False
        cur = self.current
        if cur is None:
            return action == "back"
        if action == "rate" or action == "accept":
            return cur.revealed
        if action == "primary":
            return not cur.revealed and cur.item.type != "open"  # open cards: ctrl+s
        if action == "submit_typed":
            return cur.item.type == "open" and not cur.revealed
        if action == "demo":
            return cur.item.card.demo is not None
        if action == "hint":
            return cur.item.card.hint is not None
        if action == "toggle_table":
            card = cur.item.card
            return isinstance(card, DiagnosisCard) and card.evidence is not None
        if action == "undo":
            return self.session.can_undo()
        return True

    def action_accept(self) -> None:
        """After the answer: space/enter takes the suggested rating (Good if none)."""
        cur = self.current
        if cur is not None and cur.revealed:
            self.action_rate(cur.suggested or 3)

    def action_primary(self) -> None:
        cur = self.current
        if cur is None or cur.revealed:
            return
        kind = cur.item.type
        if kind in ("choice", "diagnosis"):
            picked = self.query_one(ChoiceList).selected
            if not picked:
                self.notify("Pick a choice first (its letter).", severity="warning")
                return
            self.session.answer_choice(sorted(picked))
        elif kind == "open":
            self.action_submit_typed()
            return
        else:
            self.session.reveal()
        self.revealed = True
        self.set_focus(None)
        self.refresh_bindings()

    def action_submit_typed(self) -> None:
        cur = self.current
        if cur is None or cur.item.type != "open" or cur.revealed:
            return
        self.session.answer_open(self.query_one("#typed", TextArea).text)
        self.revealed = True
        self.refresh_bindings()

    def _toggle_point(self, index: int) -> None:
        cur = self.current
        if cur is None or self.saving:
            return
        self.session.toggle_point(index)
        self.query_one(RubricList).covered = cur.covered
        labels = {r: o.label for r, o in cur.outcomes.items()}
        self.query_one(RatingBar).show(labels, cur.suggested)

    # database calls: one at a time, in a thread --------------------------------------
    def _in_thread(self, call: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run ``call`` off the event loop; ``then(result)`` runs here once it returned.

        Until then check_action ignores the keys that change the session (no double rating).
        A StoreError leaves the session unchanged (the core's contract): the card stays
        on screen with the message, and pressing the key again retries.
        """
        self.saving = True
        lock = self.drill_app.db_lock

        def work() -> None:
            with lock:
                try:
                    result = call()
                except StoreError as exc:
                    self.post_message(self.Saved(then, None, exc))
                else:
                    self.post_message(self.Saved(then, result, None))

        self.run_worker(work, thread=True, group="study-db", name="study-db")

    def on_study_screen_saved(self, message: StudyScreen.Saved) -> None:
        self.saving = False
        if message.error is not None:
            self.notify(str(message.error), title="Not saved", severity="error", markup=False)
            self._update_status()
            return
        message.then(message.result)

    def action_rate(self, rating: int) -> None:
        cur = self.current
        if cur is None or not cur.revealed:
            return
        self._in_thread(partial(self.session.rate, rating), partial(self._rated, cur.row.id))

    def _rated(self, card_id: int, result: RatingResult) -> None:
        # committed: only now is the next card shown
        self._review_done(card_id)
        if result.message:
            self.notify(result.message, title="Leech", severity="warning", timeout=10, markup=False)
        self.show_next()

    def action_undo(self) -> None:
        self._in_thread(self.session.undo, self._undone)

    def _undone(self, action: Action | None) -> None:
        if action is not None:
            self.notify("Undone.", timeout=2)
            if self.cases is not None:
                self.cases.undone(action.card_id)  # the same case again
            self.show_next()

    def action_suspend(self) -> None:
        if self.current is not None:
            note = "Card suspended (unsuspend it in Browse)."
            done = partial(self._set_aside, note, self.current.row.id)
            self._in_thread(self.session.suspend, done)

    def action_bury(self) -> None:
        if self.current is not None:
            note = "Card buried until tomorrow."
            self._in_thread(self.session.bury, partial(self._set_aside, note, self.current.row.id))

    def _set_aside(self, note: str, card_id: int, _result: None) -> None:
        self._review_done(card_id)
        self.notify(note, timeout=3)
        self.show_next()

    def _review_done(self, card_id: int) -> None:
        """A generated card's case is used up: the next review shows a new one."""
        if self.cases is not None:
            self.cases.done(card_id)

    def action_hint(self) -> None:
        cur = self.current
        if cur is not None and cur.item.card.hint:
            hint = self.query_one("#hint", Static)
            hint.update(Text(f"Hint: {cur.item.card.hint}", style="italic yellow"))
            hint.display = True

    def action_demo(self) -> None:
        cur = self.current
        if cur is not None and cur.item.card.demo:
            self.drill_app.open_demo(cur.item.card.demo)

    def action_toggle_table(self) -> None:
        self.query_one(EvidenceView).toggle_table()

    def action_back(self) -> None:
        typed = self.query_one("#typed", TextArea)
        if typed.has_focus:
            self.set_focus(None)  # esc leaves the text box; a second esc ends the session
            return
        self._finish()

    def _finish(self) -> None:
        self._in_thread(self.session.summary, self._show_summary)

    def _show_summary(self, summary: Summary) -> None:
        from drillbreak.tui.screens.summary import SummaryScreen

        self.app.switch_screen(SummaryScreen(summary, self.session.messages))


def _highlight(answer: str, hits: dict[int, list[str]]) -> Text:
    text = Text("Your answer: ", style="bold")
    body = Text(answer or "(nothing typed)")
    words = sorted({w for ws in hits.values() for w in ws}, key=len, reverse=True)
    for word in words:
        body.highlight_words([word], style="bold black on yellow", case_sensitive=False)
    text.append_text(body)
    return text
