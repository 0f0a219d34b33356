"""Decks: YAML files -> typed cards, and the linter."""
