"""``drillbreak import anki-text``: Anki's plain-text notes and CSV/TSV -> a YAML deck.

Reads what Anki writes with "Export > Notes in Plain Text" and the CSV/TSV files
Anki imports, including the file headers Anki understands (each on its own line
at the top of the file)::

    #separator:tab            tab, comma, semicolon, pipe, space, colon, or the character
    #html:true                fields are HTML (tags stripped to text/Markdown)
    #columns:Front<TAB>Back<TAB>Tags
    #tags:shared tags         added to every note
    #notetype:Basic           / #deck:Name
    #notetype column:1        / #deck column:2 / #tags column:5 / #guid column:N

Fields may be quoted CSV-style (``"a, b"``, ``""`` for a quote, newlines inside
quotes).  Without ``#separator`` the first line decides: tab if it has one, else
comma for a ``.csv``, else semicolon or comma if present.  Without ``#html`` the
fields are taken as HTML when any of them has a tag or entity Anki writes.
Front and back are the first two fields unless ``#columns`` names them.
A note whose note type is a cloze type, or whose first field has ``{{c1::...}}``,
becomes a cloze card; "Basic (and reversed card)" becomes ``reverse: true``.

Card ids come from the note's GUID when the file has a GUID column (``#guid column``,
written by Anki's "Include unique identifier"): the same id as ``import anki`` gives,
stable however the note is edited, and kept as ``anki_guid`` so that ``export anki``
updates the original notes instead of adding copies.  Without one, the id is a slug
of the first field plus a short hash of it, so importing an updated file again gives
notes whose first field is unchanged the same ids (and so keeps their history).
"Basic (optional reversed card)" is reversible when its third field (Add Reverse)
is not empty.  Line breaks inside a field are kept; images and sounds become
``[image: x.png]`` / ``[sound: x.mp3]`` in the text and are listed in the report.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drillbreak.deck import cloze
from drillbreak.deck.models import SLUG_PATTERN
from drillbreak.deck.sanitize import clean_text
from drillbreak.errors import UserError
from drillbreak.interop.anki_html import field_to_markdown, guid_card_id, media_refs, tidy

SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
SLUG_MAX = 40
TAG_MAX = 80
MAX_DECK_BYTES = 5 * 1024 * 1024
_CLOZE_MARK = re.compile(r"\{\{c\d+::")
_HTML_HINT = re.compile(
    r"</?(?:br|div|p|b|i|u|s|em|strong|span|font|ul|ol|li|img|a|sub|sup|code|pre|hr|"
    r"table|tr|td|th|h[1-6]|blockquote)\b[^>]*>|&(?:nbsp|amp|lt|gt|quot|#\d+|#x[0-9a-f]+);",
    re.IGNORECASE,
)


# --- ids and tags ----------------------------------------------------------------


def slugify(text: str, max_len: int = SLUG_MAX) -> str:
    text = cloze.CLOZE_RE.sub(lambda m: m.group(2), text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[max_len // 2 :] else cut
        slug = slug.strip("-")
    return slug


def card_id_for(first_field: str) -> str:
    """``<slug>-<hash6>`` of the first field's text (whitespace-insensitive)."""
    norm = " ".join(first_field.split())
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:6]
    slug = slugify(norm)
    return f"{slug}-{digest}" if slug else f"card-{digest}"


def clean_tag(tag: str) -> str | None:
    tag = clean_text(tag).strip()
    if not tag:
        return None
    tag = re.sub(r"\s+", "_", tag)
    return tag[:TAG_MAX]


def split_tags(value: str) -> list[str]:
    return [t for t in (clean_tag(x) for x in value.split()) if t]


# --- reading the file ------------------------------------------------------------


@dataclass
class Headers:
    separator: str | None = None
    html: bool | None = None
    tags: list[str] = field(default_factory=list)
    notetype: str | None = None
    deck: str | None = None
    notetype_column: int | None = None
    deck_column: int | None = None
    tags_column: int | None = None
    guid_column: int | None = None
    raw_columns: str | None = None
    lines: int = 0  # how many header lines were consumed


def _separator(value: str) -> str:
    name = value.strip().lower()
    if name in SEPARATORS:
        return SEPARATORS[name]
    if len(name) == 1:
        return name
    if value and not value.strip():
        return value[0]  # a literal tab or space
    raise UserError(
        f"unknown #separator {value.strip()!r}; use tab, comma, semicolon, pipe, space or colon"
    )


def _column(value: str, key: str) -> int:
    try:
        n = int(value.strip())
    except ValueError:
        raise UserError(f"#{key}: {value.strip()!r} is not a column number") from None
    if n < 1:
        raise UserError(f"#{key}: columns are numbered from 1")
    return n - 1


def parse_headers(lines: Sequence[str]) -> Headers:
    h = Headers()
    for line in lines:
        if not line.startswith("#"):
            break
        h.lines += 1
        key, sep, value = line[1:].partition(":")
        if not sep:
            continue  # a comment
        key = key.strip().lower()
        if key == "separator":
            h.separator = _separator(value)
        elif key == "html":
            h.html = value.strip().lower() in ("true", "1", "yes")
        elif key == "columns":
            h.raw_columns = value
        elif key == "tags":
            h.tags = split_tags(value)
        elif key == "notetype":
            h.notetype = value.strip() or None
        elif key == "deck":
            h.deck = value.strip() or None
        elif key == "notetype column":
            h.notetype_column = _column(value, key)
        elif key == "deck column":
            h.deck_column = _column(value, key)
        elif key == "tags column":
            h.tags_column = _column(value, key)
        elif key == "guid column":
            h.guid_column = _column(value, key)
    return h


def split_columns(raw: str, separator: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([raw], delimiter=separator), [])]


def guess_separator(first_line: str, suffix: str) -> str:
    if "\t" in first_line:
        return "\t"
    if suffix == ".csv" and "," in first_line:
        return ","
    for sep in (";", ","):
        if sep in first_line and suffix != ".tsv":
            return sep
    return "\t"


@dataclass
class Row:
    line: int
    values: list[str]


def read_rows(text: str, separator: str, skip_lines: int) -> list[Row]:
    body = "".join(text.splitlines(keepends=True)[skip_lines:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator, strict=False)
    rows = []
    start = skip_lines + 1
    for values in reader:
        if any(v.strip() for v in values):
            rows.append(Row(start, values))
        start = skip_lines + reader.line_num + 1
    return rows


# --- notes -> cards --------------------------------------------------------------


@dataclass
class ImportResult:
    deck: dict[str, Any]
    cards: int
    skipped: int
    warnings: list[str]
    source: str
    media: list[str] = field(default_factory=list)  # media file names the fields refer to

    @property
    def deck_id(self) -> str:
        return str(self.deck["deck"])


@dataclass
class _Note:
    line: int
    notetype: str
    fields: list[tuple[str | None, str]]  # (column name, converted text)
    tags: list[str]
    deck: str | None
    guid: str = ""


def _index(fields: list[tuple[str | None, str]], *names: str) -> int | None:
    for i, (name, _value) in enumerate(fields):
        if name is not None and name.strip().lower() in names:
            return i
    return None


def _rest(fields: list[tuple[str | None, str]], used: set[int]) -> str:
    return "\n\n".join(v for i, (_n, v) in enumerate(fields) if i not in used and v)


def _note_to_card(note: _Note, warn: list[str]) -> dict[str, Any] | None:
    fields = note.fields
    values = [v for _, v in fields]
    notetype = note.notetype.lower()
    if "image occlusion" in notetype:
        warn.append(f"line {note.line}: image occlusion notes cannot be imported; skipped")
        return None
    first = values[0] if values else ""
    is_cloze = "cloze" in notetype or bool(_CLOZE_MARK.search(first))
    if is_cloze:
        i_text = _index(fields, "text")
        i_text = 0 if i_text is None else i_text
        text = values[i_text] if i_text < len(values) else ""
        if not text:
            warn.append(f"line {note.line}: empty cloze text; skipped")
            return None
        if cloze.malformed_offset(text) is not None or not cloze.numbers(text):
            warn.append(
                f"line {note.line}: cloze text has no well-formed {{{{c1::...}}}} deletion; skipped"
            )
            return None
        card: dict[str, Any] = {"id": "", "type": "cloze", "text": text}
        i_extra = _index(fields, "back extra", "extra")
        extra = values[i_extra] if i_extra is not None else _rest(fields, {i_text})
        if extra:
            card["extra"] = extra
        return card
    i_front = _index(fields, "front")
    i_front = 0 if i_front is None else i_front
    i_back = _index(fields, "back")
    if i_back is None:
        i_back = next((i for i in range(len(values)) if i != i_front), len(values))
    i_reverse = _index(fields, "add reverse")
    if i_reverse is None and "optional reversed" in notetype and len(fields) > 2:
        i_reverse = 2  # Front, Back, Add Reverse
    front = values[i_front] if i_front < len(values) else ""
    back = values[i_back] if i_back < len(values) else ""
    used = {i_front, i_back} | ({i_reverse} if i_reverse is not None else set())
    more = _rest(fields, used)
    if more:
        back = f"{back}\n\n{more}" if back else more
    if not front:
        warn.append(f"line {note.line}: the first field is empty; skipped")
        return None
    if not back:
        warn.append(f"line {note.line}: no back side (second field is empty); skipped")
        return None
    card = {"id": "", "front": front, "back": back}
    add_reverse = values[i_reverse] if i_reverse is not None and i_reverse < len(values) else ""
    if "reversed" in notetype and ("optional" not in notetype or add_reverse):
        card["reverse"] = True
    return card


def _deck_tag(name: str) -> str | None:
    return clean_tag(name.replace(" ", "_"))


def _id_source(card: dict[str, Any]) -> str:
    return card.get("text") or card["front"]


def convert(
    text: str,
    *,
    source: str = "notes.txt",
    deck_id: str | None = None,
) -> ImportResult:
    """The text of an Anki export -> a deck (a dict ready for YAML) plus warnings."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    headers = parse_headers(lines)
    first_data = next((ln for ln in lines[headers.lines :] if ln.strip()), "")
    suffix = Path(source).suffix.lower()
    separator = headers.separator or guess_separator(first_data, suffix)
    rows = read_rows(text, separator, headers.lines)
    if not rows:
        raise UserError(f"{source}: no notes found")

    all_values = [v for r in rows for v in r.values]
    is_html = headers.html
    if is_html is None:
        is_html = any(_HTML_HINT.search(v) for v in all_values)

    meta = {
        c
        for c in (
            headers.notetype_column,
            headers.deck_column,
            headers.tags_column,
            headers.guid_column,
        )
        if c is not None
    }
    names = split_columns(headers.raw_columns, separator) if headers.raw_columns else []
    tags_col = headers.tags_column
    for i, name in enumerate(names):
        lowered = name.lower()
        if lowered == "tags" and tags_col is None:
            tags_col = i
        if lowered in ("tags", "guid", "deck", "notetype", "note type"):
            meta.add(i)
    guid_col = headers.guid_column
    if guid_col is None and "guid" in [n.lower() for n in names]:
        guid_col = [n.lower() for n in names].index("guid")
    deck_col = headers.deck_column
    notetype_col = headers.notetype_column
    if deck_col is None and "deck" in [n.lower() for n in names]:
        deck_col = [n.lower() for n in names].index("deck")
    for key in ("notetype", "note type"):
        if notetype_col is None and key in [n.lower() for n in names]:
            notetype_col = [n.lower() for n in names].index(key)

    def cell(values: list[str], index: int | None) -> str:
        return values[index].strip() if index is not None and index < len(values) else ""

    media: dict[str, None] = {}
    notes = []
    for row in rows:
        for i, v in enumerate(row.values):
            if i not in meta:
                media.update(dict.fromkeys(media_refs(v)))
        fields = [
            (names[i] if i < len(names) else None, field_to_markdown(v, html=is_html))
            for i, v in enumerate(row.values)
            if i not in meta
        ]
        while fields and not fields[-1][1]:
            fields.pop()
        notes.append(
            _Note(
                line=row.line,
                notetype=cell(row.values, notetype_col) or headers.notetype or "",
                fields=fields,
                tags=split_tags(cell(row.values, tags_col)),
                deck=cell(row.values, deck_col) or headers.deck,
                guid=cell(row.values, guid_col),
            )
        )

    warnings: list[str] = []
    deck_names = Counter(n.deck for n in notes if n.deck)
    several = len(deck_names) > 1
    cards: list[dict[str, Any]] = []
    used: Counter[str] = Counter()
    for note in notes:
        card = _note_to_card(note, warnings)
        if card is None:
            continue
        base = guid_card_id(note.guid) if note.guid else card_id_for(_id_source(card))
        used[base] += 1
        card["id"] = base if used[base] == 1 else f"{base}-{used[base]}"
        tags = list(note.tags)
        if several and note.deck:
            deck_tag = _deck_tag(note.deck)
            if deck_tag:
                tags.append(deck_tag)
        tags = [t for t in dict.fromkeys(tags) if t not in headers.tags]
        if tags:
            card["tags"] = tags
        if note.guid and used[base] == 1:
            card["anki_guid"] = note.guid
        cards.append(card)

    only_deck = next(iter(deck_names)) if len(deck_names) == 1 else None
    stem = Path(source).stem
    if deck_id is None:
        deck_id = slugify(only_deck or stem, 60) or "imported"
    if not re.match(SLUG_PATTERN, deck_id) or len(deck_id) > 80:
        raise UserError(
            f"--deck {deck_id!r} is not a valid deck id: use lowercase letters, digits and dashes"
        )
    title = tidy(only_deck.replace("::", " / ") if only_deck else stem.replace("_", " "))
    deck: dict[str, Any] = {"deck": deck_id, "title": title or deck_id}
    if headers.tags:
        deck["tags"] = list(dict.fromkeys(headers.tags))
    deck["cards"] = cards
    return ImportResult(deck, len(cards), len(notes) - len(cards), warnings, source, list(media))


# --- YAML ------------------------------------------------------------------------


def dump_yaml(deck: dict[str, Any], *, comment: str | None = None) -> str:
    """The deck as YAML that drillbreak's loader reads back to the same values."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        style = None
        if "\t" in data:
            style = '"'  # escaped as \t: a leading tab would read as indentation
        elif "\n" in data:
            style = "|"  # PyYAML falls back to quoting when a block can't hold it
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    Dumper.add_representer(str, represent_str)
    body = yaml.dump(
        deck,
        Dumper=Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1 << 20,
        default_flow_style=False,
        indent=2,
    )
    head = "".join(f"# {line}\n" for line in comment.splitlines()) if comment else ""
    return head + body


def import_file(path: Path, *, deck_id: str | None = None) -> tuple[ImportResult, str]:
    """Read an Anki text export; return the result and its YAML."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; export it from Anki again as UTF-8") from None
    result = convert(text, source=path.name, deck_id=deck_id)
    if not result.cards:
        raise UserError(
            f"{path}: none of its {result.skipped} note(s) could be imported"
            + (f" ({result.warnings[0]})" if result.warnings else "")
        )
    yaml_text = dump_yaml(
        result.deck,
        comment=f"Imported from {path.name} by `drillbreak import anki-text`.\n"
        + (
            "Card ids come from the Anki note GUIDs: importing an updated export again\n"
            "keeps every card's id (and so its review history)."
            if any("anki_guid" in c for c in result.deck["cards"])
            else "Card ids come from the first field: importing an updated export again keeps\n"
            "the id (and so the review history) of every card whose first field is unchanged."
        ),
    )
    if len(yaml_text.encode("utf-8")) > MAX_DECK_BYTES:
        result.warnings.append(
            "the deck is over the 5 MB limit for one deck file; split it before studying"
        )
    return result, yaml_text
