"""The component an ingress playbook removes (``Component``), and the step that unregisters it.

A *component* is the Application that installs an ingress controller and its CRDs (kong,
ingress-nginx...). Its own files — its folder, the folders and values files it deploys — are
left alone by every step: the playbook keeps them for reference, it only stops syncing them.

Operation ``unregister-component``: every kustomization listing the component's Application
file stops listing it (through ``edit-kustomization-resources``, so comments and a missing
final newline survive); comment lines that still name the component are reported.
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


@dataclass(frozen=True)
class Component:
    """The Application named like the component, and the files it owns."""

    app: Application
    owned_folders: tuple[str, ...]
    owned_files: frozenset[str]
    app_names: frozenset[str]                   # every Application of the repo (to match CRD groups)

    @classmethod
    def find(cls, inv: Inventory, name: str, generated: Iterable[Application] = ()) -> "Component":
        """The component ``name`` — an Application of a file, or one an ApplicationSet or a chart
        generates (``generated``); UsageError (exit 2) when no Application has that name."""
        generated = list(generated)
        app = inv.application(name) or next((a for a in generated if a.name == name), None)
        every = [*inv.applications, *generated]
        if app is None:
            known = ", ".join(sorted({a.name for a in every})) or "none"
            raise UsageError(f"unknown component {name!r}: no Application of that name (Applications: {known})")
        folders = {*app.source_paths} | (set() if app.generated_by else {posixpath.dirname(app.file)})
        files = {*app.value_files} | (set() if app.generated_by else {app.file})
        return cls(app, tuple(sorted(f for f in folders if f)), frozenset(files), frozenset(a.name for a in every))

    @classmethod
    def of(cls, ctx: Context, name: str, origin: bool = False) -> "Component":
        """The component ``name`` in the tree of ``ctx`` (or before the run)."""
        graph = ctx.origin_graph if origin else ctx.graph
        return cls.find(ctx.origin_inventory if origin else ctx.inventory, name, graph.view.generated())

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
        return kinds.is_custom_group(group) and kinds.component_for_group(group, set(self.app_names)) == self.name

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
        if component.app.is_root:
            raise MigrateError(f"{component.name} is an App-of-Apps root: unregister it by hand",
                               path=component.app.file, line=component.app.line)
        changes, details = {}, []
        listings = self._listings(ctx, component)
        declared = {k.file for k, _ in listings}
        for kustomization, raw in listings:
            result = edit_resources(ctx, ctx.tree, kustomization.file, remove=[raw])
            changes.update(result.changes)
            details += result.details
            for line in _comment_lines_naming(result.changes.get(kustomization.file, ""), component.name):
                ctx.report.add("note", f"a comment still names {component.name}: review it", path=kustomization.file,
                               line=line)
        if not changes:
            return StepResult({}, f"{component.name} is not registered by any kustomization", declared=declared)
        return StepResult(changes, f"Unregister {component.name} ({component.app.file}); its folder stays",
                          details=details, declared=declared)

    @staticmethod
    def _listings(ctx: Context, component: Component):
        """(kustomization, entry as written) for every kustomization listing the Application file."""
        app = component.app
        return [(k, ref.raw) for k in ctx.inventory.kustomizations for ref in k.resources if ref.path == app.file]


def _comment_lines_naming(text: str, name: str) -> list[int]:
    word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return [number for number, line in enumerate(text.splitlines(), start=1)
            if line.lstrip().startswith("#") and word.search(line)]
