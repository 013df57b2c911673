"""Ingress classes and Ingress sites: ``switch-ingress-class`` and the checks around routes.

Where a repository selects an ingress class (``class_slots``):

- an Ingress manifest's ``spec.ingressClassName``, or its legacy ``kubernetes.io/ingress.class``
  annotation (the form is kept, only the value changes; a trailing comment stays);
- an ingress block of a values file — the local chart's ``ingress`` and ``additionalIngresses``,
  a third-party chart's ``ingress.className``, the local chart's own default in its
  ``values.yaml``: any ``ingressClassName``/``className``/``class``/``ingressClass`` below a key
  naming ``ingress``;
- a literal in a chart template (``default "kong"`` on a line about the class): a text edit,
  since templates are not YAML (``switch_template_class``).

Only synced files outside the component change; unsynced ones are reported and left alone.

A ``Site`` is one Ingress as the inventory's routes show it (a manifest, or a values ingress
block): its name, namespace, paths and annotations; ``ingress_holder`` finds the mapping that
holds its ``annotations`` in an editable copy of the file.

Checks: ``routes-unchanged`` (every synced route keeps its host, path and backend) and
``component-unused`` (no synced file outside the component uses its class, an annotation of
its prefix — on a route, or in any ``annotations`` mapping of any document — or a kind whose
CRD it installs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

from .. import kinds
from ..context import Context
from ..errors import UsageError
from ..inventory import Inventory
from ..records import Route
from ..tree import Tree
from ..yamlio import YamlFile, is_helm_template, is_yaml_path, line_of, load, set_scalar
from ..yamlnav import dig, is_map, is_seq, text
from .base import Check, Finding, Operation, Option, StepResult, register_check, register_operation
from .component import Component, is_synced

CLASS_KEYS = frozenset({"ingressClassName", "className", "class", "ingressClass"})
_ADDITIONAL = re.compile(r"^values:additionalIngresses\[(.*)\]$")


# --- where a class is selected ------------------------------------------------------------
def class_slots(node: Any, inside: bool = False) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every scalar below ``node`` that selects an ingress class: class keys
    below a key naming ``ingress`` (``inside``), and ``kubernetes.io/ingress.class`` annotations."""
    if is_map(node):
        for key, value in node.items():
            name = str(key)
            if name == "annotations" and is_map(value):
                if kinds.INGRESS_CLASS_ANNOTATION in value:
                    yield value, kinds.INGRESS_CLASS_ANNOTATION
            elif inside and name in CLASS_KEYS and not isinstance(value, (dict, list)):
                yield node, key
            elif isinstance(value, (dict, list)):
                yield from class_slots(value, inside or "ingress" in name.lower())
    elif is_seq(node):
        for item in node:
            yield from class_slots(item, inside)


def doc_class_slots(doc: Any, ingress_class: str, skip: Callable[[Any], bool]) -> list[tuple[Any, Any]]:
    """The slots of one document that select ``ingress_class`` (none if ``skip(doc)``)."""
    if not is_map(doc) or skip(doc):
        return []
    return [(c, k) for c, k in class_slots(doc, doc.get("kind") == "Ingress") if text(c[k]) == ingress_class]


def _template_patterns(ingress_class: str) -> tuple[re.Pattern, ...]:
    name = re.escape(ingress_class)
    return (re.compile(rf"""(\|\s*default\s+)(["']){name}\2"""),
            re.compile(rf"""((?i:class\w*)\s*:\s*)(["']?){name}\2(?=\s*(?:#.*)?$)"""))


def switch_template_class(source: str, from_class: str, to_class: str) -> tuple[str, list[int]]:
    """A template's text with the class literal ``from_class`` on class lines now ``to_class``,
    and the 1-based lines changed."""
    patterns, lines, changed = _template_patterns(from_class), [], []
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        new = line
        if "class" in line.lower():
            for pattern in patterns:
                new = pattern.sub(lambda m: f"{m[1]}{m[2]}{to_class}{m[2]}", new)
        lines.append(new)
        if new != line:
            changed.append(number)
    return "".join(lines), changed


def template_class_lines(tree: Tree, path: str, ingress_class: str) -> list[int]:
    """Lines of a chart template that default to ``ingress_class`` (empty for other files)."""
    if not is_helm_template(path, tree):
        return []
    return switch_template_class(tree.read_text(path), ingress_class, ingress_class + "-")[1]


# --- switch-ingress-class --------------------------------------------------------------------
@register_operation
class SwitchIngressClass(Operation):
    name = "switch-ingress-class"
    description = ("Every synced Ingress, values ingress block, chart default and chart template that selects "
                   "one ingress class selects another (forms, quoting and comments kept).")
    options = {
        "component": Option("The component serving the old class; its own files are left alone.", example="kong",
                            required=True),
        "from_class": Option("The ingress class to replace.", example="kong", required=True),
        "to_class": Option("The ingress class to use instead.", example="traefik", required=True),
    }

    def declare(self, ctx: Context) -> set[str]:
        return {path for path, _ in self._candidates(ctx, _component_kind(ctx))}

    def apply(self, ctx: Context) -> StepResult:
        old, new = ctx.options["from_class"], ctx.options["to_class"]
        if old == new:
            raise UsageError(f"from_class and to_class are both {old!r}")
        _note_controller(ctx, new)
        skip, changes, details = _component_kind(ctx), {}, []
        for path, synced in self._candidates(ctx, skip):
            edited, lines = _switch(ctx, path, old, new, skip)
            if not synced:
                for line in lines:
                    ctx.report.add("not-synced", f"selects ingress class {old}, but no root syncs this file: "
                                   "left alone", path=path, line=line)
                continue
            changes[path] = edited
            details += [f"{path}:{line}: ingress class {old} -> {new}" for line in lines]
        files = len(changes)
        return StepResult(changes, f"Switch ingress class {old} to {new} in {files} file(s)", details=details)

    @staticmethod
    def _candidates(ctx: Context, skip: Callable[[Any], bool]) -> list[tuple[str, bool]]:
        """(path, synced) of every file outside the component that selects the old class."""
        inv, old = ctx.inventory, ctx.options["from_class"]
        component = Component.find(inv, ctx.options["component"])
        return [(path, is_synced(ctx, path)) for path in inv.files.paths if not component.owns(inv, path) and (
            template_class_lines(ctx.tree, path, old) or any(doc_class_slots(d, old, skip) for d in inv.docs(path)))]


def _switch(ctx: Context, path: str, old: str, new: str, skip: Callable[[Any], bool]) -> tuple[str, list[int]]:
    """The file's text with class ``old`` switched to ``new``, and the lines that changed."""
    if not is_yaml_path(path) or is_helm_template(path, ctx.tree):
        return switch_template_class(ctx.tree.read_text(path), old, new)
    yf, lines = load(ctx.tree, path), []
    for doc in yf.docs:
        for container, key in doc_class_slots(doc, old, skip):
            lines.append(line_of(container, key))
            set_scalar(container, key, new)
    return yf.dump(), lines


def _note_controller(ctx: Context, ingress_class: str) -> None:
    """Report when no synced Application of the repo serves the new class (it may live elsewhere)."""
    serving = kinds.component_for_ingress_class(ingress_class, {a.name for a in ctx.inventory.applications})
    if serving not in ctx.graph.synced_applications():
        ctx.report.add("note", f"no synced Application of this repository serves ingress class {ingress_class}: "
                       "make sure the cluster runs its controller")


def _component_kind(ctx: Context) -> Callable[[Any], bool]:
    """Predicate: a document of a kind the component installs (translate-plugins removes those)."""
    return Component.find(ctx.inventory, ctx.options["component"]).installs_kind_of


# --- sites ---------------------------------------------------------------------------------------
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


# --- checks ----------------------------------------------------------------------------------------
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
        component = Component.find(ctx.origin_inventory, options["component"])
        outside = [p for p in inv.files.paths if not component.owns(ctx.origin_inventory, p) and is_synced(ctx, p)]
        keep = set(outside).__contains__
        seen = set()
        for route in (r for r in inv.routes if keep(r.file)):
            for finding in _route_findings(route, options["ingress_class"], options["annotation_prefix"]):
                seen.add((finding.path, finding.line))
                yield finding
        if options["annotation_prefix"]:
            yield from _annotation_findings(inv, outside, options["annotation_prefix"], component, seen)
        if options["ingress_class"]:
            for path in outside:
                for line in template_class_lines(ctx.tree, path, options["ingress_class"]):
                    yield Finding(f"the template still defaults to class {options['ingress_class']}", path, line)
        if options["kinds"]:
            for obj in (o for o in inv.objects if keep(o.file) and component.installs(o.api_version)):
                yield Finding(f"{obj.kind} {obj.namespace}/{obj.name} needs a CRD that {component.name} installs",
                              obj.file, obj.line)


def prefix_annotations(node: Any, prefix: str) -> Iterator[tuple[str, int]]:
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


def _annotation_findings(inv: Inventory, paths: list[str], prefix: str, component: Component,
                         seen: set) -> Iterable[Finding]:
    """Annotations of ``prefix`` that no route explains (on a Service, in a values layout the
    inventory does not read as an Ingress...): still there is still unaccounted for."""
    for path in paths:
        for doc in (d for d in inv.docs(path) if not component.installs_kind_of(d)):
            for key, line in prefix_annotations(doc, prefix):
                if (path, line) not in seen:
                    yield Finding(f"annotation {key} is still there (translate it, or remove it if nothing needs "
                                  "it)", path, line)


def _route_findings(route: Route, ingress_class: str, prefix: str) -> Iterable[Finding]:
    annotations = dict(route.annotations)
    if ingress_class and ingress_class in (route.class_name, annotations.get(kinds.INGRESS_CLASS_ANNOTATION)):
        yield Finding(f"route {route.host}{route.path} still uses ingress class {ingress_class}", route.file,
                      route.class_line or route.line)
    for key in (k for k in annotations if prefix and k.startswith(prefix)):
        yield Finding(f"route {route.host}{route.path} still has annotation {key}", route.file,
                      route.annotation_line(key))
