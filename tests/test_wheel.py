"""An installed wheel finds the shipped cards and demos from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_file(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return next(dist.glob("drillbreak-*.whl"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel_file) -> Path:
    wheel = wheel_file
    target = tmp_path_factory.mktemp("site")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    return target


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", "drillbreak", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_wheel_ships_sources_not_bytecode(wheel_file):
    (ROOT / "demos" / "__pycache__").mkdir(exist_ok=True)  # as after any demo run
    names = zipfile.ZipFile(wheel_file).namelist()
    assert "drillbreak/_shipped/cards/starter.yaml" in names
    assert "drillbreak/_shipped/demos/demokit.py" in names
    assert "drillbreak/tui/widgets/line_chart.tcss" in names  # the TUI's CSS files
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_carries_cards_and_demos(installed, tmp_path):
    code = (
        "import drillbreak, drillbreak.paths as p;"
        "print(drillbreak.__file__);print(p.shipped_cards_dir());print(p.shipped_demos_dir())"
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(line.startswith(str(installed)) for line in out)
    assert (Path(out[1]) / "starter.yaml").exists()
    assert any(Path(out[2]).glob("*.py"))


def test_installed_wheel_runs_from_elsewhere(installed, tmp_path):
    result = run_installed(installed, tmp_path, "decks", "--db", str(tmp_path / "w.sqlite3"))
    assert result.returncode == 0, result.stderr
    assert "starter" in result.stdout
    lint = run_installed(installed, tmp_path, "lint")
    assert lint.returncode == 0, lint.stdout
