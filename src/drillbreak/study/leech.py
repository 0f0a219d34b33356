"""The leech rule: a card that keeps lapsing is tagged and suspended, not drilled forever."""

from __future__ import annotations


def is_leech(lapses: int, threshold: int) -> bool:
    """Whether a lapse that brings a card to ``lapses`` makes it a leech: at ``threshold``
    lapses, then again every half threshold (Anki's rule), e.g. 8, 12, 16 for 8."""
    return lapses >= threshold and (lapses - threshold) % max(1, threshold // 2) == 0


def leech_message(key: str, lapses: int) -> str:
    return (
        f"Leech: '{key}' has lapsed {lapses} times, so it was tagged and "
        "suspended. Rewrite it or split it, then unsuspend it in Browse."
    )
