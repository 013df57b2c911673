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
from ..roundtrip import insert, load
from ..roundtrip.nodes import is_map, text
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
        shared = any(a is not app and (a.file == home or a.file.startswith(home + "/")) for a in inv.applications)
        # its Application file's folder is its own unless other Applications live there too (apps/*.yaml)
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
        app, view = component.app, ctx.graph.view
        if app.id in view.roots:
            raise MigrateError(f"{component.name} is a root ({view.roots[app.id]}): it is applied by hand, so "
                               f"stop it by hand (kubectl -n {app.namespace} delete application {app.name}, after "
                               "its users are switched)", path=app.file, line=app.line)
        listings = self._listings(ctx, component)
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
                disabled.objects = ({"change": "removed", "app": app.name},
                                    {"change": "removed", "kind": "Application", "name": app.name})
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
        """A git directories generator of the ApplicationSet excludes the component's folder."""
        appset = next((a for a in ctx.inventory.application_sets if a.id == appset_id), None)
        folder = component.owned_folders[0] if component.owned_folders else None
        if appset is None or folder is None:
            raise MigrateError(f"{component.name} is generated by {appset_id}: exclude it from its generator by hand",
                               path=appset.file if appset else None)
        yf = load(ctx.tree, appset.file)
        for directories in _directories_lists(yf.docs[appset.doc]):
            if any(is_map(d) and text(d.get("path")) == folder and d.get("exclude") is True for d in directories):
                return StepResult({}, f"{appset.file} already excludes {folder}", declared={appset.file})
            insert(directories, len(directories), {"path": folder, "exclude": True})
            return StepResult({appset.file: yf.dump()},
                              f"Unregister {component.name}: the git generator of {appset.name} excludes {folder}",
                              details=[f"{appset.file}: + directories exclude {folder}"], declared={appset.file})
        raise MigrateError(f"{component.name} is generated by ApplicationSet {appset.name}, whose generators have no "
                           "git directories list to exclude it from: remove it from the generator by hand",
                           path=appset.file, line=appset.line)

    @staticmethod
    def _listings(ctx: Context, component: Component):
        """(kustomization, entry as written) for every kustomization listing the Application file."""
        app = component.app
        return [(k, ref.raw) for k in ctx.inventory.kustomizations for ref in k.resources if ref.path == app.file]


def _directories_lists(doc: Any) -> Iterable[Any]:
    """Every ``git.directories`` list of an ApplicationSet's generators (matrix and merge included)."""
    if is_map(doc):
        for key, value in doc.items():
            if key == "directories" and isinstance(value, list):
                yield value
            elif isinstance(value, (dict, list)):
                yield from _directories_lists(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _directories_lists(item)


def _comment_lines_naming(text: str, name: str) -> list[int]:
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if line.lstrip().startswith("#") and word.search(line)]
