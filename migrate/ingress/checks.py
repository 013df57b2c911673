"""Checks around an ingress-controller migration: ``routes-unchanged`` and ``component-unused``.

``routes-unchanged``: every synced route keeps its host, path and backend. ``component-unused``:
no synced file outside the component uses its class, an annotation of its prefix — on a
route, or in any ``annotations`` mapping of any document — or a kind whose CRD it installs.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from ..inventory import Inventory, kinds
from ..inventory.records import Route
from ..playbook import Check, Context, Finding, Option, register_check
from ..repo.tracked import Tree
from ..roundtrip import line_of
from ..roundtrip.nodes import is_map, is_seq
from .classes import template_class_lines
from .component import Component, is_synced


def _synced_routes(ctx: Context, inv: Inventory, tree: Tree) -> dict[tuple, Route]:
    graph = ctx.analyses.graph(tree)
    return {(r.host, r.path, r.namespace, r.service, str(r.port)): r for r in inv.routes
            if graph.is_synced(graph.node_for_path(r.file))}


@register_check
class RoutesUnchanged(Check):
    name = "routes-unchanged"
    description = "Every synced route keeps its host, path and backend (namespace, service, port); none is added."
    options = {}

    def check(self, ctx: Context) -> Iterable[Finding]:
        before = _synced_routes(ctx, ctx.origin_inventory, ctx.origin)
        after = _synced_routes(ctx, ctx.inventory, ctx.tree)
        for key in sorted(before.keys() - after.keys()):
            route = before[key]
            yield Finding(f"route {route.host}{route.path} -> {route.namespace}/{route.service}:{route.port} is gone "
                          "or changed", route.file, route.line)
        for key in sorted(after.keys() - before.keys()):
            route = after[key]
            yield Finding(f"new route {route.host}{route.path} -> {route.namespace}/{route.service}:{route.port}",
                          route.file, route.line)


@register_check
class ComponentUnused(Check):
    name = "component-unused"
    description = ("No synced file outside the component uses its ingress class, an annotation of its prefix, "
                   "or a custom kind whose CRD it installs.")
    options = {
        "component": Option("The component's Application name.", example="kong", required=True),
        "ingress_class": Option("Its ingress class (\"\": do not check classes).", default="", example="kong"),
        "annotation_prefix": Option("Its annotation prefix (\"\": do not check annotations).", default="",
                                    example="konghq.com/"),
        "kinds": Option("Also check custom kinds whose CRD it installs.", default=True),
    }

    def check(self, ctx: Context) -> Iterable[Finding]:
        inv, options = ctx.inventory, ctx.options
        component = Component.of(ctx, options["component"], origin=True)
        outside = [p for p in inv.files.paths if not component.owns(ctx.origin_inventory, p) and is_synced(ctx, p)]
        keep = set(outside).__contains__
        seen = set()
        for route in (r for r in inv.routes if keep(r.file)):
            for finding in _route_findings(route, options["ingress_class"], tuple(_listed(options["annotation_prefix"]))):
                seen.add((finding.path, finding.line))
                yield finding
        if options["annotation_prefix"]:
            yield from _annotation_findings(inv, outside, tuple(_listed(options["annotation_prefix"])), component,
                                            seen)
        if options["ingress_class"]:
            for path in outside:
                for line in template_class_lines(ctx.tree, path, options["ingress_class"]):
                    yield Finding(f"the template still defaults to class {options['ingress_class']}", path, line)
        if options["kinds"]:
            for obj in (o for o in inv.objects if keep(o.file) and component.installs(o.api_version)):
                yield Finding(f"{obj.kind} {obj.namespace}/{obj.name} needs a CRD that {component.name} installs",
                              obj.file, obj.line)


@register_check
class ComponentUnchanged(Check):
    name = "component-unchanged"
    description = ("The component's own files (its folders, the values it deploys) are byte-identical to what they "
                   "were before the run: it stays for reference, wherever the repository keeps it.")
    options = {"component": Option("The component's Application name.", example="kong", required=True)}

    def check(self, ctx: Context) -> Iterable[Finding]:
        component = Component.of(ctx, ctx.options["component"], origin=True)
        before, after = ctx.origin, ctx.tree
        for path in sorted(set(before.paths()) | set(after.paths())):
            if path == component.app.file or not component.owns(ctx.origin_inventory, path):
                continue     # its Application file is how it is registered: unregistering may remove it
            old = before.read_text(path) if before.exists(path) else None
            new = after.read_text(path) if after.exists(path) else None
            if old != new:
                yield Finding(f"changed, but {component.name}'s own files stay untouched", path=path)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) and value else list(value or [])


def prefix_annotations(node: Any, prefix: str | tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """(key, line) of every annotation of ``prefix`` in any ``annotations`` mapping below ``node``
    (an object's metadata, a pod template, a values block of any chart layout)."""
    if is_map(node):
        for key, value in node.items():
            if str(key) == "annotations" and is_map(value):
                yield from ((str(k), line_of(value, k)) for k in value if str(k).startswith(prefix))
            elif isinstance(value, (dict, list)):
                yield from prefix_annotations(value, prefix)
    elif is_seq(node):
        for item in node:
            yield from prefix_annotations(item, prefix)


def _annotation_findings(inv: Inventory, paths: list[str], prefix: tuple[str, ...], component: Component,
                         seen: set) -> Iterable[Finding]:
    """Annotations of ``prefix`` that no route explains (on a Service, in a values layout the
    inventory does not read as an Ingress...): still there is still unaccounted for."""
    for path in paths:
        for doc in (d for d in inv.docs(path) if not component.installs_kind_of(d)):
            for key, line in prefix_annotations(doc, prefix):
                if (path, line) not in seen:
                    yield Finding(f"annotation {key} is still there (translate it, or remove it if nothing needs "
                                  "it)", path, line)


def _route_findings(route: Route, ingress_class: str, prefix: tuple[str, ...]) -> Iterable[Finding]:
    annotations = dict(route.annotations)
    if ingress_class and ingress_class in (route.class_name, annotations.get(kinds.INGRESS_CLASS_ANNOTATION)):
        yield Finding(f"route {route.host}{route.path} still uses ingress class {ingress_class}", route.file,
                      route.class_line or route.line)
    for key in (k for k in annotations if prefix and k.startswith(prefix)):
        yield Finding(f"route {route.host}{route.path} still has annotation {key}", route.file,
                      route.annotation_line(key))
