"""The command line end to end, through subprocesses, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_DECK, write_deck

from drillbreak import cli
from drillbreak.interop import commands as interop_commands


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


def test_stats_of_an_unknown_deck_is_an_error(tmp_path):
    """`stats --deck` with a deck that is not loaded says so (it printed zeros, exit 0)."""
    decks = tmp_path / "decks"
    decks.mkdir()
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    db = str(tmp_path / "s.sqlite3")
    result = run("stats", "--db", db, "--decks", str(decks), "--deck", "nosuch")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "drillbreak: error: no deck 'nosuch'; `drillbreak decks` lists the deck ids"
    )
    assert run("stats", "--db", db, "--decks", str(decks), "--deck", "sample").returncode == 0


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
    result = run("study", "--new", "many")
    assert result.returncode == 2
    assert result.stderr == (
        "drillbreak: error: study --new: invalid int value: 'many' "
        "(run 'drillbreak study --help')\n"
    )


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["limits", "--new", "2.5"],
            "limits --new: invalid int value: '2.5' (run 'drillbreak limits --help')",
        ),
        (
            ["export", "anki", "--colour"],
            "export anki: unrecognized arguments: --colour (run 'drillbreak export anki --help')",
        ),
        (
            ["limits", "a", "b"],
            "limits: unrecognized arguments: b (run 'drillbreak limits --help')",
        ),
        (
            ["demo"],
            "demo: the following arguments are required: name (run 'drillbreak demo --help')",
        ),
        (["--bogus"], "unrecognized arguments: --bogus (run 'drillbreak --help')"),
    ],
)
def test_usage_errors_are_one_line_naming_the_command(capsys, argv, line):
    """A bad option or value prints one line naming the command and its --help, not
    the whole usage block; exit status 2, as argparse's."""
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"drillbreak: error: {line}\n"


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


# Every command, run with --db/--decks before it and after it: the same effect either way.
BROKEN = "deck: broken\ntitle: t\ncards:\n  - id: x\n"
FIXTURE_TXT = Path(__file__).parent / "fixtures" / "anki" / "plain_text_export.txt"
COMMANDS = {
    # name: (arguments, what shows that --db and --decks were used)
    "study": (["study", "sample", "--plain"], "Question one"),
    "decks": (["decks"], "sample "),
    "stats": (["stats", "--json"], '"reviews_today": 0'),
    "lint": (["lint"], "broken.yaml:4:5"),
    "export anki": (["export", "anki", "sample", "-o", "{tmp}/out.apkg"], "Wrote "),
    "export reviews": (["export", "reviews"], "card_id"),
    "import anki-text": (["import", "anki-text", str(FIXTURE_TXT)], "deck:"),
    "optimize": (["optimize"], "not enough reviews"),
    "schema": (["schema"], "$schema"),
    "demo": (["demo", "list"], "fgsm"),
}
USES_DB = {"study", "decks", "stats", "export reviews", "optimize"}
USES_DECKS = {"study", "decks", "lint", "export anki"}


def _run_with_options(tmp_path, name: str, where: str):
    root = tmp_path / where
    decks = root / "decks"
    decks.mkdir(parents=True)
    write_deck(decks, "sample.yaml", SAMPLE_DECK)
    write_deck(decks, "broken.yaml", BROKEN)
    db = root / "x.sqlite3"
    args, _ = COMMANDS[name]
    args = [a.replace("{tmp}", str(root)) for a in args]
    options = ["--db", str(db), "--decks", str(decks)]
    argv = [*options, *args] if where == "before" else [*args, *options]
    return run(*argv, input=""), root, db


def test_every_command_takes_the_shared_options_before_and_after_it(tmp_path):
    default_db = tmp_path / "default.sqlite3"  # DRILLBREAK_DB, set by conftest
    for name, (_, evidence) in COMMANDS.items():
        outputs = []
        for where in ("before", "after"):
            result, root, db = _run_with_options(tmp_path / name, name, where)
            text = result.stdout + result.stderr
            assert evidence in text, (name, where, text[-2000:])
            if name in USES_DB:
                assert db.is_file(), (name, where)
            if name in USES_DECKS:
                assert "no deck 'sample'" not in text and "unknown deck" not in text
            if name == "export anki":
                assert (root / "out.apkg").is_file()
            outputs.append((result.returncode, text.replace(str(root), "ROOT")))
        assert outputs[0] == outputs[1], name
        assert not default_db.exists(), name  # never the default database


def test_decks_given_before_and_after_the_command_add_up(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    write_deck(first, "a.yaml", SAMPLE_DECK)
    write_deck(second, "b.yaml", SAMPLE_DECK.replace("deck: sample", "deck: other"))
    db = str(tmp_path / "d.sqlite3")
    result = run("--decks", str(first), "decks", "--decks", str(second), "--db", db)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    assert {"sample", "other"} <= listed


def test_debug_before_or_after_the_command():
    from drillbreak.cli import build_parser

    argvs = [
        ["study"],
        ["lint"],
        ["decks"],
        ["stats"],
        ["demo", "list"],
        ["export", "anki"],
        ["export", "reviews"],
        ["import", "anki-text", "f.txt"],
        ["optimize"],
        ["schema"],
    ]
    parser = build_parser()
    for argv in argvs:
        for args in (["--debug", *argv], [*argv, "--debug"]):
            assert parser.parse_args(args).debug is True, args
        assert parser.parse_args(argv).debug is False, argv
    missing = run("--debug", "import", "anki-text", "nope.txt")
    assert "Traceback" in missing.stderr and "nope.txt: no such file" in missing.stderr


def test_db_in_a_missing_folder_is_an_error_naming_it(tmp_path):
    for env in ({}, {"DRILLBREAK_DB": str(tmp_path / "typo" / "env.sqlite3")}):
        argv = ["decks"] if env else ["decks", "--db", str(tmp_path / "typo" / "x.sqlite3")]
        source = "DRILLBREAK_DB" if env else "--db"
        result = run(*argv, env_extra=env)
        assert result.returncode == 1
        assert result.stderr == (
            f"drillbreak: error: {tmp_path / 'typo'}: no such folder for the database given "
            f"with {source}; create the folder or fix the path\n"
        )
        assert not (tmp_path / "typo").exists()


def test_default_database_folder_is_created_private(tmp_path):
    env = {"DRILLBREAK_DB": "", "XDG_DATA_HOME": str(tmp_path / "xdg" / "data")}
    result = run("decks", env_extra=env)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "xdg" / "data" / "drillbreak" / "drillbreak.sqlite3"
    assert db.is_file() and db.stat().st_mode & 0o777 == 0o600
    for folder in (db.parent, db.parent.parent, db.parent.parent.parent):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_missing_decks_path_is_a_one_line_error(tmp_path):
    gone = tmp_path / "no-such-decks"
    db = str(tmp_path / "x.sqlite3")
    commands = [
        ["study", "--plain"],
        ["study"],  # the app: refused before it takes the screen
        [],
        ["decks"],
        ["stats"],
        ["lint"],
        ["export", "anki"],
    ]
    for argv in commands:
        result = run(*argv, "--db", db, "--decks", str(gone), input="")
        assert result.returncode == 1, argv
        assert result.stderr == (
            f"drillbreak: error: {gone}: no such deck file or folder (given with --decks)\n"
        ), argv


@pytest.mark.parametrize(
    ("argv", "handler"),
    [
        ([], cli.cmd_app),
        (["--db", "x.sqlite3"], cli.cmd_app),
        (["study"], cli.cmd_study),
        (["lint"], cli.cmd_lint),
        (["decks"], cli.cmd_decks),
        (["stats"], cli.cmd_stats),
        (["demo", "list"], cli.cmd_demo),
        (["export", "anki"], interop_commands.cmd_export_anki),
        (["export", "reviews"], interop_commands.cmd_export_reviews),
        (["import", "anki-text", "f.txt"], interop_commands.cmd_import_anki_text),
        (["optimize"], interop_commands.cmd_optimize),
        (["schema"], interop_commands.cmd_schema),
    ],
)
def test_each_command_runs_its_own_handler(argv, handler):
    assert cli.build_parser().parse_args(argv).handler is handler
