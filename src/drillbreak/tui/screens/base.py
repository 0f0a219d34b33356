"""The base of drillbreak's screens: typed access to the app and its loaded context."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from drillbreak.context import Context
    from drillbreak.tui.app import DrillbreakApp


class DrillbreakScreen(Screen):
    """A screen of DrillbreakApp; ``drill_app`` is ``self.app`` typed as that app."""

    @property
    def drill_app(self) -> DrillbreakApp:
        # Imported for type checking only: drillbreak.tui.app imports the screens.
        return cast("DrillbreakApp", self.app)

    @property
    def ctx(self) -> Context:
        """The loaded decks, database and settings (screens are opened only after the load)."""
        ctx = self.drill_app.ctx
        if ctx is None:
            raise RuntimeError(f"{type(self).__name__} used before the decks were loaded")
        return ctx
