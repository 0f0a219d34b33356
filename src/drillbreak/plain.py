"""``drillbreak study --plain``: line-mode study on stdin/stdout.

Readable without colour and scriptable with piped input: every prompt reads
one line; end of input ends the session (the ratings given are already saved).
On a terminal, long lines wrap between words at its width (keeping their indent);
piped output is left as is.
"""

from __future__ import annotations

import shutil
import string
import textwrap
import time
from collections.abc import Sequence
from functools import cache
from typing import TextIO

from markdown_it import MarkdownIt
from markdown_it.token import Token

from drillbreak.chartscale import align_decimals
from drillbreak.clock import from_ms
from drillbreak.deck.models import DiagnosisCard, Evidence
from drillbreak.deck.predict import format_param, format_tolerance
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import DemoFailed, iter_demo
from drillbreak.domain import Rating
from drillbreak.errors import UserError
from drillbreak.study import content
from drillbreak.study import predict as predicting
from drillbreak.study.cases import Refiller, SessionCases, next_ready, pool_key, session_generators
from drillbreak.study.session import Current, StudySession

LETTERS = string.ascii_lowercase
KEYS_HELP = "u undo · s suspend · b bury · h hint · q quit"
CHOICE_KEYS_HELP = ":u undo · :s suspend · :b bury · :h hint · :q quit"


class _Quit(Exception):
    pass


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


# MathJax delimiters stay as written: doubled, markdown's escape gives them back.
_MATH = {d: "\\" + d for d in ("\\(", "\\)", "\\[", "\\]")}


def plain_text(markdown: str) -> str:
    """Card Markdown as a terminal shows it without styles: emphasis and code ticks
    dropped, a link as ``text (url)``, list items as ``- `` / ``1. ``, code indented."""
    for delimiter, kept in _MATH.items():
        markdown = markdown.replace(delimiter, kept)
    out: list[str] = []  # blocks; a list item follows the one before it without a gap
    lists: list[list[int]] = []  # per open list: [next number], or [] for bullets
    prefix = ""
    item = False  # the last block was a list item
    for token in _parser().parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append([int(start) if start is not None else 1] if kind[0] == "o" else [])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            numbers = lists[-1]
            prefix = "  " * (len(lists) - 1) + (f"{numbers[0]}. " if numbers else "- ")
            if numbers:
                numbers[0] += 1
        elif kind == "blockquote_open":
            prefix = "> "
        elif kind == "inline":
            gap = "\n" if lists and item else "\n\n" if out else ""
            out.append(gap + prefix + _inline(token.children or []))
            prefix, item = "", bool(lists)
        elif kind in ("fence", "code_block"):
            out.append(("\n\n" if out else "") + textwrap.indent(token.content.rstrip(), "    "))
            item = False
        elif kind == "hr":
            out.append(("\n\n" if out else "") + "---")
    return "".join(out)


def _inline(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for token in tokens:
        kind = token.type
        if kind in ("text", "code_inline", "html_inline"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            links.append((str(token.attrGet("href") or ""), len(out)))
        elif kind == "link_close":
            href, start = links.pop()
            if href and href != "".join(out[start:]):  # an autolink shows its address once
                out.append(f" ({href})")
        elif kind == "image":
            out.append(token.content or str(token.attrGet("src") or ""))
    return "".join(out)


class PlainStudy:
    def __init__(
        self,
        session: StudySession,
        stdin: TextIO,
        stdout: TextIO,
        *,
        refiller: Refiller | None = None,
    ) -> None:
        """``refiller`` makes the cases of generated cards (default: one of our own,
        started when the session has generated cards); it is closed at the end."""
        self.session = session
        self.stdin = stdin
        self.out = stdout
        self.width = terminal_width(stdout)
        specs = session_generators(session.items)
        if refiller is None and specs:
            refiller = Refiller(session.db.path)
        self.refiller = refiller
        if refiller is not None:
            refiller.request(specs)  # cases for the generated cards ahead, in the background
        self.cases = SessionCases(session.db, refiller)

    def say(self, text: str = "") -> None:
        print(fit(text, self.width), file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        print(prompt, end="", file=self.out, flush=True)
        line = self.stdin.readline()
        if not line:
            raise _Quit
        return line.rstrip("\n")

    def run(self) -> int:
        try:
            while (cur := self.next_card()) is not None:
                self.show(cur)
        except (_Quit, KeyboardInterrupt):
            self.say()
        finally:
            if self.refiller is not None:
                self.refiller.close()
        self.finish()
        return 0

    def next_card(self) -> Current | None:
        """The next card; a generated card with its case, made now if none is ready
        and no other card is left (plain mode is sequential: it waits, saying so)."""
        cur, ready = next_ready(self.session, self.cases)
        while cur is not None and not ready:
            self.wait_for_case(cur)
            cur, ready = next_ready(self.session, self.cases)
        return cur

    def wait_for_case(self, cur: Current) -> None:
        spec = SessionCases.spec(cur)
        refiller = self.refiller
        assert spec is not None and refiller is not None  # a generated card: see __init__
        key, made, errors = pool_key(spec), refiller.made(pool_key(spec)), len(refiller.errors)
        self.say("Making a fresh case from a real training run…")
        started, said = time.monotonic(), None
        while refiller.made(key) == made and not refiller.wait(0.25):
            if refiller.progress is not None and refiller.progress != said:
                said = refiller.progress
                elapsed = time.monotonic() - started
                self.say(f"  {said[0]} of {said[1]} cases made · {elapsed:.0f} s")
        if len(refiller.errors) > errors:
            self.say(f"Could not make a case: {refiller.errors[-1]}")
            raise _Quit

    # one card ------------------------------------------------------------------
    def show(self, cur: Current) -> None:
        s = self.session
        new, learn, due = s.counts()
        item = cur.item
        self.say()
        self.say(
            f"── {item.deck_id} · {item.kind} · {s.remaining} left (new {new}, learning {learn}, "
            f"review {due}) ──"
        )
        self.say(plain_text(cur.predict.prompt if cur.predict else content.question(item)))
        try:
            if item.type in ("choice", "diagnosis"):
                self.choice_flow(cur)
            elif cur.predict is not None:
                self.predict_flow(cur, cur.predict)
            elif item.type == "open":
                self.open_flow(cur)
            else:
                if not self.wait_reveal(cur):
                    return
                self.say("")
                self.say(plain_text(content.answer(item)))
        except _CardGone:
            return
        self.rate_flow(cur)

    def wait_reveal(self, cur: Current) -> bool:
        while True:
            cmd = self.ask(f"[Enter: show answer · {KEYS_HELP}] ").strip().lower()
            if cmd == "":
                self.session.reveal()
                return True
            if self.command(cmd, cur):
                return False

    def command(self, cmd: str, cur: Current) -> bool:
        """Handle a shared command; True when the card is gone (undo/suspend/bury)."""
        s = self.session
        if cmd == "q":
            raise _Quit
        if cmd == "h":
            self.say(
                f"Hint: {plain_text(cur.item.card.hint)}" if cur.item.card.hint else "No hint."
            )
            return False
        if cmd == "s":
            s.suspend()
            self.cases.done(cur.row.id)
            self.say("Suspended.")
            return True
        if cmd == "b":
            s.bury()
            self.cases.done(cur.row.id)
            self.say("Buried until tomorrow.")
            return True
        if cmd == "u":
            if s.can_undo():
                s.current = None
                action = s.undo()
                if action is not None:
                    self.cases.undone(action.card_id)  # a generated card: the same case
                self.say("Undone: the previous card again.")
                return True
            self.say("Nothing to undo.")
            return False
        self.say(f"Unknown command {cmd!r}.")
        return False

    def choice_flow(self, cur: Current) -> None:
        choices = cur.choices()
        multi = sum(c.correct for c in choices) > 1
        card = cur.item.card
        if isinstance(card, DiagnosisCard) and card.evidence is not None:
            self.say(self.evidence_table(card.evidence))
        for i, choice in enumerate(choices):
            self.say(f"  {LETTERS[i]}) {plain_text(choice.text)}")
        what = "letters (select all that apply)" if multi else "a letter"
        while True:
            raw = self.ask(f"[{what}, then Enter (Enter alone: the answer) · {CHOICE_KEYS_HELP}] ")
            raw = raw.strip().lower()
            if raw.startswith(":"):
                if self.command(raw[1:], cur):
                    raise _CardGone
                continue
            valid = LETTERS[: len(choices)]
            if not raw:  # as space in the TUI: the answer, as not answered (Again suggested)
                picked: set[int] = set()
                break
            if all(ch in valid for ch in raw.replace(" ", "").replace(",", "")):
                picked = {valid.index(ch) for ch in raw if ch in valid}
                break
            self.say(f"Type {what} between a and {valid[-1]} (commands start with ':').")
        fb = self.session.answer_choice(sorted(picked))
        self.say("")
        self.say("Correct!" if fb.correct else "Not quite." if fb.selected else "Not answered.")
        for i, choice in enumerate(choices):
            mark = "✓" if choice.correct else "✗"
            chosen = "→" if i in fb.selected else " "
            self.say(f" {chosen}{mark} {LETTERS[i]}) {plain_text(choice.text)}")
            if choice.why:
                self.say(textwrap.indent(plain_text(choice.why), "      "))
        extra = plain_text(content.answer(cur.item))
        if extra:
            self.say("")
            self.say(extra)

    def open_flow(self, cur: Current) -> None:
        self.say("Type your answer; finish with an empty line.")
        lines: list[str] = []
        while True:
            line = self.ask("> " if not lines else "  ")
            if not line.strip():
                break
            lines.append(line)
        hits = self.session.answer_open("\n".join(lines))
        self.say("")
        self.say("Model answer:")
        self.say(textwrap.indent(plain_text(content.answer(cur.item)), "  "))
        rubric = cur.rubric()
        while True:
            self.say("Rubric (toggle a point by its number):")
            for i, point in enumerate(rubric):
                box = "[x]" if i in cur.covered else "[ ]"
                found = f"  (found: {', '.join(hits[i])})" if hits.get(i) else ""
                self.say(f"  {i + 1}. {box} {plain_text(point.point)}{found}")
            raw = self.ask("[numbers to toggle, Enter when done] ").strip()
            if not raw:
                break
            if raw.startswith(":"):
                if self.command(raw[1:], cur):
                    raise _CardGone
                continue
            for ch in raw.replace(",", " ").split():
                if ch.isdigit():
                    self.session.toggle_point(int(ch) - 1)

    def predict_flow(self, cur: Current, rnd: predicting.PredictRound) -> None:
        """Predict, run the demo (live, or the cached run when asked), compare."""
        card = rnd.card
        if rnd.params:
            shown = ", ".join(f"{k} = {format_param(v)}" for k, v in rnd.params.items())
            self.say(f"This review: {shown}")
        if card.ranges is not None:
            for i, r in enumerate(card.ranges):
                self.say(f"  {LETTERS[i]}) {r.label}")
            valid = LETTERS[: len(card.ranges)]
            what = f"[your prediction: a letter a-{valid[-1]}, then Enter · {CHOICE_KEYS_HELP}] "
        else:
            unit = "a percentage" if card.percent else "a number"
            tol = format_tolerance(card)
            what = (
                f"[your prediction: {unit} (right within {tol}), then Enter · {CHOICE_KEYS_HELP}] "
            )
        while not rnd.committed:
            raw = self.ask(what).strip().lower()
            if raw.startswith(":"):
                if self.command(raw[1:], cur):
                    raise _CardGone
                continue
            if card.ranges is not None:
                if len(raw) == 1 and raw in valid:
                    rnd.commit_range(valid.index(raw))
                else:
                    self.say(f"Type one letter between a and {valid[-1]}.")
                continue
            try:
                rnd.commit_number(predicting.parse_number(raw, card))
            except UserError as exc:
                self.say(str(exc))
        request = rnd.request()
        cached = predicting.find_cached(self.session.db, rnd, request)
        outcome = cached
        if cached is not None:
            when = f"{from_ms(cached.made_ms):%Y-%m-%d %H:%M} UTC"
            raw = self.ask(f"[Enter: run the demo live · c: the cached run from {when}] ")
            if raw.strip().lower() != "c":
                outcome = None
        if outcome is None:
            outcome = self.run_live(rnd, request)
        self.session.reveal()
        if outcome is None:
            self.say("No result to compare with; rate yourself.")
            return
        rnd.record(outcome)
        self.say("")
        self.say(f"Your prediction: {rnd.prediction_text()}")
        self.say(f"The demo measured: {rnd.actual_text()}  [{rnd.source_text()}]")
        self.say("")
        self.say(outcome.summary)
        extra = content.answer(cur.item)
        if extra:
            self.say("")
            self.say(extra)

    def run_live(
        self, rnd: predicting.PredictRound, request: DemoRequest
    ) -> predicting.RunOutcome | None:
        """Run the demo now, saying what it does; keep the run in the cache."""
        self.say(f"Running demo {request.name!r} live…")
        recorder = predicting.RunRecorder(rnd.card, rnd.params, request.seed)
        try:
            for event in iter_demo(request):
                recorder.see(event)
        except DemoFailed as exc:
            self.say(f"The demo failed: {exc.message}")
            return None
        try:
            outcome = recorder.outcome(self.session.clock)
        except UserError as exc:
            self.say(str(exc))
            return None
        if outcome is None:
            self.say("The demo ended without a result.")
            return None
        predicting.save_run(self.session.db, outcome)
        return outcome

    def rate_flow(self, cur: Current) -> None:
        s = self.session
        suggested = cur.suggested
        parts = []
        for r in Rating:
            label = cur.outcomes[r].label if cur.outcomes else ""
            star = "*" if suggested == r else ""
            parts.append(f"{int(r)} {r.label}{star} {label}".rstrip())
        self.say("  ·  ".join(parts))
        default = f", Enter = {suggested}" if suggested else ""
        while True:
            raw = self.ask(f"[rate 1-4{default} · {KEYS_HELP}] ").strip().lower()
            if raw == "" and suggested:
                raw = str(suggested)
            if raw in ("1", "2", "3", "4"):
                result = s.rate(int(raw))
                self.cases.done(cur.row.id)
                if result.message:
                    self.say(result.message)
                return
            if raw and self.command(raw.lstrip(":"), cur):
                return

    @staticmethod
    def evidence_table(evidence: Evidence) -> str:
        """The evidence as a table, each column's numbers lined up on the decimal point."""
        names = list(evidence.columns)
        cells = [align_decimals(evidence.columns[n]) for n in names]
        widths = [max(len(n), *(len(t) for t in col)) for n, col in zip(names, cells, strict=True)]
        head = "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))
        body = [
            "  ".join(t.rjust(w) for t, w in zip(row, widths, strict=True)).rstrip()
            for row in zip(*cells, strict=False)
        ]
        title = f"{evidence.title}\n" if evidence.title else ""
        return title + "\n".join([head, *body])

    def finish(self) -> None:
        summary = self.session.summary()
        minutes = summary.elapsed.total_seconds() / 60
        self.say(
            f"Studied {summary.cards} card(s) with {summary.ratings} rating(s), "
            f"{summary.correct} right, in {minutes:.1f} min."
        )
        if summary.due_now:
            self.say("Cards in learning are due now: study again to finish them.")
        elif summary.next_due:
            self.say(f"Next card due {summary.next_due.astimezone():%Y-%m-%d %H:%M}.")
        for message in self.session.messages:
            self.say(message)


class _CardGone(Exception):
    pass


def terminal_width(out: TextIO) -> int | None:
    """The columns of the terminal ``out`` writes to; None when it is not a terminal
    (a pipe or a file gets its lines as they are)."""
    return shutil.get_terminal_size().columns if out.isatty() else None


def fit(text: str, width: int | None) -> str:
    """``text`` with each line broken between words to ``width`` (as is for None)."""
    if width is None:
        return text
    return "\n".join(_wrap(line, width) for line in text.split("\n"))


def _wrap(line: str, width: int) -> str:
    """``line`` broken between words to lines of at most ``width``, each as indented as
    ``line`` is (a word longer than the width is broken)."""
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.fill(line, width, subsequent_indent=indent, drop_whitespace=True) or line
