"""A temporary folder of synthetic collections, each made once per run."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from pathlib import Path

from bench import synth


class Workspace:
    def __init__(self, root: Path | None = None, say=print) -> None:
        self._own = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="drillbreak-bench-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.say = say
        self._synth: dict[tuple[int, int], synth.Synthetic] = {}
        self._items: dict[int, list] = {}

    def synthetic(self, n_cards: int, reviews: int = 0) -> synth.Synthetic:
        key = (n_cards, reviews)
        if key not in self._synth:
            t0 = time.perf_counter()
            self._synth[key] = synth.make(self.root, n_cards, reviews=reviews)
            extra = f" + {reviews:,} review rows" if reviews else ""
            self.say(f"  (made {n_cards:,} cards{extra} in {time.perf_counter() - t0:.1f} s)")
        return self._synth[key]

    def items(self, n_cards: int) -> list:
        """Study items of the synthetic decks (loaded once, shared by benchmarks)."""
        if n_cards not in self._items:
            from drillbreak.deck.loader import load_collection
            from drillbreak.study.scope import select_items

            syn = self.synthetic(n_cards)
            gc.disable()  # set-up only (not measured): the cyclic GC triples this at 100k
            try:
                collection = load_collection([syn.deck_dir])
            finally:
                gc.enable()
            assert not collection.broken, collection.problems[:3]
            self._items[n_cards] = select_items(collection)
        return self._items[n_cards]

    def copy_db(self, n_cards: int, name: str) -> Path:
        src = self.synthetic(n_cards).db_path
        dst = self.root / f"{name}-{n_cards}.sqlite3"
        shutil.copy(src, dst)
        return dst

    def release(self) -> None:
        """Drop loaded items between benchmarks: a big live heap slows the cyclic GC
        (and so every allocation-heavy measurement) for whatever runs next."""
        self._items.clear()
        gc.collect()

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)
