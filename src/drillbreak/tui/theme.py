"""drillbreak's own theme: dark slate with a warm 'break' accent."""

from __future__ import annotations

from textual.theme import Theme

DRILLBREAK_THEME = Theme(
    name="drillbreak",
    primary="#5FB3B3",
    secondary="#7C8FA6",
    accent="#F0A35E",
    warning="#E5C07B",
    error="#E06C75",
    success="#98C379",
    foreground="#D8DEE9",
    background="#1B2129",
    surface="#232B35",
    panel="#2C3642",
    dark=True,
    variables={
        "footer-key-foreground": "#F0A35E",
        "block-cursor-background": "#3A4A5C",
    },
)
