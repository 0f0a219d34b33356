"""A tiny demo with a parameter and a declared result, and a deck of predict cards on it.

The demo's child still imports torch (every demo child does), but the demo itself
does no training: a run takes as long as that import.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

GUESS_DEMO = """
META = {
    "name": "guess",
    "title": "Guess the score",
    "concept": "A tiny demo for predict cards: the score is the level over ten.",
    "watch_for": "the score line",
    "expected_seconds": 1,
    "params": {"level": {"default": 2, "values": [1, 2, 3]}},
    "results": {"score": "the level over ten (fraction 0-1)"},
}


def run(ctx):
    level = ctx.param("level")
    ctx.text(f"Level {level} in this run.")
    ctx.chart("score by step", x_label="step", y_min=0, y_max=1)
    for step in range(4):
        ctx.metric("score by step", "score", step, level * step / 30)
    ctx.result({"score": level / 10}, f"The score came out at {level / 10:.0%} for level {level}.")
"""

GUESS_DECK = """
deck: guesses
title: Guesses
cards:
  - id: guess-range
    type: predict
    demo: guess
    measure: score
    prompt: "At level {level}, the score will be..."
    vary: {param: level, values: [3]}
    percent: true
    ranges:
      - {label: "under 10%", max: 0.1}
      - {label: "10-20%", min: 0.1, max: 0.2}
      - {label: "20-25%", min: 0.2, max: 0.25}
      - {label: "25% or more", min: 0.25}
    explain: The score is the level over ten.
"""

GUESS_NUMBER_DECK = """
deck: numbers
title: Numbers
cards:
  - id: guess-number
    type: predict
    demo: guess
    measure: score
    prompt: "At the default level, what score?"
    percent: true
    tolerance: 0.05
"""


def demos_dir(folder: Path) -> Path:
    """A demos folder holding only the guess demo."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "guess.py").write_text(textwrap.dedent(GUESS_DEMO).lstrip())
    return folder


def deck_file(folder: Path, text: str = GUESS_DECK, name: str = "guesses.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path
