from __future__ import annotations

import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drillbreak.clock import FakeClock
from drillbreak.demo_runner.events import Result
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import iter_demo
from drillbreak.store.db import Database


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """Never touch the user's real database or config in tests."""
    monkeypatch.setenv("DRILLBREAK_DB", str(tmp_path / "default.sqlite3"))
    monkeypatch.setenv("DRILLBREAK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DRILLBREAK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))


@pytest.fixture
def db(tmp_path) -> Database:
    database = Database(tmp_path / "study.sqlite3")
    yield database
    database.close()


def write_deck(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


SAMPLE_DECK = """
deck: sample
title: Sample
tags: [base]
cards:
  - id: q1
    front: Question one
    back: Answer one
    tags: [alpha]
  - id: q2
    front: Question two
    back: Answer two
    reverse: true
  - id: cz
    type: cloze
    text: "The {{c1::learning rate}} sets how far each {{c2::gradient}} step moves."
  - id: ch
    type: choice
    shuffle: false
    question: Pick the right one
    choices:
      - text: right
        correct: true
        why: because
      - text: wrong
        why: no
  - id: op
    type: open
    prompt: Explain
    rubric:
      - point: mentions data
        keywords: [data]
      - point: mentions labels
        keywords: [labels]
    model_answer: data and labels
"""


@pytest.fixture
def sample_dir(tmp_path) -> Path:
    folder = tmp_path / "decks"
    folder.mkdir()
    write_deck(folder, "sample.yaml", SAMPLE_DECK)
    return folder


# The calibration: a child that imports torch and runs a fixed workload on one
# thread, like a quick demo (on an idle 2-core machine: 3.7 s; quick demos 2-6 s).
CALIBRATION_DEMO = """
META = {"name": "calibrate", "title": "Calibration", "concept": "-", "watch_for": "-",
        "expected_seconds": 1, "results": {"sum": "sum of the final matrix (number)"}}


def run(ctx):
    import torch

    a = torch.randn(256, 256, generator=torch.Generator().manual_seed(0))
    for _ in range(200):
        a = torch.tanh(a @ a / 16)
    ctx.result({"sum": float(a.sum())}, "calibration")
"""
CALIBRATION_LIMIT = 1800.0  # only against a hang
BUDGET_FLOOR = 300.0
BUDGET_FACTOR = 40


@pytest.fixture(scope="session")
def budget(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Seconds a quick demo may run (a safety net against a hung demo, not a speed
    test): ``BUDGET_FACTOR`` calibration runs, at least
    ``BUDGET_FLOOR``.  Timed once per test process."""
    folder: Path = tmp_path_factory.mktemp("calibration")
    (folder / "calibrate.py").write_text(CALIBRATION_DEMO)
    start = time.monotonic()
    events = list(
        iter_demo(
            DemoRequest(
                "calibrate",
                device="cpu",
                scale="quick",
                demos_dir=folder,
                timeout=CALIBRATION_LIMIT,
            )
        )
    )
    assert isinstance(events[-1], Result)
    return max(BUDGET_FLOOR, BUDGET_FACTOR * (time.monotonic() - start))
