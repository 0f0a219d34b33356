"""``import anki-text``: Anki text exports and CSV/TSV -> YAML decks that lint clean."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbreak.deck.lint import lint
from drillbreak.deck.loader import load_text
from drillbreak.deck.models import to_dict
from drillbreak.errors import UserError
from drillbreak.interop.anki_html import guid_card_id, html_to_text, tidy
from drillbreak.interop.anki_text import (
    card_id_for,
    convert,
    dump_yaml,
    import_file,
    parse_headers,
    slugify,
)

FIXTURES = Path(__file__).parent / "fixtures" / "anki"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.is_file())


def import_to(tmp_path: Path, source: Path, **kw) -> tuple[Path, dict]:
    result, text = import_file(source, **kw)
    out = tmp_path / f"{source.stem}.yaml"
    out.write_text(text, encoding="utf-8")
    return out, result.deck


def cards_by_front(deck: dict) -> dict[str, dict]:
    return {c.get("front") or c.get("text"): c for c in deck["cards"]}


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_fixture_imports_to_a_clean_deck_that_round_trips(tmp_path, name):
    out, deck = import_to(tmp_path, FIXTURES / name)
    buf = io.StringIO()
    assert lint([out], buf) == 0, buf.getvalue()
    assert buf.getvalue().strip().endswith(": clean"), buf.getvalue()
    loaded = load_text(out.read_text(encoding="utf-8"), out)
    assert loaded.ok and not loaded.problems
    assert loaded.deck.id == deck["deck"]
    assert [to_dict(c, exclude_defaults=True) for c in loaded.deck.cards] == [
        {k: (tuple(v) if isinstance(v, list) else v) for k, v in c.items()} for c in deck["cards"]
    ]


def test_plain_text_export_with_headers():
    result = convert((FIXTURES / "plain_text_export.txt").read_text(), source="export.txt")
    deck = result.deck
    assert deck["deck"] == "spanish-verbs" and deck["title"] == "Spanish / Verbs"
    cards = cards_by_front(deck)
    hablar = cards["**hablar**"]
    assert hablar["back"] == "to speak\n(regular *-ar* verb)"
    assert hablar["tags"] == ["verbs", "spanish"]
    assert cards["comer"]["reverse"] is True
    cz = next(c for c in deck["cards"] if c.get("type") == "cloze")
    assert cz["text"] == "Yo {{c1::hablo}} español y {{c2::como::verb}} pan."
    assert cz["extra"] == "*present tense*"
    quoted = next(c for c in deck["cards"] if c.get("front", "").startswith("a "))
    assert quoted["front"] == 'a "quoted" front\non two lines'
    assert quoted["back"] == "back & more text"  # entities unescaped, &nbsp; a space
    assert "tags" not in quoted
    assert result.skipped == 0 and result.warnings == []


def test_header_less_tab_file():
    deck = convert((FIXTURES / "no_headers.txt").read_text(), source="no_headers.txt").deck
    assert deck["deck"] == "no-headers"
    assert [(c["front"], c["back"]) for c in deck["cards"]] == [
        ("What is the capital of France?", "Paris"),
        ("What is 2 + 2?", "4"),
        ("Largest planet", "Jupiter"),
    ]


def test_csv_with_quoted_commas_newlines_and_columns():
    deck = convert((FIXTURES / "quoted.csv").read_text(), source="quoted.csv").deck
    cards = deck["cards"]
    assert cards[0] == {
        "id": cards[0]["id"],
        "front": "Name three colours, please",
        "back": "red, green, blue",
        "tags": ["colours", "basics"],
    }
    assert cards[1]["front"] == "A front\nover two lines"
    assert cards[1]["back"] == 'A back with "quotes" and a comma, here'
    assert "tags" not in cards[2]


def test_semicolon_and_pipe_separators_and_header_tags_deck_notetype():
    semi = convert((FIXTURES / "semicolon.txt").read_text(), source="semicolon.txt").deck
    assert semi["tags"] == ["imported", "vocab"]
    fronts = [c["front"] for c in semi["cards"]]
    assert fronts == ["Hund", "Katze", "Maus; klein"]
    assert semi["cards"][1]["back"] == "cat\n\nmore about cats"  # extra fields join the back
    pipe = convert((FIXTURES / "pipe.txt").read_text(), source="pipe.txt").deck
    assert pipe["deck"] == "capitals" and pipe["title"] == "Capitals"
    assert [(c["front"], c["back"], c["reverse"]) for c in pipe["cards"]] == [
        ("Italy", "Rome", True),
        ("Spain", "Madrid", True),
    ]


def test_html_fields_become_text_and_tags_column():
    deck = convert((FIXTURES / "html_tags.txt").read_text(), source="html_tags.txt").deck
    first, second, third = deck["cards"]
    assert first["front"] == "Why do **deep** nets need data?"
    assert first["back"] == "- they learn features\n- from examples"  # script dropped
    assert first["tags"] == ["dl", "data-hunger"]
    assert second["front"] == "Entity test: a < b && c > d"
    assert second["back"] == "[image: graph.png] see the graph\n\nend"
    assert third["front"] == "html <b> shown literally"
    assert third["back"] == "red text"


def test_cloze_notes_and_a_broken_one_is_reported():
    result = convert((FIXTURES / "cloze.txt").read_text(), source="cloze.txt")
    assert [c["type"] for c in result.deck["cards"]] == ["cloze", "cloze"]
    first = result.deck["cards"][0]
    assert first["text"].startswith("{{c1::Gradient descent}}")
    assert first["extra"] == "It is an optimisation method."
    assert "extra" not in result.deck["cards"][1]
    assert result.skipped == 1
    assert result.warnings == [
        "line 7: cloze text has no well-formed {{c1::...}} deletion; skipped"
    ]


def test_reimport_of_an_updated_file_keeps_ids(tmp_path):
    source = tmp_path / "plain_text_export.txt"
    original = (FIXTURES / "plain_text_export.txt").read_text()
    source.write_text(original)
    _, before = import_to(tmp_path, source)
    lines = original.splitlines()
    header, notes = lines[:6], lines[6:]
    notes[0] = notes[0].replace("to speak", "to talk")  # back edited
    notes.reverse()  # order changed
    notes.insert(1, "newguid\tBasic\tSpanish::Verbs\tvivir\tto live\tverbs")  # note added
    source.write_text("\n".join(header + notes) + "\n")
    _, after = import_to(tmp_path, source)
    ids_before = {c.get("front") or c["text"]: c["id"] for c in before["cards"]}
    ids_after = {c.get("front") or c["text"]: c["id"] for c in after["cards"]}
    for front, card_id in ids_before.items():
        assert ids_after[front] == card_id
    assert len(set(ids_after.values())) == len(ids_after) == 5


def test_duplicate_first_fields_get_distinct_ids():
    deck = convert("same\tone\nsame\ttwo\nother\tthree\n", source="d.txt").deck
    ids = [c["id"] for c in deck["cards"]]
    assert ids[0] != ids[1] and ids[1] == f"{ids[0]}-2"


def test_ids_are_slug_plus_stable_hash():
    card_id = card_id_for("What is  the capital\nof France?")
    assert card_id == card_id_for("What is the capital of France?")
    assert card_id.startswith("what-is-the-capital-of-france-")
    assert len(card_id.rsplit("-", 1)[1]) == 6
    assert card_id_for("日本語").startswith("card-")
    long = card_id_for("word " * 40)
    assert len(long) <= 48
    assert slugify("Crème brûlée {{c1::ok}}") == "creme-brulee-ok"


def test_deck_option_and_errors(tmp_path):
    deck = convert("a\tb\n", source="x.txt", deck_id="my-deck").deck
    assert deck["deck"] == "my-deck"
    with pytest.raises(UserError, match="not a valid deck id"):
        convert("a\tb\n", source="x.txt", deck_id="Bad Id")
    with pytest.raises(UserError, match="no notes"):
        convert("#separator:tab\n\n", source="x.txt")
    with pytest.raises(UserError, match="unknown #separator"):
        convert("#separator:banana\na\tb\n", source="x.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9\tb\n".encode("latin-1"))
    with pytest.raises(UserError, match="not UTF-8"):
        import_file(bad)
    only_fronts = tmp_path / "fronts.txt"
    only_fronts.write_text("just a front\n")
    with pytest.raises(UserError, match="none of its 1 note"):
        import_file(only_fronts)


def test_headers_parse_and_separator_names():
    h = parse_headers(
        [
            "#separator:Pipe",
            "#html:true",
            "#tags:a b",
            "#deck column:2",
            "#guid column:1",
            "front|back",
        ]
    )
    assert (h.separator, h.html, h.tags, h.deck_column, h.guid_column, h.lines) == (
        "|",
        True,
        ["a", "b"],
        1,
        0,
        5,
    )
    assert parse_headers(["#separator:\t"]).separator == "\t"
    assert parse_headers(["#separator:,"]).separator == ","


def test_guid_and_notetype_columns_are_not_fields():
    text = (
        "#separator:comma\n#guid column:1\n#notetype column:2\n#deck column:3\n"
        "g1,Basic,Default,front one,back one\n"
        "g2,Cloze,Default,The {{c1::answer}},\n"
    )
    deck = convert(text, source="x.csv").deck
    assert deck["deck"] == "default"
    assert deck["cards"][0]["front"] == "front one"
    assert deck["cards"][1] == {
        "id": deck["cards"][1]["id"],
        "type": "cloze",
        "text": "The {{c1::answer}}",
        "anki_guid": "g2",
    }


def test_several_anki_decks_become_tags():
    text = "#separator:tab\n#deck column:1\nLang::French\tun\tone\nLang::German\teins\tone\n"
    deck = convert(text, source="mixed.txt").deck
    assert deck["deck"] == "mixed"
    assert [c["tags"] for c in deck["cards"]] == [["Lang::French"], ["Lang::German"]]


def test_html_to_text_details():
    assert html_to_text("a<br>b<br/>c") == "a\nb\nc"
    assert html_to_text("<b> bold </b>x") == " **bold** x"
    assert html_to_text("<i></i>empty") == "empty"
    assert tidy(html_to_text("<div>one</div><div>two</div>")) == "one\ntwo"
    assert html_to_text("&amp;&lt;&gt;&quot;&#39;&nbsp;") == "&<>\"' "
    assert html_to_text("<pre>  keep\n  spaces</pre>").strip("\n") == "  keep\n  spaces"
    assert tidy("a\r\nb\x1b[31m\tc  \n\n\n\nd") == "a\nb    c\n\nd"


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=_TEXT, back=_TEXT, tag=st.from_regex(r"[A-Za-z0-9:_-]{1,12}", fullmatch=True))
def test_any_text_survives_yaml_round_trip(front, back, tag):
    front, back = tidy(front), tidy(back)
    if not front or not back:
        return
    deck = {
        "deck": "prop",
        "title": "Prop",
        "cards": [{"id": card_id_for(front), "front": front, "back": back, "tags": [tag]}],
    }
    result = load_text(dump_yaml(deck, comment="x"), Path("prop.yaml"))
    assert result.ok, result.problems
    card = result.deck.cards[0]
    assert (card.front, card.back, card.tags) == (front, back, (tag,))


def test_guid_column_gives_the_ids_import_anki_gives():
    text = "#separator:tab\n#html:true\n#guid column:1\nAb$c1\tfront\tback\nxY(z2\tq\ta\n"
    deck = convert(text, source="n.txt").deck
    assert [(c["id"], c["anki_guid"]) for c in deck["cards"]] == [
        (guid_card_id("Ab$c1"), "Ab$c1"),
        (guid_card_id("xY(z2"), "xY(z2"),
    ]
    assert deck["cards"][0]["front"] == "front"  # the GUID is not a field


def test_optional_reversed_card_is_reversible_not_a_longer_answer():
    text = (
        "#separator:tab\n#notetype:Basic (optional reversed card)\nchat\tcat\ty\noiseau\tbird\t\n"
    )
    a, b = convert(text, source="n.txt").deck["cards"]
    assert (a["back"], a.get("reverse")) == ("cat", True)
    assert (b["back"], b.get("reverse")) == ("bird", None)


def test_multi_line_fields_keep_their_line_breaks_in_html_files():
    text = '#separator:tab\n#html:true\n"line one\nline <b>two</b>"\tback\n'
    (card,) = convert(text, source="n.txt").deck["cards"]
    assert card["front"] == "line one\nline **two**"


def test_media_references_are_kept_and_reported():
    text = '#separator:tab\n#html:true\n<img src="cat.png"> what?\tmeow [sound:meow.mp3]\n'
    result = convert(text, source="n.txt")
    (card,) = result.deck["cards"]
    assert card["front"] == "[image: cat.png] what?"
    assert card["back"] == "meow [sound: meow.mp3]"
    assert result.media == ["cat.png", "meow.mp3"]


def test_mathjax_survives():
    text = "#separator:tab\n#html:true\n\\(E = mc^2\\)\t\\[a &lt; b\\]\n"
    (card,) = convert(text, source="n.txt").deck["cards"]
    assert (card["front"], card["back"]) == (r"\(E = mc^2\)", r"\[a < b\]")
