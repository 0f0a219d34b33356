"""The parse cache serves unchanged deck files and never serves a stale one."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from conftest import write_deck

from drillbreak.context import load_decks
from drillbreak.deck import cache as cache_mod
from drillbreak.deck.cache import DeckCache
from drillbreak.deck.loader import StoredCards, load_collection, load_file

DECK = """
deck: cached
title: Cached
cards:
  - id: a
    front: What is cached?
    back: The parse of this file.
  - id: b
    type: cloze
    text: A {{c1::pickle}} per file.
"""


@pytest.fixture
def calls(monkeypatch):
    """Counts real parses done through the cache."""
    seen: list[str] = []

    def counting(path, names=None):
        seen.append(path.name)
        return load_file(path, names)

    monkeypatch.setattr(cache_mod.loader, "load_file", counting)
    return seen


def test_second_load_comes_from_the_cache(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    first = DeckCache(tmp_path / "c").load(path)
    again = DeckCache(tmp_path / "c")
    second = again.load(path)
    assert calls == ["d.yaml"] and (again.hits, again.misses) == (1, 0)
    assert second.deck.cards == first.deck.cards and second.problems == first.problems


def test_an_edit_is_parsed_again_even_at_the_same_size(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    DeckCache(tmp_path / "c").load(path)
    path.write_text(path.read_text().replace("cached?", "stored?"))  # same length
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    result = DeckCache(tmp_path / "c").load(path)
    assert result.deck.cards[0].front == "What is stored?"
    assert calls == ["d.yaml", "d.yaml"]
    assert len(list((tmp_path / "c").glob("*.pickle"))) == 1  # the old entry is gone


def test_problems_and_demo_names_are_part_of_the_key(tmp_path, calls):
    path = write_deck(
        tmp_path,
        "d.yaml",
        DECK.replace("    back: The parse", "    demo: fgsm\n    back: The parse"),
    )
    with_demo = DeckCache(tmp_path / "c", {"fgsm"}).load(path)
    without = DeckCache(tmp_path / "c", {"overfitting"}).load(path)
    assert with_demo.ok and not without.ok
    assert "unknown demo 'fgsm'" in without.first_error.message
    assert len(calls) == 2


def test_corrupt_entry_is_replaced(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    DeckCache(tmp_path / "c").load(path)
    (entry,) = (tmp_path / "c").glob("*.pickle")
    entry.write_bytes(b"\x80\x05garbage")
    result = DeckCache(tmp_path / "c").load(path)
    assert result.ok and len(result.deck.cards) == 2 and len(calls) == 2
    assert DeckCache(tmp_path / "c").load(path).ok and len(calls) == 2


@pytest.mark.parametrize("mapped", [False, True], ids=["read", "mapped"])
def test_cards_come_back_whole_read_or_mapped(tmp_path, calls, monkeypatch, mapped):
    """The cards' pickles sit before the pickled result in an entry; a big deck's are
    mapped into memory.  Either way the cards read back equal the parsed ones, and a
    truncated entry is parsed again, not served."""
    monkeypatch.setattr(cache_mod, "MAP_BYTES", 0 if mapped else 1 << 30)
    path = write_deck(tmp_path, "d.yaml", DECK)
    parsed = DeckCache(tmp_path / "c").load(path)
    cached = DeckCache(tmp_path / "c").load(path)
    assert len(calls) == 1
    assert isinstance(cached.deck.cards, StoredCards)
    assert isinstance(cached.deck.cards._blob, memoryview if mapped else bytes)
    assert list(cached.deck.cards) == list(parsed.deck.cards)
    assert cached.deck.cards.keys == ["a", "b~c1"]
    (entry,) = (tmp_path / "c").glob("*.pickle")
    entry.write_bytes(entry.read_bytes()[:20])  # cut inside the cards
    again = DeckCache(tmp_path / "c").load(path)
    assert len(calls) == 2 and list(again.deck.cards) == list(parsed.deck.cards)


def test_unwritable_cache_only_costs_speed(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    cache = DeckCache(blocker / "c")
    assert cache.load(path).ok and cache.load(path).ok
    assert len(calls) == 2


def test_missing_file_is_reported_not_cached(tmp_path):
    result = DeckCache(tmp_path / "c").load(tmp_path / "gone.yaml")
    assert not result.ok and "cannot read file" in result.first_error.message
    assert not (tmp_path / "c").exists()


def test_collection_through_the_cache_equals_a_fresh_parse(tmp_path, monkeypatch):
    write_deck(tmp_path, "d.yaml", DECK)
    write_deck(tmp_path, "e.yaml", DECK.replace("deck: cached", "deck: cached"))  # duplicate id
    monkeypatch.setenv("DRILLBREAK_CACHE_DIR", str(tmp_path / "c"))
    fresh = load_collection([tmp_path])
    for _ in range(2):  # the second time from the cache: problems added after loading stay out
        cached = load_decks([tmp_path], include_shipped=False)
        assert cached.problems == fresh.problems
        assert [d.cards for d in cached.decks] == [d.cards for d in fresh.decks]


def test_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLBREAK_CACHE_DIR", "off")
    assert DeckCache.default() is None
    monkeypatch.delenv("DRILLBREAK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert DeckCache.default().root == tmp_path / "xdg" / "drillbreak" / "decks"


def _after_a_clock_tick(path) -> None:
    """Return once a change made now gets a later ctime than ``path`` has (timestamps are
    coarse): waits on the condition, a few milliseconds."""
    probe = path.with_name(".probe")
    probe.write_text("")
    while probe.stat().st_ctime_ns <= path.stat().st_ctime_ns:
        os.utime(probe)
    probe.unlink()


def test_same_size_edit_with_restored_mtime_is_parsed_again(tmp_path, calls, monkeypatch):
    """``cp -p``, ``rsync -t`` or tar put the old mtime back: the ctime still moves."""
    monkeypatch.setattr(cache_mod, "RACY_NS", 0)  # the key from stat alone, as for old files
    path = write_deck(tmp_path, "d.yaml", DECK)
    before = path.stat()
    assert DeckCache(tmp_path / "c").load(path).deck.cards[0].front == "What is cached?"
    _after_a_clock_tick(path)
    path.write_text(path.read_text().replace("cached?", "stored?"))  # same size, same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    result = DeckCache(tmp_path / "c").load(path)
    assert result.deck.cards[0].front == "What is stored?"
    assert calls == ["d.yaml", "d.yaml"]


def test_an_edit_within_one_clock_tick_changes_the_key(tmp_path):
    """Two edits that share every timestamp: a just-edited file is keyed by content."""
    path = write_deck(tmp_path, "d.yaml", DECK)
    st = path.stat()  # the stat the second edit below would leave unchanged
    first = cache_mod._stamp(path, st)
    path.write_text(path.read_text().replace("cached?", "stored?"))
    assert cache_mod._stamp(path, st) != first
    # a file changed long ago is keyed by its stat alone: nothing read
    old = SimpleNamespace(st_dev=1, st_ino=2, st_size=3, st_mtime_ns=4, st_ctime_ns=5)
    assert cache_mod._stamp(tmp_path / "not read", old) == (1, 2, 3, 4, 5)


class _Payload:
    """Unpickling this creates ``marker``: what a planted entry could do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(entry, marker) -> None:
    import pickle

    # in the entry's layout: the cards' pickles (none here) after their length, then a pickle
    entry.write_bytes((0).to_bytes(8, "little") + pickle.dumps(_Payload(marker)))


def test_an_entry_planted_by_another_user_is_never_unpickled(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    root = tmp_path / "c"
    DeckCache(root).load(path)
    (entry,) = root.glob("*.pickle")
    marker = tmp_path / "ran"
    _plant(entry, marker)  # the payload works: the user's own entry is trusted
    DeckCache(root).load(path)
    assert marker.exists()
    marker.unlink()
    for change in (lambda: os.chown(entry, 12345, 12345), lambda: entry.chmod(0o666)):
        _plant(entry, marker)
        entry.chmod(0o600)
        change()
        result = DeckCache(root).load(path)
        assert not marker.exists()
        assert result.ok and result.deck.cards[0].front == "What is cached?"


def test_cache_folder_is_private_or_not_used(tmp_path, calls):
    path = write_deck(tmp_path, "d.yaml", DECK)
    root = tmp_path / "new" / "c"
    DeckCache(root).load(path)
    assert (root.stat().st_mode & 0o777, root.parent.stat().st_mode & 0o777) == (0o700, 0o700)
    assert len(list(root.glob("*.pickle"))) == 1
    (entry,) = root.glob("*.pickle")
    marker = tmp_path / "ran"
    _plant(entry, marker)
    for change in (lambda: root.chmod(0o777), lambda: os.chown(root, 12345, 12345)):
        root.chmod(0o700)
        change()
        cache = DeckCache(root)
        assert cache.load(path).ok and cache.load(path).ok
        assert not marker.exists() and cache.hits == 0
    assert len(calls) == 5


LAZY_DECK = """
deck: lazy
title: Lazy
cards:
  - id: a
    front: First?
    back: One.
    reverse: true
  - id: b
    type: cloze
    text: A {{c1::pickle}} per {{c2::card}}.
  - id: c
    front: Third?
    back: Three.
"""


def test_cached_cards_are_read_when_asked_for(tmp_path, monkeypatch):
    """A deck served by the cache gives its item keys without reading any card, and a
    session's items read the one card they show."""
    import pickle

    from drillbreak.deck import loader
    from drillbreak.deck.items import DeckItems, deck_items, deck_keys

    path = write_deck(tmp_path, "d.yaml", LAZY_DECK)
    fresh = DeckCache(tmp_path / "c").load(path).deck
    read: list[bytes] = []
    real_loads = pickle.loads

    def counting_loads(data, *args, **kwargs):
        read.append(data)
        return real_loads(data, *args, **kwargs)

    monkeypatch.setattr(loader.pickle, "loads", counting_loads)
    cached = DeckCache(tmp_path / "c").load(path).deck
    assert deck_keys(cached) == deck_keys(fresh) == ["a", "a~r", "b~c1", "b~c2", "c"]
    items = DeckItems(cached)
    assert len(items) == 5 and "b~c2" in items and read == []
    item = items["b~c2"]
    expected = next(i for i in deck_items(fresh) if i.key == "b~c2")
    assert (item.card, item.key, item.variant) == (expected.card, "b~c2", "c2")
    assert len(read) == 1
    assert list(cached.cards) == list(fresh.cards) and len(read) == 3


def test_session_over_whole_cached_decks_matches_one_over_items(tmp_path):
    """select_by_deck (items made when shown) and select_items (every item made) give a
    session the same cards in the same order."""
    from drillbreak.store.db import Database
    from drillbreak.study.scope import select_by_deck, select_items
    from drillbreak.study.session import StudySession

    write_deck(tmp_path, "d.yaml", LAZY_DECK)
    DeckCache(tmp_path / "c").load(tmp_path / "d.yaml")
    collection = load_collection([tmp_path / "d.yaml"], cache=DeckCache(tmp_path / "c"))
    shown = []
    for items in (select_by_deck(collection), select_items(collection)):
        db = Database(tmp_path / f"{len(shown)}.sqlite3")
        session = StudySession(db, items, seed=3)
        keys = []
        while (cur := session.next_card()) is not None:
            keys.append((cur.item.key, cur.item.card.id))
            session.rate(4)
        shown.append(keys)
        db.close()
    assert shown[0] == shown[1] and len(shown[0]) == 3  # siblings buried


def test_demo_names_are_read_only_to_parse(tmp_path, calls):
    """Given as a source (a stamp and a reader), the demo names are read when a file must
    be parsed, not when every file comes from the cache; a new stamp is a new key."""
    path = write_deck(tmp_path, "d.yaml", DECK)
    reads: list[int] = []

    def names() -> set[str]:
        reads.append(1)
        return {"fgsm"}

    DeckCache(tmp_path / "c", demo_source=("v1", names)).load(path)
    assert (calls, len(reads)) == (["d.yaml"], 1)
    assert DeckCache(tmp_path / "c", demo_source=("v1", names)).load(path).ok
    assert (calls, len(reads)) == (["d.yaml"], 1)  # served from the cache, names unread
    DeckCache(tmp_path / "c", demo_source=("v2", names)).load(path)
    assert (calls, len(reads)) == (["d.yaml", "d.yaml"], 2)


GENERATED_DECK = """
deck: gen
cards:
  - {id: plain, front: F, back: B}
  - id: case-a
    type: diagnosis
    question: What broke?
    generate: {family: leakage}
  - id: case-b
    type: diagnosis
    question: What broke this time?
    generate: {family: lr-too-high}
  - id: case-c
    type: diagnosis
    question: And here?
    generate: {family: leakage}
"""


def test_the_generators_of_a_cached_deck_are_known_without_reading_a_card(tmp_path, monkeypatch):
    """The app starts filling the case pools at start: from each deck's list of
    generators, not by reading every card of an unchanged (cached) file."""
    import pickle

    from drillbreak.deck import loader
    from drillbreak.study.cases import generator_specs, pool_key

    path = write_deck(tmp_path, "g.yaml", GENERATED_DECK)
    fresh = DeckCache(tmp_path / "c").load(path).deck
    read: list[bytes] = []
    real_loads = pickle.loads
    monkeypatch.setattr(
        loader.pickle, "loads", lambda data, *a, **k: read.append(data) or real_loads(data, *a, **k)
    )
    cached = DeckCache(tmp_path / "c").load(path).deck
    assert isinstance(cached.cards, loader.StoredCards)
    specs = generator_specs([cached])
    assert [s.family for s in specs] == ["leakage", "lr-too-high"]  # one per pool
    assert [pool_key(s) for s in specs] == [pool_key(s) for s in generator_specs([fresh])]
    assert read == []


WARM_READ = """
import sys
from pathlib import Path
from drillbreak.deck.cache import DeckCache
from drillbreak.deck.loader import load_collection

collection = load_collection([Path(sys.argv[1])], cache=DeckCache.default(demo_names=()))
deck = collection.decks[0]
print("CARDS", [card.id for card in deck.cards])
print("LOADED", sorted(m for m in ("pydantic", "yaml") if m in sys.modules))
"""


def test_a_cached_deck_is_read_without_pydantic_or_yaml(tmp_path):
    """Served by the cache, the cards are unpickled plain records: neither the YAML
    parser nor pydantic (the validation) is imported (bench/FINDINGS.md)."""
    import subprocess
    import sys

    (tmp_path / "decks").mkdir()
    write_deck(tmp_path / "decks", "d.yaml", DECK)
    env = {**os.environ, "DRILLBREAK_CACHE_DIR": str(tmp_path / "cache")}

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", WARM_READ, str(tmp_path / "decks")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=True,
        ).stdout

    first = run()  # parsed, validated and stored
    assert "LOADED ['pydantic', 'yaml']" in first, first
    second = run()
    assert "CARDS ['a', 'b']" in second, second
    assert "LOADED []" in second, second
