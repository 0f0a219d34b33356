"""Hostile deck files through the real command line: one clear error, exit 1.

Each file is linted with ``python -m drillbreak lint FILE`` in a fresh process.
How fast they are refused is measured by ``make bench`` (bench/inproc.py, lint).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def lint_cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "drillbreak", "lint", str(path)],
        capture_output=True,
        text=True,
        timeout=120,  # only against a hang
    )


def ten_megabytes(tmp_path: Path) -> Path:
    path = tmp_path / "huge.yaml"
    card = "  - id: c{i}\n    front: " + "x" * 200 + "\n    back: y\n"
    with path.open("w") as f:
        f.write("deck: huge\ntitle: Huge\ncards:\n")
        i = 0
        while f.tell() < 10 * 1024 * 1024:
            f.write(card.format(i=i))
            i += 1
    return path


def tab_indented(tmp_path: Path) -> Path:
    path = tmp_path / "tabs.yaml"
    path.write_text("deck: tabs\ntitle: Tabs\ncards:\n\t- id: a\n\t  front: q\n\t  back: a\n")
    return path


def alias_bomb(tmp_path: Path) -> Path:
    lines = ["deck: bomb", "title: Bomb", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("cards: *a9")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


CASES = {
    "10 MB file": (ten_megabytes, "over the 5 MB limit", 1),
    "tab indentation": (tab_indented, "tab character used for indentation", 4),
    "alias bomb": (alias_bomb, "alias bomb", None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_deck_clear_error(tmp_path, case):
    make, message, line = CASES[case]
    path = make(tmp_path)
    result = lint_cli(path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    errors = [x for x in result.stdout.splitlines() if ": error: " in x]
    assert len(errors) == 1, out
    assert message in errors[0]
    if line is not None:
        assert f"{path.name}:{line}:" in errors[0]
    assert result.stdout.strip().endswith("1 error(s), 0 warning(s)")
