"""The study screen: one card at a time, Anki's keys.

All decisions (grading, scheduling, undo) live in the core StudySession; this
screen only draws the card on screen (``shown``) and forwards keys.  Each card
type's own widgets sit in one pane of a ContentSwitcher.

A card is swapped in one frame, never mixed with the one before: its question and
answer (Markdown, parsed in a thread by Textual) are drawn off screen first
(BufferedMarkdown), then every part and the footer change inside one batch update.
Until then the previous card stays whole and keys wait (``drawing``).

After an answer is submitted the card scrolls so that the learner's pick, its
feedback and the takeaway (or an open card's model answer and rubric) are in view;
PageUp/PageDown/Home/End and j/k (up/down) scroll the card in every state.

Session calls that use the database (rate, undo, suspend, bury, the summary) run in
a thread, so a busy database never freezes the screen; a store error (disk full,
database locked) leaves the card on screen with a one-line message, and the key can
be pressed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Static, TextArea

from drillbreak.deck.models import ChoiceCard, DiagnosisCard, OpenCard, PredictCard
from drillbreak.store.db import StoreError
from drillbreak.study import content
from drillbreak.study.cases import SessionCases, next_ready, pool_key
from drillbreak.study.session import Current, RatingResult, StudySession, Summary
from drillbreak.study.undo import Action
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.widgets.buffered_markdown import BufferedMarkdown
from drillbreak.tui.widgets.choice_list import ChoiceList
from drillbreak.tui.widgets.evidence import EvidenceView
from drillbreak.tui.widgets.predict_panel import PredictPanel
from drillbreak.tui.widgets.rating_bar import RatingBar
from drillbreak.tui.widgets.rubric_list import RubricList

if TYPE_CHECKING:
    from collections.abc import Mapping

    from drillbreak.deck.items import StudyItem
    from drillbreak.deck.loader import Collection
    from drillbreak.tui.app import StudyRequest

# While a database call is in flight, only these actions run: they leave the session alone.
_WHILE_SAVING = frozenset({"hint", "toggle_table", "scroll_card", "app.toggle_help"})
# The pane of #card-body that holds each card type's widgets (basic and cloze cards
# have none: only the question and the answer, shown for every type).
_BODIES: dict[str, str | None] = {
    "basic": None,
    "cloze": None,
    "choice": "choice-body",
    "diagnosis": "choice-body",
    "open": "open-body",
    "predict": "predict-body",
}
# From this width a diagnosis card's evidence sits beside its options.
WIDE = 120
_RATE = Binding.Group("Rate", compact=True)


def status_line(
    title: str,
    *,
    cram: bool,
    kind: str,
    numbers: tuple[int, int, int, int],
    elapsed_s: int,
    saving: bool,
    width: int,
) -> Text:
    """The study header in ``width`` cells: the deck title, then the cram mark, the
    counts, the time and the card type.  The cram mark and the card type always show;
    the rest gives way first (words, then the time, then the left count), and the
    title is cut to what is left."""
    remaining, new, learn, due = numbers
    mm_ss = f"{elapsed_s // 60:02d}:{elapsed_s % 60:02d}"
    words = Text.assemble(
        f" {remaining} left ",
        (f"{new} new", "cyan"),
        " · ",
        (f"{learn} learn", "red"),
        " · ",
        (f"{due} review", "green"),
    )
    short = Text.assemble(
        f" {remaining} left ",
        (str(new), "cyan"),
        " ",
        (str(learn), "red"),
        " ",
        (str(due), "green"),
    )
    bare = Text.assemble(
        " ", (str(new), "cyan"), " ", (str(learn), "red"), " ", (str(due), "green")
    )
    tail = Text.assemble(("  " + kind, "dim italic"))
    if saving:
        tail.append("  saving…", style="bold yellow")
    badge = Text(" CRAM ", style="bold black on yellow") if cram else Text()
    timer = Text(f"  {mm_ss}", style="dim")
    least_title = min(len(title), 12) + 2
    for counts, clock in ((words, timer), (short, timer), (short, Text()), (bare, Text())):
        rest = badge.cell_len + counts.cell_len + clock.cell_len + tail.cell_len
        if rest + least_title <= width:
            break
    room = max(3, width - rest)
    shown = title if len(title) + 2 <= room else title[: max(1, room - 3)] + "…"
    line = Text(no_wrap=True, overflow="crop")
    line.append(f" {shown} ", style="bold reverse")
    line.append_text(badge)
    line.append_text(counts)
    line.append_text(clock)
    line.append_text(tail)
    return line


class StudyFooter(Footer):
    """Textual's footer is recomposed (every key widget made again) at each change of
    the screen's bindings, most of which leave the keys as they were: a focus move, a
    refresh.  This one is recomposed only when the keys it lists differ.  Around the
    first card that was six recomposes for one change, ~25 ms (bench/FINDINGS.md)."""

    _listed: tuple[object, ...] | None = None

    async def recompose(self) -> None:
        if not self.is_attached:  # its screen closed meanwhile: as Widget.recompose
            return
        listed = self._keys()
        if listed != self._listed:
            self._listed = listed
            await super().recompose()

    def _keys(self) -> tuple[object, ...]:
        """What compose lists: each shown binding with its state, and the layout."""
        if not self._bindings_ready:
            return ()
        active = self.screen.active_bindings.values()
        keys = tuple((b.key, b.description, b.group, on, tip) for _, b, on, tip in active if b.show)
        return (keys, self.compact, self.show_command_palette)


class StudyScreen(DrillbreakScreen):
    # Each card says where focus goes (_swap_in); Textual's own first focus ("" turns it
    # off: None means the app's), on the card's scroll area, restyled the whole card
    # twice before the first card, in and out (~20 ms).
    AUTO_FOCUS = ""
    # The footer shows the keys in this order and cuts what does not fit: the help key,
    # answering, rating and ending come first (they fit at 60 columns); undo, suspend
    # and bury are only in the help (?), so that the card's own keys fit at 80.
    BINDINGS = [
        Binding("question_mark", "app.toggle_help", "Help", id="app.help"),
        Binding("space,enter", "primary", "Show answer", id="study.reveal"),
        Binding("space,enter", "accept", "Accept", id="study.accept"),
        Binding("1", "rate(1)", "Again", id="study.again", group=_RATE),
        Binding("2", "rate(2)", "Hard", id="study.hard", group=_RATE),
        Binding("3", "rate(3)", "Good", id="study.good", group=_RATE),
        Binding("4", "rate(4)", "Easy", id="study.easy", group=_RATE),
        Binding("ctrl+s", "submit_typed", "Submit answer", id="study.submit", priority=True),
        Binding("escape", "back", "End", id="study.end"),
        Binding("u", "undo", "Undo", show=False, id="study.undo"),
        Binding("s", "suspend", "Suspend", show=False, id="study.suspend"),
        Binding("b", "bury", "Bury", show=False, id="study.bury"),
        Binding("h", "hint", "Hint", id="study.hint"),
        Binding("d", "demo", "Demo", id="study.demo"),
        Binding("t", "toggle_table", "Table", id="study.table"),
        Binding("down,j", "scroll_card('down')", "Scroll down", show=False, id="study.down"),
        Binding("up,k", "scroll_card('up')", "Scroll up", show=False, id="study.up"),
        Binding("pagedown", "scroll_card('page_down')", "Page down", show=False, id="study.pgdn"),
        Binding("pageup", "scroll_card('page_up')", "Page up", show=False, id="study.pgup"),
        Binding("home", "scroll_card('home')", "Top of the card", show=False, id="study.home"),
        Binding("end", "scroll_card('end')", "End of the card", show=False, id="study.bottom"),
    ]
    HELP_GROUPS = {
        "Answer": ("primary", "submit_typed", "pick", "hint", "toggle_table", "demo"),
        "Rate": ("accept", "rate", "toggle_point", "move"),
        "This card": ("undo", "suspend", "bury"),
        "Scroll the card": ("scroll_card",),
        "Session": ("back",),
    }
    """The help screen's groups (title -> actions), in this order."""

    class Saved(Message, bubble=False):
        """A session call made in a thread returned (``error`` is None) or failed."""

        def __init__(
            self, then: Callable[[Any], None], result: Any, error: StoreError | None
        ) -> None:
            super().__init__()
            self.then = then
            self.result = result
            self.error = error

    def __init__(
        self, session: StudySession, title: str, request: StudyRequest | None = None
    ) -> None:
        super().__init__()
        self.session = session
        self.deck_title = title
        # what the session was asked for: read again when decks land (a progressive load)
        self.request = request
        self._new_scope: dict[str, Mapping[str, StudyItem]] | None = None
        self.waiting = False  # out of cards while deck files are still being read
        self.rescoping = False  # the session takes in landed decks (nothing to save)
        self.cases: SessionCases | None = None  # the cases of generated cards (on mount)
        self.saving = False  # a session call is running in a thread
        self.drawing = False  # a new card is being drawn off screen
        self.shown: Current | None = None  # the card on screen
        self._numbers = (0, 0, 0, 0)  # remaining, new, learn, review: kept while saving

    def compose(self) -> ComposeResult:
        yield Static(id="study-status")
        # not focusable: the screen scrolls it (j, k, page keys), and a card's letters
        # stay with its options after tab (on the card, b would bury it)
        with VerticalScroll(id="card", can_focus=False):
            yield BufferedMarkdown(id="question")
            with ContentSwitcher(id="card-body"):
                with Vertical(id="choice-body"):
                    yield EvidenceView(id="evidence")
                    yield ChoiceList(id="choices")
                with Vertical(id="open-body"):
                    yield TextArea(id="typed", soft_wrap=True, show_line_numbers=False)
                    yield Static(id="typed-echo")
                # the predict panel is mounted here by the first predict card (_draw_card):
                # ~12 ms of every start otherwise (bench/FINDINGS.md)
                yield Vertical(id="predict-body")
            yield Static(id="hint")
            yield BufferedMarkdown(id="answer")
            yield RubricList(id="rubric")
        yield Static(id="prompt")
        yield RatingBar(id="ratings")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.query_one(RubricList).on_toggle = self._toggle_point
        self.cases = SessionCases(self.ctx.db, self.drill_app.refiller)
        self.set_interval(1, self._update_status)
        self.show_next()

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
        self._update_status()
        self.call_after_refresh(self._cue_choices_below)

    # drawing ---------------------------------------------------------------------
    @property
    def current(self) -> Current | None:
        return self.session.current

    def show_next(self) -> None:
        cur = self.session.next_card()
        if cur is None and self.request is not None and self.drill_app.loading:
            self._wait_for_decks()
            return
        if cur is None:
            self._finish()
            return
        if self.cases is not None and self.cases.needs_case(cur):
            # taking a case from the pool writes to the database: in a thread
            self._in_thread(partial(next_ready, self.session, self.cases), self._case_ready)
            return
        self._present(cur)

    def _wait_for_decks(self) -> None:
        """No card left yet, but deck files are still being read: say so, and show the
        next card when they land (``decks_landed``)."""
        self.waiting = True
        self.shown = None
        self.query_one("#card").display = False
        self.query_one(RatingBar).display = False
        files = self.drill_app.loading
        self.query_one("#prompt", Static).update(
            Text(
                f"Reading {files} more deck file{'s' if files != 1 else ''}: "
                "their cards come next (esc ends the session).",
                style="dim",
            )
        )
        self.refresh_bindings()
        self._update_status()
        self.drill_app.first_screen_drawn()  # the files it waits for are read from now on

    def decks_landed(self, collection: Collection) -> None:
        """A deck file finished loading: the session takes in what it asked for."""
        from drillbreak.errors import UserError
        from drillbreak.study.scope import select_by_deck

        if self.request is None:
            return
        try:
            self._new_scope = select_by_deck(collection, self.request.decks, self.request.tag)
        except UserError:  # the deck asked for turned out broken: keep what the session has
            return
        if not self.saving:
            self._rescope()

    def _rescope(self) -> None:
        items, self._new_scope = self._new_scope, None
        if items is not None:
            self.rescoping = True
            self._in_thread(partial(self.session.rescope, items), self._rescoped)

    def _rescoped(self, _result: None) -> None:
        self._update_status()
        if self.waiting:
            self.waiting = False
            self.show_next()

    def _case_ready(self, result: tuple[Current | None, bool]) -> None:
        from drillbreak.tui.screens.making_case import MakingCaseScreen

        cur, ready = result
        if cur is None:
            self._finish()
        elif ready:
            self._present(cur)
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

    def _present(self, cur: Current) -> None:
        """Draw ``cur`` from its question (a new card, or one brought back by undo)."""
        self.drawing = True
        self.run_worker(self._draw_card(cur), group="draw", exclusive=True, name="draw")

    @asynccontextmanager
    async def _one_frame(self) -> AsyncIterator[None]:
        """Changes made inside reach the terminal together with the footer's new keys."""
        with self.app.batch_update():
            yield
            self.refresh_bindings()
            footer = self.query_one(Footer)
            done = asyncio.Event()

            async def recompose() -> None:  # in the footer's own context, as Textual does
                await footer.recompose()
                done.set()

            if footer.call_later(recompose):
                await done.wait()

    async def _draw_card(self, cur: Current) -> None:
        item = cur.item
        question = cur.predict.prompt if cur.predict else content.question(item)
        if cur.predict is not None and not self.query(PredictPanel):
            await self.query_one("#predict-body").mount(PredictPanel())
        await self.query_one("#question", BufferedMarkdown).prepare(question)
        answer = content.answer(item)
        if item.type == "open":
            answer = f"**Model answer:** {answer}"
        await self.query_one("#answer", BufferedMarkdown).prepare(answer)
        async with self._one_frame():
            self._swap_in(cur)
        self.call_after_refresh(self._bring_answer_into_view)
        self.call_after_refresh(self.drill_app.first_screen_drawn)

    def _swap_in(self, cur: Current) -> None:
        """Every part of the screen to ``cur``, synchronously (the Markdown is ready)."""
        card = cur.item.card
        self.query_one("#question", BufferedMarkdown).flip()
        self.query_one("#answer", BufferedMarkdown).flip()
        body = _BODIES[card.type]
        self.query_one("#card-body", ContentSwitcher).current = body
        evidence = self.query_one(EvidenceView)
        shown = card.evidence if isinstance(card, DiagnosisCard) else None
        evidence.display = shown is not None
        if shown is not None:
            evidence.set_evidence(shown)
        choices = self.query_one(ChoiceList)
        if isinstance(card, ChoiceCard | DiagnosisCard):
            choices.set_choices(cur.choices(), card.multi)
        typed = self.query_one("#typed", TextArea)
        if body == "open-body":
            typed.text = cur.typed_answer
        if cur.predict is not None:
            panel = self.query_one(PredictPanel)
            panel.show_round(cur.predict, self.session.db, self.session.clock)
        self.query_one("#hint").display = False
        self.query_one("#card", VerticalScroll).display = True
        self.query_one("#card", VerticalScroll).scroll_home(animate=False, immediate=True)
        self.shown = cur
        self.drawing = False
        self._draw_side(cur)
        self._update_status()
        if body == "open-body" and not cur.revealed:
            typed.focus()
        elif body == "choice-body" and not cur.revealed:
            choices.focus(scroll_visible=False)  # the card starts at its top
            # once laid out (the wide layout may move the options after the first frame)
            self.call_after_refresh(self._cue_choices_below)
            self.set_timer(0.2, self._cue_choices_below)
        elif body == "predict-body" and not cur.revealed:
            self.query_one(PredictPanel).focus_answer()
        elif not (card.type == "open" and cur.revealed):
            self.set_focus(None)

    def _draw_side(self, cur: Current) -> None:
        """The prompt side or the answer side of the card on screen."""
        revealed = cur.revealed
        is_open = cur.item.type == "open"
        self.query_one("#typed").display = is_open and not revealed
        self.query_one("#typed-echo").display = is_open and revealed
        self.query_one(RubricList).display = is_open and revealed
        self.query_one(RatingBar).display = revealed
        answer = self.query_one("#answer", BufferedMarkdown)
        answer.display = revealed and bool(answer.text)
        if revealed:
            self._draw_revealed(cur)
        else:
            self._draw_prompt(cur)

    def _draw_prompt(self, cur: Current) -> None:
        card = cur.item.card
        if isinstance(card, ChoiceCard | DiagnosisCard):
            many = "letters" if card.multi else "a letter"
            msg = f"Press {many}, then enter (space: show the answer)."
        elif isinstance(card, OpenCard):
            msg = "Type your answer; ctrl+s submits, esc leaves the box."
        elif isinstance(card, PredictCard):
            msg = self.query_one(PredictPanel).prompt()
        else:
            msg = "space or enter: show answer"
        self.query_one("#prompt", Static).update(Text(msg, style="dim"))

    def _cue_choices_below(self) -> None:
        """When a choice card's options start below the screen (a long scenario, a chart),
        the prompt says how to reach them."""
        cur = self.shown
        if cur is None or cur.revealed or not isinstance(cur.item.card, ChoiceCard | DiagnosisCard):
            return
        first = self.query_one(ChoiceList).row(0)
        card = self.query_one("#card", VerticalScroll)
        if first.region.height == 0 or first.region.y >= card.region.bottom:
            many = "letters" if cur.item.card.multi else "a letter"
            msg = f"Options below (j or down). Press {many}, then enter."
            self.query_one("#prompt", Static).update(Text(msg, style="dim"))
        else:
            self._draw_prompt(cur)

    def _draw_revealed(self, cur: Current) -> None:
        item = cur.item
        if item.type in ("choice", "diagnosis"):
            self.query_one(ChoiceList).show_feedback()
        if item.type == "open":
            self._draw_open_revealed(cur)
        bar = self.query_one(RatingBar)
        labels = {r: o.label for r, o in cur.outcomes.items()}
        bar.show(labels, cur.suggested)
        if cur.feedback is None:
            verdict = Text()
        elif not cur.feedback.selected:
            verdict = Text("Not answered. ", style="bold yellow")
        elif cur.feedback.correct:
            verdict = Text("Correct! ", style="bold green")
        else:
            verdict = Text("Not quite. ", style="bold red")
        verdict.append("Rate 1-4", style="dim")
        if cur.suggested:
            verdict.append(" (enter takes the highlighted one)", style="dim")
        self.query_one("#prompt", Static).update(verdict)

    def _draw_open_revealed(self, cur: Current) -> None:
        echo = self.query_one("#typed-echo", Static)
        echo.update(_highlight(cur.typed_answer, cur.keyword_hits))
        rubric = self.query_one(RubricList)
        rubric.set_points(list(cur.rubric()), cur.covered, cur.keyword_hits)
        rubric.focus(scroll_visible=False)

    def _bring_answer_into_view(self) -> None:
        """After a submit: the learner's pick (or the model answer) down to the takeaway
        (or the rubric) in view; when that is taller than the card, its top."""
        cur = self.shown
        if cur is None or not cur.revealed:
            return
        card = self.query_one("#card", VerticalScroll)
        answer = self.query_one("#answer", BufferedMarkdown)
        first: Widget
        last: Widget
        if cur.item.type in ("choice", "diagnosis"):
            choices = self.query_one(ChoiceList)
            first = choices.row(choices.first_to_read())
            last = answer if answer.display else choices.row(len(choices.choices) - 1)
        elif cur.item.type == "open":
            first, last = answer, self.query_one(RubricList)
        else:
            return
        card.scroll_to_widget(last, animate=False, immediate=True)
        card.scroll_to_widget(first, animate=False, immediate=True)

    def _update_status(self) -> None:
        s = self.session
        if not self.saving:  # a thread may be changing the queues: keep the last numbers
            self._numbers = (s.remaining, *s.counts())
        cur = self.shown
        self.query_one("#study-status", Static).update(
            status_line(
                self.deck_title,
                cram=s.cram,
                kind=cur.item.kind if cur is not None else "",
                numbers=self._numbers,
                elapsed_s=int((s.clock() - s.started_at).total_seconds()),
                saving=self.saving and not self.rescoping,
                width=self.size.width,
            )
        )

    # actions ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("scroll_card", "app.toggle_help"):
            return True
        if self.drawing or (self.saving and action not in _WHILE_SAVING):
            return False
        cur = self.shown
        if cur is None:
            return action == "back"
        if action == "rate" or action == "accept":
            return cur.revealed
        if action == "primary":
            return not cur.revealed and cur.item.type != "open"  # open cards: ctrl+s
        if action == "submit_typed":
            return cur.item.type == "open" and not cur.revealed
        if action == "demo":  # a predict card's demo would give its answer away
            return cur.item.card.demo is not None and (cur.predict is None or cur.revealed)
        if action == "hint":
            return cur.item.card.hint is not None
        if action == "toggle_table":
            card = cur.item.card
            return isinstance(card, DiagnosisCard) and card.evidence is not None
        if action == "undo":
            return self.session.can_undo()
        return True

    def action_scroll_card(self, how: str) -> None:
        """``how``: down, up, page_down, page_up, home or end."""
        getattr(self.query_one("#card", VerticalScroll), f"scroll_{how}")(animate=False)

    def action_accept(self) -> None:
        """After the answer: space/enter takes the suggested rating (Good if none)."""
        cur = self.shown
        if cur is not None and cur.revealed:
            self.action_rate(cur.suggested or 3)

    async def action_primary(self) -> None:
        """Show the answer; on a choice card submit the picked letters (none picked:
        the answer is shown as not answered, and Again suggested)."""
        cur = self.shown
        if cur is None or cur.revealed:
            return
        kind = cur.item.type
        if kind in ("choice", "diagnosis"):
            self.session.answer_choice(sorted(self.query_one(ChoiceList).selected))
        elif kind == "open":
            await self.action_submit_typed()
            return
        elif kind == "predict":
            self.query_one(PredictPanel).commit()  # then it runs the demo and posts Ran
            return
        else:
            self.session.reveal()
        await self._show_answer(cur)

    async def action_submit_typed(self) -> None:
        cur = self.shown
        if cur is None or cur.item.type != "open" or cur.revealed:
            return
        self.session.answer_open(self.query_one("#typed", TextArea).text)
        await self._show_answer(cur)

    async def _show_answer(self, cur: Current) -> None:
        async with self._one_frame():
            if cur.item.type != "open":
                self.set_focus(None)
            self._draw_side(cur)
        self.call_after_refresh(self._bring_answer_into_view)

    def _toggle_point(self, index: int) -> None:
        cur = self.shown
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
        self.saving = self.rescoping = False
        if message.error is not None:
            self.notify(str(message.error), title="Not saved", severity="error", markup=False)
            self._update_status()
        else:
            message.then(message.result)
        if not self.saving:
            self.refresh_bindings()  # the keys held back while it saved are back
            self._rescope()  # decks landed while the session was busy

    def action_rate(self, rating: int) -> None:
        cur = self.shown
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
        cur = self.shown
        if cur is not None and cur.item.card.hint:
            hint = self.query_one("#hint", Static)
            hint.update(Text(f"Hint: {cur.item.card.hint}", style="italic yellow"))
            hint.display = True

    def action_demo(self) -> None:
        cur = self.shown
        if cur is not None and cur.item.card.demo:
            self.session.pause()  # time in the demo is not review time
            self.drill_app.open_demo(cur.item.card.demo)
            if self.app.screen is self:  # no demo screen opened
                self.session.resume()

    def on_predict_panel_next_step(self, _message: PredictPanel.NextStep) -> None:
        cur = self.shown
        if cur is not None and cur.predict is not None and not cur.revealed:
            self._draw_prompt(cur)

    def on_predict_panel_running(self, _message: PredictPanel.Running) -> None:
        self.session.pause()  # the run is not review time; on_screen_resume resumes

    async def on_predict_panel_ran(self, _message: PredictPanel.Ran) -> None:
        cur = self.shown
        if cur is not None and cur.predict is not None and not cur.revealed:
            self.session.reveal()
            await self._show_answer(cur)

    def on_screen_resume(self) -> None:
        self.session.resume()

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
