"""Producers: kinds whose controllers create Services and Secrets, as data (``producers.yaml``).

``Producers.shipped()`` is the package's table; ``with_config(entries)`` adds or replaces entries
from a repository's ``.migrate/config.yaml`` (``producers:``, same shape). ``find(api, kind, doc)`` gives the
entries about an object (an entry with ``runs`` only applies to a workload that runs that command), whose
``names`` are the Services and the Secrets the object's controller makes (see the table's header for the
pattern language): a reference to one of them resolves, with the object as provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import yaml

from ..roundtrip.nodes import as_map, as_seq, dig, is_map, is_seq, text
from . import kinds

_FIELD = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Producer:
    group: str
    kind: str
    services: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    for_each: str | None = None
    runs: str | None = None       # only a workload one of whose containers runs this (its command and args)

    @classmethod
    def of(cls, entry: Mapping) -> "Producer":
        return cls(str(entry["group"]), str(entry["kind"]), tuple(map(str, entry.get("services") or ())),
                   tuple(map(str, entry.get("secrets") or ())), tuple(int(p) for p in entry.get("ports") or ()),
                   entry.get("for_each"), str(entry["runs"]) if entry.get("runs") else None)

    def applies(self, doc: Mapping) -> bool:
        """Whether this entry is about ``doc`` (one of its kind; with ``runs``, one that runs it)."""
        return self.runs is None or any(self.runs in _command_line(c) for c in kinds.containers(doc))

    def names(self, patterns: tuple[str, ...], doc: Mapping) -> list[str]:
        """The names ``patterns`` give for object ``doc`` (de-duplicated, in order)."""
        items = list(_each(doc, self.for_each)) if self.for_each else []
        found: list[str] = []
        for pattern in patterns:
            for item in items if "{item}" in pattern else [None]:
                name = _format(pattern, doc, item)
                if name and name not in found:
                    found.append(name)
        return found


class Producers:
    """The table, by (group, kind): the entries of a kind (at most one per ``runs``)."""

    def __init__(self, entries: Iterable[Producer]):
        table: dict[tuple[str, str, str | None], Producer] = {(p.group, p.kind, p.runs): p for p in entries}
        self.by_kind: dict[tuple[str, str], list[Producer]] = {}
        for producer in table.values():
            self.by_kind.setdefault((producer.group, producer.kind), []).append(producer)

    @classmethod
    def shipped(cls) -> "Producers":
        return _shipped()

    def with_config(self, entries: Iterable[Mapping]) -> "Producers":
        """The table with a repository's entries added; one with the same group, kind and ``runs`` replaces ours."""
        entries = list(entries)
        if not entries:
            return self
        return Producers([*(p for ps in self.by_kind.values() for p in ps), *(Producer.of(e) for e in entries)])

    def find(self, api_version: str, kind: str, doc: Mapping) -> list[Producer]:
        """The entries that say what object ``doc`` (of ``api_version`` and ``kind``) makes."""
        return [p for p in self.by_kind.get((kinds.api_group(api_version), kind), ()) if p.applies(doc)]


@lru_cache(maxsize=1)
def _shipped() -> Producers:
    data = yaml.safe_load(resources.files(__package__).joinpath("producers.yaml").read_text(encoding="utf-8"))
    return Producers(Producer.of(entry) for entry in data)


def _each(doc: Mapping, path: str) -> Iterable[str]:
    """The keys of the mapping (or the items of the list) at ``path``; ``*`` steps into every item."""
    nodes: list[Any] = [doc]
    parts = path.split(".")
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        nxt: list[Any] = []
        for node in nodes:
            if part == "*":
                nxt += list(node.values()) if is_map(node) else list(node) if is_seq(node) else []
            elif is_map(node) and part in node:
                nxt.append(node[part])
        nodes = nxt
        if last:
            break
    for node in nodes:
        if is_map(node):
            yield from (str(k) for k in node)
        elif is_seq(node):
            yield from (text(i) for i in node if text(i))
        elif text(node):
            yield text(node)


def _command_line(container: Any) -> str:
    """A container's command and args, as one line."""
    return " ".join(text(part) or "" for key in ("command", "args") for part in as_seq(dig(container, key)))


def _env_value(doc: Mapping, name: str) -> str | None:
    """The literal value of environment variable ``name`` in one of a workload's containers."""
    for container in kinds.containers(doc):
        for entry in as_seq(dig(container, "env")):
            if is_map(entry) and text(entry.get("name")) == name and text(entry.get("value")):
                return text(entry.get("value"))
    return None


def _value(doc: Mapping, field: str) -> str | None:
    if field.startswith("env."):
        return _env_value(doc, field.removeprefix("env."))
    if field == "name":
        return text(as_map(doc.get("metadata")).get("name"))
    if field == "namespace":
        return text(as_map(doc.get("metadata")).get("namespace"))
    node: Any = doc
    for part in field.split("."):
        if not is_map(node) or part not in node:
            return None
        node = node[part]
    return text(node)


def _format(pattern: str, doc: Mapping, item: str | None) -> str | None:
    """``pattern`` with its fields filled in; None when one of them is unset."""
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        for field in match.group(1).split("|"):
            value = item if field == "item" else _value(doc, field.strip())
            if value:
                return value
        missing = True
        return ""

    name = _FIELD.sub(fill, pattern)
    return None if missing else name
