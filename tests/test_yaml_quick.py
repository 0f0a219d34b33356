"""The quick YAML read (libyaml events, no positions) against the full read."""

from __future__ import annotations

from pathlib import Path

import pytest

from drillbreak import paths
from drillbreak.deck import yamlsource
from drillbreak.deck.loader import load_text
from drillbreak.deck.yamlsource import YamlError, read_yaml

TRICKY = [
    "",
    "just text",
    "a: 1\nb: 1.5\nc: true\nd: yes\ne: ~\nf: 2024-01-02\ng: '007'\nh: 0x1F\n",
    "a: [1, 'two', {b: null}]\nc:\n  - d: |\n      block\n      text\n  - e: >-\n      folded\n",
    "a: &x {b: 1}\nc: *x\n",
    "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
    "a: 1\na: 2\n",
    "a: !!str 12\nb: !!int '3'\n",
    "a: .inf\nb: -.5\nc: +1\nd: Off\ne: NULL\nf: ''\n",
    "? [a, b]\n: c\n",
    "---\na: 1\n---\nb: 2\n",
]


def _deck_texts() -> list[str]:
    root = paths.shipped_cards_dir()
    return [p.read_text(encoding="utf-8") for p in sorted(Path(root).rglob("*.yaml"))]


_TEXTS = TRICKY + _deck_texts()


@pytest.mark.parametrize("text", _TEXTS, ids=[f"text{i}" for i in range(len(_TEXTS))])
def test_quick_read_gives_the_full_reads_values(text: str) -> None:
    try:
        full = read_yaml(text)[0]
    except YamlError as exc:
        with pytest.raises(YamlError) as quick_exc:
            read_yaml(text, where=False)
        assert (quick_exc.value.message, quick_exc.value.line) == (exc.message, exc.line)
        return
    value = read_yaml(text, where=False)[0]
    assert value == full
    assert [type(v) for v in _leaves(value)] == [type(v) for v in _leaves(full)]


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in (k, *_leaves(v))]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]


def test_quick_read_keeps_top_level_positions_only() -> None:
    _, positions = read_yaml("deck: d\ntitle: T\ncards:\n  - id: a\n", where=False)
    assert not positions.complete
    assert positions.of(("deck",)) == (1, 7)
    assert positions.of(("cards", 0, "id")) == (4, 3)  # the nearest known parent


DECK = """\
deck: quick
title: Quick
cards:
  - id: one
    front: What?
    back: That.
  - id: two
    front: Who?
    back: Them.
  - id: three
    type: basci
    front: Where?
    back: There.
"""


def test_a_problem_deep_in_a_file_is_reported_at_its_line() -> None:
    result = load_text(DECK, Path("quick.yaml"))
    problem = result.first_error
    assert problem is not None
    assert (problem.line, problem.col) == (11, 11), problem.format()


def test_reading_scalars_keeps_nothing_in_the_shared_constructor() -> None:
    yamlsource._constructor.constructed_objects.clear()
    read_yaml("a: 1\nb: [2.5, true, null]\n")
    read_yaml("a: 1\nb: [2.5, true, null]\n", where=False)
    assert yamlsource._constructor.constructed_objects == {}
