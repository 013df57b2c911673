"""Format-preserving YAML: load files into ruamel round-trip nodes, edit them, dump minimal changes.

How a file is read and written again:

- **Framing.** The text is cut into documents at the ``---`` / ``...`` marker lines. Each
  document keeps its framing text verbatim: leading comments and blank lines (also those
  before the first ``---``), the ``---`` line with its comment, the ``...`` line. Only the
  body is parsed (ruamel.yaml 0.19, round-trip mode, quotes preserved), with line numbers
  counted from the start of the file.
- **Styles per block.** At parse time every block mapping and sequence records on its
  ``.lc`` how it was laid out relative to its parent block: mapping indent, the dash column
  and item column of a sequence (``- x`` flush with the key or indented), the spaces after
  ``key:`` (``key:   value``), the content indent of ``|`` blocks. The emitter applies them
  block by block; nodes added later copy the layout of a sibling, else the document's most
  common one. Line width is unbounded, the final newline and CRLF endings follow the file.
- **Dump.** ``dump()`` re-emits the original documents (``before``) and the current ones
  (``after``). Unedited: the original text, always. Edited: the hunks of before->after are
  applied to the original text, whose lines are aligned to ``before`` with difflib; when the
  re-emission reproduces the file this is exactly ``after``, otherwise every line outside the
  edited hunks stays byte-identical. The result is parsed again and must hold the edited
  data, else ``YamlError``.

Helm templates (files under ``templates/`` next to a ``Chart.yaml``) are never parsed.
"""

from __future__ import annotations

import copy
import difflib
import io
import posixpath
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.comments import (Anchor, Comment, CommentedMap, CommentedSeq, Format, LineCol, Tag, TaggedScalar,
                                  merge_attrib)
from ruamel.yaml.emitter import Indents, RoundTripEmitter
from ruamel.yaml.error import CommentMark, MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionStartEvent, NodeEvent
from ruamel.yaml.reader import Reader
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString,
                                      ScalarString, SingleQuotedScalarString)
from ruamel.yaml.scanner import RoundTripScanner
from ruamel.yaml.serializer import Serializer
from ruamel.yaml.tokens import CommentToken

from .errors import YamlError
from .parsecache import cache_for

__all__ = [
    "YamlFile", "load", "is_yaml_path", "is_helm_template", "line_of", "set_scalar", "insert", "remove",
]

_MARKER = re.compile(r"(---|\.\.\.)(?=[ \t]|$)")
_NULL = re.compile(r"(null|Null|NULL|~)(?=[ \t]|$)")
_BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)
_CONTAINERS = (dict, list)
_BOM = "\ufeff"   # a UTF-8 byte order mark: kept in front of the text, never parsed
_CACHE_SIZE = 4096


# --- public API ----------------------------------------------------------------------------
class YamlFile:
    """One YAML file: its documents as editable ruamel nodes, and the text they were read from.

    ``docs`` is this object's own copy (edit it in place: values, keys, items, whole documents);
    ``dump()`` writes the edits back with the file's formatting.
    """

    def __init__(self, parsed: "_Parsed"):
        self._parsed = parsed
        self._docs: list[Any] | None = None
        self._originals: list[Any] = []
        self._last_dump: tuple[str, str] | None = None

    @classmethod
    def parse(cls, text: str, path: str | None = None) -> "YamlFile":
        """Parse ``text``; raises YamlError(reason, path=, line=) for bad YAML or duplicate keys."""
        return cls(_Parsed.from_text(text, path))

    @property
    def path(self) -> str | None:
        return self._parsed.path

    @property
    def text(self) -> str:
        """The original text."""
        return self._parsed.text

    @property
    def parsed_docs(self) -> list[Any]:
        """The documents as parsed, shared by every YamlFile of the same text: read-only.

        For readers (the inventory) that must not pay for the private copy ``docs`` makes;
        edit ``docs``, never these."""
        return self._parsed.docs

    @property
    def docs(self) -> list[Any]:
        """One node per YAML document: CommentedMap, CommentedSeq, a scalar, or None (empty)."""
        if self._docs is None:
            self._docs = self._parsed.copy_docs()
            self._originals = list(self._docs)
        return self._docs

    def dump(self) -> str:
        """The text of the documents; byte-identical to the input when nothing was edited."""
        if self._docs is None:
            return self.text
        try:
            after = self._parsed.render(_pair(self._docs, self._originals, self._parsed.segments))
        except YAMLError as exc:
            raise YamlError(f"cannot write the edited documents: {exc}", path=self.path) from None
        before = self._parsed.emission()
        if after == before:
            return self.text
        if self._last_dump is None or self._last_dump[0] != after:
            self._last_dump = (after, self._checked(_patch(self.text, before, after)))
        return self._last_dump[1]

    def roundtrips(self) -> bool:
        """Does re-emission (with the detected styles) reproduce the file byte for byte?"""
        return self._parsed.emission() == self.text

    def first_difference(self) -> tuple[int, str, str] | None:
        """(1-based line, original line, re-emitted line) of the first difference, or None."""
        if self.roundtrips():
            return None
        original, emitted = _lines(self.text), _lines(self._parsed.emission())
        for number, (old, new) in enumerate(zip_longest(original, emitted, fillvalue=""), start=1):
            if old != new:
                return number, _show(old, new), _show(new, old)
        return None

    def _checked(self, text: str) -> str:
        """``text`` if it parses to the edited documents, else YamlError naming the file."""
        try:
            result = _Parsed.from_text(text, self.path)
        except YamlError as exc:
            raise YamlError(f"the edit would produce invalid YAML ({exc})", path=self.path) from None
        if _plain(result.docs) != _plain(self._docs):
            raise YamlError("cannot apply the edit without changing other content of the file",
                            path=self.path)
        return text


def load(tree, path: str) -> YamlFile:
    """Parse ``tree.read_text(path)``; parses are cached by (path, text), each call gets its own docs."""
    try:
        text = tree.read_text(path)
    except UnicodeDecodeError:
        raise YamlError("not UTF-8 text", path=path) from None
    key = (path, text)
    parsed = _CACHE.get(key)
    if parsed is None:
        parsed = _parse_cached(getattr(tree, "root", None), path, text)
        _CACHE[key] = parsed
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    if isinstance(parsed, YamlError):
        raise YamlError(parsed.args[0], path=parsed.path, line=parsed.line)
    return YamlFile(parsed)


def _parse_cached(root, path: str, text: str) -> "_Parsed | YamlError":
    """The parse of ``text``, from the repository's on-disk parse cache when it has it."""
    disk = cache_for(root)
    key = disk.key(path, text)
    parsed = disk.get(key)
    if isinstance(parsed, _Parsed):
        return parsed
    try:
        parsed = _Parsed.from_text(text, path)
    except YamlError as exc:
        return exc
    disk.put(key, parsed)
    return parsed


def is_yaml_path(path: str) -> bool:
    """``*.yaml`` / ``*.yml``."""
    return path.lower().endswith((".yaml", ".yml"))


def is_helm_template(path: str, tree) -> bool:
    """Is ``path`` below the ``templates/`` folder of a Helm chart (a folder holding Chart.yaml)?"""
    parts = path.split("/")
    return any(
        part == "templates" and tree.exists(posixpath.join(*parts[:i], "Chart.yaml") if i else "Chart.yaml")
        for i, part in enumerate(parts[:-1])
    )


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line, in the text it was read from, of mapping key / sequence item ``key``
    (of ``node`` itself when ``key`` is None); None for nodes added after loading."""
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    if key is None:
        return lc.line + 1
    if not lc.data or key not in lc.data:
        if key in (node if isinstance(node, dict) else range(len(node))):
            return None  # added after loading
        raise KeyError(key)
    return lc.data[key][0] + 1


def set_scalar(container: Any, key: Any, value: Any) -> None:
    """``container[key] = value``, keeping the old value's quoting style (``"047989b1"`` stays
    double-quoted, plain stays plain, ``|`` stays a literal block). Comments stay in place."""
    old = container[key]
    if isinstance(value, str) and not isinstance(value, ScalarString) and isinstance(old, ScalarString):
        value = type(old)(value)
    container[key] = value
    _keep_comment_gap(container, key, _width(old), _width(value))


def _keep_comment_gap(container: Any, key: Any, old_width: int, new_width: int) -> None:
    """An end-of-line comment keeps its column while the new value fits before it (aligned
    comments stay aligned); a value that would reach it pushes it right, keeping the old gap
    (``kong  # legacy`` becomes ``traefik  # legacy``, not ``traefik # legacy``)."""
    slot = 2 if isinstance(container, CommentedMap) else 0
    comments = getattr(container, "ca", None)
    entry = comments.items.get(key) if comments is not None else None
    token = entry[slot] if entry and len(entry) > slot else None
    data = getattr(getattr(container, "lc", None), "data", None)
    position = data.get(key) if data else None
    if not isinstance(token, CommentToken) or position is None or not token.value.lstrip().startswith("#"):
        return
    start = position[-1] if isinstance(container, CommentedMap) else position[1]
    gap = token.column - (start + old_width)
    if start + new_width + 1 > token.column and gap > 0:
        token.column = start + new_width + gap


def _width(value: Any) -> int:
    """Characters a scalar takes on its line (quotes included)."""
    quoted = isinstance(value, (SingleQuotedScalarString, DoubleQuotedScalarString))
    return len(str(value)) + (2 if quoted else 0)


def insert(container: Any, index: int, value: Any, key: Any = None) -> None:
    """Insert ``value`` at position ``index`` of a sequence, or ``key: value`` at that position of
    a mapping. The new entry joins the entry before it: comment lines that followed that entry
    (e.g. the header of the next group) now follow the new one."""
    value = _commented(value)
    moved = _take_trailing(container, _key_at(container, index - 1)) if index > 0 else ""
    if isinstance(container, CommentedMap):
        container.insert(index, key, value)
    else:
        container.insert(index, value)
    if moved:
        _add_trailing(container, _key_at(container, index), moved)


def remove(container: Any, key: Any) -> Any:
    """Remove sequence item / mapping key ``key`` and return its value. Only the entry's own lines
    go: comment lines after it (which describe what follows) stay where they were."""
    index = key if isinstance(container, list) else list(container).index(key)
    moved = _take_trailing(container, key)
    value = container[key]
    del container[key]
    if moved and index > 0:
        _add_trailing(container, _key_at(container, index - 1), moved)
    elif moved:
        _add_leading(container, moved)
    return value


# --- parsing ---------------------------------------------------------------------------------
@dataclass
class _Segment:
    """One document of a stream: framing text kept verbatim around the parsed body."""

    head: str = ""   # leading comment/blank lines, directives, the `---` line
    body: str = ""   # the document content handed to ruamel
    tail: str = ""   # the `...` line and comment lines after it
    start: int = 0   # 0-based line number of the body's first line


@dataclass
class _Parsed:
    """A parsed text (shared by the cache; never edited): segments, pristine docs, re-emission."""

    path: str | None
    text: str
    segments: list[_Segment]
    docs: list[Any]
    _emission: str | None = field(default=None, repr=False)

    @classmethod
    def from_text(cls, text: str, path: str | None) -> "_Parsed":
        normal = text.removeprefix(_BOM).replace("\r\n", "\n")
        lines = normal.split("\n")
        segments = _split_stream(_lines(normal))
        docs = [_parse_body(seg, lines, path) for seg in segments]
        return cls(path, text, segments, docs)

    def copy_docs(self) -> list[Any]:
        """A private, editable copy of the documents (deepcopy mangles merge keys: re-parse those)."""
        merges = any(getattr(node, merge_attrib, None) for node, _ in _walk(self.docs, False))
        return _Parsed.from_text(self.text, self.path).docs if merges else _copy(self.docs, {})

    def emission(self) -> str:
        """Re-emission of the unedited documents (computed once, on first use)."""
        if self._emission is None:
            self._emission = self.render(list(zip(self.docs, self.segments)))
        return self._emission

    def render(self, pairs: list[tuple[Any, _Segment | None]]) -> str:
        """The text of ``(doc, segment)`` pairs, in this file's line endings and final newline."""
        parts = []
        for i, (doc, seg) in enumerate(pairs):
            head = seg.head if seg else ""
            if i and not any(_MARKER.match(line) for line in head.splitlines()):
                head += "---\n"
            body = seg.body if seg is not None and doc is None else _emit(doc)
            parts += [head, body, seg.tail if seg else ""]
        out = (_BOM if self.text.startswith(_BOM) else "") + "".join(parts)
        if out.endswith("\n") and not self.text.endswith("\n"):
            out = out[:-1]
        if "\r\n" in self.text and self.text.count("\r\n") == self.text.count("\n"):
            out = out.replace("\n", "\r\n")
        return out


def _split_stream(lines: list[str]) -> list[_Segment]:
    """Cut a text (lines with their ``\\n``) into documents at the column-0 ``---``/``...`` lines."""
    segments: list[_Segment] = []
    pending: list[str] = []          # framing lines not yet given to a document
    current: _Segment | None = None  # the open document
    body: list[str] = []

    def close(tail: str = "") -> None:
        current.body, current.tail = "".join(body), tail
        segments.append(current)

    for number, line in enumerate(lines):
        marker = _MARKER.match(line)
        if marker and marker.group(1) == "---":
            if current is not None:
                close()
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):  # `--- !tag` / `--- |`: content on the marker line
                current, body = _Segment(head="".join(pending), start=number), ["   " + line[3:]]
            else:
                current, body = _Segment(head="".join(pending) + line, start=number + 1), []
            pending = []
        elif marker:
            if current is not None:
                close(line)
                current = None
            else:
                pending.append(line)
        elif current is None:
            if _is_framing(line):
                pending.append(line)
            else:
                current, pending, body = _Segment(head="".join(pending), start=number), [], [line]
        elif not body and _is_framing(line):
            current.head += line
            current.start = number + 1
        else:
            body.append(line)
    if current is not None:
        close()
    if pending:
        if segments:
            segments[-1].tail += "".join(pending)
        else:
            segments.append(_Segment(head="".join(pending)))
    return segments


def _is_framing(line: str) -> bool:
    """A blank line, comment or directive: text that may stand outside a document body."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or line.startswith("%")


def _parse_body(segment: _Segment, lines: list[str], path: str | None) -> Any:
    """The document in ``segment.body`` (None if empty), its blocks annotated with their layout."""
    if not segment.body.strip():
        return None
    yaml = _yaml()
    yaml.reader.line = segment.start  # marks (errors, .lc) count lines from the top of the file
    try:
        doc = yaml.load(segment.body)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(_reason(exc), path=path, line=mark.line + 1 if mark else None) from None
    except YAMLError as exc:
        raise YamlError(str(exc).strip().splitlines()[0], path=path, line=segment.start + 1) from None
    _annotate(doc, lines, base=0, in_map=False)
    return doc


def _reason(exc: MarkedYAMLError) -> str:
    """ruamel's message without marks and notes: ``found duplicate key "a"``."""
    text = exc.problem or exc.context or "invalid YAML"
    return re.sub(r' with value ".*', "", text)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.Reader, yaml.Scanner = Reader, RoundTripScanner  # pure-Python reader: lets us set .line
    return yaml


# --- layout of blocks ----------------------------------------------------------------------------
@dataclass
class _Style:
    """How a node sits in the text, relative to its parent block (None: no preference)."""

    indent: int | None = None  # map: key column - parent's key column; seq: item column - base;
    #                            block scalar: content column - the mapping's key column
    dash: int | None = None    # seq: dash column - base (base: parent key column / item column)
    gap: int | None = None     # spaces between `key:` and this value on the same line, when not 1
    text: str | None = None    # null scalar: how it was spelled (`null`, `~`); flow collection: "pad"
    values: dict[Any, "_Style"] | None = None  # map: styles of its scalar values, by key


def _annotate(node: Any, lines: list[str], base: int, in_map: bool, gap: int | None = None) -> None:
    """Record on each block collection's ``.lc.yamlio`` the _Style it has in ``lines``."""
    if not isinstance(node, (CommentedMap, CommentedSeq)) or node.lc.line is None:
        return
    if node.fa.flow_style():
        line = lines[node.lc.line]
        padded = len(node) and line[node.lc.col:node.lc.col + 2] in ("{ ", "[ ")
        node.lc.yamlio = _Style(gap=gap, text="pad" if padded else None)
    elif isinstance(node, CommentedMap):
        node.lc.yamlio = _map_style(node, lines, base if in_map else None, gap)
    else:
        items = node.lc.data or {}
        dash = _dash_column(lines[items[0][0]], items[0][1]) if 0 in items else node.lc.col
        item_col = items[0][1] if 0 in items else dash + 2
        node.lc.yamlio = _Style(indent=item_col - base, dash=dash - base, gap=gap)
        for index, item in enumerate(node):
            if index in items:
                _annotate(item, lines, items[index][1], in_map=False)


def _map_style(node: CommentedMap, lines: list[str], base: int | None, gap: int | None) -> _Style:
    col = next(iter(node.lc.data.values()))[1] if node.lc.data else node.lc.col  # not an anchor's
    values: dict[Any, _Style] = {}
    for key, (key_line, _, value_line, value_col) in (node.lc.data or {}).items():
        value = node.get(key)
        value_gap = _gap(lines[value_line], value_col) if value_line == key_line else None
        if isinstance(value, (CommentedMap, CommentedSeq)):
            _annotate(value, lines, col, in_map=True, gap=value_gap)
            continue
        indent = _content_indent(lines, value_line) if isinstance(value, _BLOCK_SCALARS) else None
        null = _NULL.match(lines[value_line], value_col) if value is None and value_line == key_line else None
        if value_gap is not None or indent is not None or null:
            values[key] = _Style(indent=None if indent is None else indent - col, gap=value_gap,
                                 text=null.group(0) if null else None)
    return _Style(indent=None if base is None else col - base, gap=gap, values=values or None)


def _dash_column(line: str, item_col: int) -> int:
    """Column of the ``-`` that introduces the item starting at ``item_col``."""
    return line.rfind("-", 0, item_col)


def _gap(line: str, col: int) -> int | None:
    """Spaces between the ``:`` and the value starting at ``col``, when not exactly one."""
    before = line[:col].rstrip(" ")
    spaces = col - len(before)
    return spaces if before.endswith(":") and spaces > 1 else None


def _content_indent(lines: list[str], line: int) -> int | None:
    """Indent of the first non-blank line after ``line`` (a block scalar's content)."""
    for text in lines[line + 1:]:
        if text.strip():
            return len(text) - len(text.lstrip(" "))
    return None


def _layout(doc: Any) -> tuple[dict[int, _Style], int]:
    """Style of every collection in ``doc`` by id (added ones copy a sibling or the document's
    most common style), and the document's usual mapping indent."""
    maps: Counter = Counter()
    seqs: Counter = Counter()
    for node, in_map in _walk(doc, False):
        style = _own_style(node)
        if style is not None and in_map and style.indent is not None:
            (maps if isinstance(node, dict) else seqs)[(style.indent, style.dash)] += 1
    map_indent = maps.most_common(1)[0][0][0] if maps else 2
    seq_indent, seq_dash = seqs.most_common(1)[0][0] if seqs else (2, 0)
    defaults = {dict: _Style(indent=map_indent), list: _Style(indent=seq_indent, dash=seq_dash)}
    styles: dict[int, _Style] = {}
    for node, parent in _walk_parents(doc, None):
        kind = dict if isinstance(node, dict) else list
        styles[id(node)] = _own_style(node) or _sibling_style(parent, kind) or defaults[kind]
    return styles, map_indent


def _walk(node: Any, in_map: bool) -> Iterator[tuple[Any, bool]]:
    if isinstance(node, _CONTAINERS):
        yield node, in_map
        for child in (node.values() if isinstance(node, dict) else node):
            yield from _walk(child, isinstance(node, dict))


def _walk_parents(node: Any, parent: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, _CONTAINERS):
        yield node, parent
        for child in (node.values() if isinstance(node, dict) else node):
            yield from _walk_parents(child, node)


def _own_style(node: Any) -> _Style | None:
    lc = getattr(node, "lc", None)
    return getattr(lc, "yamlio", None)


def _sibling_style(parent: Any, kind: type) -> _Style | None:
    """The layout of the first loaded sibling of the same kind (without its gap)."""
    if parent is None:
        return None
    for sibling in (parent.values() if isinstance(parent, dict) else parent):
        style = _own_style(sibling) if isinstance(sibling, kind) else None
        if style is not None and style.indent is not None:
            return _Style(indent=style.indent, dash=style.dash)
    return None


# --- emission ----------------------------------------------------------------------------------
def _emit(doc: Any) -> str:
    """One document body (no `---`), each block laid out as recorded by _annotate."""
    if doc is None:
        return ""
    yaml = YAML()
    yaml.width = 1 << 30
    yaml.Representer, yaml.Serializer, yaml.Emitter = _Representer, _Serializer, _Emitter
    yaml.yamlio_styles, yaml.yamlio_map_indent = _layout(doc)
    yaml.yamlio_nodes, yaml.yamlio_pending = {}, None
    out = io.StringIO()
    yaml.dump(doc, out)
    text = out.getvalue()
    if not isinstance(doc, _CONTAINERS) and text.endswith("\n...\n"):
        text = text[:-4]
    return text


class _Representer(RoundTripRepresenter):
    """Hands each collection's _Style (and its scalar values' styles) on to the serializer."""

    def represent_mapping(self, tag: Any, mapping: Any, flow_style: Any = None) -> Any:
        node = super().represent_mapping(tag, mapping, flow_style)
        style = self.dumper.yamlio_styles.get(id(mapping))
        self.dumper.yamlio_nodes[id(node)] = style
        if style is not None and style.values:
            merged = bool(getattr(mapping, merge_attrib, None))
            keys = [k for k, _ in mapping.non_merged_items()] if merged else list(mapping)
            pairs = [pair for pair in node.value if str(pair[0].tag) != "tag:yaml.org,2002:merge"]
            for key, (_, value_node) in zip(keys, pairs):
                if key in style.values:
                    self.dumper.yamlio_nodes[id(value_node)] = style.values[key]
                    if style.values[key].text and mapping[key] is None:
                        value_node.value = style.values[key].text
        return node

    def represent_sequence(self, tag: Any, sequence: Any, flow_style: Any = None) -> Any:
        node = super().represent_sequence(tag, sequence, flow_style)
        self.dumper.yamlio_nodes[id(node)] = self.dumper.yamlio_styles.get(id(sequence))
        return node


class _Serializer(Serializer):
    """Tells the emitter which node the next event comes from."""

    def serialize_node(self, node: Any, parent: Any, index: Any) -> None:
        self.dumper.yamlio_pending = self.dumper.yamlio_nodes.get(id(node))
        super().serialize_node(node, parent, index)


class _Indents(Indents):
    """ruamel's indent stack, plus the _Style of the node each level belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: list[_Style | None] = []
        self.next_style: _Style | None = None

    def append(self, val: Any, seq: Any) -> None:
        super().append(val, seq)
        self.styles.append(self.next_style)
        self.next_style = None

    def pop(self) -> Any:
        self.styles.pop()
        return super().pop()


class _Emitter(RoundTripEmitter):
    """ruamel's emitter with per-block indents, dash offsets and value gaps."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indents = _Indents()
        self.yamlio_events: dict[int, _Style | None] = {}
        self.yamlio_pads: list[bool] = []  # per open flow collection: spaces inside the brackets?

    def emit(self, event: Any) -> None:
        style = self.dumper.yamlio_pending if isinstance(event, NodeEvent) else None
        self.yamlio_events[id(event)] = style
        self.dumper.yamlio_pending = None
        super().emit(event)

    def _style(self) -> _Style | None:
        return self.yamlio_events.get(id(self.event))

    def increase_indent(self, flow: bool = False, sequence: Any = None, indentless: bool = False) -> None:
        style = self._style()
        if self.indents.values and self.indents.values[-1][1]:  # inside a block sequence
            parent = self.indents.styles[-1]
            if parent is not None and parent.indent is not None:
                self.best_sequence_indent = parent.indent
        elif style is not None and style.indent is not None:
            self.best_map_indent = style.indent
        else:
            self.best_map_indent = self.dumper.yamlio_map_indent
        self.indents.next_style = style if isinstance(self.event, CollectionStartEvent) else None
        super().increase_indent(flow, sequence, indentless)

    def expect_flow_sequence(self, force_flow_indent: Any = False) -> None:
        self._open_flow(super().expect_flow_sequence, force_flow_indent)

    def expect_flow_mapping(self, single: Any = False, force_flow_indent: Any = False) -> None:
        self._open_flow(super().expect_flow_mapping, single, force_flow_indent)

    def _open_flow(self, opener: Any, *args: Any) -> None:
        """Open a flow collection; ``{ a: 1 }`` keeps the spaces inside its brackets."""
        style = self._style()
        self.yamlio_pads.append(style is not None and style.text == "pad")
        opener(*args)
        if self.yamlio_pads[-1]:
            self.write_indicator(" ", False, whitespace=True)

    def write_indicator(self, indicator: Any, need_whitespace: Any, whitespace: bool = False,
                        indention: bool = False) -> None:
        if indicator in (self.flow_map_end, self.flow_seq_end) and self.yamlio_pads and self.yamlio_pads.pop():
            indicator = " " + indicator
        super().write_indicator(indicator, need_whitespace, whitespace, indention)

    def expect_block_sequence_item(self, first: bool = False) -> None:
        style = self.indents.styles[-1] if self.indents.styles else None
        if style is not None and style.indent is not None:
            self.sequence_dash_offset, self.best_sequence_indent = style.dash, style.indent
        super().expect_block_sequence_item(first)

    def expect_node(self, root: bool = False, sequence: bool = False, mapping: bool = False,
                    simple_key: bool = False) -> None:
        style = self._style()
        if mapping and not simple_key and style is not None and style.gap and self.column and not self.whitespace:
            self.stream.write(" " * style.gap)
            self.column += style.gap
            self.whitespace = True
        super().expect_node(root, sequence, mapping, simple_key)


# --- minimal text patch ---------------------------------------------------------------------------
def _patch(original: str, before: str, after: str) -> str:
    """Apply the changes ``before`` -> ``after`` to ``original`` (``before`` is the re-emission of
    ``original``): lines outside the changed hunks keep their original bytes."""
    if before == original:
        return after
    old, new, orig = _lines(before), _lines(after), _lines(original)
    ops = difflib.SequenceMatcher(None, _keys(old), _keys(new), autojunk=False).get_opcodes()
    edits = [op for op in ops if op[0] != "equal"]
    dirty = [False] * len(old)
    for _, i1, i2, _, _ in edits:
        dirty[i1:i2] = [True] * (i2 - i1)
    low, high = _positions(ops, len(old))
    out: list[str] = []
    inserted: set[int] = set()
    run: int | None = None  # start (line of `before`) of the changed run being collected

    def flush(end: int) -> None:
        nonlocal run
        if run is not None:
            out.extend(new[high[run] if run in inserted else low[run]:high[end]])
            inserted.add(end)
            run = None

    if low[0] != high[0]:  # lines inserted at the very top
        out.extend(new[low[0]:high[0]])
        inserted.add(0)
    for o1, o2, b1, b2 in _chunks(orig, old):
        if b1 == b2:  # original lines the re-emission does not have
            if not any(i1 < b1 < i2 for _, i1, i2, _, _ in edits):
                flush(b1)
                out.extend(orig[o1:o2])
        elif any(dirty[b1:b2]):
            run = b1 if run is None else run
        else:
            flush(b1)
            out.extend(orig[o1:o2])
            if b2 not in inserted and low[b2] != high[b2]:
                out.extend(new[low[b2]:high[b2]])
                inserted.add(b2)
    flush(len(old))
    return _join(out, original)


def _lines(text: str) -> list[str]:
    """Lines with their endings, split at ``\n`` only (not at form feeds, U+2028...)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _keys(lines: list[str]) -> list[str]:
    return [line.rstrip("\r\n") for line in lines]


def _positions(ops: list[tuple], size: int) -> tuple[list[int], list[int]]:
    """For each line boundary of ``before``: first and last matching position in ``after``."""
    low, high = [0] * (size + 1), [0] * (size + 1)
    seen = [False] * (size + 1)
    for tag, i1, i2, j1, j2 in ops:
        points = [(i1 + k, j1 + k) for k in range(i2 - i1 + 1)] if tag == "equal" else [(i1, j1), (i2, j2)]
        for i, j in points:
            low[i], high[i] = (min(low[i], j), max(high[i], j)) if seen[i] else (j, j)
            seen[i] = True
    return low, high


def _chunks(orig: list[str], old: list[str]) -> Iterator[tuple[int, int, int, int]]:
    """Align original lines to re-emitted ones: single lines where they correspond one to one
    (equal, or changed in place), else whole blocks (o1, o2, b1, b2)."""
    ops = difflib.SequenceMatcher(None, _keys(orig), _keys(old), autojunk=False).get_opcodes()
    for tag, o1, o2, b1, b2 in ops:
        if tag == "equal" or o2 - o1 == b2 - b1:
            yield from ((o1 + k, o1 + k + 1, b1 + k, b1 + k + 1) for k in range(o2 - o1))
        else:
            yield o1, o2, b1, b2


def _join(lines: list[str], original: str) -> str:
    """Concatenate lines, ending each in the original's line ending; final newline as the original."""
    ending = "\r\n" if original.count("\r\n") * 2 > original.count("\n") else "\n"
    text = "".join(line if line.endswith("\n") else line + ending for line in lines)
    if not original.endswith("\n") and text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return text


# --- comments around inserted and removed entries ---------------------------------------------------
def _key_at(container: Any, index: int) -> Any:
    return index if isinstance(container, list) else list(container)[index]


def _leaf(container: Any, key: Any) -> tuple[Any, Any]:
    """The (collection, key) whose comment slot holds the lines that follow entry ``key``:
    ruamel stores them on the last scalar inside a block collection value."""
    value = container[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
        container, key = value, _key_at(value, len(value) - 1)
        value = container[key]
    return container, key


def _slot(container: Any) -> int:
    return 2 if isinstance(container, dict) else 0


def _take_trailing(container: Any, key: Any) -> str:
    """Detach and return the whole comment lines after entry ``key`` (its end-of-line comment stays)."""
    if not isinstance(container, (CommentedMap, CommentedSeq)):
        return ""
    container, key = _leaf(container, key)
    entry = container.ca.items.get(key)
    token = entry[_slot(container)] if entry else None
    if token is None or "\n" not in token.value[:-1]:
        return ""
    first, _, rest = token.value.partition("\n")
    if first.strip():
        token.value = first + "\n"
    else:
        entry[_slot(container)] = None
    return rest


def _add_trailing(container: Any, key: Any, text: str) -> None:
    """Put comment lines ``text`` right after entry ``key``."""
    container, key = _leaf(container, key)
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    token = entry[_slot(container)]
    if token is None:
        entry[_slot(container)] = CommentToken("\n" + text, CommentMark(0))
    else:
        token.value = token.value + text


def _add_leading(container: Any, text: str) -> None:
    """Put comment lines ``text`` before the first entry of ``container``."""
    if container.ca.comment is None:
        container.ca.comment = [None, []]
    while len(container.ca.comment) < 2:
        container.ca.comment.append(None)
    if container.ca.comment[1] is None:
        container.ca.comment[1] = []
    container.ca.comment[1].append(CommentToken(text, CommentMark(0)))


def _commented(value: Any) -> Any:
    """Plain dicts/lists as CommentedMap/CommentedSeq (so comments can attach to them)."""
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        return CommentedSeq(_commented(v) for v in value)
    return value


# --- small helpers ---------------------------------------------------------------------------------
def _pair(docs: list[Any], originals: list[Any], segments: list[_Segment]) -> list[tuple[Any, _Segment | None]]:
    """Each current document with the segment (framing text) of the original it is, if any."""
    pairs, start = [], 0
    for doc in docs:
        match = next((i for i in range(start, len(originals)) if originals[i] is doc), None)
        pairs.append((doc, None if match is None else segments[match]))
        start = start if match is None else match + 1
    return pairs


_NODE_ATTRIBUTES = (Comment.attrib, Format.attrib, LineCol.attrib, Anchor.attrib, Tag.attrib)


def _copy(node: Any, memo: dict[int, Any]) -> Any:
    """Deep copy of collections that keeps comment tokens shared where the original shares them
    (ruamel's own deepcopy duplicates them, and a duplicated comment is emitted twice)."""
    if not isinstance(node, _CONTAINERS):
        return node
    if id(node) in memo:
        return memo[id(node)]
    new = memo[id(node)] = type(node)()
    for attribute in _NODE_ATTRIBUTES:
        if hasattr(node, attribute):
            setattr(new, attribute, copy.deepcopy(getattr(node, attribute), memo))
    if isinstance(node, dict):
        for key, value in node.items():
            new[key] = _copy(value, memo)
    else:
        new.extend(_copy(value, memo) for value in node)
    return new


def _plain(node: Any) -> Any:
    """Plain Python data of a node tree (for comparing content, not formatting)."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, TaggedScalar):  # compares by identity: compare its tag and text
        return str(node.tag), node.value
    return node


def _show(line: str, other: str) -> str:
    """A line without its newline, or its repr when only the line ending differs."""
    text = line.rstrip("\r\n")
    return repr(line) if text == other.rstrip("\r\n") else text


_CACHE: "OrderedDict[tuple[str, str], _Parsed | YamlError]" = OrderedDict()
