"""Safe YAML reading that remembers where every value came from.

PyYAML's composer (the C one when available) builds a node tree; we turn it
into plain Python values ourselves so that every mapping key and value keeps
its line and column, duplicate keys are caught, non-standard tags are refused,
and alias expansion is bounded (no "billion laughs").

``read_yaml(text, where=False)`` is the quick read for a file that is probably
fine: values are built straight from libyaml's events, with no node tree and
no position table (at 100k cards those were most of a first start's memory,
bench/FINDINGS.md), and only the top-level keys' positions.  Anything unusual
(anchors, aliases, merge keys, tags, duplicate keys, a syntax error) falls back
to the full read, and a caller that finds a problem reads the file again with
positions (``Positions.complete`` says which it got).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drillbreak.deck.sanitize import clean_text

try:  # the C composer is several times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ALIASED_NODES = 100_000

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}

_constructor = yaml.constructor.SafeConstructor()


class YamlError(Exception):
    """A problem that stops the file from being read at all."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Positions:
    """1-based (line, col) of values and of mapping keys, by path from the root."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    duplicate_keys: list[tuple[Path_, tuple[int, int], tuple[int, int]]] = field(
        default_factory=list
    )
    # False after a quick read (``read_yaml(where=False)``): only the top-level keys and
    # values have positions; deeper paths fall back to them.
    complete: bool = True

    def of(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``path``: the exact one, else the nearest parent's."""
        table = self.keys if key else self.values
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if p in self.values:
                return self.values[p]
            p = p[:-1]
        return self.values.get((), (1, 1))


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def read_yaml(text: str, *, where: bool = True) -> tuple[Any, Positions]:
    """Parse ``text`` into plain values plus positions; raise YamlError on failure.

    ``where=False``: the quick read from events (module docstring), positions of the
    top level only, unless the file needs the full read anyway."""
    if "\t" in text:
        _check_tabs(text)
    if not where:
        try:
            return _quick(text)
        except (_Unusual, yaml.YAMLError):
            pass  # the full read below decides, and reports any error with its position
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.reader.ReaderError as exc:
        # libyaml reports a byte offset into the UTF-8 text
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        raise YamlError(
            f"control characters are not allowed in YAML (found U+{exc.character:04X}); remove it",
            line,
            col,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        raise YamlError(f"YAML syntax: {problem}{context}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}") from None
    positions = Positions()
    if root is None:
        return None, positions
    walk = _Walk(positions)
    value = walk.convert(root, (), aliased=False)
    return value, positions


class _Unusual(Exception):
    """Something the quick read leaves to the full one."""


_CONTAINER_TAGS = {None, "!", _SEQ, _MAP}
# First characters of plain scalars that may resolve to something other than text.
_IMPLICIT_FIRST = frozenset(k for k in _Loader.yaml_implicit_resolvers if k)


def read_prefix(text: str, cards: int) -> Any | None:
    """The top-level mapping of a deck file read only as far as its first ``cards``
    entries of ``cards`` (the keys after that list are not read): what a start shows
    while the rest of a big file is parsed.  None when the file has fewer cards, or
    anything the quick read leaves to the full one (a tab, an anchor, a syntax error
    before that point): the caller then waits for the whole file."""
    if "\t" in text:
        return None
    try:
        data, _ = _quick(text, cards)
    except (_Unusual, yaml.YAMLError):
        return None
    if not isinstance(data, _Prefix):
        return None
    return dict(data)


class _Prefix(dict):
    """The root mapping as far as a prefix read got (``_quick``'s ``cards``)."""


def _quick(text: str, cards: int | None = None) -> tuple[Any, Positions]:
    """Values from libyaml's events; positions for the root and its keys only.

    ``cards``: stop once the root's ``cards`` list has that many entries, and return
    the root read so far as a :class:`_Prefix`."""
    stop_at = cards if cards is not None else -1
    loader = _Loader(text)
    try:
        get, resolve = loader.get_event, loader.resolve
        positions = Positions(complete=False)
        get()  # stream start
        if loader.check_event(StreamEndEvent):
            return None, positions
        get()  # document start
        # one entry per open container: [value, is a mapping, pending key, start mark]
        stack: list[list[Any]] = []
        root: Any = None
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                if event.anchor is not None:
                    raise _Unusual
                tag, text = event.tag, event.value
                if tag is None or tag == "!":
                    # What ``resolve`` would say, without the call for the usual case: text
                    # quoted, or starting with a character no implicit type starts with.
                    plain = event.implicit[0]
                    if not plain or (text and text[0] not in _IMPLICIT_FIRST):
                        tag = _STR
                    else:
                        tag = resolve(ScalarNode, text, event.implicit)
                value = _scalar_value(tag, text)
                scalar, mark = True, event.start_mark
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.anchor is not None or event.tag not in _CONTAINER_TAGS:
                    raise _Unusual
                mapping = kind is MappingStartEvent
                stack.append([{} if mapping else [], mapping, _NO_KEY, event.start_mark])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value, _, _, mark = stack.pop()  # a container is where it began
                scalar = False
            elif kind is DocumentEndEvent:
                break
            else:  # an alias
                raise _Unusual
            if not stack:
                root = value
                positions.values[()] = _at(mark)
                continue
            top = stack[-1]
            if not top[1]:
                top[0].append(value)
                if len(stack) == 2 and len(top[0]) == stop_at and stack[0][2] == "cards":
                    prefix = _Prefix(stack[0][0])
                    prefix["cards"] = top[0]
                    return prefix, positions
            elif top[2] is _NO_KEY:
                if not scalar or tag == _MERGE or value in top[0]:
                    raise _Unusual  # a merge key, a duplicate or a non-text key
                top[2] = value
                if len(stack) == 1:
                    positions.keys[(value,)] = _at(mark)
            else:
                top[0][top[2]] = value
                if len(stack) == 1:
                    positions.values[(top[2],)] = _at(mark)
                top[2] = _NO_KEY
        if not loader.check_event(StreamEndEvent):
            raise _Unusual  # a second document: the full read reports it
        return root, positions
    finally:
        loader.dispose()


_NO_KEY = object()


def _at(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _check_tabs(text: str) -> None:
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            col = len(line) - len(stripped) + 1
            raise YamlError(
                "tab character used for indentation; YAML needs spaces, replace the tabs",
                lineno,
                col,
            )


class _Walk:
    """Node tree -> values.  Nodes reached again through an alias are counted, and
    their expansion is capped: a file's own nodes are already bounded by its size."""

    def __init__(self, positions: Positions) -> None:
        self.pos = positions
        self.seen: set[int] = set()
        self.aliased_budget = MAX_ALIASED_NODES

    def convert(self, node: Node, path: Path_, *, aliased: bool) -> Any:
        pos = self.pos
        if not isinstance(node, ScalarNode):
            if id(node) in self.seen:
                aliased = True
            self.seen.add(id(node))
        if aliased:
            self.aliased_budget -= 1
            if self.aliased_budget < 0:
                line, col = _mark(node)
                raise YamlError(
                    f"aliases expand to more than {MAX_ALIASED_NODES} values (an alias bomb?); "
                    "remove the repeated anchors/aliases",
                    line,
                    col,
                )
        pos.values.setdefault(path, _mark(node))
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise _bad_tag(node)
            return [
                self.convert(item, (*path, i), aliased=aliased) for i, item in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            return self._mapping(node, path, aliased)
        raise _bad_tag(node)  # pragma: no cover

    def _mapping(self, node: MappingNode, path: Path_, aliased: bool) -> dict[Any, Any]:
        if node.tag != _MAP:
            raise _bad_tag(node)
        if any(k.tag == _MERGE for k, _ in node.value):
            try:
                _constructor.flatten_mapping(node)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                raise YamlError(
                    f"YAML merge key: {exc.problem}",
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                ) from None
        pos = self.pos
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                line, col = _mark(key_node)
                raise YamlError("mapping keys must be plain text", line, col)
            key = _scalar(key_node)
            child = (*path, key)
            if key in result:
                pos.duplicate_keys.append((child, pos.keys[child], _mark(key_node)))
            pos.keys[child] = _mark(key_node)
            pos.values[child] = _mark(value_node)
            result[key] = self.convert(value_node, child, aliased=aliased)
        return result


# Short strings (keys, card types, tags, demo names) repeat on every card: sharing
# one copy saves memory (bench/FINDINGS.md, "Peak RSS").
_INTERN_UP_TO = 40


def _scalar(node: ScalarNode) -> Any:
    if node.tag not in _SCALAR_TAGS:
        raise _bad_tag(node)
    return _scalar_value(node.tag, node.value)


def _scalar_value(tag: str, value: str) -> Any:
    if tag == _STR:
        text = clean_text(value)
        return sys.intern(text) if len(text) <= _INTERN_UP_TO else text
    if tag not in _SCALAR_TAGS:
        raise _Unusual  # the full read reports it with its position
    if tag == _TIMESTAMP:
        return value  # dates are text to a deck
    if tag == _BOOL and value.lower() not in ("true", "false"):
        return value  # YAML 1.2: yes/no/on/off are text ("why: no" means the word)
    try:
        # The tag's constructor itself: ``construct_object`` would keep every node in
        # the shared constructor's cache for good.
        return _constructor.yaml_constructors[tag](_constructor, ScalarNode(tag, value))
    except (ValueError, yaml.YAMLError):
        return clean_text(value)


def _bad_tag(node: Node) -> YamlError:
    line, col = _mark(node)
    return YamlError(
        f"unsupported YAML tag {node.tag!r}; decks are plain YAML (remove the tag)", line, col
    )
