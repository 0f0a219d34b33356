"""What every command needs: the loaded decks and the open database.

Shared by the CLI, plain mode and the Textual app; imports neither textual nor torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from drillbreak import paths
from drillbreak.clock import Clock, utc_now
from drillbreak.deck.cache import DeckCache
from drillbreak.deck.items import deck_keys
from drillbreak.deck.loader import Collection, gc_paused, load_collection
from drillbreak.deck.predict import DemoFacts
from drillbreak.demo_runner import catalog
from drillbreak.demo_runner.catalog import demo_names, list_demos
from drillbreak.errors import UserError
from drillbreak.settings import Settings
from drillbreak.store import backup, cards, settings_store
from drillbreak.store.db import Database


def deck_paths(extra: Sequence[Path] = (), *, include_shipped: bool = True) -> list[Path]:
    """The shipped decks, then ``extra`` (``--decks``), each of which must exist."""
    for path in extra:
        if not Path(path).exists():
            raise UserError(f"{path}: no such deck file or folder (given with --decks)")
    found = [paths.shipped_cards_dir()] if include_shipped else []
    return found + [Path(p) for p in extra]


def known_demo_names() -> set[str] | None:
    """Names of the shipped demos, for checking cards' ``demo:`` fields (None when the
    demo catalog cannot be read)."""
    try:
        names = demo_names()
    except Exception:  # a broken demos folder must not break loading or linting decks
        return None
    return names or None


def demo_sources_stamp() -> tuple[object, ...]:
    """What :func:`known_demo_names` reads, as change stamps: each shipped demo file's
    name, size and times, and the catalog's own code.  The parse cache keys on this
    instead of the names, which it reads only to parse a file."""
    stamps: list[object] = []
    for path in (Path(catalog.__file__), *sorted(paths.shipped_demos_dir().glob("*.py"))):
        try:
            st = path.stat()
        except OSError:
            continue
        stamps.append((path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(stamps)


def known_demo_results() -> dict[str, frozenset[str] | None] | None:
    """Each shipped demo's declared result names (None for a demo that declares none),
    for checking cards' ``claims`` (None when the demo catalog cannot be read)."""
    try:
        demos = list_demos()
    except Exception:  # a broken demos folder must not break linting decks
        return None
    return {d.name: None if d.results is None else frozenset(d.results) for d in demos} or None


def known_demo_facts() -> dict[str, DemoFacts] | None:
    """Each shipped demo's declared results and parameters, for checking predict cards
    (None when the demo catalog cannot be read)."""
    try:
        demos = list_demos()
    except Exception:  # a broken demos folder must not break linting decks
        return None
    return {
        d.name: DemoFacts(
            None if d.results is None else frozenset(d.results),
            {name: spec.values for name, spec in d.params.items()},
        )
        for d in demos
    } or None


@dataclass
class Context:
    collection: Collection
    db: Database
    clock: Clock = utc_now
    closed: bool = False

    def land_next(
        self, collection: Collection, lock: AbstractContextManager[object] = nullcontext()
    ) -> Collection | None:
        """Parse ``collection``'s next pending file and sync its deck's rows (holding
        ``lock`` for that only); the collection with that file landed, or None when
        nothing is pending or the context was closed meanwhile.  Runs in a worker
        thread: ``collection`` is not changed, and the caller makes the result
        ``self.collection`` once this returns, in order."""
        with gc_paused():
            step = collection.land_next()
            if step is None:
                return None
            landed, result = step
            deck = result.deck
            with lock:
                if self.closed:
                    return None
                if deck is not None and any(d is deck for d in landed.decks):
                    with self.db.raw_write() as conn:
                        cards.sync(conn, [(deck.id, deck_keys(deck))])
                        if deck.fingerprint:
                            cards.mark_synced(conn, {deck.id: deck.fingerprint})
        return landed

    @property
    def settings(self) -> Settings:
        with self.db.raw_read() as conn:
            return settings_store.load(conn)

    def save_settings(self, settings: Settings) -> None:
        with self.db.raw_write() as conn:
            settings_store.save(conn, settings)

    def close(self) -> None:
        self.closed = True
        self.db.close()


def load_decks(
    extra: Sequence[Path] = (),
    *,
    include_shipped: bool = True,
    cached: bool = True,
    progressive: bool = False,
) -> Collection:
    """The decks to study; unchanged files come from the parse cache unless ``cached=False``
    (``progressive``: see ``load_collection``)."""
    found = deck_paths(extra, include_shipped=include_shipped)
    if cached and (
        cache := DeckCache.default(demo_source=(demo_sources_stamp(), known_demo_names))
    ):
        return load_collection(found, cache=cache, progressive=progressive)
    return load_collection(found, known_demo_names(), progressive=progressive)


def open_context(
    db_path: Path | None = None,
    extra_decks: Sequence[Path] = (),
    *,
    clock: Clock = utc_now,
    include_shipped: bool = True,
    collection: Collection | None = None,
    progressive: bool = False,
) -> Context:
    """Load decks, open (and back up) the database, and sync card rows with the decks.

    ``progressive``: big deck files that are not in the parse cache are parsed later,
    their first cards shown meanwhile (``load_collection``); the context's
    :meth:`~Context.land_next` parses them one by one."""
    collection = collection or load_decks(
        extra_decks, include_shipped=include_shipped, progressive=progressive
    )
    path = paths.database_path(db_path)
    backup.daily_backup(path, clock())
    db = Database(path)
    with db.raw_write() as conn, gc_paused():
        # A deck file whose parse came from the cache with the fingerprint its rows were
        # last synced with has the same cards: no rows to read (100k cards: ~0.2 s).
        synced = cards.synced_decks(conn)
        whole = [d for d in collection.decks if not d.partial]
        changed = [d for d in whole if d.fingerprint is None or synced.get(d.id) != d.fingerprint]
        cards.sync(conn, ((d.id, deck_keys(d)) for d in changed))
        # A partial deck's first cards get rows, its others when it lands.  Rows added
        # outside a sync forget every deck's fingerprint: the whole decks' are put back.
        first = [(d.id, k) for d in collection.decks if d.partial for k in deck_keys(d)]
        if cards.add_missing(conn, first):
            changed = whole
        cards.mark_synced(conn, {d.id: d.fingerprint for d in changed if d.fingerprint})
    return Context(collection, db, clock)
