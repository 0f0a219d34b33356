"""What a field of an Anki note becomes in a drillbreak deck, shared by ``import anki``
and ``import anki-text``.

- HTML -> text with a little Markdown (bold, italics, lists, tables as ``a | b``).
  Line breaks are kept, whether written as ``<br>``/blocks or as newlines in the field.
- MathJax (``\\(...\\)``, ``\\[...\\]``) is kept verbatim.
- Media stay visible as notes in the text: ``<img src="x.png">`` -> ``[image: x.png]``,
  ``[sound:x.mp3]`` -> ``[sound: x.mp3]``; ``media_refs`` lists the names for the report.
- Card ids come from the note's GUID (``guid_card_id``): stable when the note is edited.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

from drillbreak.deck.sanitize import clean_text

_SOUND = re.compile(r"\[sound:([^\]\n]+)\]")
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
GUID_ID_PREFIX = "anki-"
_ID_MAX = 80

_BOLD, _ITALIC = "\x01", "\x02"
_BLOCKS = {
    "div",
    "p",
    "ul",
    "ol",
    "table",
    "tr",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cells = 0

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self._newline()
            if tag == "pre":
                self.pre += 1
            if tag == "tr":
                self.cells = 0
        elif tag == "li":
            self._newline()
            self.out.append("- ")
        elif tag in ("td", "th"):
            if self.cells:
                self.out.append(" | ")
            self.cells += 1
        elif tag in ("b", "strong"):
            self.out.append(_BOLD)
        elif tag in ("i", "em"):
            self.out.append(_ITALIC)
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "img":
            src = dict(attrs).get("src")
            if src:
                self.out.append(f"[image: {src}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS or tag == "li":
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            self._newline()
        elif tag in ("b", "strong"):
            self.out.append(_BOLD)
        elif tag in ("i", "em"):
            self.out.append(_ITALIC)
        elif tag == "code" and not self.pre:
            self.out.append("`")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if not self.pre:
            # runs of blanks are one space, as in a browser; a newline typed into the
            # field is kept (a multi-line field stays multi-line)
            data = re.sub(r"[ \t\f]*\r?\n[ \t\r\n\f]*", "\n", data)
            data = re.sub(r"[ \t\r\f]+", " ", data)
        self.out.append(data)


def _emphasis(text: str, mark: str, md: str) -> str:
    def sub(m: re.Match[str]) -> str:
        lead, body, trail = m.group(1), m.group(2), m.group(3)
        return f"{lead}{md}{body}{md}{trail}" if body else lead + trail

    text = re.sub(f"{mark}([ \\t]*)([^{mark}\\n]*?)([ \\t]*){mark}", sub, text)
    return text.replace(mark, "")


def html_to_text(value: str) -> str:
    """Anki field HTML -> plain text with a little Markdown (bold, italics, lists)."""
    parser = _TextParser()
    parser.feed(value)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    text = _emphasis(text, _BOLD, "**")
    text = _emphasis(text, _ITALIC, "*")
    return text


def tidy(text: str) -> str:
    """One clean text value: Unix newlines, no control characters, no trailing blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    text = clean_text(text).replace("\t", "    ")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def field_to_markdown(value: str, *, html: bool = True) -> str:
    """One Anki field -> drillbreak text: HTML converted, ``[sound:x]`` as ``[sound: x]``."""
    text = html_to_text(value) if html else value
    return tidy(_SOUND.sub(lambda m: f"[sound: {m.group(1).strip()}]", text))


def media_refs(value: str) -> list[str]:
    """The media file names a field refers to (images, then sounds), in order."""
    images = [next(g for g in m.groups() if g is not None) for m in _IMG_SRC.finditer(value)]
    sounds = [m.group(1).strip() for m in _SOUND.finditer(value)]
    return [name for name in (*images, *sounds) if name]


def guid_card_id(guid: str) -> str:
    """The drillbreak card id for an Anki note GUID: ``anki-`` + the GUID in lowercase
    base32 (reversible: Anki GUIDs are case-sensitive), or a hash of a very long GUID."""
    raw = guid.encode("utf-8")
    encoded = base64.b32encode(raw).decode("ascii").rstrip("=").lower()
    if len(GUID_ID_PREFIX) + len(encoded) > _ID_MAX:
        encoded = hashlib.sha1(raw).hexdigest()
    return GUID_ID_PREFIX + encoded
