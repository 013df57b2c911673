"""Read parsed (ruamel round-trip) YAML safely: nested lookups, scalars as text, lines.

Repository files are written by people: any key can be missing or of the wrong type.
These helpers never raise on shape; they answer None / empty instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Iterator

from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from . import yamlio


def is_map(node: Any) -> bool:
    return isinstance(node, Mapping)


def is_seq(node: Any) -> bool:
    return isinstance(node, Sequence) and not isinstance(node, str)


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
    if value is None or is_map(value) or is_seq(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def as_map(node: Any) -> Mapping:
    return node if is_map(node) else {}


def as_seq(node: Any) -> Sequence:
    return node if is_seq(node) else ()


def node_line(node: Any, default: int = 1) -> int:
    """1-based line where a mapping/sequence starts."""
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else default


def line_of(node: Any, key: str | int, default: int | None = None) -> int:
    """1-based line of a mapping key or sequence item (``default``, else the node's own line, if unknown)."""
    try:
        line = yamlio.line_of(node, key)
    except (KeyError, TypeError):
        line = None
    if line is not None:
        return line
    return default if default is not None else node_line(node)


def walk_strings(node: Any, line: int = 1) -> Iterator[tuple[str, int, bool]]:
    """Every string scalar below ``node``: (value, line of its key/item, is a block scalar)."""
    if is_map(node):
        items = ((v, line_of(node, k, line)) for k, v in node.items())
    elif is_seq(node):
        items = ((v, line_of(node, i, line)) for i, v in enumerate(node))
    else:
        return
    for value, value_line in items:
        if isinstance(value, str):
            yield value, value_line, isinstance(value, (LiteralScalarString, FoldedScalarString))
        else:
            yield from walk_strings(value, value_line)


def line_in_string(value: str, start: int, line: int, block: bool) -> int:
    """Line of character ``start`` of a string scalar whose key sits on ``line``."""
    return line + value.count("\n", 0, start) + (1 if block else 0)
