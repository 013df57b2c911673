"""The component an ingress playbook removes (``Component``), and the step that unregisters it.

A *component* is the Application that installs an ingress controller and its CRDs (kong,
ingress-nginx...). Its own files — its folder, the folders and values files it deploys — are
left alone by every step: the playbook keeps them for reference, it only stops syncing them.

Operation ``unregister-component``: whatever deploys the component's Application (found by the graph,
not a fixed path) stops deploying it — every kustomization listing its file stops listing it
(through ``edit-kustomization-resources``, so comments and a missing final newline survive; comment
lines that still name the component are reported); an ApplicationSet's git directories generator
excludes its folder; a directory source loses the Application file. A component a chart's values
make, or a root, is refused with what to do.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..errors import MigrateError, UsageError
from ..inventory import Inventory, kinds
from ..inventory.records import Application
from ..operations.kustomization_resources import EditKustomizationResources
from ..playbook import Context, Operation, Option, StepResult, register_operation
from ..repo.tracked import Tree
from ..roundtrip import insert, load, remove
from ..roundtrip.nodes import as_map, is_map, text
from .chart_templates import disable_template


@dataclass(frozen=True)
class Component:
    """The Application named like the component, and the files it owns."""

    app: Application
    owned_folders: tuple[str, ...]
    owned_files: frozenset[str]
    app_names: frozenset[str]                   # every Application of the repo (to match CRD groups)
    alias: str = ""                             # the name it was asked for, when another than its Application's

    @classmethod
    def find(cls, inv: Inventory, name: str, generated: Iterable[Application] = (),
             known: Mapping[str, Application] | None = None) -> "Component":
        """The component ``name`` — an Application of a file, or one an ApplicationSet or a chart
        generates (``generated``), else the one ``known`` by that name (``system-ingress-nginx``
        installing the chart ingress-nginx, ``03-cert-manager``); UsageError (exit 2) when none is."""
        generated = list(generated)
        app = inv.application(name) or next((a for a in generated if a.name == name), None)
        app = app or (known or {}).get(name)
        every = [*inv.applications, *generated]
        if app is None:
            known = ", ".join(sorted({a.name for a in every})) or "none"
            raise UsageError(f"unknown component {name!r}: no Application of that name, or installing a chart "
                             f"of that name (Applications: {known}); set the playbook's component parameter "
                             "(--set component=NAME) to the one to drop")
        home = posixpath.dirname(app.file)
        # its Application file's folder is its own unless other Applications (or sets) live there too (apps/*.yaml)
        others = [a.file for a in inv.applications if a is not app] + [s.file for s in inv.application_sets]
        shared = any(f == home or f.startswith(home + "/") for f in others)
        folders = {*app.source_paths} | (set() if app.generated_by or shared or not home else {home})
        files = {*app.value_files} | (set() if app.generated_by else {app.file})
        return cls(app, tuple(sorted(f for f in folders if f)), frozenset(files),
                   frozenset({a.name for a in every} | ({name} if name != app.name else set())),
                   name if name != app.name else "")

    @classmethod
    def of(cls, ctx: Context, name: str, origin: bool = False) -> "Component":
        """The component ``name`` in the tree of ``ctx`` (or before the run)."""
        graph = ctx.origin_graph if origin else ctx.graph
        return cls.find(ctx.origin_inventory if origin else ctx.inventory, name, graph.view.generated(),
                        graph.known_names())

    @property
    def name(self) -> str:
        return self.app.name

    def owns(self, inv: Inventory, path: str) -> bool:
        """Is ``path`` one of the component's own files (left alone)?"""
        if path in self.owned_files or any(path.startswith(f + "/") for f in self.owned_folders):
            return True
        context = inv.contexts.get(path)
        return context is not None and context.app == self.app.id

    def installs(self, api_version: str) -> bool:
        """Does the component install the CRD of this apiVersion's group?"""
        group = kinds.api_group(api_version)
        return kinds.is_custom_group(group) and \
            kinds.component_for_group(group, set(self.app_names)) in {self.name, self.alias}

    def installs_kind_of(self, doc: Any) -> bool:
        """Is this YAML document an object of a kind the component installs (KongPlugin...)?"""
        return isinstance(doc, Mapping) and self.installs(str(doc.get("apiVersion") or ""))


def is_synced(ctx: Context, path: str) -> bool:
    """Is the file reachable from a root App-of-Apps (in ``ctx.tree``)?"""
    graph = ctx.graph
    return graph.is_synced(graph.node_for_path(path))


def edit_resources(ctx: Context, tree: Tree, path: str, *, remove: Iterable[str] = (),
                   add: Iterable[str] = ()) -> StepResult:
    """``edit-kustomization-resources`` on ``tree``'s kustomization ``path`` (composed, not copied)."""
    return EditKustomizationResources.compose(ctx.at(tree), file=path, remove=list(remove), add=list(add))


# --- unregister-component ------------------------------------------------------------------------
@register_operation
class UnregisterComponent(Operation):
    name = "unregister-component"
    description = ("Stop syncing a component: the kustomizations that list its Application file no longer "
                   "list it; its folder stays for reference.")
    options = {"component": Option("The component's Application name.", example="kong", required=True)}

    def prepare(self, ctx: Context) -> StepResult:
        component = Component.of(ctx, ctx.options["component"])
        result = self._unregister(ctx, component)
        # what only the operation can name: the Application the component turned out to be (and its generator)
        result.objects = (*result.objects, {"change": "removed", "app": component.app.name},
                          {"change": "removed", "kind": "Application", "name": component.app.name})
        return result

    def _unregister(self, ctx: Context, component: Component) -> StepResult:
        app, view = component.app, ctx.graph.view
        if app.id in view.roots:
            raise MigrateError(f"{component.name} is a root ({view.roots[app.id]}): it is applied by hand, so "
                               f"stop it by hand (kubectl -n {app.namespace} delete application {app.name}, after "
                               "its users are switched)", path=app.file, line=app.line)
        # a generated Application's file is its generator's: listing that file deploys the whole generator
        listings = [] if app.generated_by else self._listings(ctx, component)
        if listings:
            return self._unlist(ctx, component, listings)
        parents = [p for p in view.parents(app.id) if p != app.id]
        if not parents:
            return StepResult({}, f"{component.name} is not registered: nothing of the repository deploys it", declared=set())
        if any(p.startswith("applicationset:") for p in parents):
            return self._exclude(ctx, component, next(p for p in parents if p.startswith("applicationset:")))
        child = next(k for p in parents for k in view.children.get(p, []) if k.id == app.id)
        parent = next(p for p in parents if any(k.id == app.id for k in view.children.get(p, [])))
        if child.template:
            disabled = disable_template(ctx, component.name, view.apps.get(parent), child.template)
            if disabled is not None:
                return disabled
        if child.file == app.file and not app.generated_by:
            return StepResult({app.file: None}, f"Unregister {component.name}: remove {app.file}, which a directory "
                              "source deploys; its folder stays",
                              details=[f"{app.file}: removed (the directory {posixpath.dirname(app.file)} deploys "
                                       "every Application file in it; git history keeps it)"], declared={app.file})
        made_in = child.template or f"{child.file}:{child.line}"
        raise MigrateError(f"{component.name} is made by {made_in} (what {parents[0]} renders), which migrate "
                           "cannot switch off by itself: remove or disable the entry that makes it there, then run "
                           "the playbook again", path=child.template or child.file,
                           line=None if child.template else child.line)

    def _unlist(self, ctx: Context, component: Component, listings) -> StepResult:
        changes, details = {}, []
        declared = {k.file for k, _ in listings}
        for kustomization, raw in listings:
            result = edit_resources(ctx, ctx.tree, kustomization.file, remove=[raw])
            changes.update(result.changes)
            details += result.details
            for line in _comment_lines_naming(result.changes.get(kustomization.file, ""), component.name):
                ctx.report.add("note", f"a comment still names {component.name}: review it", path=kustomization.file,
                               line=line)
        return StepResult(changes, f"Unregister {component.name} ({component.app.file}); its folder stays",
                          details=details, declared=declared)

    def _exclude(self, ctx: Context, component: Component, appset_id: str) -> StepResult:
        """The ApplicationSet stops generating the component: its list generator loses the component's element,
        its git directories generator excludes the component's folder, or — when it generates nothing else
        (a literal template name) — the ApplicationSet itself is unregistered."""
        appset = next((a for a in ctx.inventory.application_sets if a.id == appset_id), None)
        folder = component.owned_folders[0] if component.owned_folders else None
        if appset is None:
            raise MigrateError(f"{component.name} is generated by {appset_id}, which a chart renders (no file of "
                               "its own): stop it generating the component in that chart's template by hand (an "
                               "`exclude: true` directory or the list element), then run the playbook again")
        yf = load(ctx.tree, appset.file)
        doc = yf.docs[appset.doc]
        name = text(as_map(as_map(as_map(doc.get("spec")).get("template")).get("metadata")).get("name")) or ""
        if name and "{{" not in name:
            return self._unregister_set(ctx, component, appset)
        for elements, index in _list_elements_making(doc, name, component.name):
            remove(elements, index)
            return StepResult({appset.file: yf.dump()}, f"Unregister {component.name}: the list generator of "
                              f"{appset.name} no longer makes it", details=[f"{appset.file}: - list element "
                                                                           f"{component.name}"], declared={appset.file},
                              objects=(_generators_change(appset),))
        if folder is None:
            raise MigrateError(f"{component.name} is generated by ApplicationSet {appset.name}: stop it generating "
                               "the component by hand", path=appset.file, line=appset.line)
        for directories in _directories_lists(yf.docs[appset.doc]):
            if any(is_map(d) and text(d.get("path")) == folder and d.get("exclude") is True for d in directories):
                return StepResult({}, f"{appset.file} already excludes {folder}", declared={appset.file})
            insert(directories, len(directories), {"path": folder, "exclude": True})
            return StepResult({appset.file: yf.dump()},
                              f"Unregister {component.name}: the git generator of {appset.name} excludes {folder}",
                              details=[f"{appset.file}: + directories exclude {folder}"], declared={appset.file},
                              objects=(_generators_change(appset),))
        raise MigrateError(f"{component.name} is generated by ApplicationSet {appset.name}, whose generators have no "
                           "git directories list to exclude it from: remove it from the generator by hand",
                           path=appset.file, line=appset.line)

    def _unregister_set(self, ctx: Context, component: Component, appset) -> StepResult:
        """An ApplicationSet that makes only the component stops being deployed, like an Application file."""
        listings = self._listings(ctx, component, appset.file)
        if listings:
            return self._unlist(ctx, component, listings)
        if appset.id in ctx.graph.view.roots or not is_synced(ctx, appset.file):
            raise MigrateError(f"{component.name} is made by ApplicationSet {appset.name}, which is applied by hand: "
                               f"delete it by hand (kubectl -n {appset.namespace} delete applicationset {appset.name}, "
                               "after its users are switched)", path=appset.file, line=appset.line)
        return StepResult({appset.file: None}, f"Unregister {component.name}: remove {appset.file}, the "
                          f"ApplicationSet {appset.name} that makes only it (git history keeps it)",
                          details=[f"{appset.file}: removed"], declared={appset.file})

    @staticmethod
    def _listings(ctx: Context, component: Component, path: str | None = None):
        """(kustomization, entry as written) for every kustomization listing the Application file (or ``path``)."""
        path = path or component.app.file
        return [(k, ref.raw) for k in ctx.inventory.kustomizations for ref in k.resources if ref.path == path]


def _generators_change(appset) -> dict:
    """The object rule of an edit to an ApplicationSet's generators."""
    return {"change": "changed", "kind": "ApplicationSet", "name": appset.name, "fields": "spec.generators"}


_PARAM = re.compile(r"\{\{\s*\.?([\w.-]+)\s*\}\}")


def _list_elements_making(doc: Any, template_name: str, app_name: str) -> Iterable[tuple[Any, int]]:
    """(elements, index) of every list generator element whose parameters make the template name ``app_name``."""
    for elements in _generator_lists(doc, "elements"):
        for index, element in enumerate(elements):
            if is_map(element) and _PARAM.sub(lambda m: str(element.get(m.group(1), m.group(0))), template_name) \
                    == app_name:
                yield elements, index


def _directories_lists(doc: Any) -> Iterable[Any]:
    """Every ``git.directories`` list of an ApplicationSet's generators (matrix and merge included)."""
    return _generator_lists(doc, "directories")


def _generator_lists(doc: Any, key: str) -> Iterable[Any]:
    """Every ``key`` list (``directories``, ``elements``) of an ApplicationSet's generators (matrix and merge
    included)."""
    if is_map(doc):
        for name, value in doc.items():
            if name == key and isinstance(value, list):
                yield value
            elif isinstance(value, (dict, list)):
                yield from _generator_lists(value, key)
    elif isinstance(doc, list):
        for item in doc:
            yield from _generator_lists(item, key)


def _comment_lines_naming(text: str, name: str) -> list[int]:
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if line.lstrip().startswith("#") and word.search(line)]
