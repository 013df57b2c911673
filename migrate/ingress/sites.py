"""Sites: the places a controller reads annotations from — an Ingress, a Service, a values mapping of any
chart layout — each as one ``Site``.

``annotation_sites(inv, keep, ours)`` walks every document of the files ``keep`` accepts and yields a
Site for every mapping that holds an ``annotations`` mapping with a key ``ours`` accepts (the dropped
controller's): an object's ``metadata`` (an Ingress, a Service, anything else), or a values mapping
anywhere — the local common chart's ``ingress``/``additionalIngresses``, a third-party chart's
``ingress``, ``ingress.<name>`` maps (app-template), ``service.annotations``, a pod's annotations.
Each Site says its ``shape``: ``ingress`` (an Ingress, or a values mapping shaped like one:
``className``/``ingressClassName`` with ``hosts``/``paths``, or under ``ingress:``), ``service``
(a Service, or a values mapping at ``service``) or ``object`` (anything else); and where its holder is
(``holder``: the document and the keys leading to it), so an edit finds it in an editable copy
(``ingress_holder``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from ..inventory import Inventory
from ..inventory.records import Route
from ..inventory.routes import is_ingress_shaped
from ..roundtrip import YamlFile, line_of
from ..roundtrip.nodes import as_seq, dig, is_map, is_seq, node_line, text

_ADDITIONAL = re.compile(r"^values:additionalIngresses\[(.*)\]$")
INGRESS, SERVICE, OBJECT = "ingress", "service", "object"


@dataclass(frozen=True)
class Site:
    """One place a controller reads annotations from (see module doc)."""

    file: str
    owner: str
    name: str                                   # its object's name (values: the release name + suffix)
    namespace: str
    paths: tuple[str, ...]                      # an ingress's paths, in order, each once
    annotations: tuple[tuple[str, str], ...]    # in file order
    lines: tuple[tuple[str, int], ...]
    line: int
    shape: str = INGRESS
    holder: tuple = ()                          # (document index, *keys) of the mapping holding `annotations`

    def annotation(self, key: str) -> str | None:
        return dict(self.annotations).get(key)

    def line_of(self, key: str) -> int:
        return dict(self.lines).get(key, self.line)

    @property
    def label(self) -> str:
        return f"{self.owner} ({self.namespace})"


def annotation_sites(inv: Inventory, keep: Callable[[str], bool],
                     ours: Callable[[str], bool] | None = None) -> list[Site]:
    """Every site of the files ``keep`` accepts whose annotations have a key ``ours`` accepts (any key
    when ``ours`` is None), in file order."""
    routes: dict[tuple[str, str], list[Route]] = {}
    for route in inv.routes:
        routes.setdefault((route.file, route.owner), []).append(route)
    sites = []
    for path in (p for p in inv.files.paths if keep(p)):
        for index, doc in enumerate(inv.docs(path)):
            for trail, holder in _holders(doc, ()):
                annotations = holder["annotations"]
                if ours is not None and not any(ours(str(k)) for k in annotations):
                    continue
                sites.append(_site(inv, path, index, doc, trail, holder, routes))
    return sites


def _holders(node: Any, trail: tuple) -> Iterator[tuple[tuple, Mapping]]:
    """(keys, mapping) of every mapping below ``node`` that holds an ``annotations`` mapping."""
    if is_map(node):
        if is_map(node.get("annotations")):
            yield trail, node
        for key, value in node.items():
            if str(key) != "annotations" and isinstance(value, (dict, list)):
                yield from _holders(value, (*trail, key))
    elif is_seq(node):
        for i, item in enumerate(node):
            yield from _holders(item, (*trail, i))


def _site(inv: Inventory, path: str, index: int, doc: Any, trail: tuple, holder: Mapping,
          routes: Mapping[tuple[str, str], list[Route]]) -> Site:
    annotations = holder["annotations"]
    shown = tuple((str(k), text(v) or "") for k, v in annotations.items())
    lines = tuple((str(k), line_of(annotations, k)) for k in annotations)
    context = inv.contexts.get(path)
    line = node_line(holder)
    if "kind" in doc and "apiVersion" in doc:
        kind, name = text(doc.get("kind")) or "?", text(dig(doc, "metadata", "name")) or "?"
        top = trail == ("metadata",)
        owner = f"{kind}/{name}" if top else f"{kind}/{name}:{'.'.join(map(str, trail))}"
        shape = {"Ingress": INGRESS, "Service": SERVICE}.get(kind, OBJECT) if top else OBJECT
        namespace = text(dig(doc, "metadata", "namespace")) or (context.namespace if context else None) or "default"
    else:
        owner = _values_owner(doc, trail)
        key, parent = (trail[-1] if trail else None), (trail[-2] if len(trail) > 1 else None)
        own_routes = routes.get((path, owner), [])
        shape = INGRESS if own_routes or is_ingress_shaped(holder, key, parent) else \
            SERVICE if str(key) == "service" or str(key).endswith("Service") else OBJECT
        name = _values_name(inv, path, doc, owner, trail)
        namespace = own_routes[0].namespace if own_routes else (context.namespace if context else None) or "default"
    own = routes.get((path, owner), [])
    paths = tuple(dict.fromkeys(r.path for r in own)) if own else _block_paths(holder)
    return Site(path, owner, name, namespace, paths, shown, lines, own[0].line if own else line, shape,
                (index, *trail))


def _values_owner(doc: Mapping, trail: tuple) -> str:
    """``values:ingress`` and ``values:additionalIngresses[<name>]`` for the common chart (under ``common:``),
    ``values:<key.path>`` for any other chart."""
    if trail[:1] == ("common",) and is_map(doc.get("common")):
        rest = trail[1:]
        if rest[:1] == ("additionalIngresses",) and len(rest) == 2:
            item = as_seq(doc["common"].get("additionalIngresses"))[rest[1]]
            return f"values:additionalIngresses[{text(dig(item, 'name')) or rest[1]}]"
        return "values:" + ".".join(map(str, rest))
    return "values:" + ".".join(map(str, trail))


def _values_name(inv: Inventory, file: str, doc: Any, owner: str, trail: tuple) -> str:
    """The name of what a values mapping makes: the release (or the common chart's ``name``), suffixed by
    an additional ingress's name or an ``ingress.<name>`` map's key. (A values document may be a list.)"""
    context = inv.contexts.get(file)
    common = doc.get("common") if is_map(doc) and is_map(doc.get("common")) else None
    base = text(dig(common, "name")) or (context.release if context else None) or "ingress"
    extra = _ADDITIONAL.match(owner)
    if extra:
        return f"{base}-{extra[1]}"
    keys = [str(k) for k in trail if not isinstance(k, int)]
    if len(keys) >= 2 and keys[-2] == "ingress" and keys[-1] not in ("main", base):
        return f"{base}-{keys[-1]}"
    return base


def _block_paths(holder: Mapping) -> tuple[str, ...]:
    """The paths an ingress-shaped values mapping lists (``hosts[].paths[]``, ``paths``, ``path``)."""
    found: list[str] = []
    for host in as_seq(holder.get("hosts")):
        for item in as_seq(dig(host, "paths")) if is_map(host) else ():
            found.append(text(item.get("path")) if is_map(item) else text(item) or "/")
    for item in as_seq(holder.get("paths")):
        found.append(text(item.get("path")) if is_map(item) else text(item) or "/")
    if not found and text(holder.get("path")):
        found.append(text(holder.get("path")))
    return tuple(dict.fromkeys(p or "/" for p in found))


def ingress_holder(yf: YamlFile, site: Site) -> Mapping | None:
    """The mapping holding the ``annotations`` of ``site`` in an (editable) YAML file."""
    if not site.holder:
        return None
    index, *keys = site.holder
    node = yf.docs[index] if index < len(yf.docs) else None
    for key in keys:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node if is_map(node) else None
