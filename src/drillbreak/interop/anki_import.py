"""``drillbreak import anki``: an Anki package (.apkg / .colpkg) with its review history.

The package is a zip holding the collection as SQLite: ``collection.anki21b``
(zstd-compressed, what current Anki writes), else ``collection.anki21`` or
``collection.anki2`` (older and "legacy" exports).  It is read with ``sqlite3``.

- Decks: one YAML file per Anki deck that has notes (``A::B`` -> deck id ``a-b``).
  A note whose cards sit in several decks goes to the deck of its first card.
- Cards: the id is ``guid_card_id(note GUID)``, stable however the note is edited,
  and ``anki_guid`` keeps the GUID for ``export anki``.  Basic -> a basic card;
  "Basic (and reversed card)" -> ``reverse: true``; "Basic (optional reversed
  card)" -> ``reverse: true`` when its Add Reverse field is not empty; Cloze ->
  a cloze card (Anki card N is ``<id>~cN``); any other note type -> a basic card
  from its first two fields, with a warning.  Fields go through ``anki_html``.
- History: every revlog row with a rating becomes a review (rating, time = revlog
  id, duration capped like drillbreak's own).  As in Anki's FSRS, manual entries
  (set due date, reset, rescheduled: type 4/5 or no rating) are not reviews, and a
  filtered-deck review that did not reschedule (type 3, ease factor 0) is logged as
  cram.  The card's FSRS memory state is the replay of its reviews with fsrs
  (no fuzz), from a new card; a reset, or a new learning run after reviews, starts
  it over.  State and due date are Anki's own, so the next due cards are the ones
  Anki would show; suspended and buried cards stay so, ``leech`` tags are leeches.
- Importing again adds no review twice (see ``store.anki_history``) and leaves a
  card that was studied in drillbreak after its last Anki review as it is.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import fsrs

from drillbreak.clock import from_ms, to_ms
from drillbreak.deck import cloze
from drillbreak.domain import CardState, SchedState
from drillbreak.errors import UserError
from drillbreak.interop.anki_html import field_to_markdown, guid_card_id, media_refs
from drillbreak.interop.anki_text import clean_tag, dump_yaml, slugify
from drillbreak.schedule import fsrs_adapter
from drillbreak.store import anki_history, cards, hot, settings_store
from drillbreak.store.db import Database
from drillbreak.store.tables import ReviewLog
from drillbreak.study.session import MAX_DURATION_MS

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
DAY_MS = 86_400_000
# revlog.type
LEARN, REVIEWED, RELEARN, FILTERED, MANUAL, RESCHEDULED = range(6)
_ANKI_STATE = {
    0: CardState.NEW,
    1: CardState.LEARNING,
    2: CardState.REVIEW,
    3: CardState.RELEARNING,
}  # cards.type
_SUSPENDED, _BURIED = -1, (-2, -3)  # cards.queue
_KINDS = (
    ("reversed", re.compile(r"^basic \(and reversed card\)(-\w+)?$")),
    ("optional", re.compile(r"^basic \(optional reversed card\)(-\w+)?$")),
    ("basic", re.compile(r"^basic(-\w+)?$")),
)


# --- reading the package -----------------------------------------------------------


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def _protobuf(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of each field of a protobuf message (no schema needed)."""
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            yield number, value
        elif wire == 2:
            size, i = _varint(data, i)
            yield number, data[i : i + size]
            i += size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            yield number, data[i : i + size]
            i += size
        else:
            raise ValueError(f"protobuf wire type {wire}")


def _unzstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


@dataclass
class AnkiCard:
    id: int
    nid: int
    ord: int
    did: int
    type: int
    queue: int
    due: int
    ivl: int
    reps: int
    lapses: int
    data: str


@dataclass(frozen=True)
class Revlog:
    id: int  # epoch ms of the review
    cid: int
    ease: int  # 1-4, 0 for manual entries
    ivl: int  # days, or -seconds
    factor: int
    time: int  # ms taken
    type: int


@dataclass
class AnkiNote:
    id: int
    guid: str
    ntid: int
    fields: list[str]
    tags: list[str]


@dataclass
class AnkiCollection:
    crt: int  # seconds: the start of the collection's first day
    notetypes: dict[int, tuple[str, bool, list[str]]]  # id -> (name, is cloze, field names)
    decks: dict[int, str]
    notes: list[AnkiNote]
    cards: dict[int, AnkiCard]
    revlog: dict[int, list[Revlog]]  # card id -> rows, oldest first
    media_files: list[str]  # the media files the package carries


def _media_files(zf: zipfile.ZipFile) -> list[str]:
    if "media" not in zf.namelist():
        return []
    raw = zf.read("media")
    try:
        return [str(v) for v in json.loads(raw.decode("utf-8")).values()]
    except (UnicodeDecodeError, ValueError):
        pass
    names = []
    for number, entry in _protobuf(_unzstd(raw)):  # MediaEntries { repeated MediaEntry = 1 }
        if number == 1 and isinstance(entry, bytes):
            for sub, value in _protobuf(entry):  # MediaEntry { string name = 1; ... }
                if sub == 1 and isinstance(value, bytes):
                    names.append(value.decode("utf-8"))
    return names


def _extract(zf: zipfile.ZipFile, member: str, target: Path) -> None:
    with zf.open(member) as src, target.open("wb") as dst:
        if member.endswith(".anki21b"):
            import zstandard

            zstandard.ZstdDecompressor().copy_stream(src, dst)
        else:
            shutil.copyfileobj(src, dst)


def read_package(path: Path) -> AnkiCollection:
    """Read an .apkg/.colpkg; one-line errors for anything that is not one."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(
            f"{path}: not an Anki package ({exc}); export one from Anki with File > Export"
        ) from None
    with zf, tempfile.TemporaryDirectory(prefix="drillbreak-anki-") as tmp:
        member = next((m for m in COLLECTIONS if m in zf.namelist()), None)
        if member is None:
            raise UserError(f"{path}: no Anki collection inside; is it an .apkg or .colpkg?")
        db_file = Path(tmp) / "collection.sqlite"
        try:
            _extract(zf, member, db_file)
            media = _media_files(zf)
        except Exception as exc:  # zstd, zip or protobuf damage: one line, not a traceback
            raise UserError(f"{path}: damaged Anki package ({exc})") from None
        conn = sqlite3.connect(db_file)
        try:
            return _read_collection(conn, media)
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{path}: cannot read its collection ({exc})") from None
        finally:
            conn.close()


def _read_collection(conn: sqlite3.Connection, media: list[str]) -> AnkiCollection:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    crt, models, decks_json = conn.execute("SELECT crt, models, decks FROM col").fetchone()
    notetypes: dict[int, tuple[str, bool, list[str]]] = {}
    if "notetypes" in tables:  # schema 18
        names: dict[int, list[str]] = defaultdict(list)
        for ntid, name in conn.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
            names[ntid].append(name)
        for ntid, name, config in conn.execute("SELECT id, name, config FROM notetypes"):
            kind = dict(_protobuf(config or b"")).get(1, 0)  # NotetypeConfig.kind: 1 = cloze
            notetypes[ntid] = (name, kind == 1, names[ntid])
        decks = {
            did: name.replace("\x1f", "::")
            for did, name in conn.execute("SELECT id, name FROM decks")
        }
    else:  # schema 11: JSON in the col row
        for m in json.loads(models or "{}").values():
            fields = [f["name"] for f in sorted(m["flds"], key=lambda f: f["ord"])]
            notetypes[int(m["id"])] = (m["name"], m.get("type") == 1, fields)
        decks = {int(d["id"]): d["name"] for d in json.loads(decks_json or "{}").values()}
    notes = [
        AnkiNote(nid, guid, mid, flds.split("\x1f"), tags.split())
        for nid, guid, mid, flds, tags in conn.execute(
            "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        )
    ]
    card_rows = conn.execute(
        "SELECT id, nid, ord, CASE WHEN odid THEN odid ELSE did END, type, queue,"
        " CASE WHEN odid THEN odue ELSE due END, ivl, reps, lapses, data FROM cards"
    )
    anki_cards = {r[0]: AnkiCard(*r) for r in card_rows}
    revlog: dict[int, list[Revlog]] = defaultdict(list)
    for row in conn.execute(
        "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY id"
    ):
        revlog[row[1]].append(Revlog(*row))
    return AnkiCollection(int(crt), notetypes, decks, notes, anki_cards, revlog, media)


# --- notes -> decks ----------------------------------------------------------------


@dataclass
class ImportedCard:
    """One study item and the Anki card behind it."""

    deck: str
    key: str
    anki: AnkiCard
    tags: list[str]


@dataclass
class ImportResult:
    decks: list[dict[str, Any]]  # deck dicts ready for YAML
    deck_names: dict[str, str]  # deck id -> Anki deck name
    items: list[ImportedCard]
    notes: int
    skipped_notes: int
    media: list[str]  # media names referred to by the imported fields
    media_files: int
    warnings: list[str] = field(default_factory=list)


def _kind(name: str, is_cloze: bool) -> str:
    if is_cloze:
        return "cloze"
    lowered = name.strip().lower()
    return next((kind for kind, pattern in _KINDS if pattern.match(lowered)), "other")


def _note_card(
    note: AnkiNote, kind: str, field_names: list[str], values: list[str]
) -> dict[str, Any] | None:
    """The deck card of a note (without id/tags), or None when it has nothing to show."""
    if kind == "cloze":
        text = values[0] if values else ""
        if not text or cloze.malformed_offset(text) is not None or not cloze.numbers(text):
            return None
        card: dict[str, Any] = {"type": "cloze", "text": text}
        extra = "\n\n".join(v for v in values[1:] if v)
        if extra:
            card["extra"] = extra
        return card
    front = values[0] if values else ""
    back = values[1] if len(values) > 1 else ""
    if not front or not back:
        return None
    card = {"front": front, "back": back}
    if kind == "reversed":
        card["reverse"] = True
    elif kind == "optional":
        lowered = [n.strip().lower() for n in field_names]
        i = lowered.index("add reverse") if "add reverse" in lowered else 2
        if i < len(values) and values[i]:
            card["reverse"] = True
    return card


def _item_key(card_id: str, kind: str, card: dict[str, Any], ord_: int) -> str | None:
    """The drillbreak item key of Anki's card ``ord_`` of this note, if it has one."""
    if kind == "cloze":
        return f"{card_id}~c{ord_ + 1}" if ord_ + 1 in cloze.numbers(card["text"]) else None
    if ord_ == 0:
        return card_id
    if ord_ == 1 and card.get("reverse"):
        return f"{card_id}~r"
    return None


def _deck_ids(names: list[str], taken: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    used = set(taken)
    for name in names:
        base = slugify(name.replace("::", " "), 60) or "anki"
        deck_id, n = base, 1
        while deck_id in used:
            n += 1
            deck_id = f"{base}-{n}"
        used.add(deck_id)
        out[name] = deck_id
    return out


def convert(col: AnkiCollection, *, taken_deck_ids: Set[str] = frozenset()) -> ImportResult:
    """The collection's notes -> decks and the study items behind its cards."""
    by_note: dict[int, list[AnkiCard]] = defaultdict(list)
    for c in col.cards.values():
        by_note[c.nid].append(c)
    warnings: list[str] = []
    other_types: Counter[str] = Counter()
    unplaced = Counter[str]()
    split_notes = skipped = 0
    media: dict[str, None] = {}
    per_deck: dict[str, list[tuple[dict[str, Any], list[ImportedCard]]]] = defaultdict(list)
    for note in col.notes:
        note_cards = sorted(by_note.get(note.id, []), key=lambda c: c.ord)
        if not note_cards:
            continue
        name, is_cloze, field_names = col.notetypes.get(note.ntid, ("?", False, []))
        kind = _kind(name, is_cloze)
        if kind == "other":
            other_types[name] += 1
        for value in note.fields:
            media.update(dict.fromkeys(media_refs(value)))
        values = [field_to_markdown(v) for v in note.fields]
        card = _note_card(note, kind, field_names, values)
        if card is None:
            skipped += 1
            unplaced["cards of notes with an empty first field or no cloze deletion"] += len(
                note_cards
            )
            continue
        card_id = guid_card_id(note.guid)
        tags = [t for t in (clean_tag(t) for t in note.tags) if t]
        card = {"id": card_id, **card}
        if tags:
            card["tags"] = list(dict.fromkeys(tags))
        card["anki_guid"] = note.guid
        deck_name = col.decks.get(note_cards[0].did, "Default")
        if len({c.did for c in note_cards}) > 1:
            split_notes += 1
        items = []
        for c in note_cards:
            key = _item_key(card_id, kind, card, c.ord)
            if key is None:
                unplaced[f"cards of other templates ({name})"] += 1
            else:
                items.append(ImportedCard(deck_name, key, c, note.tags))
        per_deck[deck_name].append((card, items))
    if other_types:
        for name, n in sorted(other_types.items()):
            warnings.append(
                f"note type {name!r}: {n} note(s) imported as basic cards from its first two fields"
            )
    if split_notes:
        warnings.append(
            f"{split_notes} note(s) had cards in several decks; each went to its first card's deck"
        )
    for what, n in sorted(unplaced.items()):
        warnings.append(f"{n} Anki card(s) not imported, with their history: {what}")

    ids = _deck_ids(sorted(per_deck), set(taken_deck_ids))
    decks, all_items, names = [], [], {}
    for deck_name in sorted(per_deck):
        deck_id = ids[deck_name]
        names[deck_id] = deck_name
        entries = per_deck[deck_name]
        decks.append(
            {
                "deck": deck_id,
                "title": deck_name.replace("::", " / "),
                "cards": [card for card, _ in entries],
            }
        )
        for _, items in entries:
            for item in items:
                item.deck = deck_id
                all_items.append(item)
    notes = sum(len(d["cards"]) for d in decks)
    media_files = len(set(col.media_files) & set(media))
    return ImportResult(decks, names, all_items, notes, skipped, list(media), media_files, warnings)


# --- history ------------------------------------------------------------------------


def _interval_ms(ivl: int) -> int:
    return ivl * DAY_MS if ivl > 0 else -ivl * 1000


@dataclass
class Replay:
    reviews: list[ReviewLog]
    memory: SchedState | None  # fsrs's state after the replay; None: no graded review
    last_review_ms: int | None


def replay(card_id: int, rows: list[Revlog], scheduler: fsrs.Scheduler) -> Replay:
    """Anki's revlog of one card -> drillbreak reviews and the replayed FSRS state."""
    reviews: list[ReviewLog] = []
    card: fsrs.Card | None = None
    last_kind: int | None = None
    last_review_ms = None
    for row in rows:
        if row.type in (MANUAL, RESCHEDULED) or row.ease == 0:
            if row.type == MANUAL and row.factor == 0 and row.ivl == 0:
                card = None  # reset to new ("Forget"): FSRS starts over
            continue
        when = from_ms(row.id)
        state_before = CardState.NEW if card is None else fsrs_adapter.from_fsrs_card(card).state
        cram = row.type == FILTERED and row.factor == 0
        rating = min(4, row.ease)
        if not cram:
            if card is not None and row.type == LEARN and last_kind not in (LEARN, None):
                card = None  # a new learning run after reviews: Anki's FSRS starts over too
                state_before = CardState.NEW
            if card is None:
                card = fsrs_adapter.to_fsrs_card(
                    card_id, SchedState(CardState.NEW, *[None] * 5), when
                )
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), when)
            last_kind = row.type
            last_review_ms = row.id
        after = None if card is None else fsrs_adapter.from_fsrs_card(card)
        interval = 0 if cram else _interval_ms(row.ivl)
        reviews.append(
            ReviewLog(
                card_id=card_id,
                rating=rating,
                reviewed_at_ms=row.id,
                duration_ms=min(MAX_DURATION_MS, max(0, row.time)),
                state_before=state_before,
                state_after=state_before if cram or after is None else after.state,
                interval_ms=interval,
                due_after_ms=None if cram else row.id + interval,
                stability_after=None if after is None else after.stability,
                difficulty_after=None if after is None else after.difficulty,
                cram=cram,
            )
        )
    memory = None if card is None else fsrs_adapter.from_fsrs_card(card)
    return Replay(reviews, memory, last_review_ms)


def anki_due_ms(card: AnkiCard, crt: int) -> int | None:
    """When Anki shows the card next: review due dates are day numbers counted from
    the collection's creation day, learning ones epoch seconds (or a day number)."""
    if card.type == 0:
        return None
    if card.type in (1, 3) and card.due > 1_000_000_000:
        return card.due * 1000
    return (crt + card.due * 86_400) * 1000


def card_state(
    item: ImportedCard, memory: Replay, crt: int, now: datetime
) -> tuple[SchedState, dict[str, object]]:
    """The drillbreak card row for an Anki card: Anki's state and due date, the
    replayed FSRS memory (else the one Anki stored, for a history without ratings)."""
    a = item.anki
    flags: dict[str, object] = {
        "reps": a.reps,
        "lapses": a.lapses,
        "suspended": a.queue == _SUSPENDED,
        "buried_until_ms": None,
        "leech": "leech" in (t.lower() for t in item.tags),
    }
    if a.queue in _BURIED:  # until Anki's next day starts
        today = (to_ms(now) // 1000 - crt) // 86_400
        flags["buried_until_ms"] = (crt + (today + 1) * 86_400) * 1000
    state = _ANKI_STATE.get(a.type, CardState.NEW)
    if state == CardState.NEW:
        return SchedState(CardState.NEW, None, None, None, None, None), flags
    m = memory.memory
    if m is not None:
        stability, difficulty = m.stability, m.difficulty
    else:
        stored = json.loads(a.data or "{}") if (a.data or "").startswith("{") else {}
        stability = float(stored.get("s") or max(1, a.ivl))
        difficulty = float(stored.get("d") or 5.0)
    step = None
    if state in (CardState.LEARNING, CardState.RELEARNING):
        step = m.step if m is not None and m.state == state and m.step is not None else 0
    due = anki_due_ms(a, crt)
    if due is None and m is not None:
        due = m.due_ms
    last = memory.last_review_ms or (m.last_review_ms if m is not None else None)
    return SchedState(state, step, stability, difficulty, due, last), flags


@dataclass
class HistoryResult:
    cards: int = 0
    reviews_added: int = 0
    reviews_present: int = 0
    manual_skipped: int = 0
    kept: int = 0  # studied in drillbreak after Anki: left alone
    by_state: Counter[int] = field(default_factory=Counter)


def write_history(
    db: Database, col: AnkiCollection, items: list[ImportedCard], now: datetime
) -> HistoryResult:
    """Card rows and review log for the imported items, in one transaction."""
    result = HistoryResult()
    # new cards keep Anki's order (its due position), the others follow
    ordered = sorted(items, key=lambda i: (i.anki.type != 0, i.anki.due, i.anki.id))
    with db.write() as conn:
        scheduler = fsrs_adapter.make_scheduler(settings_store.load(conn))
        cards.add_missing(conn, [(i.deck, i.key) for i in ordered])
        rows = {(r.deck, r.key): r for r in cards.rows_for_decks(conn, {i.deck for i in items})}
        stored = anki_history.review_times(conn, [rows[(i.deck, i.key)].id for i in items])
        for item in ordered:
            row = rows[(item.deck, item.key)]
            log = col.revlog.get(item.anki.id, [])
            replayed = replay(row.id, log, scheduler)
            result.manual_skipped += len(log) - len(replayed.reviews)
            have = stored.get(row.id, set())
            fresh = [r for r in replayed.reviews if r.reviewed_at_ms not in have]
            result.reviews_present += len(replayed.reviews) - len(fresh)
            result.reviews_added += anki_history.add_reviews(conn, fresh)
            result.cards += 1
            newest_anki = max((r.reviewed_at_ms for r in replayed.reviews), default=0)
            if max(have, default=0) > newest_anki:
                result.kept += 1  # reviewed in drillbreak since: its state is newer
                result.by_state[row.state] += 1
                continue
            sched, flags = card_state(item, replayed, col.crt, now)
            hot.save_sched(conn, row.id, sched, **flags)
            result.by_state[sched.state] += 1
    return result


# --- the command -----------------------------------------------------------------


@dataclass
class Summary:
    result: ImportResult
    history: HistoryResult
    files: list[Path]


def import_package(
    path: Path, out_dir: Path, db: Database, now: datetime, *, taken_deck_ids: set[str]
) -> Summary:
    """Read the package, write one YAML deck per Anki deck into ``out_dir``, and its
    card states and review history into ``db``."""
    col = read_package(path)
    result = convert(col, taken_deck_ids=taken_deck_ids)
    if not result.decks:
        raise UserError(f"{path}: no notes that drillbreak can import")
    files = []
    for deck in result.decks:
        target = out_dir / f"{deck['deck']}.yaml"
        text = dump_yaml(
            deck,
            comment=f"Imported from {path.name} (Anki deck {result.deck_names[deck['deck']]!r})"
            " by `drillbreak import anki`.\nCard ids come from the Anki note GUIDs: importing"
            " the package again keeps every card's id and review history.",
        )
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{target}: cannot write ({exc.strerror or exc})") from None
        files.append(target)
    history = write_history(db, col, result.items, now)
    return Summary(result, history, files)
