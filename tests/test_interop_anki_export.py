"""``export anki``: the .apkg is read back (a zip holding an SQLite collection)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE_DECK, write_deck

from drillbreak.deck.loader import load_collection
from drillbreak.interop import anki_export
from drillbreak.interop.anki_export import export_apkg, md_html, note_guid, stable_id

SECOND_DECK = """
deck: second
title: "Second: more::cards"
cards:
  - id: dx
    type: diagnosis
    scenario: Loss <b>jumps</b> after the **warmup** ends.
    evidence:
      title: Training log
      x: step
      columns: {step: [1, 2, 3], loss: [2.5, 0.9, 7.25]}
    question: What broke?
    choices:
      - text: The learning rate is too high
        correct: true
        why: It rises when warmup ends.
      - text: The data loader
        why: The data did not change.
    takeaway: Lower the peak rate.
    hint: Look at step 3.
  - id: multi
    type: choice
    question: Select the regularisers
    choices:
      - text: dropout
        correct: true
      - text: weight decay
        correct: true
      - text: "[sound:evil.mp3] a bigger model"
"""


@pytest.fixture
def decks(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "sample.yaml", SAMPLE_DECK)
    write_deck(folder, "second.yaml", SECOND_DECK)
    collection = load_collection([folder])
    assert not collection.broken
    return collection.decks


def read_apkg(path: Path, tmp_path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist()
        target = tmp_path / f"{path.stem}-collection.anki2"
        target.write_bytes(z.read("collection.anki2"))
    con = sqlite3.connect(target)
    try:
        models_json, decks_json = con.execute("select models, decks from col").fetchone()
        notes = con.execute("select id, guid, mid, tags, flds from notes order by id").fetchall()
        cards = con.execute("select nid, ord, did from cards").fetchall()
    finally:
        con.close()
    models = json.loads(models_json)
    by_id = {}
    for nid, guid, mid, tags, flds in notes:
        by_id[nid] = {
            "guid": guid,
            "mid": mid,
            "model": models[str(mid)]["name"],
            "model_type": models[str(mid)]["type"],
            "tags": tags.split(),
            "fields": flds.split("\x1f"),
            "cards": sorted(o for n, o, _ in cards if n == nid),
            "deck": {d for n, _, d in cards if n == nid},
        }
    return {
        "models": models,
        "decks": {int(k): v["name"] for k, v in json.loads(decks_json).items()},
        "notes": {n["guid"]: n for n in by_id.values()},
    }


def test_export_reads_back_with_models_fields_tags_and_decks(decks, tmp_path):
    out = tmp_path / "out.apkg"
    summary = export_apkg(decks, out)
    assert summary.notes == 7
    assert summary.cards == 1 + 2 + 2 + 1 + 1 + 1 + 1
    data = read_apkg(out, tmp_path)
    notes = data["notes"]
    assert len(notes) == 7

    def note(deck, card):
        return notes[note_guid(deck, card)]

    # deck names: drillbreak::<title>, "::" in a title does not nest
    names = set(data["decks"].values())
    assert {"drillbreak::Sample", "drillbreak::Second: more:cards"} <= names
    assert data["decks"][stable_id("deck", "sample")] == "drillbreak::Sample"
    assert note("sample", "q1")["deck"] == {stable_id("deck", "sample")}
    assert note("second", "dx")["deck"] == {stable_id("deck", "second")}

    q1 = note("sample", "q1")
    assert q1["model"] == "Basic (optional reversed card) (drillbreak)"
    assert q1["fields"] == ["Question one", "Answer one", ""]
    assert q1["tags"] == ["base", "alpha"]
    assert q1["cards"] == [0]

    q2 = note("sample", "q2")
    assert q2["model"] == q1["model"]  # toggling reverse changes a field, not the note type
    assert q2["fields"][2] == "y"
    assert q2["cards"] == [0, 1]

    cz = note("sample", "cz")
    assert cz["model_type"] == 1  # genanki.Model.CLOZE
    assert cz["model"] == "Cloze (drillbreak)"
    assert "{{c1::learning rate}}" in cz["fields"][0]
    assert "{{c2::gradient}}" in cz["fields"][0]
    assert cz["cards"] == [0, 1]
    assert [f["name"] for f in data["models"][str(cz["mid"])]["flds"]] == ["Text", "Back Extra"]

    ch = note("sample", "ch")
    front, back, _ = ch["fields"]
    assert '<ol type="A" class="choices"><li>right</li><li>wrong</li></ol>' in front
    assert "Answer:</span> A" in back
    assert "Correct.</span> right<br>because" in back
    assert "Incorrect.</span> wrong<br>no" in back

    op = note("sample", "op")
    assert "Model answer" in op["fields"][1] and "data and labels" in op["fields"][1]
    assert "mentions labels" in op["fields"][1] and "keywords: labels" in op["fields"][1]

    dx = note("second", "dx")
    front, back, _ = dx["fields"]
    assert "&lt;b&gt;jumps&lt;/b&gt;" in front  # raw HTML in a card is shown literally
    assert "<strong>warmup</strong>" in front
    assert "<caption>Training log</caption>" in front
    assert "<th>step</th><th>loss</th>" in front
    assert "<tr><td>3</td><td>7.25</td></tr>" in front
    assert "<details" in front and "Look at step 3." in front
    assert "Takeaway" in back and "Lower the peak rate." in back
    assert dx["tags"] == []

    multi = note("second", "multi")
    assert "Select all that apply" in multi["fields"][0]
    assert "Answer:</span> A, B" in multi["fields"][1]
    assert "[sound:" not in multi["fields"][0]  # Anki would try to play it


def test_guids_ids_and_note_contents_are_stable_across_exports(decks, tmp_path):
    a, b = tmp_path / "a.apkg", tmp_path / "b.apkg"
    export_apkg(decks, a, timestamp=1_700_000_000)
    export_apkg(decks, b, timestamp=1_800_000_000)
    first, second = read_apkg(a, tmp_path), read_apkg(b, tmp_path)

    def content(data):
        return {
            g: (n["mid"], n["fields"], n["tags"], n["cards"], n["deck"])
            for g, n in data["notes"].items()
        }

    assert content(first) == content(second)
    assert set(first["models"]) == set(second["models"])
    assert first["decks"] == second["decks"]
    # a note's GUID depends on deck id + card id only
    assert note_guid("sample", "q1") != note_guid("sample", "q2")
    assert note_guid("sample", "q1") != note_guid("second", "q1")
    assert len(set(first["notes"])) == 7


def test_rewording_a_card_keeps_its_guid(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    write_deck(folder, "s.yaml", SAMPLE_DECK)
    before = read_apkg(
        export_apkg(load_collection([folder]).decks, tmp_path / "1.apkg").path, tmp_path
    )
    write_deck(folder, "s.yaml", SAMPLE_DECK.replace("Answer one", "Answer one, reworded"))
    after = read_apkg(
        export_apkg(load_collection([folder]).decks, tmp_path / "2.apkg").path, tmp_path
    )
    guid = note_guid("sample", "q1")
    assert before["notes"][guid]["fields"][1] == "Answer one"
    assert after["notes"][guid]["fields"][1] == "Answer one, reworded"


def test_fields_are_valid_html_for_genanki(decks):
    import genanki

    for deck in decks:
        for card in deck.cards:
            _kind, fields = anki_export.card_fields(card)
            for value in fields:
                assert genanki.Note._find_invalid_html_tags_in_field(value) == []


def test_markdown_rendering():
    assert md_html("plain") == "plain"
    assert md_html("**bold** and `x<y`") == "<strong>bold</strong> and <code>x&lt;y</code>"
    assert md_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_html("a\n\nb").startswith("<p>a</p>")
    assert "<li>x</li>" in md_html("- x\n- y")
    assert "<img" not in md_html("![x](https://example.com/x.png)")
    assert "href" not in md_html("[x](javascript:alert(1))")
    assert 'href="https://example.com"' in md_html("[x](https://example.com)")
    assert md_html("[latex]x[/latex]").startswith("&#91;latex]")


def test_stable_ids_are_in_range_and_deterministic():
    a = stable_id("deck", "sample")
    assert a == stable_id("deck", "sample")
    assert (1 << 30) <= a < (1 << 31)
    assert a != stable_id("deck", "other")
    assert anki_export.anki_deck_name("A :: B") == "drillbreak::A : B"
    assert anki_export.anki_tag("a b") == "a_b"


def test_mathjax_passes_through_markdown():
    """Anki's MathJax delimiters survive: markdown would read "\\(" as an escaped "("."""
    assert md_html(r"Energy \(E = mc^2\) *now*") == r"Energy \(E = mc^2\) <em>now</em>"
    assert md_html("\\[a < b\\]\n\nthen") == "<p>\\[a &lt; b\\]</p>\n<p>then</p>"
    assert md_html(r"plain \(x\) and \(y\)") == r"plain \(x\) and \(y\)"
