"""Read-only parses through libyaml: the same nodes and lines as a round-trip parse, about 15x faster.

The inventory, the graph, ``history`` and ``doctor``'s reading only look at a file's data and lines;
ruamel's round trip (pure Python, comments and layout kept for writing back) is for the files a step
edits. ``read_docs(tree, path)`` answers the documents of a file as ruamel's round-trip loader would
build them for reading: mappings and sequences (``ReadMap`` / ``ReadSeq``: a dict and a list with ruamel's
``.lc`` lines, 0-based as ruamel counts), quoted and block strings as ruamel's scalar-string types, YAML 1.2 scalars (``yes`` is a
string) — built from libyaml's event stream (PyYAML's C parser), framed into documents as the round
trip frames them.

Anything this builder does not reproduce exactly is handed to the round-trip parser instead, for that
file: a parse error (its message is ruamel's), an explicit tag, a merge key, an anchor defined twice
(ruamel warns of it), a complex or duplicate key, a scalar whose YAML 1.2 value is not a plain
int/float/bool/null/string (``0x1f``, ``.inf``, a timestamp). ``tests/test_readonly.py`` compares both
parsers' data and lines on the example; ``bench/corpus.py --parsers`` on real repositories.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import yaml
from ruamel.yaml.comments import LineCol
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString,
                                      SingleQuotedScalarString)

from ..errors import YamlError
from .document import MAX_EXPANDED, Parsed, cached_parse, expanded_size, read_checked
from .framing import BOM, split_stream
from .lines import split_lines
from .pack import pack_for

_LOADER = getattr(yaml, "CSafeLoader", None)   # None: PyYAML built without libyaml (every read round-trips)
_QUOTED = {'"': DoubleQuotedScalarString, "'": SingleQuotedScalarString, "|": LiteralScalarString,
           ">": FoldedScalarString}
_RESOLVER = VersionedResolver(version=(1, 2))
_PLAIN: dict[str, Any] = {}                     # plain scalar text -> its value (a few thousand distinct)
_NOT_PLAIN = object()
_CACHE: "OrderedDict[tuple[str, str], tuple[list[Any], list[tuple[int, str]]]]" = OrderedDict()
_CACHE_CHARS = 32 * 1024 * 1024               # text kept (with its documents): a whole large repo, several times
_cached_chars = 0


class ReadMap(dict):
    """A mapping read for reading: a plain dict (C-speed lookups) with ruamel's ``.lc`` lines."""

    __slots__ = ("lc",)


class ReadSeq(list):
    """A sequence read for reading: a plain list with ruamel's ``.lc`` lines."""

    __slots__ = ("lc",)


def lined(cls: "type[ReadMap] | type[ReadSeq]", line: int, col: int = 0) -> Any:
    """An empty ``cls`` whose node starts on 1-based ``line`` (lines of its items: ``.lc.add_*``)."""
    out, lc = cls(), LineCol()
    lc.line, lc.col = line - 1, col
    out.lc = lc
    return out


class _RoundTrip(Exception):
    """This text needs the round-trip parser (see module doc)."""


class ReadOnly:
    """A file's documents for reading (never edit them: they are shared), and what the parser warned of."""

    __slots__ = ("docs", "warnings")

    def __init__(self, docs: list[Any], warnings: list[tuple[int, str]]):
        self.docs, self.warnings = docs, warnings


def read_docs(tree, path: str) -> ReadOnly:
    """The documents of ``tree.read_text(path)`` for reading; raises YamlError as ``load`` does."""
    text = read_checked(tree, path)
    key = (path, text)
    hit = _CACHE.get(key)
    if hit is None:
        hit = _CACHE[key] = _read(tree, path, text)
        _keep(len(text))
    if isinstance(hit, YamlError):
        raise YamlError(hit.args[0], path=hit.path, line=hit.line)
    return ReadOnly(*hit)


def _keep(chars: int) -> None:
    """Count ``chars`` more text kept; forget the oldest entries beyond ``_CACHE_CHARS``."""
    global _cached_chars
    _cached_chars += chars
    while _cached_chars > _CACHE_CHARS and len(_CACHE) > 1:
        (_, old), _ = _CACHE.popitem(last=False)
        _cached_chars -= len(old)


def _read(tree, path: str, text: str) -> "tuple[list[Any], list[tuple[int, str]]] | YamlError":
    root = getattr(tree, "root", None)
    parsed = cached_parse(path, text)          # the round trip already read this text: use it
    if parsed is None:
        pack = pack_for(root)
        digest = tree.digest(path) if hasattr(tree, "digest") else hashlib.sha256(text.encode()).digest()
        docs = pack.get(path, digest)
        if docs is not None:
            return docs, []
        try:
            docs = parse_fast(text)
        except _RoundTrip:
            pass
        else:
            pack.put(path, digest, text, docs)
            return docs, []
        parsed = cached_parse(path, text, root=root, parse=True)
    if isinstance(parsed, YamlError):
        return parsed
    assert isinstance(parsed, Parsed)
    return parsed.docs, parsed.warnings


def parse_fast(text: str) -> list[Any]:
    """The documents of ``text`` built from libyaml's events; raises _RoundTrip where it cannot."""
    if _LOADER is None:
        raise _RoundTrip
    normal = text.removeprefix(BOM).replace("\r\n", "\n")
    if normal and not normal.endswith("\n"):
        normal += "\n"
    docs = []
    for segment in split_stream(split_lines(normal)):
        if not segment.body.strip():
            docs.append(None)
            continue
        try:
            docs.append(_Builder(segment.body, segment.start).document())
        except Exception:   # a parse error, or anything unforeseen: the round trip reads it (and says why)
            raise _RoundTrip from None
    return docs


class _Builder:
    """One document body from its event stream (lines offset by ``start``, the body's first line)."""

    def __init__(self, body: str, start: int):
        loader = _LOADER(body)
        self.next = loader.get_event
        self.start = start
        self.anchors: dict[str, Any] = {}
        self.marks: dict[str, Any] = {}               # anchor -> where its node starts (an alias's position)
        self.aliased = False

    def document(self) -> Any:
        self.next()                                   # StreamStart
        event = self.next()
        if isinstance(event, yaml.StreamEndEvent):    # comments only
            return None
        doc = self.node(self.next())                  # after DocumentStart
        self.next()                                   # DocumentEnd
        if not isinstance(self.next(), yaml.StreamEndEvent):
            raise _RoundTrip                          # a second document inside one framed body
        if self.aliased and expanded_size(doc, MAX_EXPANDED) > MAX_EXPANDED:
            raise _RoundTrip                          # the round trip says why it is not read
        return doc

    def node(self, event: Any) -> Any:
        cls = type(event)
        if cls is yaml.ScalarEvent:
            value = self.scalar(event)
        elif cls is yaml.MappingStartEvent:
            value = self.mapping(event)
        elif cls is yaml.SequenceStartEvent:
            value = self.sequence(event)
        elif cls is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                raise _RoundTrip
            self.aliased = True
            return self.anchors[event.anchor]
        else:
            raise _RoundTrip
        if event.anchor is not None:
            if event.anchor in self.anchors:
                raise _RoundTrip                      # defined again: ruamel warns of it
            self.anchors[event.anchor] = value
            self.marks[event.anchor] = event.start_mark
        return value

    def mark(self, event: Any) -> Any:
        """Where the node of ``event`` starts (an alias: where its anchor's node does, as ruamel counts)."""
        return self.marks[event.anchor] if type(event) is yaml.AliasEvent else event.start_mark

    def scalar(self, event: Any) -> Any:
        if event.tag is not None:
            raise _RoundTrip
        style = event.style
        if style:
            return _QUOTED[style](event.value)
        value = _PLAIN.get(event.value, _NOT_PLAIN)
        if value is _NOT_PLAIN:
            value = _PLAIN[event.value] = _plain(event.value)
        return value

    def opened(self, cls: type, event: Any) -> tuple[Any, dict, int]:
        """A new (untagged) mapping or sequence with its lines where ``event`` starts; its ``.lc.data``."""
        if event.tag is not None:
            raise _RoundTrip
        out = lined(cls, event.start_mark.line + self.start + 1, event.start_mark.column)
        out.lc.data = {}
        return out, out.lc.data, self.start

    def mapping(self, event: Any) -> ReadMap:
        out, data, start = self.opened(ReadMap, event)
        while True:
            key_event = self.next()
            if type(key_event) is yaml.MappingEndEvent:
                return out
            if type(key_event) is not yaml.ScalarEvent:
                raise _RoundTrip                      # a complex key
            key = self.scalar(key_event)
            if key == "<<" and not key_event.style or key in out:
                raise _RoundTrip                      # a merge key; a duplicate key (the round trip's error)
            value_event = self.next()
            out[key] = self.node(value_event)
            mark = self.mark(value_event)
            data[key] = [key_event.start_mark.line + start, key_event.start_mark.column,
                         mark.line + start, mark.column]

    def sequence(self, event: Any) -> ReadSeq:
        out, data, start = self.opened(ReadSeq, event)
        while True:
            item = self.next()
            if type(item) is yaml.SequenceEndEvent:
                return out
            value = self.node(item)
            mark = self.mark(item)
            data[len(out)] = [mark.line + start, mark.column]
            out.append(value)


def _plain(value: str) -> Any:
    """A plain scalar's YAML 1.2 value, as the round trip reads it for data."""
    tag = str(_RESOLVER.resolve(ScalarNode, value, (True, False))).rpartition(":")[2]
    if tag == "str":
        return value
    if tag == "null":
        return None
    if tag == "bool":
        return value.lower() == "true"
    if tag == "int" and value.lstrip("+-").isdigit():
        return int(value)
    if tag == "float" and value.lstrip("+-").replace(".", "", 1).replace("e", "", 1).replace("E", "", 1) \
            .replace("-", "", 1).replace("+", "", 1).isdigit():
        return float(value)
    raise _RoundTrip                                  # 0x1f, 0o17, 1_000, .inf, a timestamp, a merge...
