"""Edits that keep comments in place: ``set_scalar``, ``substitute``, ``insert`` and ``remove``.

ruamel keeps the comment lines that follow an entry on the last scalar inside it; moving an
entry would move them too. ``insert`` makes a new entry join the one before it (comment lines
that followed that entry, e.g. the header of the next group, now follow the new one);
``remove`` lets only the entry's own lines go. ``set_scalar`` keeps the old value's quoting
and the column of an end-of-line comment; ``substitute`` rewrites matches of a pattern inside a string
the same way, and a folded block (``>-``) keeps its line breaks.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (DoubleQuotedScalarString, FoldedScalarString, ScalarString,
                                      SingleQuotedScalarString)
from ruamel.yaml.tokens import CommentToken


def set_scalar(container: Any, key: Any, value: Any) -> None:
    """``container[key] = value``, keeping the old value's quoting style (``"047989b1"`` stays
    double-quoted, plain stays plain, ``|`` stays a literal block). Comments stay in place."""
    old = container[key]
    if isinstance(value, str) and not isinstance(value, ScalarString) and isinstance(old, ScalarString):
        value = type(old)(value)
    container[key] = value
    _keep_comment_gap(container, key, _width(old), _width(value))


def substitute(container: Any, key: Any, pattern: re.Pattern, replace: Callable[[re.Match], str]) -> str | None:
    """Rewrite the matches of ``pattern`` in the string ``container[key]`` (``replace(match)``: the new
    text) as ``set_scalar`` sets values; the new value, or None when nothing matched."""
    old = container[key]
    shifts, parts, end = [], [], 0
    for match in pattern.finditer(old):
        new = replace(match)
        parts += [old[end:match.start()], new]
        shifts.append((match.end(), len(new) - (match.end() - match.start())))
        end = match.end()
    if not shifts:
        return None
    value = "".join(parts) + old[end:]
    set_scalar(container, key, value)
    folds = getattr(old, "fold_pos", None)
    if folds and isinstance(container[key], FoldedScalarString):
        container[key].fold_pos = [f + sum(d for at, d in shifts if at <= f) for f in folds]
    return value


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

