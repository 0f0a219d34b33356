"""A child process for the start-up and memory benchmarks.

    python -m bench.child_app bare
    python -m bench.child_app app --decks DIR --db PATH

``bare``: a minimal Textual App, headless, that exits after its first refresh.
``app``: drillbreak's app, headless, studying all decks; it exits once the first
study card is on screen (with ``--settle``: once every deck file is loaded too, as a
start that stays open fills the parse cache of a progressive load).  Both print ``READY <time.monotonic()>`` at that moment
(the parent compares it with its own monotonic clock, which is system-wide), then
``TORCH <0|1>``: whether torch was ever imported in this process, and ``SELF_MAXRSS``
(KiB): its peak memory.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time


def _report() -> None:
    print(f"READY {time.monotonic():.6f}", flush=True)


def _finish() -> None:
    import resource

    print(f"TORCH {int('torch' in sys.modules)}", flush=True)
    # this process alone: not the case child the app may start for generated cards
    print(f"SELF_MAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


def run_bare() -> int:
    from textual.app import App
    from textual.widgets import Static

    class BareApp(App):
        def compose(self):
            yield Static("hello")

        def on_mount(self) -> None:
            self.call_after_refresh(self._done)

        def _done(self) -> None:
            _report()
            self.exit()

    BareApp().run(headless=True)
    _finish()
    return 0


def run_app(decks: str, db: str, shipped: bool, settle: bool = False) -> int:
    gc.disable()  # as drillbreak.main.open_app does before it imports the app
    from textual.widgets import Markdown  # not at the top: the bare app must not load it

    from bench.now import NOW
    from drillbreak.clock import FakeClock
    from drillbreak.tui.app import AppOptions, DrillbreakApp, StudyRequest
    from drillbreak.tui.screens.study import StudyScreen

    options = AppOptions(
        db_path=db,
        deck_paths=(decks,),
        include_shipped=shipped,
        study=StudyRequest(),
        seed=1,
    )
    app = DrillbreakApp(options, clock=FakeClock(NOW))
    state = {"done": False}

    def shown() -> bool:
        """A study card's question is on the StudyScreen (watched from outside the app)."""
        screen = app.screen
        if not isinstance(screen, StudyScreen) or not screen.is_mounted:
            return False
        # the question's document on screen (BufferedMarkdown draws into a hidden one first)
        return any(q.source for q in screen.query("#question .front").results(Markdown))

    def done() -> None:
        _report()
        if not settle:
            app.exit()

    def poll() -> None:
        if not state["done"] and shown():
            state["done"] = True
            app.call_after_refresh(done)
        elif settle and state["done"] and not app.loading:
            app.exit()

    def start() -> None:
        app.set_interval(0.002, poll)

    app.call_later(start)
    app.run(headless=True)
    if not state["done"]:
        print(f"NO CARD (return code {app.return_code})", flush=True)
        return 1
    _finish()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["bare", "app"])
    parser.add_argument("--decks")
    parser.add_argument("--db")
    parser.add_argument("--no-shipped", action="store_true")
    parser.add_argument("--settle", action="store_true")
    args = parser.parse_args(argv)
    if args.mode == "bare":
        return run_bare()
    return run_app(args.decks, args.db, not args.no_shipped, args.settle)


if __name__ == "__main__":
    raise SystemExit(main())
