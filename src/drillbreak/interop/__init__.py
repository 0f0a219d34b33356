"""Interop with other tools: Anki packages and text exports, the FSRS review CSV,
the deck JSON Schema.  ``add_commands`` mounts the commands on the CLI."""

from drillbreak.interop.commands import add_commands

__all__ = ["add_commands"]
