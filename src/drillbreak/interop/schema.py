"""``drillbreak schema``: the JSON Schema of deck format v1, for editors.

Built from :class:`drillbreak.deck.validation.DeckSchema` (the same models the loader
validates with), with a ``$schema``/``$id`` header and a description on every
field.  ``docs/deck.schema.json`` is this output, committed; a test keeps them equal.
Point an editor at it with a first line such as::

    # yaml-language-server: $schema=../docs/deck.schema.json
"""

from __future__ import annotations

import copy
import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:drillbreak:deck-format:v1"
TAG_PATTERN = r"^\S+$"

_COMMON = {
    "id": "Card id: lowercase letters, digits and dashes, unique in the deck. Review "
    "history is keyed by deck + id, so rewording a card keeps its history.",
    "type": "Card type: basic (default), cloze, choice, diagnosis, open or predict.",
    "tags": "Tags (no spaces); the deck's tags are added to every card.",
    "hint": "A hint, shown on request (Markdown).",
    "demo": "Name of a live demo to offer with this card (`drillbreak demo list`).",
    "claims": "What the card says its demo shows, checkably: each '<operand> <op> "
    "<operand>' with op <, <=, > or >= and each operand a result name the demo declares "
    "or a number, e.g. 'accuracy_eps_0_2 < 0.1'. Needs `demo`; a test runs the demo "
    "and checks every claim.",
    "anki_guid": "The Anki note this card came from (set by `import anki`); `export anki` "
    "reuses it so that Anki updates that note instead of adding a copy.",
}

_FIELDS: dict[str, dict[str, str]] = {
    "DeckSchema": {
        "deck": "Deck id: lowercase letters, digits and dashes; unique across all loaded decks.",
        "title": "The deck's title.",
        "description": "What the deck covers (Markdown).",
        "tags": "Tags (no spaces) inherited by every card of the deck.",
        "cards": "The cards; each has an `id` and a `type` (basic when left out).",
    },
    "BasicCard": {
        "front": "The question side (Markdown).",
        "back": "The answer side (Markdown).",
        "reverse": "Also study back -> front (study key `<id>~r`).",
    },
    "ClozeCard": {
        "text": "Text with Anki-style deletions: {{c1::answer}} or {{c1::answer::hint}}; "
        "each number is its own study card.",
        "extra": "Shown after the answer (Markdown).",
    },
    "ChoiceCard": {
        "question": "The question (Markdown).",
        "choices": "2 to 8 choices, at least one correct; several correct means "
        "'select all that apply'.",
        "shuffle": "Shuffle the choices each time (default true).",
    },
    "DiagnosisCard": {
        "scenario": "The situation to diagnose (Markdown).",
        "evidence": "Optional numbers, plotted against `x` and shown as a table.",
        "question": "The question (Markdown).",
        "choices": "2 to 8 choices, at least one correct.",
        "shuffle": "Shuffle the choices each time (default true).",
        "takeaway": "The lesson, shown after answering (Markdown).",
    },
    "GeneratedDiagnosisCard": {
        "generate": "Generate the case at review time: a small real training run with a "
        "hidden fault of this family; its log and facts are the evidence.",
        "question": "The question (default: what is wrong with this training run?).",
        "shuffle": "Shuffle the choices each time (default true).",
        "takeaway": "The lesson, shown after answering with the case's own explanation.",
    },
    "Generate": {
        "family": "The fault family of every case: lr-too-high, lr-too-low, label-noise, "
        "val-distribution, leakage, shortcut, batch-too-large, unnormalised-inputs or "
        "dead-units.",
        "options": "The families offered as choices (must include `family`; default: all).",
    },
    "OpenCard": {
        "prompt": "The free-response prompt (Markdown).",
        "rubric": "The points a good answer covers (at least one).",
        "model_answer": "A model answer, shown after answering (Markdown).",
    },
    "PredictCard": {
        "demo": "The live demo whose run answers the card (`drillbreak demo list`).",
        "measure": "One of the demo's declared result names (its META 'results'): the "
        "number the learner predicts.",
        "prompt": "What to predict (Markdown); {param} shows this review's value of the "
        "`vary` parameter.",
        "vary": "Optional: a demo parameter and the values to pick from, one per review, so "
        "the answer cannot be memorised.",
        "ranges": "Answer by choosing one of 2 to 8 labelled ranges, in order, each starting "
        "where the one before ends (the first may leave out `min`, the last `max`).",
        "tolerance": "Answer with a number; within this distance of the run's number is "
        "right (in the measure's units: 0.05 is 5 points of a 0-1 fraction).",
        "percent": "The measure is a fraction 0-1 shown and typed as a percentage.",
        "explain": "Shown beside the run's result after answering (Markdown).",
    },
    "PredictRange": {
        "label": "The range as shown, e.g. '30-70%'.",
        "min": "Lowest value in the range (included); left out for the first range: no limit.",
        "max": "Highest value (excluded, except in the last range); left out for the last "
        "range: no limit.",
    },
    "Vary": {
        "param": "A parameter the demo declares (its META 'params').",
        "values": "The values to pick from, each one the demo allows.",
    },
    "Choice": {
        "text": "The choice as shown (Markdown).",
        "correct": "Whether this choice is right (default false).",
        "why": "Why it is right or wrong, shown after answering.",
    },
    "Evidence": {
        "title": "A title for the chart and table.",
        "x": "The name of the column plotted on the x axis.",
        "columns": "Columns of numbers, all of the same length, keyed by name.",
    },
    "RubricPoint": {
        "point": "One thing a good answer covers.",
        "keywords": "Words whose presence in the learner's answer ticks this point.",
    },
}

_MODEL_DESCRIPTIONS = {
    "DeckSchema": "A drillbreak deck file (deck format v1): one deck per YAML file.",
    "BasicCard": "Front and back; optionally also studied in reverse.",
    "ClozeCard": "Text with {{c1::deletions}}; one study card per deletion number.",
    "ChoiceCard": "Multiple choice, graded by the answer.",
    "DiagnosisCard": "A failure to diagnose from a scenario and optional evidence.",
    "GeneratedDiagnosisCard": "A diagnosis card whose case is generated from a live "
    "training run with a hidden fault, new at every review.",
    "Generate": "Which fault the generated cases hide, and the families offered as choices.",
    "OpenCard": "Free response, self-graded against a rubric.",
    "PredictCard": "Predict a demo's number, then watch the demo run; graded by the "
    "distance between the prediction and the run's number.",
    "PredictRange": "One labelled range of a predict card.",
    "Vary": "A demo parameter varied per review of a predict card.",
    "Choice": "One choice of a choice or diagnosis card.",
    "Evidence": "Numbers behind a diagnosis, plotted against the `x` column.",
    "RubricPoint": "One rubric point of an open card.",
}


def _describe(name: str, model: dict[str, Any]) -> None:
    model["description"] = _MODEL_DESCRIPTIONS.get(name, model.get("description", ""))
    own = _FIELDS.get(name, {})
    for field, prop in model.get("properties", {}).items():
        text = own.get(field) or (_COMMON.get(field) if name.endswith("Card") else None)
        if text:
            prop["description"] = text
        if field == "tags" and isinstance(prop.get("items"), dict):
            prop["items"].setdefault("pattern", TAG_PATTERN)


def deck_schema() -> dict[str, Any]:
    """The deck format's JSON Schema as a dict (deterministic key order)."""
    from drillbreak.deck.models import GENERATED_FIELDS
    from drillbreak.deck.validation import deck_schema as schema_model

    raw = copy.deepcopy(schema_model().model_json_schema())
    defs = raw.pop("$defs", {})
    for key in GENERATED_FIELDS:  # a generated card's case supplies them, not the file
        defs["GeneratedDiagnosisCard"]["properties"].pop(key)
    for name, model in defs.items():
        _describe(name, model)
    _describe("DeckSchema", raw)
    raw.pop("title", None)
    description = raw.pop("description")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "drillbreak deck",
        "description": description,
        **raw,
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as written to ``docs/deck.schema.json`` and printed by ``drillbreak schema``."""
    return json.dumps(deck_schema(), indent=2, ensure_ascii=False) + "\n"
