"""Layout of blocks: how each block mapping and sequence of a parsed document was written.

At parse time ``annotate`` records on every block collection's ``.lc.roundtrip_style`` how it
sits relative to its parent block: mapping indent, the dash column and item column of a
sequence (``- x`` flush with the key or indented), the spaces after ``key:`` (``key:   value``),
the content indent of ``|`` blocks, how a null was spelled, spaces inside flow brackets.
``layout(doc)`` gives the emitter a style for every collection: its own, or, for one added
after loading, a sibling's or the document's most common one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .nodes import CONTAINERS

_NULL = re.compile(r"(null|Null|NULL|~)(?=[ \t]|$)")
_BLOCK_SCALARS = (LiteralScalarString, FoldedScalarString)


@dataclass
class Style:
    """How a node sits in the text, relative to its parent block (None: no preference)."""

    indent: int | None = None  # map: key column - parent's key column; seq: item column - base;
    #                            block scalar: content column - the mapping's key column
    dash: int | None = None    # seq: dash column - base (base: parent key column / item column)
    gap: int | None = None     # spaces between `key:` and this value on the same line, when not 1
    text: str | None = None    # null scalar: how it was spelled (`null`, `~`); flow collection: "pad"
    values: dict[Any, "Style"] | None = None  # map: styles of its scalar values, by key


def annotate(node: Any, lines: list[str], base: int, in_map: bool, gap: int | None = None) -> None:
    """Record on each block collection's ``.lc.roundtrip_style`` the Style it has in ``lines``."""
    if not isinstance(node, (CommentedMap, CommentedSeq)) or node.lc.line is None:
        return
    if node.fa.flow_style():
        line = lines[node.lc.line]
        padded = len(node) and line[node.lc.col:node.lc.col + 2] in ("{ ", "[ ")
        node.lc.roundtrip_style = Style(gap=gap, text="pad" if padded else None)
    elif isinstance(node, CommentedMap):
        node.lc.roundtrip_style = _map_style(node, lines, base if in_map else None, gap)
    else:
        items = node.lc.data or {}
        if 0 in items and items[0][0] >= node.lc.line:
            dash, item_col = _dash_column(lines[items[0][0]], items[0][1]), items[0][1]
        else:   # an alias item (``- *host``) records where its anchor is: read the sequence's own line
            dash = node.lc.col
            rest = lines[node.lc.line][dash + 1:] if node.lc.line < len(lines) else ""
            item_col = dash + 1 + (len(rest) - len(rest.lstrip(" ")) if rest.strip() else 1)
        node.lc.roundtrip_style = Style(indent=item_col - base, dash=dash - base, gap=gap)
        for index, item in enumerate(node):
            if index in items:
                annotate(item, lines, items[index][1], in_map=False)


def _map_style(node: CommentedMap, lines: list[str], base: int | None, gap: int | None) -> Style:
    col = next(iter(node.lc.data.values()))[1] if node.lc.data else node.lc.col  # not an anchor's
    values: dict[Any, Style] = {}
    for key, (key_line, _, value_line, value_col) in (node.lc.data or {}).items():
        value = node.get(key)
        value_gap = _gap(lines[value_line], value_col) if value_line == key_line else None
        if isinstance(value, (CommentedMap, CommentedSeq)):
            annotate(value, lines, col, in_map=True, gap=value_gap)
            continue
        indent = _content_indent(lines, value_line) if isinstance(value, _BLOCK_SCALARS) else None
        null = _NULL.match(lines[value_line], value_col) if value is None and value_line == key_line else None
        if value_gap is not None or indent is not None or null:
            values[key] = Style(indent=None if indent is None else indent - col, gap=value_gap,
                                 text=null.group(0) if null else None)
    return Style(indent=None if base is None else col - base, gap=gap, values=values or None)


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


def layout(doc: Any) -> tuple[dict[int, Style], int]:
    """Style of every collection in ``doc`` by id (added ones copy a sibling or the document's
    most common style), and the document's usual mapping indent."""
    maps: Counter = Counter()
    seqs: Counter = Counter()
    for node, in_map in walk(doc, False):
        style = _own_style(node)
        if style is not None and in_map and style.indent is not None:
            (maps if isinstance(node, dict) else seqs)[(style.indent, style.dash)] += 1
    map_indent = maps.most_common(1)[0][0][0] if maps else 2
    seq_indent, seq_dash = seqs.most_common(1)[0][0] if seqs else (2, 0)
    defaults = {dict: Style(indent=map_indent), list: Style(indent=seq_indent, dash=seq_dash)}
    styles: dict[int, Style] = {}
    for node, parent in _walk_parents(doc, None):
        kind = dict if isinstance(node, dict) else list
        styles[id(node)] = _own_style(node) or _sibling_style(parent, kind) or defaults[kind]
    return styles, map_indent


def walk(node: Any, in_map: bool) -> Iterator[tuple[Any, bool]]:
    if isinstance(node, CONTAINERS):
        yield node, in_map
        for child in (node.values() if isinstance(node, dict) else node):
            yield from walk(child, isinstance(node, dict))


def _walk_parents(node: Any, parent: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(node, CONTAINERS):
        yield node, parent
        for child in (node.values() if isinstance(node, dict) else node):
            yield from _walk_parents(child, node)


def _own_style(node: Any) -> Style | None:
    lc = getattr(node, "lc", None)
    return getattr(lc, "roundtrip_style", None)


def _sibling_style(parent: Any, kind: type) -> Style | None:
    """The layout of the first loaded sibling of the same kind (without its gap)."""
    if parent is None:
        return None
    for sibling in (parent.values() if isinstance(parent, dict) else parent):
        style = _own_style(sibling) if isinstance(sibling, kind) else None
        if style is not None and style.indent is not None:
            return Style(indent=style.indent, dash=style.dash)
    return None

