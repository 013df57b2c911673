"""The vocabulary of the merge rules: values by service (``Part``), their merge (``Merged``), conflicts.

Each rule of the consolidation takes the values of the merged services, in order, as
``Part(where, value)`` (``value`` may be ``MISSING``) and returns a ``Merged``: the merged value
(or ``MISSING``), notes that explain the result with its numbers (they go to the report), and
``Conflict``s (values that cannot be merged without a decision; the step refuses while any
remain). Here: the helpers every rule uses, ``merge_identical`` (everything that must be the
same in every service) and ``merge_max`` (replicas).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from ruamel.yaml.comments import TaggedScalar

from ..roundtrip import plain


class _Missing:
    """The value of a key a service does not set."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Where:
    """Where a value comes from: the service, its file and line (when known)."""

    service: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.file and self.line else self.file
        return f"{self.service} ({place})" if place else self.service


@dataclass(frozen=True)
class Part:
    """One service's value of the thing being merged."""

    where: Where
    value: Any


@dataclass(frozen=True)
class Conflict:
    """Values that cannot be merged: what, each distinct value with where it is set, and how to decide."""

    what: str
    choices: tuple[tuple[str, tuple[Where, ...]], ...]
    hint: str = ""
    setting: str = ""                 # the parameter entry that settles it (``env.NAME``), if one does
    provisional: str | None = None    # a value to plan the later steps with until it is settled

    @property
    def where(self) -> Where | None:
        return self.choices[0][1][0] if self.choices and self.choices[0][1] else None

    def __str__(self) -> str:
        shown = "; ".join(f"{value} in {', '.join(map(str, wheres))}" for value, wheres in self.choices)
        return f"{self.what}: {shown}" + (f". {self.hint}" if self.hint else "")


@dataclass
class Merged:
    """A rule's result: the merged value, notes (with numbers) and conflicts."""

    value: Any
    notes: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def show(value: Any) -> str:
    """A value as one short line of text (JSON-like, keys in order)."""
    if value is MISSING:
        return "(not set)"
    if isinstance(value, TaggedScalar):
        return f"{value.tag} {json.dumps(str(value.value), ensure_ascii=False)}"
    if isinstance(value, str):
        return json.dumps(str(value), ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def restyle(new: Any, like: Any) -> Any:
    """``new`` in the scalar style of ``like`` (a quoted string stays quoted)."""
    if isinstance(like, str) and type(like) is not str and isinstance(new, str):
        return type(like)(new)
    return new


def distinct(parts: Iterable[Part]) -> list[tuple[Any, list[Where]]]:
    """The distinct values of ``parts``, in order, each with where it is set."""
    found: list[tuple[Any, list[Where]]] = []
    for part in parts:
        for value, wheres in found:
            if _equal(value, part.value):
                wheres.append(part.where)
                break
        else:
            found.append((part.value, [part.where]))
    return found


def _equal(a: Any, b: Any) -> bool:
    """Equal values (``true`` is not ``1``; MISSING equals only itself)."""
    if a is MISSING or b is MISSING:
        return a is b
    return _same(plain(a), plain(b))      # a tag is part of the value (plain: Tagged(tag, value))


def _same(a: Any, b: Any) -> bool:
    """Plain values equal, a bool never equal to a number at any depth."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def conflict(what: str, parts: Iterable[Part], hint: str = "") -> Conflict:
    return Conflict(what, tuple((show(v), tuple(w)) for v, w in distinct(parts)), hint)


def union_order(key_lists: Iterable[Iterable[str]]) -> list[str]:
    """Keys in first-appearance order; a key first seen later goes before the next key of its
    own list that is already placed (else at the end)."""
    order: list[str] = []
    for keys in map(list, key_lists):
        for i, key in enumerate(keys):
            if key not in order:
                successor = next((k for k in keys[i + 1:] if k in order), None)
                order.insert(order.index(successor) if successor is not None else len(order), key)
    return order


def short_name(service: str) -> str:
    """``auth-svc`` -> ``auth`` (names derived from a service)."""
    return service[:-4] if service.endswith("-svc") and len(service) > 4 else service


def merge_identical(what: str, parts: list[Part]) -> Merged:
    """The value every service has (MISSING if none sets it); different values conflict."""
    found = distinct(parts)
    if len(found) <= 1:
        return Merged(found[0][0] if found else MISSING)
    return Merged(MISSING, conflicts=[conflict(what, parts, "align the services before merging them")])


def merge_max(what: str, parts: list[Part]) -> Merged:
    """The largest number among the services that set one."""
    numbers = [p for p in parts if is_number(p.value)]
    others = [p for p in parts if p.value is not MISSING and not is_number(p.value)]
    if others:
        return Merged(MISSING, conflicts=[conflict(what, others, "expected a number")])
    if not numbers:
        return Merged(MISSING)
    best = max(p.value for p in numbers)
    spread = ", ".join(f"{p.value} {p.where.service}" for p in numbers)
    return Merged(best, [f"{what} = {best}: the largest of {spread}"])


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)




def copy_data(value: Any) -> Any:
    """A copy of plain data (new dicts and lists; scalars, with their styles, shared)."""
    return plain(value, keep_styles=True)
