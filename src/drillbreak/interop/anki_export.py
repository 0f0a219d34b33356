"""``drillbreak export anki``: decks -> one Anki package (.apkg) made with genanki.

Everything that Anki uses to recognise what it imported is derived from our
ids, never random: a note's GUID from deck id + card id (re-importing an updated
export updates those notes instead of duplicating them), and the note types' and
decks' ids from hashes of their names.  Each deck becomes ``drillbreak::<title>``.

* basic -> "Basic (optional reversed card) (drillbreak)" (Anki's layout of that
  name: Front, Back, Add Reverse); ``reverse: true`` puts "y" in Add Reverse, so
  turning ``reverse`` on or off changes a field, not the note type (which Anki
  would report as a conflict and skip).  Anki adds the reverse card on import;
  a reverse card turned off stays in Anki as an empty card until Tools > Empty Cards;
* cloze -> "Cloze (drillbreak)" (Text, Back Extra), the same ``{{c1::...}}`` text;
* choice / diagnosis / open -> Basic notes: question, lettered options and the
  evidence table on the front; answer, every ``why`` marked correct/incorrect,
  takeaway / model answer / rubric on the back;
* predict -> a Basic note holding a static snapshot: the prompt (with the parameters
  of one cached run) and the ranges on the front; that run's number, marked as one
  cached run (demo, parameters, seed, scale, device, torch, date), its summary and
  the card's explanation on the back.  Anki cannot run the demo.

Card text is Markdown, rendered to HTML with raw HTML escaped (shown literally).
The note types are ours, not Anki's stock "Basic"/"Cloze": Anki gives its own
note types per-collection ids, so a package cannot reuse them (genanki's note).
A card imported from Anki keeps its ``anki_guid``, so it goes back to its note.

Renaming a deck's title moves its cards to the new Anki deck on import; Anki
leaves the old deck behind, empty (delete it in Anki).

``--with-schedule`` (:func:`add_schedule`) writes each studied card's state
(type, queue, due, interval, reps, lapses, FSRS memory state in ``cards.data``)
and its review log (``revlog``) into the package's collection, which genanki
cannot do: Anki importing with "Import any learning progress" on shows the cards
as learned, with their reviews.  Cram reviews, which never changed a schedule,
are left out.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from drillbreak.clock import from_ms
from drillbreak.deck import cloze
from drillbreak.deck.loader import Deck
from drillbreak.deck.models import Choice, Evidence, PredictCard
from drillbreak.deck.predict import (
    fill_prompt,
    format_measure,
    format_param,
    format_tolerance,
    range_choices,
    range_index,
)
from drillbreak.domain import CardState
from drillbreak.store.anki_schedule import CardHistory
from drillbreak.store.demo_runs import StoredRun

ROOT_DECK = "drillbreak"
LETTERS = "ABCDEFGHI"  # nine choices on a generated diagnosis card (every fault family)

CSS = """\
.card {
  font-family: -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 20px;
  text-align: left;
  color: black;
  background-color: white;
  max-width: 46em;
  margin: 0 auto;
}
.cloze { font-weight: bold; color: blue; }
.nightMode .cloze { color: lightblue; }
ol.choices, ol.explanations { padding-left: 1.6em; }
ol.choices > li, ol.explanations > li { margin: 0.3em 0; }
.correct .verdict { color: #1a7f37; }
.incorrect .verdict { color: #cf222e; }
.nightMode .correct .verdict { color: #56d364; }
.nightMode .incorrect .verdict { color: #ff7b72; }
table.evidence { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
table.evidence caption { font-weight: bold; text-align: left; }
table.evidence th, table.evidence td { border: 1px solid #999; padding: 0.15em 0.5em; }
table.evidence td { text-align: right; font-variant-numeric: tabular-nums; }
.hint summary { color: #666; cursor: pointer; }
.label { font-weight: bold; }
"""

BACK = "{{FrontSide}}\n\n<hr id=answer>\n\n"


def stable_id(kind: str, name: str) -> int:
    """A stable id in genanki's recommended range [2**30, 2**31) for a note type or deck."""
    digest = hashlib.sha256(f"drillbreak:{kind}:{name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(deck_id: str, card_id: str) -> str:
    import genanki

    return genanki.guid_for("drillbreak", deck_id, card_id)


def card_guid(deck_id: str, card: Any) -> str:
    """The note GUID: the one the card came from Anki with, else from our ids."""
    return getattr(card, "anki_guid", None) or note_guid(deck_id, card.id)


# --- Markdown -> HTML -----------------------------------------------------------


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # commonmark with raw HTML off: "<b>" in a card is shown as "<b>", never parsed.
    # Images are off too (no remote loads); links keep markdown-it's URL checks.
    return MarkdownIt("commonmark", {"html": False}).disable(["image"])


_SINGLE_P = re.compile(r"\A<p>((?:(?!<p>).)*)</p>\n?\Z", re.DOTALL)


def _anki_safe(text: str) -> str:
    # Anki plays "[sound:...]" and typesets "[latex]" / "[$]" tags found in fields.
    return re.sub(r"\[(?=sound:|latex\]|\$\]|\$\$\])", "&#91;", text)


# MathJax as Anki writes it: \(...\) inline, \[...\] display.  Markdown would read
# "\(" as an escaped "(" and drop the backslash, so maths passes through untouched.
_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
_HELD = re.compile("\ue000(\\d+)\ue001")


def _with_maths_kept(text: str, render: Callable[[str], str]) -> str:
    spans: list[str] = []

    def hold(m: re.Match[str]) -> str:
        spans.append(m.group(0))
        return f"\ue000{len(spans) - 1}\ue001"

    out = render(_MATH.sub(hold, text))
    return _HELD.sub(lambda m: html.escape(spans[int(m.group(1))], quote=False), out)


def md_html(text: str | None) -> str:
    """Markdown -> HTML for an Anki field; a lone paragraph loses its ``<p>``."""
    if not text:
        return ""
    out = _with_maths_kept(text.strip(), _markdown().render)
    m = _SINGLE_P.match(out)
    return _anki_safe(m.group(1) if m else out.strip())


def md_inline(text: str | None) -> str:
    if not text:
        return ""
    return _anki_safe(_with_maths_kept(" ".join(text.split()), _markdown().renderInline))


def _hint(card: Any) -> str:
    if not card.hint:
        return ""
    return f'\n<details class="hint"><summary>Hint</summary>{md_html(card.hint)}</details>'


def _choices_front(choices: Sequence[Choice], multi: bool) -> str:
    items = "".join(f"<li>{md_inline(c.text)}</li>" for c in choices)
    note = '\n<p class="select-all"><i>Select all that apply.</i></p>' if multi else ""
    return f'{note}\n<ol type="A" class="choices">{items}</ol>'


def _choices_back(choices: Sequence[Choice]) -> str:
    right = ", ".join(LETTERS[i] for i, c in enumerate(choices) if c.correct)
    rows = []
    for c in choices:
        kind, verdict = ("correct", "Correct.") if c.correct else ("incorrect", "Incorrect.")
        why = f"<br>{md_inline(c.why)}" if c.why else ""
        rows.append(
            f'<li class="{kind}"><span class="verdict">{verdict}</span> {md_inline(c.text)}{why}</li>'
        )
    return (
        f'<p><span class="label">Answer:</span> {right}</p>\n'
        f'<ol type="A" class="explanations">{"".join(rows)}</ol>'
    )


def _number(value: float) -> str:
    return f"{value:g}"


def evidence_table(evidence: Evidence) -> str:
    names = [evidence.x, *(n for n in evidence.columns if n != evidence.x)]
    names = [n for n in names if n in evidence.columns]
    length = max(len(v) for v in evidence.columns.values())
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for i in range(length):
        cells = []
        for n in names:
            values = evidence.columns[n]
            cells.append(f"<td>{_number(values[i]) if i < len(values) else ''}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = f"<caption>{md_inline(evidence.title)}</caption>" if evidence.title else ""
    return (
        f'<table class="evidence">{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _predict_fields(card: PredictCard, run: StoredRun | None) -> list[str]:
    """A predict card as a static snapshot of one cached run (or none yet)."""
    params = json.loads(run.key.params) if run is not None else {}
    front = [md_html(fill_prompt(card.prompt, params))]
    if params:
        shown = ", ".join(f"{k} = {format_param(v)}" for k, v in params.items())
        front.append(f"<p><i>In this run: {html.escape(shown)}</i></p>")
    if card.ranges is not None:
        front.append(_choices_front(range_choices(card), False))
    else:
        unit = "a percentage" if card.percent else "a number"
        front.append(f"<p><i>Predict {unit}, right within {format_tolerance(card)}.</i></p>")
    if run is None:
        back = (
            '<p class="snapshot">No cached run to show: review this card in drillbreak, '
            "where the demo runs, then export again.</p>"
        )
    else:
        key = run.key
        actual = float(run.headline.get(card.measure, float("nan")))
        number = format_measure(card, actual)
        index = range_index(card.ranges, actual) if card.ranges is not None else None
        if index is not None and card.ranges is not None:
            number += f": {LETTERS[index]}. {card.ranges[index].label}"
        made = f"{from_ms(run.made_ms):%Y-%m-%d %H:%M} UTC"
        back = (
            f'<p><span class="label">Measured:</span> {html.escape(number)}</p>\n'
            f'<p class="snapshot"><i>Snapshot of one cached run of demo {html.escape(key.demo)} '
            f"(seed {key.seed}, {html.escape(key.scale)} scale, {html.escape(key.device)}, "
            f"torch {html.escape(key.torch)}, {made}), not a live run.</i></p>\n"
            f"{md_html(run.summary)}"
        )
    if card.explain:
        back += f"\n{md_html(card.explain)}"
    return ["\n".join(front) + _hint(card), back, ""]


def card_fields(card: Any, run: StoredRun | None = None) -> tuple[str, list[str]]:
    """(note type kind, field values) for one card: kind is basic, reversed or cloze
    (basic and reversed share one note type; Add Reverse tells them apart).  ``run``:
    the cached demo run a predict card shows (a snapshot)."""
    if card.type == "basic":
        kind = "reversed" if card.reverse else "basic"
        front, back = md_html(card.front) + _hint(card), md_html(card.back)
        return kind, [front, back, "y" if card.reverse else ""]
    if card.type == "cloze":
        return "cloze", [md_html(card.text) + _hint(card), md_html(card.extra)]
    if card.type == "choice":
        front = md_html(card.question) + _choices_front(card.choices, card.multi) + _hint(card)
        return "basic", [front, _choices_back(card.choices), ""]
    if card.type == "diagnosis":
        parts = [md_html(card.scenario)]
        if card.evidence is not None:
            parts.append(evidence_table(card.evidence))
        parts.append(f"<p><b>{md_inline(card.question)}</b></p>")
        front = "\n".join(parts) + _choices_front(card.choices, card.multi) + _hint(card)
        back = _choices_back(card.choices)
        if card.takeaway:
            back += f'\n<p><span class="label">Takeaway:</span></p>\n{md_html(card.takeaway)}'
        return "basic", [front, back, ""]
    if card.type == "open":
        points = []
        for p in card.rubric:
            keys = (
                f' <span class="keywords">(keywords: {html.escape(", ".join(p.keywords))})</span>'
                if p.keywords
                else ""
            )
            points.append(f"<li>{md_inline(p.point)}{keys}</li>")
        back = (
            f'<p><span class="label">Model answer:</span></p>\n{md_html(card.model_answer)}\n'
            f'<p><span class="label">Rubric:</span></p>\n<ul class="rubric">{"".join(points)}</ul>'
        )
        return "basic", [md_html(card.prompt) + _hint(card), back, ""]
    if isinstance(card, PredictCard):
        return "basic", _predict_fields(card, run)
    raise ValueError(f"unknown card type {card.type!r}")  # pragma: no cover


# --- note types, decks, package --------------------------------------------------


def _models() -> dict[str, Any]:
    import genanki

    name = "Basic (optional reversed card) (drillbreak)"
    basic = genanki.Model(
        stable_id("model", name),
        name,
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Add Reverse"}],
        templates=[
            {"name": "Card 1", "qfmt": "{{Front}}", "afmt": BACK + "{{Back}}"},
            {
                "name": "Card 2",
                "qfmt": "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
                "afmt": BACK + "{{Front}}",
            },
        ],
        css=CSS,
    )
    cloze_name = "Cloze (drillbreak)"
    return {
        "basic": basic,
        "reversed": basic,
        "cloze": genanki.Model(
            stable_id("model", cloze_name),
            cloze_name,
            fields=[{"name": "Text"}, {"name": "Back Extra"}],
            templates=[
                {
                    "name": "Cloze",
                    "qfmt": "{{cloze:Text}}",
                    "afmt": "{{cloze:Text}}<br>\n{{Back Extra}}",
                }
            ],
            css=CSS,
            model_type=genanki.Model.CLOZE,
        ),
    }


def anki_tag(tag: str) -> str:
    return re.sub(r"\s+", "_", tag.strip())


def anki_deck_name(title: str) -> str:
    # "::" separates subdecks in Anki; a title must stay one deck.
    clean = " ".join(title.split()).replace("::", ":").strip(": ") or "untitled"
    return f"{ROOT_DECK}::{clean}"


@dataclass
class ExportSummary:
    path: Path
    decks: list[tuple[str, str, int, int]] = field(default_factory=list)  # id, name, notes, cards
    scheduled: tuple[int, int] | None = None  # --with-schedule: cards, reviews

    @property
    def notes(self) -> int:
        return sum(d[2] for d in self.decks)

    @property
    def cards(self) -> int:
        return sum(d[3] for d in self.decks)


def _card_count(kind: str, card: Any) -> int:
    if kind == "cloze":
        return max(1, len(cloze.numbers(card.text)))
    return 2 if kind == "reversed" else 1


def build_package(
    decks: Sequence[Deck], runs: Mapping[tuple[str, str], StoredRun] | None = None
) -> tuple[Any, list[tuple[str, str, int, int]], dict[str, tuple[str, str, str]]]:
    """(genanki package, rows for the summary, note GUID -> (deck id, card id, kind));
    ``runs``: (deck id, card id) -> the cached run a predict card shows."""
    import genanki

    models = _models()
    names: dict[str, int] = {}
    for deck in decks:
        base = anki_deck_name(deck.title)
        names[base] = names.get(base, 0) + 1
    anki_decks = []
    rows = []
    notes: dict[str, tuple[str, str, str]] = {}
    order = 0
    for deck in decks:
        name = anki_deck_name(deck.title)
        if names[name] > 1:  # two decks with one title: keep them apart
            name = f"{name} ({deck.id})"
        anki_deck = genanki.Deck(stable_id("deck", deck.id), name, md_html(deck.description))
        cards = 0
        for card in deck.cards:
            kind, fields = card_fields(card, (runs or {}).get((deck.id, card.id)))
            tags = [anki_tag(t) for t in dict.fromkeys((*deck.tags, *card.tags)) if t.strip()]
            order += 1
            guid = card_guid(deck.id, card)
            notes[guid] = (deck.id, card.id, kind)
            anki_deck.add_note(
                genanki.Note(
                    model=models[kind],
                    fields=fields,
                    tags=tags,
                    guid=guid,
                    due=order,
                )
            )
            cards += _card_count(kind, card)
        anki_decks.append(anki_deck)
        rows.append((deck.id, name, len(deck.cards), cards))
    return genanki.Package(anki_decks), rows, notes


# --- scheduling -------------------------------------------------------------------

DAY_S = 86_400
# Anki's card types and queues (rslib card/mod.rs), and revlog kinds
_CARD_TYPE: dict[int, int] = {CardState.LEARNING: 1, CardState.REVIEW: 2, CardState.RELEARNING: 3}
_REVLOG_KIND: dict[int, int] = {
    CardState.NEW: 0,
    CardState.LEARNING: 0,
    CardState.REVIEW: 1,
    CardState.RELEARNING: 2,
}
QUEUE_SUSPENDED, QUEUE_LEARN, QUEUE_REVIEW, QUEUE_DAY_LEARN = -1, 1, 2, 3
MAX_REVLOG_TIME_MS = 60_000  # Anki caps a logged answer time at 60 s


def item_key_for(card_id: str, kind: str, ord_: int) -> str:
    """The drillbreak item key of Anki card ``ord_`` of a note (deck/variants)."""
    if kind == "cloze":
        return f"{card_id}~c{ord_ + 1}"
    return f"{card_id}~r" if ord_ == 1 else card_id


def _days(ms: int) -> int:
    return round(ms / 1000 / DAY_S)


def _anki_card(history: CardHistory, crt: int, desired_retention: float) -> dict[str, Any]:
    """The ``cards`` columns for one studied card (Anki's schema 11 meaning)."""
    card = history.card
    due_ms = card.due_ms or card.last_review_ms or 0
    due_day = (due_ms // 1000 - crt) // DAY_S
    ivl = _days(due_ms - card.last_review_ms) if card.last_review_ms else 0
    ctype = _CARD_TYPE[card.state]
    if ctype == 2:
        queue, due = QUEUE_REVIEW, due_day
    elif due_ms - (card.last_review_ms or 0) >= DAY_S * 1000:
        queue, due = QUEUE_DAY_LEARN, due_day
    else:
        queue, due = QUEUE_LEARN, due_ms // 1000
    data: dict[str, Any] = {"dr": round(desired_retention, 2)}
    if card.stability is not None and card.difficulty is not None:
        data |= {"s": round(card.stability, 4), "d": round(card.difficulty, 3)}
    if card.last_review_ms:
        data["lrt"] = card.last_review_ms // 1000
    return {
        "type": ctype,
        "queue": QUEUE_SUSPENDED if card.suspended else queue,
        "due": due,
        "ivl": max(ivl, 1) if ctype == 2 else 0,
        "factor": 2500 if ctype in (2, 3) else 0,
        "reps": card.reps,
        "lapses": card.lapses,
        "left": 0 if ctype == 2 else 1,
        "data": json.dumps(data, separators=(",", ":")),
    }


def _revlog_rows(card_id: int, history: CardHistory, used: set[int]) -> list[tuple]:
    rows = []
    last_ivl = 0
    for r in history.reviews:
        rid = r.reviewed_at_ms
        while rid in used:  # revlog ids are unique times in ms
            rid += 1
        used.add(rid)
        ivl = (
            _days(r.interval_ms) if r.state_after == CardState.REVIEW else -(r.interval_ms // 1000)
        )
        factor = 2500 if r.state_after in (CardState.REVIEW, CardState.RELEARNING) else 0
        duration = min(max(r.duration_ms, 0), MAX_REVLOG_TIME_MS)
        kind = _REVLOG_KIND[r.state_before]
        rows.append((rid, card_id, -1, r.rating, ivl, last_ivl, factor, duration, kind))
        last_ivl = ivl
    return rows


def add_schedule(
    collection_path: Path,
    notes: dict[str, tuple[str, str, str]],
    histories: dict[tuple[str, str], CardHistory],
    desired_retention: float,
) -> tuple[int, int]:
    """Write card states and review logs into an exported collection.anki2.

    ``notes``: note GUID -> (deck id, card id, kind); ``histories``: (deck id, item
    key) -> the card's schedule.  Cards never studied stay new.  Returns the cards
    given a schedule and the reviews logged."""
    con = sqlite3.connect(collection_path)
    try:
        (crt,) = con.execute("select crt from col").fetchone()
        cards = con.execute(
            "select c.id, c.ord, n.guid from cards c join notes n on n.id = c.nid"
        ).fetchall()
        used: set[int] = set()
        done = logged = 0
        for anki_id, ord_, guid in cards:
            deck_id, card_id, kind = notes[guid]
            history = histories.get((deck_id, item_key_for(card_id, kind, ord_)))
            if history is None or history.card.state == CardState.NEW or not history.reviews:
                continue
            values = _anki_card(history, crt, desired_retention)
            con.execute(
                f"update cards set {', '.join(f'{k} = ?' for k in values)} where id = ?",
                (*values.values(), anki_id),
            )
            revlog = _revlog_rows(anki_id, history, used)
            con.executemany(
                "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                revlog,
            )
            done += 1
            logged += len(revlog)
        con.commit()
    finally:
        con.close()
    return done, logged


def _rewrite_collection(apkg: Path, edit: Any) -> None:
    """Apply ``edit(path)`` to the collection.anki2 inside the package ``apkg``."""
    with tempfile.TemporaryDirectory() as folder:
        unpacked = Path(folder) / "collection.anki2"
        repacked = Path(folder) / "out.apkg"
        with zipfile.ZipFile(apkg) as src:
            unpacked.write_bytes(src.read("collection.anki2"))
            edit(unpacked)
            with zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    if info.filename == "collection.anki2":
                        dst.write(unpacked, "collection.anki2")
                    else:
                        dst.writestr(info, src.read(info.filename))
        shutil.copyfile(repacked, apkg)


@dataclass(frozen=True)
class Schedule:
    """What ``--with-schedule`` carries: studied cards' states and reviews."""

    histories: dict[tuple[str, str], CardHistory]
    desired_retention: float


def export_apkg(
    decks: Sequence[Deck],
    path: Path,
    *,
    timestamp: float | None = None,
    schedule: Schedule | None = None,
    runs: Mapping[tuple[str, str], StoredRun] | None = None,
) -> ExportSummary:
    """Write ``decks`` as one .apkg at ``path`` (atomically); return what went in.
    ``runs``: the cached demo runs predict cards show, by (deck id, card id)."""
    package, rows, notes = build_package(decks, runs)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings():
            # Our fields are generated HTML; genanki's heuristic tag check adds nothing.
            warnings.filterwarnings("ignore", module="genanki")
            package.write_to_file(str(tmp), timestamp=timestamp)
        summary = ExportSummary(path, rows)
        if schedule is not None:

            def edit(collection: Path) -> None:
                summary.scheduled = add_schedule(
                    collection, notes, schedule.histories, schedule.desired_retention
                )

            _rewrite_collection(tmp, edit)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary
