"""Command palette (ctrl+p): study a deck, cram, browse, stats, settings, export to Anki,
optimize the scheduler, run a demo.

Export and optimize run the CLI's code (``drillbreak export anki``, ``drillbreak
optimize``) in a thread and say how it went in a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.notifications import SeverityLevel

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
        from drillbreak.interop.commands import default_apkg_path
        from drillbreak.tui.app import StudyRequest

        all_decks = [d.id for d in ctx.collection.decks]
        out: list[PaletteEntry] = [
            (
                "Study all decks",
                partial(app.start_study, StudyRequest()),
                "Due cards of every deck",
            ),
            ("Browse cards", partial(app.open_screen, "browse"), "Search every card"),
            ("Statistics", partial(app.open_screen, "stats"), "Reviews, retention, forecast"),
            ("Settings", partial(app.open_screen, "settings"), "Limits, steps, theme"),
            (
                "Optimize scheduler",
                partial(optimize, app),
                "Fit FSRS parameters to your reviews (drillbreak optimize)",
            ),
            (
                "Export all decks to Anki",
                partial(export_anki, app, all_decks),
                f"Write {default_apkg_path(all_decks)} in the current folder (drillbreak export anki)",
            ),
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
            out.append(
                (
                    f"Export to Anki: {deck.title}",
                    partial(export_anki, app, [deck.id]),
                    f"Write {default_apkg_path([deck.id])} in the current folder",
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


def export_anki(app: DrillbreakApp, deck_ids: list[str]) -> None:
    """``drillbreak export anki DECK...`` without options: an .apkg in the current folder
    named as the CLI names it; a notification says where (or why not)."""
    from drillbreak.interop.commands import default_apkg_path

    ctx = app.ctx
    assert ctx is not None
    decks = [d for d in ctx.collection.decks if d.id in deck_ids]
    path = default_apkg_path(deck_ids).resolve()

    def work() -> None:
        from drillbreak.interop.anki_export import export_apkg

        try:
            summary = export_apkg(decks, path)
        except OSError as exc:
            _notify(app, f"{path}: cannot write ({exc.strerror or exc})", "Not exported", "error")
            return
        _notify(
            app,
            f"Wrote {summary.path} ({summary.notes} notes). Import it in Anki with File > Import.",
            "Exported",
        )

    app.notify(f"Exporting to {path}…", timeout=2)
    app.run_worker(work, thread=True, group="palette", exit_on_error=False)


def optimize(app: DrillbreakApp) -> None:
    """``drillbreak optimize``: fit FSRS parameters to the review log in a thread (saved,
    and used from then on, only when they predict it better); a notification says how."""
    import io

    ctx = app.ctx
    assert ctx is not None
    db_path = ctx.db.path

    def work() -> None:
        from drillbreak.errors import UserError
        from drillbreak.optimizer.run import optimize as fit

        report = io.StringIO()
        try:
            with app.db_lock:  # no answer is written while the fit reads and saves
                result = fit(db_path, out=report, err=report)
        except UserError as exc:
            _notify(app, str(exc), "Not optimized", "warning")
            return
        fitted = result.metrics["fitted"]
        baseline = result.metrics["current"] or result.metrics["default"]
        scores = (
            f" (log loss {baseline.log_loss:.4f} -> {fitted.log_loss:.4f})"
            if fitted and baseline
            else ""
        )
        verdict = (
            "the fitted parameters predict them better and are in use now"
            if result.saved
            else "the parameters in use predict them as well, so they were kept"
        )
        _notify(app, f"{result.reviews} reviews: {verdict}{scores}.", "Optimized")

    app.notify("Fitting FSRS parameters to your reviews…", timeout=2)
    app.run_worker(work, thread=True, group="palette", exit_on_error=False)


def _notify(
    app: DrillbreakApp, message: str, title: str, severity: SeverityLevel = "information"
) -> None:
    """A notification from a worker thread."""
    app.call_from_thread(
        app.notify, message, title=title, severity=severity, timeout=10, markup=False
    )
