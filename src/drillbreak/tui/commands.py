"""Command palette (ctrl+p): study a deck, cram, browse, stats, settings, run a demo."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from drillbreak.tui.app import DrillbreakApp

# A palette entry: its name, what choosing it does, and its help line.
PaletteEntry = tuple[str, Callable[[], object], str]


class DrillbreakCommands(Provider):
    def _commands(self) -> list[PaletteEntry]:
        app = cast("DrillbreakApp", self.app)  # this provider is DrillbreakApp's alone
        ctx = app.ctx
        if ctx is None:
            return []
        from drillbreak.tui.app import StudyRequest

        out: list[PaletteEntry] = [
            (
                "Study all decks",
                partial(app.start_study, StudyRequest()),
                "Due cards of every deck",
            ),
            ("Browse cards", partial(app.open_screen, "browse"), "Search every card"),
            ("Statistics", partial(app.open_screen, "stats"), "Reviews, retention, forecast"),
            ("Settings", partial(app.open_screen, "settings"), "Limits, steps, theme"),
        ]
        for deck in ctx.collection.decks:
            out.append(
                (
                    f"Study: {deck.title}",
                    partial(app.start_study, StudyRequest((deck.id,))),
                    deck.id,
                )
            )
            out.append(
                (
                    f"Cram: {deck.title}",
                    partial(app.start_study, StudyRequest((deck.id,), cram=True)),
                    "Study regardless of due dates; schedule untouched",
                )
            )
        try:
            from drillbreak.demo_runner.catalog import list_demos

            for demo in list_demos():
                out.append((f"Demo: {demo.title}", partial(app.open_demo, demo.name), demo.concept))
        except Exception:  # the demos are optional to the palette
            pass
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
