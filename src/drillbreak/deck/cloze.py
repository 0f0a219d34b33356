"""Anki-style cloze deletions: ``{{c1::answer}}`` and ``{{c1::answer::hint}}``."""

from __future__ import annotations

import re
from dataclasses import dataclass

CLOZE_RE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_OPEN_RE = re.compile(r"\{\{c\d*:?:?")

MASK = "[...]"


@dataclass(frozen=True)
class Deletion:
    number: int
    answer: str
    hint: str | None
    start: int
    end: int


def deletions(text: str) -> list[Deletion]:
    return [
        Deletion(int(m.group(1)), m.group(2), m.group(3), m.start(), m.end())
        for m in CLOZE_RE.finditer(text)
    ]


def numbers(text: str) -> list[int]:
    """The distinct cloze numbers in ``text``, ascending; each is one study card."""
    return sorted({d.number for d in deletions(text)})


def malformed_offset(text: str) -> int | None:
    """Offset of a ``{{c`` that does not form a complete deletion, if any."""
    covered = [(m.start(), m.end()) for m in CLOZE_RE.finditer(text)]
    for m in _OPEN_RE.finditer(text):
        if not any(s <= m.start() < e for s, e in covered):
            return m.start()
    return None


def render(text: str, number: int, *, revealed: bool, mark: tuple[str, str] = ("", "")) -> str:
    """Text for card ``cN``: its deletions masked (or marked when revealed), others shown."""
    left, right = mark

    def sub(m: re.Match[str]) -> str:
        n, answer, hint = int(m.group(1)), m.group(2), m.group(3)
        if n != number:
            return answer
        if revealed:
            return f"{left}{answer}{right}"
        return f"[{hint}]" if hint else MASK

    return CLOZE_RE.sub(sub, text)
