"""The Textual app: decks, study, browse, stats, settings.

Start-up is kept short: this module imports textual and nothing heavy; the
decks and the database are loaded in a thread worker after the first frame,
and the worker posts a message when done (it never touches widgets).
"""

from __future__ import annotations

import argparse
import gc
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from drillbreak.clock import Clock, utc_now
from drillbreak.tui.commands import DrillbreakCommands
from drillbreak.tui.theme import DRILLBREAK_THEME

if TYPE_CHECKING:
    from collections.abc import Callable

    from drillbreak.context import Context
    from drillbreak.deck.loader import Collection
    from drillbreak.deck.models import Generate
    from drillbreak.errors import UserError
    from drillbreak.study.cases import Refiller
    from drillbreak.study.session import StudySession


@dataclass(frozen=True)
class StudyRequest:
    decks: tuple[str, ...] = ()
    tag: str | None = None
    cram: bool = False
    new_limit: int | None = None


@dataclass
class AppOptions:
    db_path: Path | None = None
    deck_paths: tuple[Path, ...] = ()
    include_shipped: bool = True
    study: StudyRequest | None = None
    keys: dict[str, str] = field(default_factory=dict)
    config_path: Path | None = None  # where ``keys`` came from, named in warnings
    seed: int | None = None
    # Makes the refiller of generated cases' pool from the database path (tests).
    refiller: Callable[[Path], Refiller] | None = None


class Loaded(Message):
    def __init__(self, ctx: Context, session: StudySession | UserError | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.session = session  # the session asked for at start (or why it cannot start)


class DecksLanded(Message):
    """A deck file that a progressive load left for later is parsed: ``collection`` is
    the collection with it in (``Context.land_next``)."""

    def __init__(self, collection: Collection) -> None:
        super().__init__()
        self.collection = collection


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class DrillbreakApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "drillbreak"
    COMMANDS = App.COMMANDS | {DrillbreakCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False),
        Binding("question_mark", "toggle_help", "Help", id="app.help"),
    ]

    def __init__(self, options: AppOptions | None = None, *, clock: Clock = utc_now) -> None:
        super().__init__()
        self.options = options or AppOptions()
        self.clock = clock
        self.ctx: Context | None = None
        # Makes generated diagnosis cases in the background (when the decks have any).
        self.refiller: Refiller | None = None
        self._first_refill: list[Generate] = []  # its first round, once a screen is drawn
        self._landing = False  # the worker parsing what a progressive load left is started
        # Held by a worker thread while it uses the database; closing waits for it.
        self.db_lock = threading.Lock()
        self.register_theme(DRILLBREAK_THEME)
        self.theme = DRILLBREAK_THEME.name

    def compose(self):
        yield Static("Loading decks…", id="splash")

    def on_mount(self) -> None:
        if self.options.keys:
            self.set_keymap(self.options.keys)
            self.run_worker(self._check_keys, thread=True, name="keys", exit_on_error=False)
        self.run_worker(self._load, thread=True, name="load", exit_on_error=False)

    def _check_keys(self) -> None:
        """Warn about config [keys] entries that remap no binding (Textual ignores them)."""
        from drillbreak.config import Config

        config = Config(self.options.keys, self.options.config_path)
        warning = config.unknown_keys_warning(binding_ids())
        if warning is not None:
            self.call_from_thread(
                self.notify, warning, title="Config", severity="warning", timeout=15, markup=False
            )

    def _load(self) -> None:
        from drillbreak.context import open_context
        from drillbreak.errors import UserError

        study = self.options.study
        try:
            ctx = open_context(
                self.options.db_path,
                self.options.deck_paths,
                clock=self.clock,
                include_shipped=self.options.include_shipped,
                # big files not in the parse cache are read while the first cards show,
                # unless the session asked for names those files may hold
                progressive=study is None or not (study.decks or study.tag),
            )
        except UserError as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        try:
            ctx.settings  # noqa: B018  (stored settings that fsrs refuses end the start here)
        except UserError as exc:
            ctx.close()
            self.post_message(LoadFailed(str(exc)))
            return
        session: StudySession | UserError | None = None
        if study is not None:  # its queue is read here, off the event loop
            try:
                session = self._open_session(ctx, study)
            except UserError as exc:
                session = exc
        self.post_message(Loaded(ctx, session))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.exit(return_code=1, message=f"drillbreak: error: {message.error}")

    def on_loaded(self, message: Loaded) -> None:
        self.ctx = message.ctx
        # The loaded decks live as long as the app: moved out of the cyclic GC's reach, so
        # that building the queue and every later collection skip them (100k cards: the
        # first card ~1.5 s sooner, bench/FINDINGS.md, "Time to first card at 100k").
        gc.freeze()
        gc.enable()  # disabled for the imports and the load by drillbreak.main.open_app
        self.apply_theme_setting(self.ctx.settings.theme)
        self._start_refiller()
        # Started on a study session, the decks screen is made when the session ends
        # (`back_to_decks`): making it first cost ~100 ms before the first card
        # (bench/FINDINGS.md, "The decks screen after the first card").
        if self.options.study is None or not self.start_study(self.options.study, message.session):
            from drillbreak.tui.screens.decks import DecksScreen

            self.push_screen(DecksScreen())

    def _land_pending(self, ctx: Context, collection: Collection) -> None:
        """Parse the files the progressive load left, one at a time, in order; each
        collection goes to the event loop as it lands (``on_decks_landed``)."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            landed = ctx.land_next(collection, self.db_lock)
            if landed is None:
                return
            collection = landed
            self.post_message(DecksLanded(collection))

    @property
    def loading(self) -> int:
        """How many deck files are still being read (a progressive load)."""
        return len(self.ctx.collection.pending) if self.ctx is not None else 0

    def on_decks_landed(self, message: DecksLanded) -> None:
        assert self.ctx is not None
        from drillbreak.study.cases import Refiller, generator_specs

        before = {id(d) for d in self.ctx.collection.decks}
        self.ctx.collection = message.collection
        gc.collect()  # the parse's garbage, before the new deck is frozen (as in on_loaded)
        gc.freeze()
        specs = generator_specs([d for d in message.collection.decks if id(d) not in before])
        if specs:
            if self.refiller is None:
                self.refiller = (self.options.refiller or Refiller)(self.ctx.db.path)
            if self._first_refill:  # nothing drawn yet: the first round takes them
                self._first_refill += specs
            else:
                self.refiller.request(specs)
        for screen in self.screen_stack:
            landed = getattr(screen, "decks_landed", None)
            if landed is not None:
                landed(message.collection)

    def back_to_decks(self) -> None:
        """Close every screen above the decks screen (a session's summary, and a session
        that another one was started over); make the decks screen if the app started
        straight on a session and has none."""
        from drillbreak.tui.screens.decks import DecksScreen

        decks = [s for s in self.screen_stack if isinstance(s, DecksScreen)]
        target = decks[-1] if decks else None
        while self.screen is not target and len(self.screen_stack) > 2:
            self.pop_screen()
        if target is None:  # only the default screen below: the decks screen takes its place
            self.switch_screen(DecksScreen())

    def _start_refiller(self) -> None:
        """The refiller of every generated card's generator; its first round starts when
        the first screen is drawn (``first_screen_drawn``)."""
        from drillbreak.study.cases import Refiller, generator_specs

        assert self.ctx is not None
        self._first_refill = generator_specs(self.ctx.collection.decks)
        if self._first_refill:
            self.refiller = (self.options.refiller or Refiller)(self.ctx.db.path)

    def first_screen_drawn(self) -> None:
        """The first card or the deck list is on screen: background work starts now, so
        that its threads and the case child (torch) do not slow the first screen (the
        rest of a progressive load: ~80 ms of the first card at 100k)."""
        specs, self._first_refill = self._first_refill, []
        if specs and self.refiller is not None:
            self.refiller.request(specs)
        ctx = self.ctx
        if ctx is not None and ctx.collection.pending and not self._landing:
            self._landing = True  # the files a progressive load left, parsed from now on
            self.run_worker(
                partial(self._land_pending, ctx, ctx.collection),
                thread=True,
                name="land",
                exit_on_error=False,
            )

    def apply_theme_setting(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name

    # navigation used by screens and the command palette ----------------------------
    def _open_session(self, ctx: Context, request: StudyRequest) -> StudySession:
        """The session ``request`` asks for; raises UserError when it cannot start."""
        from drillbreak.study.scope import select_by_deck
        from drillbreak.study.session import StudySession

        items = select_by_deck(ctx.collection, request.decks, request.tag)
        return StudySession(
            ctx.db,
            items,
            clock=self.clock,
            cram=request.cram,
            new_limit=request.new_limit,
            seed=self.options.seed,
            rows_synced=True,
        )

    def start_study(
        self, request: StudyRequest, opened: StudySession | UserError | None = None
    ) -> bool:
        """Open a study session on ``request`` (``opened``: the loader made it, or found
        why it cannot start); False (with a notice) when it has nothing to study or
        cannot start."""
        from drillbreak.errors import UserError
        from drillbreak.tui.screens.study import StudyScreen

        assert self.ctx is not None
        if self._still_saving():
            return False
        try:
            if isinstance(opened, UserError):
                raise opened
            session = opened or self._open_session(self.ctx, request)
        except UserError as exc:
            if self.loading:  # the deck or tag may be in a file not read yet
                exc = UserError(f"{exc} (still reading {self.loading} deck files; try again soon)")
            self.notify(str(exc), severity="error", markup=False)
            return False
        if session.remaining == 0 and not self.loading:
            self.notify(session.why_idle().sentence, title="Nothing to study", markup=False)
            return False
        # while files are read, a session with no card yet waits for them
        self.push_screen(StudyScreen(session, self._title_for(request), request))
        return True

    def _title_for(self, request: StudyRequest) -> str:
        assert self.ctx is not None
        if len(request.decks) == 1:
            deck = self.ctx.collection.deck(request.decks[0])
            title = deck.title if deck else request.decks[0]
        elif request.decks:
            title = f"{len(request.decks)} decks"
        else:
            title = "All decks"
        if request.tag:
            title += f" #{request.tag}"
        return title  # the study screen marks a cram session itself

    def open_screen(self, name: str) -> None:
        from drillbreak.tui.screens.browse import BrowseScreen
        from drillbreak.tui.screens.settings import SettingsScreen
        from drillbreak.tui.screens.stats import StatsScreen

        screens = {"browse": BrowseScreen, "stats": StatsScreen, "settings": SettingsScreen}
        if self.ctx is not None and not self._still_saving():
            self.push_screen(screens[name]())

    def _still_saving(self) -> bool:
        """True while a study screen writes in a thread; say so rather than read meanwhile."""
        from drillbreak.tui.screens.study import StudyScreen

        if any(isinstance(s, StudyScreen) and s.saving for s in self.screen_stack):
            self.notify("Still saving the last answer; try again in a moment.", severity="warning")
            return True
        return False

    def open_demo(self, name: str) -> None:
        try:
            from drillbreak.tui.screens.demo import DemoScreen
        except ImportError:
            self.notify(f"Demo '{name}' is not available in this build.", severity="warning")
            return
        self.push_screen(DemoScreen(name))

    def action_toggle_help(self) -> None:
        from drillbreak.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.screen))

    def on_unmount(self) -> None:
        if self.refiller is not None:
            self.refiller.close()  # its case child ends with the app
        if self.ctx is not None:
            with self.db_lock:  # an answer being written commits (or fails) before the close
                self.ctx.close()


def binding_ids() -> set[str]:
    """Every binding id of the app, its screens and its widgets: what [keys] can remap."""
    return set(bindings_by_id())


def bindings_by_id() -> dict[str, Binding]:
    """The bindings of the app, its screens and its widgets that have an id, by id."""
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    from drillbreak.tui import screens, widgets

    for package in (screens, widgets):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: dict[str, Binding] = {}
    classes: list[type] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        found.update(
            (b.id, b) for b in getattr(cls, "BINDINGS", ()) if isinstance(b, Binding) and b.id
        )
    return found


def run_app(args: argparse.Namespace) -> int:
    from drillbreak.config import load_config

    config = load_config()
    study = None
    if getattr(args, "command", None) == "study":
        study = StudyRequest(tuple(args.deck), args.tag, args.cram, args.new)
    app = DrillbreakApp(
        AppOptions(
            db_path=args.db,
            deck_paths=tuple(args.decks),
            study=study,
            keys=config.keys,
            config_path=config.path,
        )
    )
    app.run()
    return app.return_code or 0


__all__ = ["AppOptions", "DrillbreakApp", "StudyRequest", "run_app"]
