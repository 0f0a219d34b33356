"""`drillbreak limits`: per-deck daily limits from the command line, and the reason plain
mode gives when a deck has nothing to study (issue 13)."""

from __future__ import annotations

import io

import pytest
from conftest import SAMPLE_DECK, write_deck

from drillbreak import cli


@pytest.fixture
def where(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    return ["--db", str(tmp_path / "l.sqlite3"), "--decks", str(decks)]


def limits(where, capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["limits", *args, *where])
    out, err = capsys.readouterr()
    return code, out, err


def row(out: str, deck: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(deck + " "))


def test_set_show_and_reset_a_decks_limits(where, capsys):
    code, out, _ = limits(where, capsys, "sample", "--new", "5", "--reviews", "50")
    assert code == 0 and row(out, "sample") == ["sample", "5", "50", "0,", "0"]
    _, out, _ = limits(where, capsys, "sample", "--reviews", "70")  # --new kept
    assert row(out, "sample")[:3] == ["sample", "5", "70"]
    _, out, _ = limits(where, capsys, "sample", "--reset")
    assert row(out, "sample") == ["sample", "20", "200", "0,", "0", "(settings)"]


def test_caps_over_all_decks(where, capsys):
    _, out, _ = limits(where, capsys, "--all", "--reviews", "100")
    assert out.splitlines()[-1] == "all decks: 100 reviews/day"
    _, out, _ = limits(where, capsys, "--all", "--new", "30")  # the review cap stays
    assert out.splitlines()[-1] == "all decks: 30 new/day, 100 reviews/day"
    _, out, _ = limits(where, capsys, "--all", "--reset")
    assert out.splitlines()[-1] == "all decks: no cap"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--new", "-1"], "new cards/day must be 0-9999"),
        (["nope", "--new", "3"], "no deck 'nope'; `drillbreak decks` lists the deck ids"),
        (["--new", "3"], "name the deck to change (or --all for the caps over all decks)"),
        (["--all", "--reviews", "-2"], "reviews/day for all decks must be 0-99999"),
    ],
)
def test_bad_limits_are_one_line_errors(where, capsys, args, message):
    code, _, err = limits(where, capsys, *args)
    assert (code, err) == (1, f"drillbreak: error: {message}\n")


def test_plain_study_says_which_limit_is_reached(where, capsys, monkeypatch):
    assert limits(where, capsys, "sample", "--new", "1")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("\n4\n"))
    assert cli.main(["study", "--plain", "sample", *where]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["study", "--plain", "sample", *where]) == 0
    out = capsys.readouterr().out
    assert out == (
        "Nothing to study: daily new-card limit reached (1/1): raise it in Settings or cram.\n"
    )
