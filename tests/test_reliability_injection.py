"""Deck text cannot drive the terminal: escapes and control characters are removed
when a deck is loaded, and Rich-style markup stays literal text.

The payload is written with YAML double-quoted escapes (``\\e`` is ESC, ``\\a``
is BEL, ``\\x9b`` is the 8-bit CSI, ``\\N`` is NEL), so it reaches the loader
exactly as a hostile deck file would deliver it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbreak.deck.loader import load_file, load_text
from drillbreak.deck.models import to_dict

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 (but \n, \t), DEL, C1
MARKUP = "[bold red]x[/] [link=https://evil.example]click[/link]"
# YAML double-quoted source text: every sequence a terminal would act on
PAYLOAD = (
    MARKUP + r" clear\e[2J\e[H red\e[31mRED\e[0m"
    r" clip\e]52;c;ZXZpbCBjb21tYW5k\a"
    r" link\e]8;;https://evil.example\e\\here\e]8;;\e\\"
    r" title\e]0;pwned\a csi8\x9b31m dcs\eP+q544e\e\\ apc\e_x\e\\"
    r" nul\0 bs\b cr\r del\x7f nel\N bell\a esc\e end"
)
TAG = r"t\e[2Jx"


def hostile_deck() -> str:
    p = f'"{PAYLOAD}"'
    return f"""\
deck: evil
title: {p}
description: {p}
tags: ["{TAG}"]
cards:
  - id: basic
    front: {p}
    back: {p}
    hint: {p}
    tags: ["{TAG}"]
  - id: cz
    type: cloze
    text: "{PAYLOAD} {{{{c1::{PAYLOAD}}}}}"
    extra: {p}
  - id: ch
    type: choice
    shuffle: false
    question: {p}
    choices:
      - text: "right {PAYLOAD}"
        correct: true
        why: {p}
      - text: "wrong {PAYLOAD}"
  - id: dx
    type: diagnosis
    scenario: {p}
    question: {p}
    takeaway: {p}
    evidence:
      title: {p}
      x: "step\\e[2J"
      columns:
        "step\\e[2J": [1, 2, 3]
        "loss\\e]52;c;eA==\\a": [3, 2, 1]
    choices:
      - text: {p}
        correct: true
      - text: other
  - id: op
    type: open
    prompt: {p}
    rubric:
      - point: {p}
        keywords: [{p}]
    model_answer: {p}
"""


def strings(value) -> list[str]:
    """Every string inside a loaded value: dict keys and values, lists, models."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return strings(to_dict(value))
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def test_loader_removes_every_escape_and_control(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(hostile_deck())
    result = load_file(path)
    assert result.ok, result.problems
    deck = result.deck
    assert len(deck.cards) == 5
    found = strings([deck.title, deck.description, deck.tags, *deck.cards])
    assert len(found) > 30
    for text in found:
        assert not CONTROL.search(text), repr(text)
    basic = deck.cards[0]
    assert MARKUP in basic.front  # markup is kept as text; displays must not interpret it
    assert basic.front.endswith(" end")
    assert "pwned" not in basic.front and "ZXZpbCBjb21tYW5k" not in basic.front  # OSC bodies gone
    assert basic.tags == ("tx",)
    assert list(deck.cards[3].evidence.columns) == ["step", "loss"]


def test_raw_control_bytes_in_the_file_are_a_located_error(tmp_path):
    path = tmp_path / "raw.yaml"
    path.write_bytes(b"deck: raw\ntitle: t\ncards:\n  - id: a\n    front: q \x1b[2J\n    back: a\n")
    result = load_file(path)
    assert not result.ok and result.deck is None
    first = result.first_error
    assert "control characters are not allowed" in first.message
    assert first.line > 1  # the reader's offset is turned into line:col


def _yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar for ``text``; anything non-printable is escaped."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or 0x7F <= code <= 0xA0 or code in (0xFEFF, 0xFFFE, 0xFFFF):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        elif 0x2028 <= code <= 0x2029:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


HOSTILE = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\x1b\x07\x00\x08\r\n\t\x7f\x85\x9b\x9d\x90\x9c[]/;=\\P_^")),
        st.characters(max_codepoint=0x24F, exclude_categories=("Cs",)),
        st.characters(exclude_categories=("Cs",)),  # a decoded file has no surrogates
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_any_escaped_text_loads_clean(text):
    source = (
        f"deck: p\ntitle: t\ncards:\n  - id: a\n    front: {_yaml_quote('x' + text)}\n    back: b\n"
    )
    result = load_text(source, Path("p.yaml"))
    assert result.ok, result.problems
    front = result.deck.cards[0].front
    assert not CONTROL.search(front)
    if not CONTROL.search(text):
        assert front == "x" + text  # clean text is never altered


def test_plain_study_prints_no_escape_and_literal_brackets(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    (decks / "evil.yaml").write_text(hostile_deck())
    db = tmp_path / "inj.sqlite3"
    # basic: Enter shows the answer, 3 rates; cloze: the same; choice: a, Enter takes
    # the suggested rating; then end of input
    keys = "\n3\n\n3\na\n\n"
    result = subprocess.run(
        [sys.executable, "-m", "drillbreak", "study", "--plain", "--db", str(db)]
        + ["--decks", str(decks), "--new", "10", "evil"],
        input=keys.encode(),
        capture_output=True,
        timeout=120,
        env={**os.environ},
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr.decode()
    assert b"\x1b" not in out and b"\x07" not in out and b"\x9b" not in out.decode().encode()
    text = out.decode()
    assert not CONTROL.search(text)
    assert "[bold red]x[/]" in text
    assert "[link=https://evil.example]click[/link]" in text
    assert "Studied 3 card(s)" in text
    assert b"\x1b" not in result.stderr
