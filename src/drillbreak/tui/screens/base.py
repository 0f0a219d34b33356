"""The base of drillbreak's screens: typed access to the app and its loaded context, and
database reads in a thread (never on the event loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual.message import Message
from textual.screen import Screen

from drillbreak.errors import UserError

if TYPE_CHECKING:
    from drillbreak.context import Context
    from drillbreak.tui.app import DrillbreakApp


class DrillbreakScreen(Screen):
    """A screen of DrillbreakApp; ``drill_app`` is ``self.app`` typed as that app."""

    class Read(Message, bubble=False):
        """A read made by ``read_in_thread`` returned; ``then(result)`` draws it."""

        def __init__(self, then: Callable[[Any], None], result: Any) -> None:
            super().__init__()
            self.then = then
            self.result = result

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

    def read_in_thread(
        self,
        read: Callable[[Context], Any],
        then: Callable[[Any], None],
        *,
        failed: str = "Not read",
    ) -> None:
        """Run ``read(ctx)`` in a thread holding the app's ``db_lock``; ``then(result)`` runs
        on the event loop once it returned (not at all if the screen has closed meanwhile).
        A store error (the database busy, unreadable, the disk full) is a one-line message
        titled ``failed``, and ``then`` does not run."""
        ctx, lock = self.ctx, self.drill_app.db_lock

        def work() -> None:
            try:
                with lock:
                    result = read(ctx)
            except UserError as exc:
                self.app.call_from_thread(
                    self.notify, str(exc), title=failed, severity="error", markup=False
                )
                return
            self.post_message(self.Read(then, result))

        self.run_worker(work, thread=True, group="db-read", exit_on_error=False)

    def on_drillbreak_screen_read(self, message: DrillbreakScreen.Read) -> None:
        message.then(message.result)
