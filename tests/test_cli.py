"""The command line end to end, through subprocesses, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE_DECK, write_deck


def run(*args, input=None, env_extra=None, cwd=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "drillbreak", *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_plain_study_then_stats(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    db = tmp_path / "e2e.sqlite3"
    # q1: reveal, Good; q2: reveal, Easy; q2~r: suspend; cloze c1: reveal, Again; then quit
    keys = "\n3\n\n4\ns\n\n1\nq\n"
    result = run("study", "--plain", "--db", str(db), "--decks", str(decks), "sample", input=keys)
    assert result.returncode == 0, result.stderr
    assert "Question one" in result.stdout and "Answer one" in result.stdout
    assert "Suspended." in result.stdout
    assert "Studied 3 card(s)" in result.stdout
    stats = run("stats", "--json", "--db", str(db), "--decks", str(decks))
    assert stats.returncode == 0, stats.stderr
    data = json.loads(stats.stdout)
    assert data["reviews_today"] == 3
    assert data["new_today"] == 3
    assert data["states_by_deck"]["sample"]["suspended"] == 1


def test_plain_choice_and_open_cards(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    db = tmp_path / "e2e.sqlite3"
    answers = "a\n\nmore data\n\n2\n\n\n"  # choice a, accept; open: type, toggle 2, accept, rate
    result = run(
        "study",
        "--plain",
        "--db",
        str(db),
        "--decks",
        str(decks),
        "sample",
        "--new",
        "0",
        "--cram",
        input=answers,
    )
    assert result.returncode == 0, result.stderr


def test_plain_mode_without_input_ends_cleanly(tmp_path):
    result = run("study", "--plain", "--db", str(tmp_path / "x.sqlite3"), input="")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


def test_decks_lists_counts(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    result = run("decks", "--db", str(tmp_path / "d.sqlite3"), "--decks", str(decks))
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("sample"))
    assert line.split()[1:5] == ["7", "0", "0", "7"]  # q2 has a reverse, the cloze two deletions


def test_lint_command_exit_codes(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    write_deck(good, "sample.yaml", SAMPLE_DECK)
    assert run("lint", str(good)).returncode == 0
    bad = write_deck(tmp_path, "bad.yaml", "deck: b\ntitle: t\ncards:\n  - id: x\n    fornt: a\n")
    result = run("lint", str(bad))
    assert result.returncode == 1
    assert "bad.yaml:5:5: error: unknown key 'fornt' (did you mean 'front'?)" in result.stdout


def test_shipped_decks_lint_clean():
    result = run("lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_errors_are_one_line(tmp_path):
    result = run("study", "--plain", "--db", str(tmp_path / "x.sqlite3"), "no-such-deck")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("drillbreak: error: no deck 'no-such-deck'")
    assert "Traceback" not in result.stderr
    result = run("lint", str(tmp_path / "missing"))
    assert result.returncode == 1 and "no such file" in result.stderr
    blocked = tmp_path / "f"
    blocked.write_text("")
    result = run("decks", "--db", str(blocked / "x.sqlite3"))
    assert result.returncode == 1 and result.stderr.count("\n") == 1


def test_usage_error_exit_2():
    assert run("study", "--new", "many").returncode == 2


def test_version_and_help():
    assert run("--version").stdout.startswith("drillbreak ")
    assert "study" in run("--help").stdout


def test_broken_deck_is_skipped_others_load(tmp_path):
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    write_deck(decks, "broken.yaml", "deck: broken\ntitle: t\ncards:\n  - id: x\n")
    result = run("decks", "--db", str(tmp_path / "d.sqlite3"), "--decks", str(decks))
    assert result.returncode == 0
    assert "skipped broken deck" in result.stderr and "broken.yaml:4:5" in result.stderr
    assert "sample" in result.stdout


def test_db_env_var(tmp_path):
    db = tmp_path / "env.sqlite3"
    run("decks", env_extra={"DRILLBREAK_DB": str(db)})
    assert db.exists()


def test_runs_from_any_directory(tmp_path):
    result = run("decks", "--db", str(tmp_path / "x.sqlite3"), cwd=tmp_path)
    assert result.returncode == 0 and "starter" in result.stdout
    _ = Path
