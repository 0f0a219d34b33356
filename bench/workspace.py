"""A temporary folder of synthetic collections, each made once per run."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
from pathlib import Path

from bench import synth
from bench.common import run_child


class Workspace:
    def __init__(self, root: Path | None = None, say=print) -> None:
        self._own = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="drillbreak-bench-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.say = say
        self._synth: dict[tuple[int, int, int | None], synth.Synthetic] = {}
        self._items: dict[int, list] = {}

    def synthetic(
        self, n_cards: int, reviews: int = 0, n_decks: int | None = None
    ) -> synth.Synthetic:
        key = (n_cards, reviews, n_decks)
        if key not in self._synth:
            t0 = time.perf_counter()
            self._synth[key] = synth.make(self.root, n_cards, reviews=reviews, n_decks=n_decks)
            extra = f" + {reviews:,} review rows" if reviews else ""
            extra += f" in {n_decks:,} deck files" if n_decks else ""
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

    def copy_db(self, n_cards: int, name: str, n_decks: int | None = None) -> Path:
        src = self.synthetic(n_cards, n_decks=n_decks).db_path
        dst = self.root / f"{name}-{n_cards}-{n_decks or 0}.sqlite3"
        shutil.copy(src, dst)
        return dst

    def anki_collection(self, n_cards: int) -> Path:
        """The synthetic cards of ``n_cards`` in an Anki collection (bench/anki_child.py)."""
        path = self.root / f"anki-{n_cards}.anki2"
        if not path.exists():
            t0 = time.perf_counter()
            db = self.synthetic(n_cards).db_path
            proc = run_child(["-m", "bench.anki_child", "build", str(path), "--db", str(db)])
            if proc.returncode != 0:
                path.unlink(missing_ok=True)
                raise RuntimeError(f"building the Anki collection failed:\n{proc.stderr[-1500:]}")
            self.say(
                f"  (made an Anki collection of {n_cards:,} cards in {time.perf_counter() - t0:.1f} s)"
            )
        return path

    def release(self) -> None:
        """Drop loaded items between benchmarks: a big live heap slows the cyclic GC
        (and so every allocation-heavy measurement) for whatever runs next."""
        self._items.clear()
        gc.collect()

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.root, ignore_errors=True)
