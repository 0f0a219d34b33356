"""``drillbreak study --plain``: line-mode study on stdin/stdout.

Readable without colour and scriptable with piped input: every prompt reads
one line; end of input ends the session (the ratings given are already saved).
"""

from __future__ import annotations

import string
import textwrap
import time
from typing import TextIO

from drillbreak.deck.models import DiagnosisCard, Evidence
from drillbreak.domain import Rating
from drillbreak.study import content
from drillbreak.study.cases import Refiller, SessionCases, generator_specs, next_ready, pool_key
from drillbreak.study.session import Current, StudySession

LETTERS = string.ascii_lowercase
KEYS_HELP = "u undo · s suspend · b bury · h hint · q quit"
CHOICE_KEYS_HELP = ":u undo · :s suspend · :b bury · :h hint · :q quit"


class _Quit(Exception):
    pass


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
        specs = generator_specs(
            i.card for by_key in session.items.values() for i in by_key.values()
        )
        if refiller is None and specs:
            refiller = Refiller(session.db.path)
        self.refiller = refiller
        if refiller is not None:
            refiller.request(specs)  # cases for the generated cards ahead, in the background
        self.cases = SessionCases(session.db, refiller)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

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
            f"── {item.deck_id} · {item.type} · {s.remaining} left (new {new}, learning {learn}, "
            f"review {due}) ──"
        )
        self.say(content.question(item))
        try:
            if item.type in ("choice", "diagnosis"):
                self.choice_flow(cur)
            elif item.type == "open":
                self.open_flow(cur)
            else:
                if not self.wait_reveal(cur):
                    return
                self.say("")
                self.say(content.answer(item))
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
            self.say(f"Hint: {cur.item.card.hint}" if cur.item.card.hint else "No hint.")
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
            self.say(f"  {LETTERS[i]}) {choice.text}")
        what = "letters (select all that apply)" if multi else "a letter"
        while True:
            raw = self.ask(f"[answer with {what}, then Enter · {CHOICE_KEYS_HELP}] ")
            raw = raw.strip().lower()
            if raw.startswith(":"):
                if self.command(raw[1:], cur):
                    raise _CardGone
                continue
            valid = LETTERS[: len(choices)]
            if raw and all(ch in valid for ch in raw.replace(" ", "").replace(",", "")):
                picked = {valid.index(ch) for ch in raw if ch in valid}
                break
            self.say(f"Type {what} between a and {valid[-1]} (commands start with ':').")
        fb = self.session.answer_choice(sorted(picked))
        self.say("")
        self.say("Correct!" if fb.correct else "Not quite.")
        for i, choice in enumerate(choices):
            mark = "✓" if choice.correct else "✗"
            chosen = "→" if i in fb.selected else " "
            self.say(f" {chosen}{mark} {LETTERS[i]}) {choice.text}")
            if choice.why:
                self.say(textwrap.indent(choice.why, "      "))
        extra = content.answer(cur.item)
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
        self.say(textwrap.indent(content.answer(cur.item), "  "))
        rubric = cur.rubric()
        while True:
            self.say("Rubric (toggle a point by its number):")
            for i, point in enumerate(rubric):
                box = "[x]" if i in cur.covered else "[ ]"
                found = f"  (found: {', '.join(hits[i])})" if hits.get(i) else ""
                self.say(f"  {i + 1}. {box} {point.point}{found}")
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
        names = list(evidence.columns)
        rows = list(zip(*(evidence.columns[n] for n in names), strict=False))
        widths = [max(len(n), *(len(_num(r[i])) for r in rows)) for i, n in enumerate(names)]
        head = "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))
        body = ["  ".join(_num(v).rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
        title = f"{evidence.title}\n" if evidence.title else ""
        return title + "\n".join([head, *body])

    def finish(self) -> None:
        summary = self.session.summary()
        minutes = summary.elapsed.total_seconds() / 60
        self.say(
            f"Studied {summary.studied} card(s), {summary.correct} right, in {minutes:.1f} min."
        )
        if summary.next_due:
            self.say(f"Next card due {summary.next_due.astimezone():%Y-%m-%d %H:%M}.")
        for message in self.session.messages:
            self.say(message)


class _CardGone(Exception):
    pass


def _num(v: float) -> str:
    return f"{v:g}"
