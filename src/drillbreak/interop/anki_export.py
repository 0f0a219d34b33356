"""``drillbreak export anki``: decks -> one Anki package (.apkg) made with genanki.

Everything that Anki uses to recognise what it imported is derived from our
ids, never random: a note's GUID from deck id + card id (re-importing an updated
export updates those notes instead of duplicating them), and the note types' and
decks' ids from hashes of their names.  Each deck becomes ``drillbreak::<title>``.

* basic -> "Basic (drillbreak)" (Anki's Basic layout: Front, Back), or
  "Basic (and reversed card) (drillbreak)" when ``reverse: true``;
* cloze -> "Cloze (drillbreak)" (Text, Back Extra), the same ``{{c1::...}}`` text;
* choice / diagnosis / open -> Basic notes: question, lettered options and the
  evidence table on the front; answer, every ``why`` marked correct/incorrect,
  takeaway / model answer / rubric on the back.

Card text is Markdown, rendered to HTML with raw HTML escaped (shown literally).
The note types are ours, not Anki's stock "Basic"/"Cloze": Anki gives its own
note types per-collection ids, so a package cannot reuse them (genanki's note).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from drillbreak.deck import cloze
from drillbreak.deck.loader import Deck
from drillbreak.deck.models import Choice, Evidence

ROOT_DECK = "drillbreak"
LETTERS = "ABCDEFGH"

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


def md_html(text: str | None) -> str:
    """Markdown -> HTML for an Anki field; a lone paragraph loses its ``<p>``."""
    if not text:
        return ""
    out = _markdown().render(text.strip())
    m = _SINGLE_P.match(out)
    return _anki_safe(m.group(1) if m else out.strip())


def md_inline(text: str | None) -> str:
    if not text:
        return ""
    return _anki_safe(_markdown().renderInline(" ".join(text.split())))


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


def card_fields(card: Any) -> tuple[str, list[str]]:
    """(note type kind, field values) for one card: kind is basic, reversed or cloze."""
    if card.type == "basic":
        kind = "reversed" if card.reverse else "basic"
        return kind, [md_html(card.front) + _hint(card), md_html(card.back)]
    if card.type == "cloze":
        return "cloze", [md_html(card.text) + _hint(card), md_html(card.extra)]
    if card.type == "choice":
        front = md_html(card.question) + _choices_front(card.choices, card.multi) + _hint(card)
        return "basic", [front, _choices_back(card.choices)]
    if card.type == "diagnosis":
        parts = [md_html(card.scenario)]
        if card.evidence is not None:
            parts.append(evidence_table(card.evidence))
        parts.append(f"<p><b>{md_inline(card.question)}</b></p>")
        front = "\n".join(parts) + _choices_front(card.choices, card.multi) + _hint(card)
        back = _choices_back(card.choices)
        if card.takeaway:
            back += f'\n<p><span class="label">Takeaway:</span></p>\n{md_html(card.takeaway)}'
        return "basic", [front, back]
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
        return "basic", [md_html(card.prompt) + _hint(card), back]
    raise ValueError(f"unknown card type {card.type!r}")  # pragma: no cover


# --- note types, decks, package --------------------------------------------------


def _models() -> dict[str, Any]:
    import genanki

    front_back = [{"name": "Front"}, {"name": "Back"}]
    card_1 = {"name": "Card 1", "qfmt": "{{Front}}", "afmt": BACK + "{{Back}}"}
    card_2 = {"name": "Card 2", "qfmt": "{{Back}}", "afmt": BACK + "{{Front}}"}
    names = {
        "basic": "Basic (drillbreak)",
        "reversed": "Basic (and reversed card) (drillbreak)",
        "cloze": "Cloze (drillbreak)",
    }
    return {
        "basic": genanki.Model(
            stable_id("model", names["basic"]),
            names["basic"],
            fields=front_back,
            templates=[card_1],
            css=CSS,
        ),
        "reversed": genanki.Model(
            stable_id("model", names["reversed"]),
            names["reversed"],
            fields=[dict(f) for f in front_back],
            templates=[dict(card_1), card_2],
            css=CSS,
        ),
        "cloze": genanki.Model(
            stable_id("model", names["cloze"]),
            names["cloze"],
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


def build_package(decks: Sequence[Deck]) -> tuple[Any, list[tuple[str, str, int, int]]]:
    import genanki

    models = _models()
    names: dict[str, int] = {}
    for deck in decks:
        base = anki_deck_name(deck.title)
        names[base] = names.get(base, 0) + 1
    anki_decks = []
    rows = []
    order = 0
    for deck in decks:
        name = anki_deck_name(deck.title)
        if names[name] > 1:  # two decks with one title: keep them apart
            name = f"{name} ({deck.id})"
        anki_deck = genanki.Deck(stable_id("deck", deck.id), name, md_html(deck.description))
        cards = 0
        for card in deck.cards:
            kind, fields = card_fields(card)
            tags = [anki_tag(t) for t in dict.fromkeys((*deck.tags, *card.tags)) if t.strip()]
            order += 1
            anki_deck.add_note(
                genanki.Note(
                    model=models[kind],
                    fields=fields,
                    tags=tags,
                    guid=note_guid(deck.id, card.id),
                    due=order,
                )
            )
            cards += _card_count(kind, card)
        anki_decks.append(anki_deck)
        rows.append((deck.id, name, len(deck.cards), cards))
    return genanki.Package(anki_decks), rows


def export_apkg(
    decks: Sequence[Deck], path: Path, *, timestamp: float | None = None
) -> ExportSummary:
    """Write ``decks`` as one .apkg at ``path`` (atomically); return what went in."""
    package, rows = build_package(decks)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings():
            # Our fields are generated HTML; genanki's heuristic tag check adds nothing.
            warnings.filterwarnings("ignore", module="genanki")
            package.write_to_file(str(tmp), timestamp=timestamp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportSummary(path, rows)
