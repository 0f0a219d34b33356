"""Plain mode shows card Markdown as plain text (issue 13: no raw ``**retrievability**``)."""

from __future__ import annotations

import io

from conftest import write_deck
from hypothesis import given
from hypothesis import strategies as st

from drillbreak import cli
from drillbreak.deck.models import Evidence
from drillbreak.plain import PlainStudy, fit, plain_text, terminal_width

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
WORDS = st.lists(WORD, min_size=1, max_size=5).map(" ".join)


@st.composite
def spans(draw: st.DrawFn) -> tuple[str, str]:
    """A piece of inline Markdown and the plain text it stands for."""
    words = draw(WORDS)
    kind = draw(st.sampled_from(["plain", "strong", "em", "under", "code", "link"]))
    if kind == "strong":
        return f"**{words}**", words
    if kind == "em":
        return f"*{words}*", words
    if kind == "under":
        return f"__{words}__", words
    if kind == "code":
        return f"`{words}`", words
    if kind == "link":
        url = f"https://example.org/{draw(WORD)}"
        return f"[{words}]({url})", f"{words} ({url})"
    return words, words


@given(st.lists(spans(), min_size=1, max_size=6))
def test_inline_markup_becomes_its_text(parts: list[tuple[str, str]]) -> None:
    markdown = " ".join(md for md, _ in parts)
    text = plain_text(markdown)
    assert text == " ".join(plain for _, plain in parts)
    assert "**" not in text and "`" not in text and "](" not in text


@given(st.lists(st.lists(spans(), min_size=1, max_size=3), min_size=1, max_size=4))
def test_list_items_keep_their_marker_and_lose_their_markup(
    items: list[list[tuple[str, str]]],
) -> None:
    markdown = "\n".join("- " + " ".join(md for md, _ in item) for item in items)
    lines = plain_text(markdown).split("\n")
    assert lines == ["- " + " ".join(plain for _, plain in item) for item in items]


def test_the_issue_example() -> None:
    text = plain_text("Why does **retrievability** fall? See `R(t)` and [FSRS](https://x.org).")
    assert text == "Why does retrievability fall? See R(t) and FSRS (https://x.org)."


def test_paragraphs_lists_code_and_maths() -> None:
    markdown = "Intro:\n\n1. one\n2. **two**\n\n```\nx = 1\n```\n\nSo \\(x^2\\) and \\[y\\]."
    assert (
        plain_text(markdown) == "Intro:\n\n1. one\n2. two\n\n    x = 1\n\nSo \\(x^2\\) and \\[y\\]."
    )


def test_literal_brackets_and_autolinks_stay_readable() -> None:
    assert plain_text("[bold red]x[/] <https://a.org>") == "[bold red]x[/] https://a.org"


def plain_study(tmp_path, capsys, monkeypatch, deck: str, keys: str) -> str:
    """What `drillbreak study --plain` prints for the one deck ``deck`` (YAML text) and
    the keys typed."""
    decks = tmp_path / "decks"
    decks.mkdir()
    path = write_deck(decks, "deck.yaml", deck)
    deck_id = path.read_text().split("deck:", 1)[1].split()[0]
    monkeypatch.setattr("sys.stdin", io.StringIO(keys))
    args = ["study", "--plain", deck_id, "--db", str(tmp_path / "p.sqlite3"), "--decks", str(decks)]
    assert cli.main(args) == 0
    return capsys.readouterr().out


def test_plain_study_prints_no_markdown(tmp_path, capsys, monkeypatch):
    deck = """
        deck: md
        title: Markdown
        cards:
          - {id: r, front: "Why does **retrievability** fall?", back: "See `R(t)`."}
        """
    out = plain_study(tmp_path, capsys, monkeypatch, deck, "\n3\n")
    assert "Why does retrievability fall?" in out and "See R(t)." in out
    assert "**" not in out and "`" not in out


def test_plain_evidence_table_lines_numbers_up_on_the_decimal_point() -> None:
    """As in the TUI's table: 2.1 over 0.05 puts the points in one column."""
    evidence = Evidence(
        title="Training log",
        x="epoch",
        columns={"epoch": (1, 50), "train_loss": (2.1, 0.05), "val_loss": (2.05, 1.15)},
    )
    title, head, *rows = PlainStudy.evidence_table(evidence).splitlines()
    assert title == "Training log" and head.split() == ["epoch", "train_loss", "val_loss"]
    points = {line.index(".", head.index("train_loss")) for line in rows}
    assert len(points) == 1, rows
    assert rows[0].split() == ["1", "2.1", "2.05"]


def test_plain_enter_alone_on_a_choice_card_shows_the_answer_as_not_answered(
    tmp_path, capsys, monkeypatch
):
    """As space in the TUI: Enter with no letter shows the answer, says it was not
    answered and suggests Again (Enter again takes it)."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(
        decks,
        "c.yaml",
        """
        deck: c
        title: Choice
        cards:
          - id: q
            type: choice
            question: Which?
            choices:
              - {text: right, correct: true, why: it is}
              - {text: wrong, why: it is not}
        """,
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("\n\n"))
    db = tmp_path / "c.sqlite3"
    args = ["study", "--plain", "c", "--db", str(db), "--decks", str(decks)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Not answered." in out and "it is not" in out  # the answer, with its feedback
    assert "1 Again*" in out  # the suggestion Enter took
    assert "Type a letter" not in out


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_on_a_terminal_wraps_long_lines_between_words(monkeypatch):
    """A choice's explanation longer than the terminal is broken between words, keeping
    its indent (not mid-word by the terminal: "confi" / "dence"); piped output is not."""
    monkeypatch.setenv("COLUMNS", "40")
    why = "      That would be reassuring, but the softmax rarely signals the attack"
    terminal, pipe = Terminal(), io.StringIO()
    assert terminal_width(terminal) == 40 and terminal_width(pipe) is None
    lines = fit(why, terminal_width(terminal)).splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 for line in lines)
    assert all(line.startswith("      ") and not line[6].isspace() for line in lines)
    assert " ".join(line.strip() for line in lines) == why.strip()
    assert fit(why, terminal_width(pipe)) == why


def test_plain_header_names_a_reversed_card_as_the_app_does(tmp_path, capsys, monkeypatch):
    deck = """
        deck: rev
        title: Reversed
        cards:
          - {id: r, front: "Term", back: "Meaning", reverse: true}
        """
    out = plain_study(tmp_path, capsys, monkeypatch, deck, "s\n\n3\n")  # suspend the front
    assert "── rev · basic · 2 left" in out
    assert "── rev · reversed · 1 left" in out
