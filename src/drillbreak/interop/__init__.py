"""Interop with other tools: Anki packages and text exports, the FSRS review CSV,
the deck JSON Schema.  ``add_commands`` / ``run`` mount the commands on the CLI."""

from drillbreak.interop.commands import add_commands, run

__all__ = ["add_commands", "run"]
