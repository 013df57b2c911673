"""Provenance: for a rendered object, the file and lines a user would edit to change it.

A rendered object is plain data; the graph reads it with the inventory's readers, which take their
lines from ruamel nodes. ``located(doc, ...)`` turns the object into such nodes with lines:

- an object kustomize took from a manifest (or a directory source's document): the lines of that
  document, key path by key path (``like``) — a patch's additions take their parent's line;
- an object a Helm chart made: the lines of the values that made it, found by value (``ValuesIndex``):
  a string of the object that a values file of the render holds (the env value
  ``http://exam-svc.lumie-exam.svc:8080`` at ``common-values.yaml:31``) takes that line; the object's
  file is the values file most of its values came from, else the chart template.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..inventory.kustomizations import chart_home_of
from ..inventory.records import Application, Source
from ..repo.paths import join
from ..roundtrip.nodes import as_map, is_map, is_seq, line_of, node_line
from ..roundtrip.readonly import ReadMap, ReadSeq, lined
from .manifests import apply_destination_namespace, cluster_scoped, identity


@dataclass(frozen=True)
class Located:
    """A rendered object as nodes with lines, and the file those lines are in."""

    doc: Any
    file: str
    template: str | None = None


@dataclass
class RenderedObject:
    """One object an Application renders: plain data (destination namespace applied), where a user
    edits it, and which source of the Application made it."""

    doc: dict
    located: Located
    source: int
    via: str                          # directory | kustomize | helm

    @property
    def identity(self) -> tuple[str, str, str, str]:
        return identity(self.doc)

    @property
    def namespace(self) -> str | None:
        return (self.doc.get("metadata") or {}).get("namespace")


def like(rendered: Any, source: Any, line: int) -> Any:
    """``rendered`` as read-only nodes (``.lc`` as ruamel's) whose lines are those of the same key paths in ``source``."""
    if isinstance(rendered, Mapping):
        out = lined(ReadMap, line)
        for key, value in rendered.items():
            here = (line_of(source, key) if is_map(source) and key in source else None) or line
            out[key] = like(value, source.get(key) if is_map(source) else None, here)
            out.lc.add_kv_line_col(key, [here - 1, 0, here - 1, 0])
        return out
    if isinstance(rendered, list):
        out = lined(ReadSeq, line)
        for i, value in enumerate(rendered):
            peer = source[i] if is_seq(source) and i < len(source) else None
            here = (line_of(source, i) if peer is not None else None) or line
            out.append(like(value, peer, here))
            out.lc.add_idx_line_col(i, [here - 1, 0, here - 1, 0])
        return out
    return rendered


class ValuesIndex:
    """Every string scalar of the values files of a render: text -> [(file, line, key)], in file order
    (the last file wins in Helm, so it is searched first)."""

    def __init__(self, files: Iterable[tuple[str, Iterable[Any]]], fallback: tuple[str, ...] = ()):
        self.fallback = frozenset(fallback)     # searched only when no other file holds the text
        self.order: list[str] = []
        self.found: dict[str, list[tuple[str, int, str]]] = {}
        for path, docs in files:
            self.order.append(path)
            for doc in docs:
                self._add(path, doc, node_line(doc), "")

    def _add(self, path: str, node: Any, line: int, key: str) -> None:
        if is_map(node):
            for k, value in node.items():
                self._add(path, value, line_of(node, k) or line, str(k))
        elif is_seq(node):
            for i, value in enumerate(node):
                self._add(path, value, line_of(node, i) or line, key)
        elif isinstance(node, str) and len(node) >= 3:
            self.found.setdefault(str(node), []).append((path, line, key))

    def lookup(self, text: str, key: str, file: str | None = None) -> tuple[str, int] | None:
        """(file, line) of ``text`` (in ``file`` only, when given), preferring an entry under the same key."""
        places = [p for p in self.found.get(text, ()) if file is None or p[0] == file]
        if file is None and any(p[0] not in self.fallback for p in places):
            places = [p for p in places if p[0] not in self.fallback]
        if not places:
            return None
        rank = {path: i for i, path in enumerate(reversed(self.order))}
        place = min(places, key=lambda p: (p[2] != key, rank.get(p[0], 0)))
        return place[0], place[1]


def by_values(rendered: Mapping, index: ValuesIndex, template: str | None, fallback: str) -> Located:
    """``rendered`` located in the values file most of its strings come from (see module doc)."""
    counts: dict[str, int] = {}
    for text, key in _strings(rendered, ""):
        hit = index.lookup(text, key)
        if hit:
            counts[hit[0]] = counts.get(hit[0], 0) + 1
    if not counts:
        return Located(like(rendered, None, 1), template or fallback, template)
    rank = {path: i for i, path in enumerate(index.order)}
    file = max(counts, key=lambda f: (f not in index.fallback, counts[f], rank.get(f, 0)))
    name = (rendered.get("metadata") or {}).get("name") if is_map(rendered.get("metadata")) else None
    top = index.lookup(str(name), "name", file) if name else None
    return Located(_by_values(rendered, index, file, top[1] if top else 1, ""), file, template)


def _by_values(node: Any, index: ValuesIndex, file: str, line: int, key: str) -> Any:
    if isinstance(node, Mapping):
        out = lined(ReadMap, line)
        for k, value in node.items():
            here = _line(value, index, file, str(k)) or line
            out[k] = _by_values(value, index, file, here, str(k))
            out.lc.add_kv_line_col(k, [here - 1, 0, here - 1, 0])
        return out
    if isinstance(node, list):
        out = lined(ReadSeq, line)
        for i, value in enumerate(node):
            here = _line(value, index, file, key) or line
            out.append(_by_values(value, index, file, here, key))
            out.lc.add_idx_line_col(i, [here - 1, 0, here - 1, 0])
        return out
    return node


def _line(value: Any, index: ValuesIndex, file: str, key: str) -> int | None:
    """The values line of a scalar, or of the first string inside a collection that a values file holds."""
    for text, inner in _strings(value, key):
        hit = index.lookup(text, inner, file)
        if hit:
            return hit[1]
    return None


def _strings(node: Any, key: str) -> Iterable[tuple[str, str]]:
    if isinstance(node, Mapping):
        for k, value in node.items():
            yield from _strings(value, str(k))
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, key)
    elif isinstance(node, str) and len(node) >= 3:
        yield node, key


class Locator:
    """Locates the objects of an Application's render (see module doc), with the inventory's documents."""

    def __init__(self, inventory) -> None:
        self.inv = inventory
        self.files = inventory.files
        self.kustomizations = {k.folder: k for k in inventory.kustomizations}

    def locate(self, app, raws) -> list:
        """Every rendered document with its provenance, destination namespace applied."""
        objects: list[RenderedObject] = []
        for index, raw in enumerate(raws):
            src = app.sources[index]
            indexes: dict[str, ValuesIndex] = {}
            for doc, via, origin in raw.docs:
                objects.append(RenderedObject(doc, self._located(app, src, doc, via, origin, indexes), index,
                                              via))
        scoped = cluster_scoped(o.doc for o in objects)
        apply_destination_namespace([o.doc for o in objects], app.dest_namespace, scoped)
        return objects

    def _located(self, app: Application, src: Source, doc: dict, via: str, origin: str | None,
                 indexes: dict[str, ValuesIndex]) -> Located:
        if via == "directory" and origin:
            path, _, number = origin.partition("#")
            source_doc = self.inv.docs(path)[int(number)]
            return Located(like(doc, source_doc, _doc_line(source_doc)), path)
        if via == "kustomize" and origin and self.files.is_file(origin):
            source_doc = _matching(self.inv.docs(origin), doc)
            return Located(like(doc, source_doc, _doc_line(source_doc)), origin)
        if via == "kustomize-helm":
            key = f"kustomize:{origin}"
            if key not in indexes:
                folder = posixpath.dirname(origin or src.path or "")
                kust = self.kustomizations.get(folder)
                indexes[key] = ValuesIndex(self._kustomize_values(folder), (kust.file,) if kust else ())
            return by_values(doc, indexes[key], None, origin or app.file)
        if via == "helm":
            if "helm" not in indexes:
                indexes["helm"] = ValuesIndex(self._helm_values(app, src), (app.file,))
            return by_values(doc, indexes["helm"], origin, origin or app.file)
        return Located(like(doc, None, app.line), app.file)

    def _kustomize_values(self, folder: str) -> list[tuple[str, Iterable[Any]]]:
        kust = self.kustomizations.get(folder)
        files: list[tuple[str, Iterable[Any]]] = []
        for chart in kust.helm_charts if kust else ():
            for vendored in chart.vendored(chart_home_of(kust)):
                defaults = join(vendored, "values.yaml")
                if self.files.is_file(defaults):
                    files.append((defaults, self.inv.docs(defaults)))
            files += [(ref.path, self.inv.docs(ref.path)) for ref in chart.values_files]
        if kust is not None:
            files.append((kust.file, self.inv.docs(kust.file)))
        return files

    def _helm_values(self, app: Application, src: Source) -> list[tuple[str, Iterable[Any]]]:
        defaults = join(src.path or "", "values.yaml")
        files = [(defaults, self.inv.docs(defaults))] if self.files.is_file(defaults) else []
        files += [(ref.path, self.inv.docs(ref.path)) for ref in src.value_files if self.files.is_file(ref.path)]
        return files + [(app.file, self.inv.docs(app.file))]


def _doc_line(doc: Any) -> int:
    lc = getattr(doc, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else 1


def _matching(docs: list[Any], rendered: dict) -> Any:
    """The source document a kustomize output object comes from: same kind, the name it ends with."""
    kind = rendered.get("kind")
    name = str((rendered.get("metadata") or {}).get("name") or "")
    same_kind = [d for d in docs if is_map(d) and d.get("kind") == kind]
    named = [d for d in same_kind if str(as_map(d.get("metadata")).get("name") or "") in name]
    return (named or same_kind or [None])[0]
