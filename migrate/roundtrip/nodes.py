"""Reading loaded YAML nodes: plain data, lines, safe lookups.

Repository files are written by people: any key can be missing or of the wrong type. The
lookups here never raise on shape; they answer None or empty instead.

- ``plain(node)`` is THE walker from ruamel nodes to plain Python data (new dicts and lists);
  ``keep_styles=True`` keeps scalars as loaded (a quoted string stays a quoted string), for
  data that will be written again.
- ``line_of(node, key)`` is the 1-based line of a mapping key or sequence item (of the node
  itself without ``key``), or None when it is not known (added after loading, or absent);
  ``key_line`` always answers a line (the fallback given, else the node's own line).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Iterator, NamedTuple

from ruamel.yaml.comments import Anchor, Comment, Format, LineCol, Tag, TaggedScalar
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

CONTAINERS = (dict, list)
_NODE_ATTRIBUTES = (Comment.attrib, Format.attrib, LineCol.attrib, Anchor.attrib, Tag.attrib)


class Tagged(NamedTuple):
    """A scalar with an explicit tag (``!vault x``), as plain data."""

    tag: str
    value: Any


# --- plain data ----------------------------------------------------------------------------------
def _key(key: Any) -> Any:
    """A mapping key as plain data; a key that is itself a mapping or a list (``{{ .x }}: 1`` read as a
    flow mapping) becomes its text, so the mapping stays a dict."""
    if isinstance(key, str):
        return key
    value = plain(key)
    return str(value) if isinstance(value, (dict, list)) else value


def plain(node: Any, *, keep_styles: bool = False) -> Any:
    """``node`` as plain data: dicts and lists (new objects); scalars as Python values (bool, int,
    float, str; a tagged scalar as ``Tagged``), or as loaded with ``keep_styles``."""
    if isinstance(node, Mapping):
        return {_key(k): plain(v, keep_styles=keep_styles) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v, keep_styles=keep_styles) for v in node]
    if keep_styles:
        return node
    if isinstance(node, TaggedScalar):  # compares by identity: keep its tag and text
        return Tagged(str(node.tag), node.value)
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


def copy_nodes(node: Any, memo: dict[int, Any] | None = None) -> Any:
    """Deep copy of collections that keeps comment tokens shared where the original shares them
    (ruamel's own deepcopy duplicates them, and a duplicated comment is emitted twice)."""
    memo = {} if memo is None else memo
    if not isinstance(node, CONTAINERS):
        return node
    if id(node) in memo:
        return memo[id(node)]
    new = memo[id(node)] = type(node)()
    for attribute in _NODE_ATTRIBUTES:
        if hasattr(node, attribute):
            setattr(new, attribute, copy.deepcopy(getattr(node, attribute), memo))
    if isinstance(node, dict):
        for key, value in node.items():
            new[key] = copy_nodes(value, memo)
    else:
        new.extend(copy_nodes(value, memo) for value in node)
    return new


# --- lines ---------------------------------------------------------------------------------------
def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line, in the text it was read from, of mapping key / sequence item ``key`` (of
    ``node`` itself when ``key`` is None); None when unknown (added after loading, or absent)."""
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return None
    if key is None:
        return lc.line + 1
    try:
        position = lc.data.get(key) if lc.data else None
    except TypeError:   # an unhashable key
        return None
    return position[0] + 1 if position else None


def node_line(node: Any, default: int = 1) -> int:
    """1-based line where a mapping/sequence starts (``default`` if unknown)."""
    return line_of(node) or default


def key_line(node: Any, key: Any, default: int | None = None) -> int:
    """The line of a mapping key or sequence item; if unknown ``default``, else the node's own line."""
    return line_of(node, key) or (default if default is not None else node_line(node))


def line_in_string(value: str, start: int, line: int, block: bool) -> int:
    """Line of character ``start`` of a string scalar whose key sits on ``line``."""
    return line + value.count("\n", 0, start) + (1 if block else 0)


# --- safe lookups ----------------------------------------------------------------------------------
_SCALARS = (str, int, float, type(None))   # answered without the (slow) abstract-class checks


def is_map(node: Any) -> bool:
    return isinstance(node, dict) or (not isinstance(node, _SCALARS) and isinstance(node, Mapping))


def is_seq(node: Any) -> bool:
    return isinstance(node, list) or (not isinstance(node, _SCALARS) and isinstance(node, Sequence))


def as_map(node: Any) -> Mapping:
    return node if is_map(node) else {}


def as_seq(node: Any) -> Sequence:
    return node if is_seq(node) else ()


def dig(node: Any, *keys: str | int) -> Any:
    """``node[k1][k2]...`` or None when a step is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int):
            if not is_seq(node) or not -len(node) <= key < len(node):
                return None
        elif not is_map(node):
            return None
        node = node[key] if isinstance(key, int) else node.get(key)
    return node


def text(value: Any) -> str | None:
    """A scalar as the text a YAML reader means (``true`` for True); None for collections."""
    if isinstance(value, str):
        return str(value)
    if value is None or is_map(value) or is_seq(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def walk_strings(node: Any, line: int = 1) -> Iterator[tuple[str, int, bool]]:
    """Every string scalar below ``node``: (value, line of its key/item, is a block scalar)."""
    if is_map(node):
        items = ((v, key_line(node, k, line)) for k, v in node.items())
    elif is_seq(node):
        items = ((v, key_line(node, i, line)) for i, v in enumerate(node))
    else:
        return
    for value, value_line in items:
        if isinstance(value, str):
            yield value, value_line, isinstance(value, (LiteralScalarString, FoldedScalarString))
        else:
            yield from walk_strings(value, value_line)


def strings(node: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, value) of every string scalar below ``node`` (for edits in place)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, str):
            yield node, key, value
        else:
            yield from strings(value)
