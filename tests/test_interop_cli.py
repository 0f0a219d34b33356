"""The interop commands through argparse, as ``drillbreak.cli`` mounts them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE_DECK, write_deck

from drillbreak import cli
from drillbreak.deck.lint import lint
from drillbreak.errors import UserError
from drillbreak.interop import commands as interop_commands

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "anki"


def drillbreak(*argv: str) -> int:
    args = cli.build_parser().parse_args([str(a) for a in argv])
    assert args.handler.__module__ == interop_commands.__name__, f"{argv[0]} is not interop"
    return args.handler(args)


@pytest.fixture
def decks(tmp_path):
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "sample.yaml", SAMPLE_DECK)
    return folder


def test_schema_command(capsys, tmp_path):
    assert drillbreak("schema") == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "docs" / "deck.schema.json").read_text(encoding="utf-8")
    assert drillbreak("schema", "-o", tmp_path / "s.json") == 0
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == printed


def test_export_anki_command(capsys, decks, tmp_path, monkeypatch):
    out = tmp_path / "sample.apkg"
    assert drillbreak("export", "anki", "sample", "--decks", decks, "-o", out) == 0
    assert zipfile.is_zipfile(out)
    assert "sample: 5 note(s), 7 card(s)" in capsys.readouterr().out
    with pytest.raises(UserError, match="unknown deck 'sampel' \\(did you mean 'sample'\\?\\)"):
        drillbreak("export", "anki", "sampel", "--decks", decks, "-o", out)
    with pytest.raises(UserError, match="end in .apkg"):
        drillbreak("export", "anki", "sample", "--decks", decks, "-o", tmp_path / "x.zip")
    with pytest.raises(UserError, match="no such folder"):
        drillbreak("export", "anki", "sample", "--decks", decks, "-o", tmp_path / "no" / "x.apkg")
    monkeypatch.chdir(tmp_path)
    assert drillbreak("export", "anki", "sample", "--decks", decks) == 0
    assert (tmp_path / "sample.apkg").is_file()


def test_import_anki_text_command(capsys, tmp_path):
    out = tmp_path / "verbs.yaml"
    src = FIXTURES / "plain_text_export.txt"
    assert drillbreak("import", "anki-text", src, "-o", out, "--deck", "verbs") == 0
    err = capsys.readouterr().err
    assert "Imported 4 card(s) as deck 'verbs'" in err
    buf = io.StringIO()
    assert lint([out], buf) == 0 and buf.getvalue().strip().endswith("clean")
    assert drillbreak("import", "anki-text", src) == 0  # to stdout
    assert capsys.readouterr().out.startswith("# Imported from plain_text_export.txt")
    with pytest.raises(UserError, match="no such file"):
        drillbreak("import", "anki-text", tmp_path / "missing.txt")


def test_export_reviews_command(capsys, decks, tmp_path, clock):
    from drillbreak.deck.loader import load_collection
    from drillbreak.store.db import Database
    from drillbreak.study.scope import select_items
    from drillbreak.study.session import StudySession

    db_path = tmp_path / "r.sqlite3"
    db = Database(db_path)
    session = StudySession(db, select_items(load_collection([decks])), clock=clock, seed=1)
    session.next_card()
    session.rate(3)
    db.close()
    assert drillbreak("export", "reviews", "--db", db_path) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["card_id", "review_time", "review_rating", "review_state", "review_duration"]
    assert len(rows) == 2 and rows[1][2] == "3" and rows[1][3] == "0"
    target = tmp_path / "r.json"
    assert drillbreak("export", "reviews", "--db", db_path, "--format", "json", "-o", target) == 0
    data = json.loads(target.read_text())
    assert data[0]["deck"] == "sample" and data[0]["key"] == "q1"


def test_optimize_command_refuses_small_logs(tmp_path):
    with pytest.raises(UserError, match="you have 0 \\(0 reviews in all\\), so about 64 more"):
        drillbreak("optimize", "--db", tmp_path / "empty.sqlite3")


def test_subcommand_is_required(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["export"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["import"])


def test_end_to_end_through_the_cli(tmp_path):
    env = {**os.environ, "DRILLBREAK_DB": str(tmp_path / "db.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-m", "drillbreak", "schema"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "docs" / "deck.schema.json").read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "drillbreak", "optimize"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "not enough reviews to optimize yet" in result.stderr
