"""docs/keys.md lists every binding id the app has, with its default keys, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from drillbreak.tui.app import bindings_by_id

KEYS_MD = Path(__file__).parent.parent / "docs" / "keys.md"
TICKED = re.compile(r"`([^`]+)`")


def documented() -> dict[str, str]:
    """id -> the default keys docs/keys.md gives it, from the table's rows: one id or
    several in the first cell, one key spec for all or one per id in the second."""
    keys: dict[str, str] = {}
    for line in KEYS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or not cells[0].startswith("`"):
            continue
        ids, specs = TICKED.findall(cells[0]), TICKED.findall(cells[1])
        assert len(specs) in (1, len(ids)), f"keys.md row {line!r}: one key spec or one per id"
        for i, binding_id in enumerate(ids):
            keys[binding_id] = specs[0] if len(specs) == 1 else specs[i]
    return keys


def test_every_binding_id_is_documented_with_its_default_keys():
    in_code = {binding_id: b.key for binding_id, b in bindings_by_id().items()}
    in_docs = documented()
    assert sorted(set(in_code) - set(in_docs)) == [], "binding ids missing from docs/keys.md"
    assert sorted(set(in_docs) - set(in_code)) == [], "docs/keys.md lists ids no binding has"
    wrong = {i: (in_docs[i], in_code[i]) for i in in_code if in_docs[i] != in_code[i]}
    assert wrong == {}, "docs/keys.md (documented, in the code)"
