"""``schema``: the committed docs/deck.schema.json is the command's output, and the
shipped decks validate against it (checked with a tiny validator for the keywords
the schema uses; no jsonschema dependency)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drillbreak.deck.yamlsource import read_yaml
from drillbreak.interop.schema import deck_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "deck.schema.json"
SHIPPED = sorted((ROOT / "cards").glob("*.yaml"))


def validate(value, schema, root, path="$") -> list[str]:
    """Errors for ``value`` under ``schema`` (the subset of JSON Schema we emit)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return validate(value, root["$defs"][name], root, path)
    errors: list[str] = []
    if "anyOf" in schema:
        if all(validate(value, s, root, path) for s in schema["anyOf"]):
            errors.append(f"{path}: matches none of anyOf")
        return errors
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not validate(value, s, root, path)]
        if len(matches) != 1:
            errors.append(f"{path}: matches {len(matches)} of oneOf")
        return errors
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind and not checks[kind](value):
        return [f"{path}: not {kind}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: not {schema['const']!r}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if len(value) > schema.get("maxLength", 1 << 30):
            errors.append(f"{path}: too long")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", 1 << 30):
            errors.append(f"{path}: wrong number of items")
        for i, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), root, f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key}")
        if len(value) < schema.get("minProperties", 0):
            errors.append(f"{path}: too few properties")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                errors += validate(item, props[key], root, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unknown key {key}")
            elif isinstance(extra, dict):
                errors += validate(item, extra, root, f"{path}.{key}")
    return errors


def test_committed_schema_is_the_command_output():
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "docs/deck.schema.json is stale: run `drillbreak schema -o docs/deck.schema.json`"
    )


def test_schema_header_and_descriptions():
    schema = json.loads(schema_text())
    assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for name, model in schema["$defs"].items():
        assert model.get("description"), name
        for field, prop in model["properties"].items():
            assert prop.get("description"), f"{name}.{field}"
    for field, prop in schema["properties"].items():
        assert prop.get("description"), field


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_decks_validate(path):
    text = path.read_text(encoding="utf-8")
    data, _ = read_yaml(text)
    schema = deck_schema()
    assert validate(data, schema, schema) == []


def test_starter_deck_points_editors_at_the_schema():
    first_lines = (ROOT / "cards" / "starter.yaml").read_text().splitlines()[:3]
    assert "# yaml-language-server: $schema=../docs/deck.schema.json" in first_lines


def test_schema_rejects_what_lint_rejects():
    schema = deck_schema()
    good = {"deck": "d", "title": "T", "cards": [{"id": "a", "front": "f", "back": "b"}]}
    assert validate(good, schema, schema) == []
    bad_cards = [
        {"id": "a", "fornt": "f", "back": "b"},  # unknown key
        {"id": "a", "front": "f"},  # missing back
        {"id": "Bad Id", "front": "f", "back": "b"},
        {"id": "a", "type": "cloze"},  # no text
        {"id": "a", "type": "choice", "question": "q", "choices": [{"text": "x"}]},  # 1 choice
        {"id": "a", "front": "f", "back": "b", "tags": ["two words"]},
    ]
    for card in bad_cards:
        deck = {**good, "cards": [card]}
        assert validate(deck, schema, schema), card
