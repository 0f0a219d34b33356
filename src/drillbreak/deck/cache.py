"""A cache of parsed deck files, so that starting the app skips unchanged YAML.

Parsing and validating YAML is most of what start-up costs with a big
collection (bench/FINDINGS.md, "Time to first card").  Each
deck file's :class:`FileResult` is pickled under the user cache dir, keyed by
everything its parse depends on: the file's identity and change stamps (below),
the names shown in problem messages, the known demo names, and the loader's own
source files (so a changed parser never serves an old result).  Entries are
written atomically; a missing, stale, corrupt or unreadable entry just means the
file is parsed again.  ``drillbreak lint`` never uses the cache: authors get a
real check.

The key is the file's device, inode, size, mtime *and ctime* (nanoseconds), all
from one ``stat``, so a hit reads nothing but the entry.  Size and mtime alone
are not enough: an edit to the same size with the old mtime put back (``cp -p``,
``rsync -t``, tar, ``touch -r``) would be served stale.  The ctime is set by the
kernel on every write, rename and ``utime`` and cannot be set by users, so such
an edit changes the key.  Timestamps are coarse, though (a kernel tick, 4 ms; a
second or more on some file systems), so two edits within one tick can share
every stamp: a file whose ctime is under ``RACY_NS`` old is keyed by its content
as well (as git does for "racily clean" files).  A content hash for every file
would be as safe but must read and hash every deck at every start, which is the
work this cache exists to skip; here only just-edited files are read.

An entry keeps each card as a pickle of its own (``loader.StoredCards``), with the item
keys the cards expand into: a start unpickles the cards it shows, not every card.  The
cards' pickles come first in the entry, as raw bytes after an 8-byte length, and the
rest of the result is pickled after them: a big deck's cards are mapped into memory
(``mmap``), not read, so a start reads only the pages of the cards it shows
(bench/FINDINGS.md, "100k warm").

Entries are pickles, and unpickling runs code, so the cache trusts only itself:
the folder is created 0700, and it is not used at all when it is not owned by
the current user or is group- or world-writable; an entry is read only when the
opened file is a regular file owned by the user with no group or world write bit.

``DRILLBREAK_CACHE_DIR`` moves the cache; set it to ``off`` to turn it off.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

try:  # CPython's own BLAKE2: importing hashlib loads OpenSSL (~2.5 ms of every start)
    from _blake2 import blake2b
except ImportError:  # a build without it
    from hashlib import blake2b

from drillbreak.deck import loader
from drillbreak.paths import make_private_dirs

FORMAT = 7  # bump when a cached class changes shape
# File timestamps are coarse (a kernel tick; seconds on some file systems): a file whose
# ctime is this recent is also keyed by its content.
RACY_NS = 2_000_000_000
# Cards' pickles at least this big are mapped into memory instead of read.
MAP_BYTES = 256 * 1024
_CARDS = "cards"  # the persistent id of the cards' pickles in an entry (see _Writer)
# Modules whose code decides what a parse returns.
_PARSER_MODULES = ("cloze", "loader", "models", "problems", "sanitize", "variants", "yamlsource")


def default_dir() -> Path | None:
    """``DRILLBREAK_CACHE_DIR`` if set (``off`` disables), else ``<user cache dir>/decks``."""
    env = os.environ.get("DRILLBREAK_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no") else Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("drillbreak", appauthor=False)) / "decks"


def _digest(*parts: object) -> str:
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def _code_stamp() -> tuple[tuple[str, int | None, int | None], ...]:
    here = Path(__file__).resolve().parent
    stamps: list[tuple[str, int | None, int | None]] = []
    for name in _PARSER_MODULES:
        try:
            st = (here / f"{name}.py").stat()
            stamps.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            stamps.append((name, None, None))
    return tuple(stamps)


def _stamp(path: Path, st: os.stat_result) -> tuple:
    """What an edit of ``path`` cannot leave unchanged (see the module docstring)."""
    stamp: tuple = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if time.time_ns() - st.st_ctime_ns < RACY_NS:
        # Changed moments ago: a second change within the same clock tick would keep
        # every timestamp, so the content decides (it is about to be read anyway).
        stamp += (blake2b(path.read_bytes()).hexdigest(),)
    return stamp


def _trusted(st: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """Owned by this user, of the expected kind, and writable by no one else."""
    return kind(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


# What the known demo names are read from, and how: (a stamp that changes whenever the
# names may, a function reading them).  The key then holds the stamp, and the names are
# read only when a file must be parsed (reading them parses every demo: ~100 ms a start).
DemoSource = tuple[object, Callable[[], Iterable[str] | None]]


class DeckCache:
    def __init__(
        self,
        root: Path,
        demo_names: Iterable[str] | None = None,
        *,
        demo_source: DemoSource | None = None,
    ) -> None:
        self.root = Path(root)
        self._demo_names = set(demo_names) if demo_names is not None else None
        self._read_names: Callable[[], Iterable[str] | None] | None = None
        names: object = sorted(self._demo_names) if self._demo_names is not None else None
        if demo_source is not None:
            names, self._read_names = ("source", demo_source[0]), demo_source[1]
        self._salt = (FORMAT, _code_stamp(), names)
        self._private: bool | None = None  # checked on first use
        self._cwd = os.getcwd()
        self.hits = 0
        self.misses = 0

    @classmethod
    def default(
        cls, demo_names: Iterable[str] | None = None, *, demo_source: DemoSource | None = None
    ) -> DeckCache | None:
        root = default_dir()
        return cls(root, demo_names, demo_source=demo_source) if root is not None else None

    @property
    def demo_names(self) -> set[str] | None:
        """The demo names cards are checked against (read now if given as a source)."""
        if self._read_names is not None:
            names = self._read_names()
            self._demo_names = set(names) if names is not None else None
            self._read_names = None
        return self._demo_names

    def load(self, path: Path) -> loader.FileResult:
        """The parse of ``path``: from the cache when its key matches, else parsed and stored."""
        path = Path(path)
        found = self._lookup(path)
        if found is None:  # no usable key: parsed, not stored
            self.misses += 1
            return loader.load_file(path, self.demo_names)
        entry, prefix, key, result = found
        if result is None:
            self.misses += 1
            result = loader.load_file(path, self.demo_names)
            self._write(entry, prefix, result)
            if result.deck is not None:
                result.deck.fingerprint = key
        return result

    def cached(self, path: Path) -> loader.FileResult | None:
        """The parse of ``path`` when the cache has it under its current key, else None."""
        found = self._lookup(Path(path))
        return found[3] if found is not None else None

    def _lookup(self, path: Path) -> tuple[Path, str, str, loader.FileResult | None] | None:
        """(entry, its prefix, key, the cached result or None) of ``path``; None when the
        file cannot be keyed or the cache is not usable."""
        try:
            st = path.stat()
        except OSError:
            return None
        if not self._usable():
            return None
        # The absolute path names the entry; the stamp's device and inode identify the
        # file itself, so no path resolving (an lstat per folder level) is needed.  Problem
        # messages show the path relative to the working folder: that is in the key too.
        where = os.path.abspath(path)
        prefix = _digest(where)
        try:
            stamp = _stamp(path, st)
        except OSError:
            return None
        key = _digest(where, str(path), self._cwd, stamp, self._salt)
        entry = self.root / f"{prefix}-{key}.pickle"
        result = self._read(entry)
        if result is not None:
            self.hits += 1
            if result.deck is not None:
                result.deck.fingerprint = key
        return entry, prefix, key, result

    def _usable(self) -> bool:
        """Whether the cache folder is private to this user (created 0700 if missing)."""
        if self._private is None:
            try:
                make_private_dirs(self.root)
                self._private = _trusted(os.stat(self.root), stat.S_ISDIR)
            except OSError:  # cannot be created: the cache only costs speed
                self._private = False
        return self._private

    def _read(self, entry: Path) -> loader.FileResult | None:
        try:
            with open(entry, "rb") as f:
                st = os.fstat(f.fileno())
                if not _trusted(st, stat.S_ISREG):
                    return None  # planted by someone else: never unpickled
                size = int.from_bytes(f.read(8), "little")
                if 8 + size > st.st_size:
                    raise EOFError("truncated entry")
                cards: bytes | memoryview
                if size >= MAP_BYTES:  # entries are replaced, never rewritten: a safe map
                    mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
                    cards = memoryview(mapped)[8 : 8 + size]
                    f.seek(8 + size)
                else:
                    cards = f.read(size)
                result = _Reader(f, cards).load()
        except OSError:  # not there yet, or the cache folder is unusable
            return None
        except Exception:  # corrupt, truncated, or from an incompatible version
            with contextlib.suppress(OSError):
                entry.unlink(missing_ok=True)
            return None
        return result if isinstance(result, loader.FileResult) else None

    def _write(self, entry: Path, prefix: str, result: loader.FileResult) -> None:
        """Store ``result``, its cards each pickled on its own (``loader.StoredCards``):
        a start reads back only the cards it shows."""
        try:
            deck = result.deck
            cards_blob = b""
            if deck is not None:
                cards = deck.cards
                if not isinstance(cards, loader.StoredCards):
                    cards = loader.StoredCards.of(cards)
                    result = replace(result, deck=replace(deck, cards=cards))
                cards_blob = cards.blob
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(len(cards_blob).to_bytes(8, "little"))
                    f.write(cards_blob)
                    _Writer(f, cards_blob).dump(result)
                os.replace(tmp, entry)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            for old in self.root.glob(f"{prefix}-*.pickle"):  # earlier versions of this file
                if old != entry:
                    old.unlink(missing_ok=True)
        except (OSError, pickle.PicklingError, RecursionError):
            pass  # a cache that cannot be written only costs speed


class _Writer(pickle.Pickler):
    """Pickles a result with its cards' pickles left out (written before it)."""

    def __init__(self, file, cards: bytes) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._cards = cards

    def persistent_id(self, obj: object) -> str | None:
        return _CARDS if obj is self._cards and self._cards else None


class _Reader(pickle.Unpickler):
    """Unpickles a result, giving it the cards' pickles read (or mapped) before it."""

    def __init__(self, file, cards: bytes | memoryview) -> None:
        super().__init__(file)
        self._cards = cards

    def persistent_load(self, pid: object) -> bytes | memoryview:
        if pid != _CARDS:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self._cards
