"""Every lint rule, with its exact line and column."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import write_deck

from drillbreak.deck.lint import lint
from drillbreak.deck.loader import load_collection, load_file

DEMOS = {"fgsm", "overfitting", "learning-rate"}


def problems(tmp_path: Path, text: str, demos=DEMOS) -> list[tuple[int, int, str, str]]:
    path = write_deck(tmp_path, "deck.yaml", text)
    result = load_file(path, demos)
    return [(p.line, p.col, p.severity, p.message) for p in result.problems]


def only(tmp_path, text, demos=DEMOS):
    found = problems(tmp_path, text, demos)
    assert len(found) == 1, found
    return found[0]


def test_clean_deck_has_no_problems(tmp_path, sample_dir):
    result = load_file(sample_dir / "sample.yaml", DEMOS)
    assert result.problems == []
    assert result.ok
    assert [c.id for c in result.deck.cards] == ["q1", "q2", "cz", "ch", "op"]


def test_yaml_syntax_error_position(tmp_path):
    line, col, sev, msg = only(tmp_path, "deck: x\ntitle: [unclosed\ncards: []\n")
    assert (line, sev) == (4, "error") or (line, sev) == (3, "error")
    assert msg.startswith("YAML syntax")


def test_tab_indentation(tmp_path):
    line, col, _, msg = only(tmp_path, "deck: x\ntitle: t\ncards:\n\t- id: a\n")
    assert (line, col) == (4, 1)
    assert "tab" in msg and "spaces" in msg


def test_unknown_key_did_you_mean(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        fornt: Q
        back: A
    """
    found = problems(tmp_path, text)
    assert (5, 5, "error", "unknown key 'fornt' (did you mean 'front'?)") in found
    assert (4, 5, "error", "missing required field 'front'") in found


def test_wrong_type(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: [not, text]
    """
    assert only(tmp_path, text)[:2] == (6, 11)


def test_key_of_other_card_type(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        type: cloze
        text: "a {{c1::b}}"
        reverse: true
    """
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (7, 5)
    assert "belongs to basic cards" in msg


def test_duplicate_card_ids_reported_at_both(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: A
      - id: a
        front: Q2
        back: A2
    """
    found = problems(tmp_path, text)
    assert (4, 9, "error", "duplicate card id 'a' (also at line 7)") in found
    assert (7, 9, "error", "duplicate card id 'a' (also at line 4)") in found


def test_duplicate_deck_ids_across_files(tmp_path):
    write_deck(tmp_path, "a.yaml", "deck: same\ntitle: A\ncards: []\n")
    write_deck(tmp_path, "b.yaml", "deck: same\ntitle: B\ncards: []\n")
    collection = load_collection([tmp_path], DEMOS)
    errors = [p for p in collection.problems if p.is_error]
    assert len(errors) == 1
    assert errors[0].path.endswith("b.yaml") and (errors[0].line, errors[0].col) == (1, 7)
    assert "duplicate deck id 'same'" in errors[0].message


def test_cloze_without_deletion(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: c
        type: cloze
        text: no deletion here
    """
    assert only(tmp_path, text)[:2] == (6, 11)


def test_malformed_cloze(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: c
        type: cloze
        text: "broken {{c1:answer}} here"
    """
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (6, 11) and "malformed cloze" in msg


def test_choice_without_correct(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: c
        type: choice
        question: q
        choices:
          - text: a
          - text: b
    """
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (8, 7) and "correct" in msg


def test_too_few_choices(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: c
        type: choice
        question: q
        choices:
          - text: a
            correct: true
    """
    line, _, _, msg = only(tmp_path, text)
    assert line == 8 and "2 to 8 choices" in msg


def test_evidence_unequal_columns_and_missing_x(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: d
        type: diagnosis
        scenario: s
        question: q
        evidence:
          x: epoch
          columns:
            epoch: [1, 2, 3]
            loss: [1.0, 0.5]
        choices: [{text: a, correct: true}, {text: b}]
      - id: e
        type: diagnosis
        scenario: s
        question: q
        evidence:
          x: step
          columns: {epoch: [1, 2], loss: [1, 2]}
        choices: [{text: a, correct: true}, {text: b}]
    """
    found = problems(tmp_path, text)
    assert found[0][:3] == (12, 15, "error") and "'loss' has 2 values" in found[0][3]
    assert found[1][:2] == (19, 10) and "x column 'step'" in found[1][3]


def test_unknown_demo(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: A
        demo: fgsn
    """
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (7, 11)
    assert msg == "unknown demo 'fgsn' (did you mean 'fgsm'?)"


def test_unknown_type_did_you_mean(tmp_path):
    line, col, _, msg = only(
        tmp_path, "deck: x\ntitle: t\ncards:\n  - id: a\n    type: clozee\n    text: x\n"
    )
    assert (line, col) == (5, 11) and "did you mean 'cloze'" in msg


def test_bad_ids(tmp_path):
    found = problems(
        tmp_path, "deck: Bad Deck\ntitle: t\ncards:\n  - id: Has Space\n    front: a\n    back: b\n"
    )
    assert [(f[0], f[1]) for f in found] == [(1, 7), (4, 9)]


def test_duplicate_yaml_key(tmp_path):
    text = "deck: x\ntitle: t\ncards:\n  - id: a\n    front: one\n    front: two\n    back: b\n"
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (6, 5) and "duplicate key 'front'" in msg


def test_python_tags_refused(tmp_path):
    text = "deck: x\ntitle: !!python/object/apply:os.system ['echo hi']\ncards: []\n"
    line, _, _, msg = only(tmp_path, text)
    assert line == 2 and "unsupported YAML tag" in msg


def test_alias_bomb_refused(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    line, _, _, msg = only(tmp_path, "\n".join(lines) + "\n")
    assert "alias bomb" in msg


def test_big_file_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text("deck: x\ntitle: t\n# " + "x" * (6 * 1024 * 1024) + "\n")

    def unread(self):
        raise AssertionError(f"{self} was read: a file over the limit is refused by its size")

    monkeypatch.setattr(Path, "read_bytes", unread)
    monkeypatch.setattr(Path, "read_text", unread)
    result = load_file(path)
    assert result.deck is None
    assert [(p.line, p.col, p.message) for p in result.problems] == [
        (1, 1, "file is 6.3 MB, over the 5 MB limit; split the deck")
    ]


def test_not_utf8(tmp_path):
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"deck: x\ntitle: \xff\xfe\n")
    result = load_file(path)
    assert result.problems[0].line == 2 and "UTF-8" in result.problems[0].message


def test_top_level_not_mapping(tmp_path):
    assert "must be a mapping" in only(tmp_path, "- a\n- b\n")[3]


def test_control_characters_removed(tmp_path):
    path = write_deck(
        tmp_path,
        "deck.yaml",
        'deck: x\ntitle: t\ncards:\n  - id: a\n    front: "\\e[31mred\\e[0m [bold]x[/bold]"\n    back: "b\\x07"\n',
    )
    card = load_file(path).deck.cards[0]
    assert card.front == "red [bold]x[/bold]"
    assert card.back == "b"


def test_lint_output_and_exit_code(tmp_path, sample_dir):
    write_deck(sample_dir, "bad.yaml", "deck: bad\ntitle: t\ncards:\n  - id: a\n    front: q\n")
    out = io.StringIO()
    status = lint([sample_dir], out)
    lines = out.getvalue().splitlines()
    assert status == 1
    assert lines[0].endswith("bad.yaml:4:5: error: missing required field 'back'")
    assert lines[-1] == "2 file(s), 5 card(s): 1 error(s), 0 warning(s)"


def test_lint_clean_exit_zero(sample_dir):
    out = io.StringIO()
    assert lint([sample_dir], out) == 0
    assert out.getvalue().strip().endswith("clean")


@pytest.mark.parametrize("text", ["", "   \n", "null\n", "[]\n", "42\n"])
def test_degenerate_files(tmp_path, text):
    result = load_file(
        write_deck(tmp_path, "d.yaml", text) if text.strip() else _raw(tmp_path, text)
    )
    assert result.deck is None and result.problems and result.problems[0].is_error


def _raw(tmp_path, text):
    path = tmp_path / "d.yaml"
    path.write_text(text)
    return path


def test_raw_control_byte_located(tmp_path):
    path = tmp_path / "ctrl.yaml"
    path.write_bytes(b"deck: x\ntitle: t\ncards:\n  - id: a\n    front: ab\x01c\n    back: b\n")
    problem = load_file(path).problems[0]
    assert (problem.line, problem.col) == (5, 14)
    assert "control characters are not allowed (found U+0001)" in problem.message.replace(
        " in YAML", ""
    )


def test_raw_control_byte_after_non_ascii_text(tmp_path):
    path = tmp_path / "ctrl.yaml"
    path.write_bytes("deck: x\ntitle: ééé\ncards:\n  - id: a\n    front: ab\x01c\n".encode())
    problem = load_file(path).problems[0]
    assert (problem.line, problem.col) == (5, 14)


def test_number_as_key_and_empty_card_entry(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: A
        7: stray
      -
      - id: b
        front: Q
        back: A
    """
    assert problems(tmp_path, text) == [
        (7, 5, "error", "key 7 is not a field name; remove it"),
        (8, 4, "error", "each card must be a mapping (id, type, ...), got an empty entry"),
    ]


# ------------------------------------------------------------------ claims

RESULTS = {"fgsm": frozenset({"accuracy_eps_0_2", "clean_accuracy"}), "overfitting": None}


def lint_output(tmp_path: Path, text: str, demo_results=RESULTS) -> tuple[int, list[str]]:
    write_deck(tmp_path, "deck.yaml", text)
    out = io.StringIO()
    status = lint([tmp_path], out, DEMOS, demo_results=demo_results)
    return status, out.getvalue().splitlines()


CLAIMS_DECK = """
deck: x
title: t
cards:
  - id: a
    front: Q
    back: A
    demo: fgsm
    claims:
      - accuracy_eps_0_2 < 0.1
      - clean_acuracy > accuracy_eps_0_2
  - id: b
    front: Q
    back: A
    demo: overfitting
    claims: ["final_over_min > 1.5"]
"""


def test_claim_names_are_checked_against_the_demos_declared_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, lines = lint_output(tmp_path, CLAIMS_DECK)
    assert status == 1
    assert lines[:2] == [
        "deck.yaml:10:9: error: claim 'clean_acuracy > accuracy_eps_0_2': 'clean_acuracy' is "
        "not a result of demo 'fgsm'; did you mean 'clean_accuracy'?",
        "deck.yaml:15:14: error: claim 'final_over_min > 1.5': demo 'overfitting' declares no "
        "results (META['results'] in its module); claims can cite only declared names",
    ]
    assert lines[2] == "1 file(s), 2 card(s): 2 error(s), 0 warning(s)"


def test_claims_citing_declared_names_are_clean(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = {**RESULTS, "overfitting": frozenset({"final_over_min"})}
    fixed = CLAIMS_DECK.replace("clean_acuracy", "clean_accuracy")
    assert lint_output(tmp_path, fixed, results) == (0, ["1 file(s), 2 card(s): clean"])
    # Without the demos' results (the catalog unreadable), names are not checked.
    assert lint_output(tmp_path, CLAIMS_DECK, None)[0] == 0


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        ("accuracy_eps_0_2 <", "is not '<result name or number> <op>"),
        ("accuracy = 0.1", "is not '<result name or number> <op>"),
        ("Accuracy < 0.1", "is not '<result name or number> <op>"),
        ("0.1 < 0.2", "compares two numbers"),
    ],
)
def test_a_malformed_claim_is_an_error_at_its_position(tmp_path, claim, message):
    text = f"""
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: A
        demo: fgsm
        claims:
          - clean_accuracy > 0.9
          - "{claim}"
    """
    line, col, severity, msg = only(tmp_path, text)
    assert (line, col, severity) == (10, 9, "error")
    assert msg.startswith(f"claim {claim!r}") and message in msg


def test_claims_without_a_demo_are_an_error(tmp_path):
    text = """
    deck: x
    title: t
    cards:
      - id: a
        front: Q
        back: A
        claims: ["clean_accuracy > 0.9"]
    """
    line, col, _, msg = only(tmp_path, text)
    assert (line, col) == (7, 13)
    assert msg == "claims are checked against the card's demo: add 'demo: NAME' or remove 'claims'"


def test_field_constraints_in_an_authors_words(tmp_path):
    """Names, lists, lengths and bounds: each refused value gets a sentence, not
    pydantic's wording ("Tuple should have at least 1 item after validation")."""
    text = (
        "deck: d\ntitle: t\ncards:\n"
        "  - id: p\n    type: predict\n    demo: fgsm\n    measure: Bad-Name\n"
        "    prompt: p\n    tolerance: 0\n    vary: {param: eps, values: []}\n"
        f"  - id: q\n    front: a\n    back: b\n    tags: [{'t' * 81}]\n"
    )
    assert problems(tmp_path, text) == [
        (
            7,
            14,
            "error",
            "measure: 'Bad-Name' is not a name a demo uses: a lowercase letter, then lowercase "
            "letters, digits and underscores (e.g. accuracy_eps_0_2)",
        ),
        (9, 16, "error", "tolerance: must be greater than 0"),
        (10, 32, "error", "vary.values: needs at least 1 entry"),
        (14, 12, "error", "tags.0: takes at most 80 characters"),
    ]


def test_infinite_bounds_a_deck_id_and_a_cards_mapping(tmp_path):
    """An infinite or NaN tolerance or range bound is refused (a NaN bound matches
    nothing); a bad deck id gets a deck's example; 'cards' as a mapping is one error."""
    text = (
        "deck: Bad Deck\ntitle: t\ncards:\n"
        "  - id: p\n    type: predict\n    demo: fgsm\n    measure: m\n    prompt: p\n"
        "    tolerance: .inf\n"
        "  - id: q\n    type: predict\n    demo: fgsm\n    measure: m\n    prompt: p\n"
        "    ranges: [{label: a, max: .nan}, {label: b}]\n"
    )
    assert problems(tmp_path, text) == [
        (
            1,
            7,
            "error",
            "deck: 'Bad Deck' is not a valid id: use lowercase letters, digits and dashes "
            "(e.g. my-deck)",
        ),
        (9, 16, "error", "tolerance: must be a finite number"),
        (15, 30, "error", "ranges.0.max: must be a finite number (leave it out for no bound)"),
    ]
    mapping = "deck: d\ntitle: t\ncards: {a: 1}\n"
    assert problems(tmp_path, mapping) == [
        (3, 8, "error", "'cards' must be a list of cards, got mapping")
    ]
