"""Guards against mistakes that once passed the suite: each test names the mistake it catches."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile

from conftest import SAMPLE_DECK, write_deck

from drillbreak.deck.items import deck_items
from drillbreak.deck.loader import load_collection
from drillbreak.interop.anki_export import export_apkg, note_guid
from drillbreak.study import content

CLOZE_DECK = """
deck: cz
title: Cloze
cards:
  - id: two
    type: cloze
    text: "The {{c1::learning rate}} sets how far each {{c2::gradient::what?}} step moves."
    extra: Both matter.
"""


def cloze_items(tmp_path):
    write_deck(tmp_path, "cz.yaml", CLOZE_DECK)
    (deck,) = load_collection([tmp_path]).decks
    return {item.key: item for item in deck_items(deck)}


def test_each_cloze_card_masks_only_its_own_deletion(tmp_path):
    items = cloze_items(tmp_path)
    assert sorted(items) == ["two~c1", "two~c2"]
    c1, c2 = items["two~c1"], items["two~c2"]
    assert content.question(c1) == "The [...] sets how far each gradient step moves."
    assert content.question(c2) == "The learning rate sets how far each [what?] step moves."
    assert content.answer(c1) == (
        "The **learning rate** sets how far each gradient step moves.\n\nBoth matter."
    )
    assert content.answer(c2) == (
        "The learning rate sets how far each **gradient** step moves.\n\nBoth matter."
    )


def test_duplicate_deck_id_points_at_the_second_files_deck_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_deck(tmp_path, "a.yaml", "deck: same\ntitle: A\ncards: []\n")
    # the id is not at column 7: the header comes second, with extra spaces and quotes
    write_deck(tmp_path, "b.yaml", 'title: B\ndeck:   "same"\ncards: []\n')
    collection = load_collection([tmp_path])
    (error,) = [p for p in collection.problems if p.is_error]
    assert error.format() == (
        "b.yaml:2:9: error: duplicate deck id 'same' (also in a.yaml); deck ids must be unique"
    )


WARNINGS_ONLY = """
deck: warn
title: Warnings only
cards:
  - id: q
    front: Q
    back: A
  - id: op
    type: open
    prompt: Explain
    rubric:
      - point: mentions data
    model_answer: data
"""


def run_lint(folder):
    return subprocess.run(
        [sys.executable, "-m", "drillbreak", "lint", "."],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lint_exits_0_on_warnings_only_and_1_on_an_error(tmp_path):
    write_deck(tmp_path, "warn.yaml", WARNINGS_ONLY)
    warned = run_lint(tmp_path)
    assert (warned.returncode, warned.stderr) == (0, "")
    assert warned.stdout.splitlines() == [
        "warn.yaml:11:9: warning: rubric point has no keywords to highlight in the answer",
        "1 file(s), 2 card(s): 0 error(s), 1 warning(s)",
    ]

    write_deck(tmp_path, "warn.yaml", WARNINGS_ONLY.replace("    back: A\n", ""))
    failed = run_lint(tmp_path)
    assert failed.returncode == 1, failed.stderr
    assert failed.stdout.splitlines() == [
        "warn.yaml:4:5: error: missing required field 'back'",
        "warn.yaml:10:9: warning: rubric point has no keywords to highlight in the answer",
        "1 file(s), 1 card(s): 1 error(s), 1 warning(s)",
    ]


# Computed once from genanki.guid_for("drillbreak", "sample", "q1"). Anki matches imported
# notes by GUID: a different value makes every re-import duplicate every note.
SAMPLE_Q1_GUID = "|E0?XU6BO"


def test_anki_note_guid_is_pinned(tmp_path):
    assert note_guid("sample", "q1") == SAMPLE_Q1_GUID
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "sample.yaml", SAMPLE_DECK)
    out = export_apkg(load_collection([folder]).decks, tmp_path / "out.apkg").path
    with zipfile.ZipFile(out) as z:
        (tmp_path / "collection.anki2").write_bytes(z.read("collection.anki2"))
    con = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        guids = dict(con.execute("SELECT flds, guid FROM notes"))
    finally:
        con.close()
    assert guids["Question one\x1fAnswer one\x1f"] == SAMPLE_Q1_GUID
