"""Ingress sites: one Ingress (a manifest, or a values ingress block) as the inventory's routes show it.

A ``Site`` has its name, namespace, paths and annotations; ``ingress_sites`` lists them from the
inventory's routes, ``service_sites`` the Service manifests that carry annotations (a
controller may read them for every route to the Service); ``ingress_holder`` finds the mapping
that holds a site's ``annotations`` in an editable copy of its file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..inventory import Inventory
from ..inventory.records import Route
from ..roundtrip import YamlFile, line_of
from ..roundtrip.nodes import dig, is_map, text

_ADDITIONAL = re.compile(r"^values:additionalIngresses\[(.*)\]$")


@dataclass(frozen=True)
class Site:
    """One Ingress as its routes show it: a manifest (``Ingress/<name>``) or a values ingress block."""

    file: str
    owner: str
    name: str                                   # the Ingress's name (values: release name + suffix)
    namespace: str
    paths: tuple[str, ...]                      # its routes' paths, in order, each once
    annotations: tuple[tuple[str, str], ...]    # in file order
    lines: tuple[tuple[str, int], ...]
    line: int

    def annotation(self, key: str) -> str | None:
        return dict(self.annotations).get(key)

    def line_of(self, key: str) -> int:
        return dict(self.lines).get(key, self.line)

    @property
    def label(self) -> str:
        return f"{self.owner} ({self.namespace})"


def ingress_sites(inv: Inventory, keep: Callable[[str], bool]) -> list[Site]:
    """Every Ingress site of the files ``keep`` accepts, from the inventory's routes, in order."""
    groups: dict[tuple[str, str], list[Route]] = {}
    for route in inv.routes:
        if keep(route.file):
            groups.setdefault((route.file, route.owner), []).append(route)
    sites = []
    for (file, owner), routes in groups.items():
        first = routes[0]
        values = dict(first.annotations)
        sites.append(Site(file, owner, _site_name(inv, file, owner), first.namespace,
                          tuple(dict.fromkeys(r.path for r in routes)),
                          tuple((k, values[k]) for k, _ in first.annotation_lines), first.annotation_lines,
                          first.line))
    return sites


def service_sites(inv: Inventory, keep: Callable[[str], bool]) -> list[Site]:
    """Every Service manifest of the files ``keep`` accepts that carries annotations (Kong reads
    ``konghq.com/*`` there too, for every route to the Service), as a Site without paths."""
    sites = []
    for service in (s for s in inv.services if s.origin == "manifest" and keep(s.file)):
        holder = _named_doc(inv.docs(service.file), "Service", service.name)
        annotations = dig(holder, "metadata", "annotations")
        if is_map(annotations) and annotations:
            sites.append(Site(service.file, f"Service/{service.name}", service.name, service.namespace, (),
                              tuple((str(k), text(v) or "") for k, v in annotations.items()),
                              tuple((str(k), line_of(annotations, k)) for k in annotations), service.line))
    return sites


def _named_doc(docs: list[Any], kind: str, name: str) -> Any:
    """The document of ``kind`` named ``name`` (None if there is none)."""
    return next((d for d in docs if is_map(d) and d.get("kind") == kind
                 and text(dig(d, "metadata", "name")) == name), None)


def _site_name(inv: Inventory, file: str, owner: str) -> str:
    if owner.startswith("Ingress/"):
        return owner[len("Ingress/"):]
    context = inv.contexts.get(file)
    common = next((dig(d, "common") for d in inv.docs(file) if is_map(dig(d, "common"))), None)
    base = text(dig(common, "name")) or (context.release if context else None) or "ingress"
    extra = _ADDITIONAL.match(owner)
    return f"{base}-{extra[1]}" if extra else base


def ingress_holder(yf: YamlFile, owner: str) -> Mapping | None:
    """The mapping holding the ``annotations`` of site ``owner`` (``Ingress/<name>``, ``Service/<name>``
    or a values block) in an (editable) YAML file."""
    maps = [d for d in yf.docs if is_map(d)]
    if not owner.startswith("values:"):
        kind, _, name = owner.partition("/")
        return dig(_named_doc(maps, kind, name), "metadata")
    trail = owner[len("values:"):]
    for doc in maps:
        common = doc.get("common")
        extra = _ADDITIONAL.match(owner)
        if is_map(common) and extra:
            items = [i for i in common.get("additionalIngresses") or [] if is_map(i)]
            found = next((i for i in items if text(i.get("name")) == extra[1]), None)
            if found is None and extra[1].isdigit() and int(extra[1]) < len(items):
                found = items[int(extra[1])]
            return found
        block = dig(common, trail) if is_map(common) else dig(doc, *trail.split("."))
        if is_map(block):
            return block
    return None


