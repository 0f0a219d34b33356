"""YAML deck files -> typed cards, with every problem located at ``line:col``.

``load_file`` never raises for bad input: whatever is wrong with a file comes
back as a list of Problems, all of them in one pass.  A deck with any error is
returned as broken so that studying can report and skip it.
"""

from __future__ import annotations

import difflib
import gc
import itertools
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillbreak.deck import cloze, predict
from drillbreak.deck.faults import FAMILIES
from drillbreak.deck.models import (
    CARD_MODELS,
    CARD_TYPES,
    GENERATED_FIELDS,
    NAME_PATTERN,
    SLUG_PATTERN,
    Card,
    Choice,
    ChoiceCard,
    ClozeCard,
    DiagnosisCard,
    Evidence,
    Generate,
    GeneratedDiagnosisCard,
    OpenCard,
    PredictCard,
    PredictRange,
    RubricPoint,
    Vary,
    card_model,
    fields_of,
    validate,
)
from drillbreak.deck.problems import Problem, display_path
from drillbreak.deck.variants import item_key, variants

# deck.yamlsource (and PyYAML under it) is imported by the functions that parse: a start
# whose decks all come from the parse cache never loads it.
if TYPE_CHECKING:
    from drillbreak.deck.cache import DeckCache
    from drillbreak.deck.yamlsource import Positions

DECK_SUFFIXES = (".yaml", ".yml")


class StoredCards(Sequence[Card]):
    """A deck's cards as the parse cache stores them: each card pickled on its own,
    unpickled when first asked for, and the item keys they expand into (in file order,
    with the index of the card each belongs to), readable without any card.

    The first card of a 100k-card collection needs the queued cards only: unpickling
    every card of an unchanged file was most of a warm start (bench/FINDINGS.md,
    "Only the queued cards").  The pickles are one ``bytes`` with their end offsets,
    and the keys one string, split when first read: a cached deck of 10k cards loads
    as four objects, not 30k (bench/FINDINGS.md, "100k warm: a deck is four objects")."""

    __slots__ = ("_blob", "_ends", "_cards", "_keys", "_keys_text", "owners")

    def __init__(
        self, blob: bytes | memoryview, ends: array[int], keys_text: str, owners: array[int]
    ) -> None:
        self._blob = blob  # bytes, or a view of the cache entry mapped into memory
        self._ends = ends  # end offset of each card's pickle in _blob
        self._cards: list[Card | None] = [None] * len(ends)
        self._keys_text = keys_text  # item keys, file order, joined by KEY_SEP
        self._keys: list[str] | None = None
        self.owners = owners  # the index of each key's card

    KEY_SEP = "\0"

    @classmethod
    def of(cls, cards: Sequence[Card]) -> StoredCards:
        keys: list[str] = []
        owners = array("I")
        for index, card in enumerate(cards):
            for v in variants(card):
                keys.append(item_key(card.id, v))
                owners.append(index)
        dump = pickle.dumps
        blobs = [dump(c, pickle.HIGHEST_PROTOCOL) for c in cards]
        ends = array("Q", itertools.accumulate(map(len, blobs)))
        return cls(b"".join(blobs), ends, cls.KEY_SEP.join(keys), owners)

    @property
    def blob(self) -> bytes:
        """Every card's pickle, one after another (``_ends`` marks where each ends)."""
        return self._blob if isinstance(self._blob, bytes) else bytes(self._blob)

    @property
    def keys(self) -> list[str]:
        """The item keys, in file order."""
        if self._keys is None:
            self._keys = self._keys_text.split(self.KEY_SEP) if self._keys_text else []
        return self._keys

    def __len__(self) -> int:
        return len(self._ends)

    def _card(self, index: int) -> Card:
        card = self._cards[index]
        if card is None:
            start = self._ends[index - 1] if index else 0
            blob = memoryview(self._blob)[start : self._ends[index]]
            card = self._cards[index] = pickle.loads(blob)
        return card

    def __getitem__(self, index):  # int and slice, as a list
        if isinstance(index, slice):
            return [self._card(i) for i in range(*index.indices(len(self)))]
        return self._card(range(len(self))[index])

    def __iter__(self) -> Iterator[Card]:
        return (self._card(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # mutable-like, as a list

    def __getstate__(self) -> tuple[bytes, array[int], str, array[int]]:
        return self.blob, self._ends, self._keys_text, self.owners

    def __setstate__(self, state: tuple[bytes | memoryview, array[int], str, array[int]]) -> None:
        self._blob, self._ends, self._keys_text, self.owners = state
        self._cards = [None] * len(self._ends)
        self._keys = None


@dataclass
class Deck:
    id: str
    title: str
    path: Path
    description: str | None = None
    tags: tuple[str, ...] = ()
    cards: Sequence[Card] = field(default_factory=list)  # a list, or StoredCards from the cache
    deck_at: tuple[int, int] = (1, 1)  # line, col of the deck id's value
    item_count: int = 0  # study items the cards expand into (see deck.variants)
    # The parse cache's key of the file this deck was read from (None: parsed without
    # the cache): the same key means the same cards, so the store can skip its sync.
    fingerprint: str | None = None
    # The generators its generated diagnosis cards draw cases from, in file order, so
    # the app can start filling their pools without reading every (cached) card.
    generators: tuple[Generate, ...] = ()
    # Only the file's first cards, read while the rest is parsed (``load_prefix``): its
    # rows are not synced as a whole deck, and it is replaced when the file is parsed.
    partial: bool = False


@dataclass
class FileResult:
    path: Path
    deck: Deck | None  # None when the file could not be read as a deck at all
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.deck is not None and not any(p.is_error for p in self.problems)

    @property
    def first_error(self) -> Problem | None:
        return next((p for p in self.problems if p.is_error), None)


class _Reporter:
    def __init__(self, path: Path, positions: Positions | None = None) -> None:
        from drillbreak.deck.yamlsource import Positions

        self.shown = display_path(path)
        self.positions = positions or Positions()
        self.problems: list[Problem] = []

    def at(self, line: int, col: int, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.shown, line, col, severity, message))  # type: ignore[arg-type]

    def path(self, path: tuple, message: str, *, key: bool = False, severity: str = "error"):
        line, col = self.positions.of(path, key=key)
        self.at(line, col, message, severity)


def load_file(path: Path, demo_names: Iterable[str] | None = None) -> FileResult:
    path = Path(path)
    rep = _Reporter(path)
    text = _read_text(path, rep)
    if text is None:
        return FileResult(path, None, rep.problems)
    return load_text(text, path, demo_names)


def _read_text(path: Path, rep: _Reporter) -> str | None:
    """The file's text, or None with the reason reported."""
    from drillbreak.deck.yamlsource import MAX_FILE_BYTES

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            rep.at(1, 1, f"file is {size / 1e6:.1f} MB, over the 5 MB limit; split the deck")
            return None
        raw = path.read_bytes()
    except OSError as exc:
        rep.at(1, 1, f"cannot read file: {exc.strerror or exc}")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        rep.at(line, 1, "file is not UTF-8 text; save it as UTF-8")
        return None


PREFIX_BYTES = 64 * 1024  # read first for a prefix: ~350 cards of the usual size


def _read_head(path: Path, size: int) -> str | None:
    """The file's first ``size`` bytes (whole lines) as text; None when unreadable."""
    try:
        with open(path, "rb") as f:
            raw = f.read(size)
    except OSError:
        return None
    if len(raw) == size:
        raw = raw[: raw.rfind(b"\n") + 1]
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def load_prefix(
    path: Path, cards: int, demo_names: Iterable[str] | None = None
) -> FileResult | None:
    """A deck of the file's first ``cards`` cards (``Deck.partial``), to study while the
    whole file is parsed; None when that part has any problem or the file has not more
    cards than that and one: only the whole parse can tell then."""
    from drillbreak.deck.yamlsource import MAX_FILE_BYTES, Positions, read_prefix

    path = Path(path)
    if _size(path) > MAX_FILE_BYTES:  # refused when parsed: nothing of it is shown
        return None
    # Read to one card further, and that one left out: a card ends where the next one
    # starts, so a card cut by the end of the text read is never taken as whole.
    data = None
    head = _read_head(path, PREFIX_BYTES)
    if head is not None:
        data = read_prefix(head, cards + 1)
    if data is None and head is not None and len(head) >= PREFIX_BYTES // 2:
        text = _read_text(path, _Reporter(path))  # long cards: the whole file, then
        data = read_prefix(text, cards + 1) if text is not None else None
    if data is None:
        return None
    data["cards"] = data["cards"][:cards]
    result = _load_data(data, Positions(complete=False), path, demo_names)
    if result.deck is None or result.problems:
        return None
    result.deck.partial = True
    return result


def load_text(text: str, path: Path, demo_names: Iterable[str] | None = None) -> FileResult:
    """A deck from its text: read quickly without positions, and read again with
    them when the file has a problem to point at (``yamlsource.read_yaml``)."""
    from drillbreak.deck.yamlsource import YamlError, read_yaml

    try:
        data, positions = read_yaml(text, where=False)
    except YamlError as exc:
        rep = _Reporter(path)
        rep.at(exc.line, exc.col, exc.message)
        return FileResult(path, None, rep.problems)
    result = _load_data(data, positions, path, demo_names)
    if result.problems and not positions.complete:
        data, positions = read_yaml(text)  # the quick read raised nothing: neither does this
        result = _load_data(data, positions, path, demo_names)
    return result


def _load_data(
    data: Any, positions: Positions, path: Path, demo_names: Iterable[str] | None
) -> FileResult:
    rep = _Reporter(path, positions)
    for dup_path, first, _second in positions.duplicate_keys:
        line, col = positions.keys[dup_path]
        rep.at(
            line,
            col,
            f"duplicate key {dup_path[-1]!r} (first at line {first[0]}); "
            "YAML keeps only the last one, remove one",
        )
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {_kind(data)}"
        rep.at(1, 1, f"a deck file must be a mapping with 'deck', 'title' and 'cards'; got {what}")
        return FileResult(path, None, rep.problems)

    header_data = dict(data)
    raw_cards = header_data.get("cards")
    header_data["cards"] = []  # the cards are checked one by one below, 'cards' itself too
    from drillbreak.deck.validation import DeckHeader  # pydantic: only where a file is parsed

    try:
        header = DeckHeader.model_validate(header_data)
    except ValueError as exc:  # pydantic's ValidationError
        _report_validation(rep, exc, ())
        header = None
    if header is None and not isinstance(data.get("deck"), str):
        return FileResult(path, None, rep.problems)

    deck = Deck(
        id=str(data.get("deck")),
        title=str(data.get("title") or data.get("deck")),
        path=path,
        description=header.description if header else None,
        tags=header.tags if header else (),
        deck_at=positions.of(("deck",)),
    )
    if raw_cards is None:
        rep.path((), "no 'cards:' list; add at least one card", severity="warning")
    elif not isinstance(raw_cards, list):
        rep.path(("cards",), f"'cards' must be a list of cards, got {_kind(raw_cards)}")
        raw_cards = []
    elif not raw_cards:
        rep.path(("cards",), "the deck has no cards", severity="warning")

    demos = set(demo_names) if demo_names is not None else None
    cards: list[Card] = []
    deck.cards = cards
    seen: dict[str, tuple[int, int]] = {}
    for index, raw in enumerate(raw_cards or []):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        where = positions.of(("cards", index, "id"))
        seen_at = seen.get(raw_id) if isinstance(raw_id, str) else None
        if seen_at is not None:
            rep.at(*where, f"duplicate card id {raw_id!r} (also at line {seen_at[0]})")
            rep.at(*seen_at, f"duplicate card id {raw_id!r} (also at line {where[0]})")
        elif isinstance(raw_id, str):
            seen[raw_id] = where
        card = _load_card(rep, raw, ("cards", index), demos)
        if card is None or seen_at is not None:
            continue
        cards.append(card)
        deck.item_count += len(variants(card))
        if isinstance(card, GeneratedDiagnosisCard):
            deck.generators += (card.generate,)
    rep.problems.sort(key=lambda p: (p.line, p.col))
    return FileResult(path, deck, rep.problems)


def _kind(value: Any) -> str:
    if value is None:
        return "an empty entry"
    return {list: "list", dict: "mapping", str: "text", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _load_card(rep: _Reporter, raw: Any, where: tuple, demos: set[str] | None) -> Card | None:
    if not isinstance(raw, dict):
        rep.path(where, f"each card must be a mapping (id, type, ...), got {_kind(raw)}")
        return None
    card_type = raw.get("type", "basic")
    if card_type not in CARD_MODELS:
        guess = _did_you_mean(str(card_type), CARD_TYPES)
        rep.path(
            (*where, "type"),
            f"unknown card type {card_type!r}{guess}; use one of {', '.join(CARD_TYPES)}",
        )
        return None
    model = card_model(card_type, raw)
    try:
        card = validate(model, raw)
    except ValueError as exc:  # pydantic's ValidationError
        _report_validation(rep, exc, where, model)
        return None
    _check_card(rep, card, raw, where, demos)
    return card


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_FRIENDLY = {
    "string_type": "should be text",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "list_type": "should be a list",
    "tuple_type": "should be a list",
    "dict_type": "should be a mapping",
    "model_type": "should be a mapping",
    "model_attributes_type": "should be a mapping",
    "string_too_short": "must not be empty",
    "finite_number": "must be a finite number",
}


def _report_validation(rep: _Reporter, exc: ValueError, where: tuple, model=None) -> None:
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        raise exc  # not a validation failure: a bug, not the file's problem
    errors = exc.errors(include_url=False)
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] in ("too_short", "too_long") and any(
            tuple(other["loc"])[: len(loc)] == loc and len(other["loc"]) > len(loc)
            for other in errors
        ):
            continue  # an item inside failed; its own error says what is wrong
        path = (*where, *loc)
        field_name = ".".join(str(p) for p in loc) or "value"
        kind = err["type"]
        if kind == "missing":
            parent = path[:-1]
            rep.path(parent, f"missing required field {loc[-1]!r}")
        elif kind == "invalid_key":
            rep.path(path, f"key {loc[-1]!r} is not a field name; remove it", key=True)
        elif kind in ("extra_forbidden", "unexpected_keyword_argument"):
            allowed = _allowed_keys(model if len(loc) == 1 else None, loc)
            guess = _did_you_mean(str(loc[-1]), allowed) if allowed else ""
            hint = ""
            if not guess and model is not None and len(loc) == 1:
                hint = _misplaced_hint(str(loc[-1]), model)
            rep.path(path, f"unknown key {loc[-1]!r}{guess}{hint}", key=True)
        elif kind == "string_pattern_mismatch":
            rep.path(path, _pattern_message(field_name, err["input"], err["ctx"]["pattern"]))
        elif kind == "literal_error" and loc[:1] == ("generate",):
            guess = _did_you_mean(str(err["input"]), list(FAMILIES))
            listed = "" if guess else f"; use one of {', '.join(FAMILIES)}"
            rep.path(path, f"unknown fault family {err['input']!r}{guess}{listed}")
        elif kind == "value_error":  # a validator's own message (a claim's form)
            rep.path(path, str(err.get("ctx", {}).get("error", err["msg"])))
        elif (
            kind in ("too_short", "too_long") and loc and loc[-1] in ("choices", "rubric", "ranges")
        ):
            n = err.get("ctx", {}).get("actual_length", 0)
            if loc[-1] == "ranges":
                rep.path(path, f"a predict card needs 2 to 8 ranges, this one has {n}")
            elif loc[-1] == "choices":
                rep.path(path, f"a card needs 2 to 8 choices, this one has {n}")
            else:
                rep.path(path, "an open card needs at least one rubric point")
        elif kind == "finite_number" and loc[:1] == ("ranges",):
            rep.path(path, f"{field_name}: must be a finite number (leave it out for no bound)")
        else:
            rep.path(path, f"{field_name}: {_friendly(err)}")


def _pattern_message(field_name: str, value: object, pattern: str) -> str:
    """What a text that does not match its field's pattern should look like."""
    if pattern == SLUG_PATTERN:
        example = "my-deck" if field_name == "deck" else "my-card-1"
        return (
            f"{field_name}: {value!r} is not a valid id: use lowercase letters, digits and "
            f"dashes (e.g. {example})"
        )
    if pattern == NAME_PATTERN:
        return (
            f"{field_name}: {value!r} is not a name a demo uses: a lowercase letter, then "
            "lowercase letters, digits and underscores (e.g. accuracy_eps_0_2)"
        )
    return f"{field_name}: tags cannot contain spaces"


def _friendly(err: Any) -> str:
    """An error of pydantic's in an author's words (its own message when none fits)."""
    kind, ctx = err["type"], err.get("ctx", {})
    if kind in _FRIENDLY:
        return str(_FRIENDLY[kind])
    if kind in ("too_short", "too_long", "string_too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        unit = "character" if isinstance(err["input"], str) else "entry"
        units = f"{unit}s" if unit == "character" else "entries"
        least = "needs at least" if kind == "too_short" else "takes at most"
        return f"{least} {n} {unit if n == 1 else units}"
    bounds = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key, '?'):g}"
    return str(err["msg"])


def _allowed_keys(model, loc: tuple) -> list[str]:
    if model is None:
        inner = {
            "choices": Choice,
            "evidence": Evidence,
            "generate": Generate,
            "rubric": RubricPoint,
            "ranges": PredictRange,
            "vary": Vary,
        }
        for part in loc:
            if part in inner:
                return fields_of(inner[part])
        from drillbreak.deck.validation import DeckHeader

        return fields_of(DeckHeader)
    return fields_of(model)


def _misplaced_hint(key: str, model) -> str:
    for name, other in CARD_MODELS.items():
        if other is not model and key in fields_of(other):
            return f"; {key!r} belongs to {name} cards"
    return ""


def _check_card(
    rep: _Reporter, card: Card, raw: dict, where: tuple, demos: set[str] | None
) -> None:
    if card.demo is not None and demos is not None and card.demo not in demos:
        guess = _did_you_mean(card.demo, sorted(demos))
        listed = f"; known demos: {', '.join(sorted(demos))}" if not guess else ""
        rep.path((*where, "demo"), f"unknown demo {card.demo!r}{guess}{listed}")
    if card.claims and card.demo is None:
        rep.path(
            (*where, "claims"),
            "claims are checked against the card's demo: add 'demo: NAME' or remove 'claims'",
        )
    if isinstance(card, ClozeCard):
        bad = cloze.malformed_offset(card.text)
        if bad is not None:
            rep.path(
                (*where, "text"), "malformed cloze: write {{c1::answer}} or {{c1::answer::hint}}"
            )
        elif not cloze.numbers(card.text):
            rep.path((*where, "text"), "cloze card has no deletion; mark one like {{c1::answer}}")
    elif isinstance(card, GeneratedDiagnosisCard):
        _check_generated(rep, card, raw, where)
    elif isinstance(card, ChoiceCard | DiagnosisCard):
        if not any(c.correct for c in card.choices):
            rep.path((*where, "choices"), "no choice is marked 'correct: true'")
        texts = [c.text.strip().lower() for c in card.choices]
        for i, text in enumerate(texts):
            if text in texts[:i]:
                rep.path((*where, "choices", i), "two choices have the same text")
        if isinstance(card, DiagnosisCard) and card.evidence is not None:
            _check_evidence(rep, card.evidence, (*where, "evidence"))
    elif isinstance(card, PredictCard):
        predict.check_shape(card, lambda at, message: rep.path((*where, *at), message))
    elif isinstance(card, OpenCard):
        for i, point in enumerate(card.rubric):
            if not point.keywords:
                rep.path(
                    (*where, "rubric", i),
                    "rubric point has no keywords to highlight in the answer",
                    severity="warning",
                )


def _check_generated(rep: _Reporter, card: GeneratedDiagnosisCard, raw: dict, where: tuple) -> None:
    for key in GENERATED_FIELDS:
        if key in raw:
            rep.path(
                (*where, key),
                f"{key!r} comes from the generated case; remove it (or remove 'generate')",
                key=True,
            )
    options = card.generate.options
    if options is None:
        return
    at = (*where, "generate", "options")
    if card.generate.family not in options:
        rep.path(at, f"options must include the card's family {card.generate.family!r}")
    for i, family in enumerate(options):
        if family in options[:i]:
            rep.path((*at, i), f"{family!r} is listed twice")
    if len(set(options)) < 2:
        rep.path(at, "offer at least 2 different families")


def _check_evidence(rep: _Reporter, evidence: Evidence, where: tuple) -> None:
    columns = evidence.columns
    if evidence.x not in columns:
        guess = _did_you_mean(evidence.x, list(columns))
        rep.path((*where, "x"), f"x column {evidence.x!r} is not among the columns{guess}")
    lengths = {name: len(values) for name, values in columns.items()}
    expected = lengths.get(evidence.x, max(lengths.values()))
    for name, n in lengths.items():
        if n != expected:
            rep.path(
                (*where, "columns", name),
                f"column {name!r} has {n} values but {evidence.x!r} has {expected}; "
                "every column needs one value per x",
            )


def deck_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their deck files (sorted); keep files as given."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in DECK_SUFFIXES and p.is_file())
            )
        else:
            found.append(path)
    return found


class Collection:
    """All decks loaded from a set of paths; broken files are kept to be reported.

    ``pending``: files still to be parsed after a progressive load
    (``load_collection(progressive=True)``), next first, with ``parse``; each one comes
    in through :meth:`land_next`.  A deck id used by an earlier file (in file order)
    makes the later file broken, whichever was parsed first."""

    def __init__(
        self,
        results: list[FileResult],
        pending: Sequence[Path] = (),
        *,
        order: Sequence[Path] = (),
        parse: Callable[[Path], FileResult] | None = None,
    ) -> None:
        self._parsed = list(results)
        self.pending = list(pending)
        self._order = tuple(order)  # every file, as loaded: where a landed one goes
        self._parse = parse
        self._index()

    def _index(self) -> None:
        first_seen: dict[str, FileResult] = {}
        results = []
        for result in self._parsed:
            deck = result.deck
            if deck is not None:
                other = first_seen.setdefault(deck.id, result)
                if other is not result:
                    duplicate = Problem(
                        display_path(result.path),
                        *deck.deck_at,
                        "error",
                        f"duplicate deck id {deck.id!r} (also in {display_path(other.path)}); "
                        "deck ids must be unique",
                    )
                    result = replace(result, problems=[*result.problems, duplicate])
            results.append(result)
        self.results = results
        self._decks = [r.deck for r in results if r.ok and r.deck is not None]

    @property
    def decks(self) -> list[Deck]:
        return list(self._decks)

    @property
    def broken(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.results for p in r.problems]

    def deck(self, deck_id: str) -> Deck | None:
        return next((d for d in self._decks if d.id == deck_id), None)

    def land_next(self) -> tuple[Collection, FileResult] | None:
        """Parse the next pending file: (this collection with it in, in place of the
        file's partial deck if it had one, at its place in file order; its parse), or
        None when nothing is pending.  This collection is not changed."""
        if not self.pending or self._parse is None:
            return None
        path, *rest = self.pending
        result = self._parse(path)
        rank = {p: i for i, p in enumerate(self._order)}
        kept = [r for r in self._parsed if r.path != path]
        parsed = sorted([*kept, result], key=lambda r: rank.get(r.path, len(rank)))
        return Collection(parsed, rest, order=self._order, parse=self._parse), result


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic GC off for a block that only adds objects (loading decks, syncing their
    rows): each collection would re-scan a heap that only grows (bench/FINDINGS.md,
    "Deck loading")."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_collection(
    paths: Iterable[Path],
    demo_names: Iterable[str] | None = None,
    *,
    cache: DeckCache | None = None,
    progressive: bool = False,
) -> Collection:
    """Load every deck file under ``paths``; ``cache`` (whose demo names are used then)
    serves unchanged files without parsing them.

    ``progressive``: parse only what a first screen needs now (``EAGER_BYTES``), and
    leave the rest in ``Collection.pending`` for the caller to land one by one
    (:meth:`Collection.land_next`)."""
    files = deck_files(paths)
    names = set(demo_names) if demo_names is not None else None

    def parse(path: Path) -> FileResult:
        return cache.load(path) if cache is not None else load_file(path, names)

    with gc_paused():
        if not progressive:
            return Collection([parse(f) for f in files])
        results: list[FileResult] = []
        missed: list[Path] = []
        for f in files:
            hit = cache.cached(f) if cache is not None else None
            if hit is not None:
                results.append(hit)
            else:
                missed.append(f)
        sizes = {f: _size(f) for f in missed}
        missed.sort(key=sizes.__getitem__)
        big = [f for f in missed if sizes[f] >= BIG_FILE]
        parts: list[FileResult] = []
        if big:
            prefix_names = cache.demo_names if cache is not None else names
            parts = [p for f in big if (p := load_prefix(f, PREFIX_CARDS, prefix_names))]
            results.extend(parts)
        # With first cards to show, every file waits; else the smallest are parsed now.
        now = [] if parts else _eager(missed, sizes)
        results.extend(parse(f) for f in now)
        later = missed[len(now) :]
        # something to show: else the next file is parsed now
        while later and not any(r.ok and r.deck and r.deck.cards for r in results):
            path = later.pop(0)
            results = [r for r in results if r.path != path] + [parse(path)]
    rank = {p: i for i, p in enumerate(files)}
    results.sort(key=lambda r: rank[r.path])
    return Collection(results, later, order=files, parse=parse)


# A progressive load shows the first cards of each big file that misses the cache and
# parses every file later; without big files, it parses the smallest up to this many
# bytes in all now (about 1,400 cards, ~50 ms), the rest later.
EAGER_BYTES = 256 * 1024
BIG_FILE = 64 * 1024
PREFIX_CARDS = 50


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _eager(by_size: list[Path], sizes: dict[Path, int]) -> list[Path]:
    """The first of ``by_size`` (smallest first) up to ``EAGER_BYTES`` in all."""
    total = 0
    for i, f in enumerate(by_size):
        total += sizes[f]
        if total > EAGER_BYTES:
            return by_size[:i]
    return by_size
