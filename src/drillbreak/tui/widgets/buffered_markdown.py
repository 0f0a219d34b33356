"""Markdown that is drawn off screen first, then shown in one step.

Textual's Markdown parses in a thread and mounts its blocks later: updating the one on
screen would show the old text beside a new card's other parts for a moment (longer on
a busy machine).  This widget holds two Markdown documents: :meth:`prepare` fills the
hidden one (awaited), :meth:`flip` shows it and hides the other, synchronously, so the
caller can swap every part of a card in the same frame.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown

from drillbreak.tui.widgets import default_css


class BufferedMarkdown(Vertical):
    DEFAULT_CSS = default_css(__file__)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pending: str | None = None
        self.text = ""
        """The Markdown on screen."""

    def compose(self) -> ComposeResult:
        yield Markdown(classes="front")
        yield Markdown(classes="back")

    def _part(self, side: str) -> Markdown:
        return self.query_one(f".{side}", Markdown)

    async def prepare(self, text: str) -> None:
        """Draw ``text`` into the hidden document; :meth:`flip` then shows it."""
        self._pending = text
        await self._part("back").update(text)

    def flip(self) -> None:
        """Show what :meth:`prepare` drew (no-op when nothing was prepared)."""
        if self._pending is None:
            return
        front, back = self._part("front"), self._part("back")
        front.set_classes("back")
        back.set_classes("front")
        self.text, self._pending = self._pending, None
