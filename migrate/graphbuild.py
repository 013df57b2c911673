"""Build the dependency graph from an Inventory (see ``graph`` for the model).

Three stages, because references are judged against the whole repository:

1. *structure*: file nodes, Applications, kustomizations, charts and the
   ``includes``/``deploys``/``renders`` edges between them, then what is synced;
2. *definitions*: ``defines`` edges from files to the workloads, services, routes,
   secrets, plugins and custom objects they hold (and ``syncs-from`` to vault paths);
3. *references* (``graphrefs``): ``calls``, ``reads-secret``, ``routes-to``, ``uses-plugin``,
   ``served-by``, ``needs-crd``, ``references-path`` and ``wave-before``, each edge carrying
   ``status`` (resolved / external / dangling / suspect) and a ``reason``.
"""

from __future__ import annotations

import posixpath

import networkx as nx

from .argo import is_kustomization_file
from .deploys import directory_files
from .graphrefs import DANGLING, EXTERNAL, RESOLVED, References
from .inventory import Inventory
from .records import Application, Kustomization, PathRef, Source

STRUCTURE = ("includes", "deploys", "renders")


def path_node_id(path: str, values: set[str]) -> str:
    """The node id of a repo file: ``kustomization:<folder>``, ``values:<path>`` or ``file:<path>``."""
    if is_kustomization_file(path):
        return f"kustomization:{posixpath.dirname(path)}"
    return f"values:{path}" if path in values else f"file:{path}"


class GraphBuilder:
    """Builds a MultiDiGraph from an inventory; ``build()`` returns (graph, roots, synced)."""

    def __init__(self, inv: Inventory):
        self.inv = inv
        self.g = nx.MultiDiGraph()
        self.values_paths = {v.file for v in inv.values_files} | _values_refs(inv)
        self.kustomizations = {k.folder: k for k in inv.kustomizations}
        self.app_files = {a.file for a in inv.applications}
        self.app_names = {a.name for a in inv.applications}
        self.roots: list[str] = []
        self.synced: set[str] = set()

    def build(self) -> tuple[nx.MultiDiGraph, list[str], set[str]]:
        self._files()
        for app in self.inv.applications:
            self._application(app)
        for kust in self.inv.kustomizations:
            self._kustomization(kust)
        self._chart_contents()
        self.synced = self._reachable()
        self._definitions()
        self.synced |= {v for u, v, k in self.g.edges(keys=False, data="kind") if k == "defines" and u in self.synced}
        References(self).add_all()
        return self.g, self.roots, self.synced

    # -- nodes and edges -------------------------------------------------------------------
    def node(self, node_id: str, **attrs) -> str:
        """Add (or update) a node; its kind and identity come from the id."""
        kind, _, identity = node_id.partition(":")
        if node_id not in self.g:
            self.g.add_node(node_id, kind=kind, label=identity, missing=False)
        self.g.nodes[node_id].update(attrs)
        return node_id

    def edge(self, source: str, target: str, kind: str, file: str, line: int, status: str | None = None,
             reason: str = "", **attrs) -> None:
        self.g.add_edge(source, target, kind=kind, file=file, line=line, status=status, reason=reason, **attrs)

    def path_node(self, path: str) -> str:
        return path_node_id(path, self.values_paths)

    def missing(self, node_id: str) -> str:
        if node_id not in self.g:
            self.node(node_id, missing=True)
        return node_id

    # -- stage 1: structure ------------------------------------------------------------------
    def _files(self) -> None:
        for path in self.inv.files.paths:
            self.node(self.path_node(path), path=path)

    def _application(self, app: Application) -> None:
        self.node(app.id, name=app.name, namespace=app.dest_namespace, file=app.file, line=app.line,
                  wave=app.sync_wave, root=app.is_root)
        if app.is_root:
            self.roots.append(app.id)
        self.edge(self.path_node(app.file), app.id, "includes", app.file, app.line, RESOLVED)
        for src in app.sources:
            if src.path is not None:
                self._deploy_folder(app, src)
            elif not src.local and src.chart:
                self._remote_chart(app.id, src.repo_url, src.chart, "deploys", app.file, src.line)
            for ref in src.value_files:
                self._path_edge(app.id, ref, "deploys", "values file")

    def _deploy_folder(self, app: Application, src: Source) -> None:
        files, folder, line = self.inv.files, src.path, src.path_line or src.line
        if folder in self.kustomizations:
            target = self.kustomizations[folder].id
        elif files.is_file(posixpath.join(folder, "Chart.yaml")):
            target = self.node(f"chart:{folder}", path=folder)
        elif files.is_dir(folder):
            target = self.node(f"folder:{folder}", path=folder, include=src.include)
            for path in directory_files(files, src):
                self.edge(target, self.path_node(path), "renders", app.file, line, RESOLVED)
        else:
            target = self.missing(f"folder:{folder}")
            self.edge(app.id, target, "deploys", app.file, line, DANGLING,
                      f"Application {app.name} deploys {folder}, which does not exist")
            return
        self.edge(app.id, target, "deploys", app.file, line, RESOLVED)

    def _kustomization(self, kust: Kustomization) -> None:
        self.node(kust.id, path=kust.file, folder=kust.folder, namespace=kust.namespace)
        lists_apps = any(ref.path in self.app_files for ref in kust.resources)
        for ref in kust.resources:
            if ref.path in self.kustomizations:
                self.edge(kust.id, self.kustomizations[ref.path].id, "renders", ref.file, ref.line, RESOLVED)
            elif self.inv.files.is_dir(ref.path):
                self.edge(kust.id, self.missing(f"kustomization:{ref.path}"), "renders", ref.file, ref.line,
                          DANGLING, f"{ref.raw} is a folder without a kustomization.yaml")
            else:  # a missing file listed among Application files is taken for one
                is_app = ref.path in self.app_files or (lists_apps and not self.inv.files.is_file(ref.path))
                self._path_edge(kust.id, ref, "includes" if is_app else "renders", f"kustomization {ref.role}")
        for chart in kust.helm_charts:
            for ref in chart.values_files:
                self._path_edge(kust.id, ref, "renders", "values file")
            if chart.chart_path:
                self._chart(kust, chart.chart_path, chart.line)
            elif chart.repo:
                self._remote_chart(kust.id, chart.repo, chart.name, "renders", kust.file, chart.line)

    def _chart(self, kust: Kustomization, folder: str, line: int) -> None:
        if not self.inv.files.is_file(posixpath.join(folder, "Chart.yaml")):
            self.edge(kust.id, self.missing(f"chart:{folder}"), "renders", kust.file, line, DANGLING,
                      f"local chart {folder} does not exist")
            return
        self.edge(kust.id, self.node(f"chart:{folder}", path=folder), "renders", kust.file, line, RESOLVED)

    def _remote_chart(self, source: str, repo: str, chart: str, kind: str, file: str, line: int) -> None:
        """An edge to a chart of another repository (``external:<repo>/<chart>``)."""
        remote = self.node(f"external:{repo.split('://', 1)[-1].rstrip('/')}/{chart}")
        self.edge(source, remote, kind, file, line, EXTERNAL)

    def _path_edge(self, source: str, ref: PathRef, kind: str, what: str) -> None:
        """An edge to a repo file; dangling when the file does not exist."""
        if self.inv.files.is_file(ref.path):
            self.edge(source, self.path_node(ref.path), kind, ref.file, ref.line, RESOLVED)
        else:
            self.edge(source, self.missing(self.path_node(ref.path)), kind, ref.file, ref.line, DANGLING,
                      f"{what} {ref.raw} ({ref.path}) does not exist")

    def _chart_contents(self) -> None:
        """A local chart renders every file of its folder (values.yaml, templates)."""
        for chart in [n for n, k in self.g.nodes(data="kind") if k == "chart" and not self.g.nodes[n]["missing"]]:
            folder = self.g.nodes[chart]["path"]
            for path in self.inv.files.under(folder):
                self.edge(chart, self.path_node(path), "renders", posixpath.join(folder, "Chart.yaml"), 1, RESOLVED)

    def _reachable(self) -> set[str]:
        """Nodes reachable from the roots (and their files) through includes/deploys/renders."""
        start = self.roots + [self.path_node(self.g.nodes[r]["file"]) for r in self.roots]
        seen, stack = set(start), list(start)
        while stack:
            for _, target, kind in self.g.out_edges(stack.pop(), data="kind"):
                if kind in STRUCTURE and target not in seen and not self.g.nodes[target]["missing"]:
                    seen.add(target)
                    stack.append(target)
        return seen

    # -- stage 2: definitions -----------------------------------------------------------------
    def _definitions(self) -> None:
        inv = self.inv
        objects = [o for o in inv.objects if o.node is None]  # the others are a plugin or secret already
        for record in [*inv.workloads, *inv.services, *inv.routes, *inv.secrets, *inv.plugins, *objects]:
            self.node(record.id, namespace=getattr(record, "namespace", None), file=record.file, line=record.line)
            self.edge(self.path_node(record.file), record.id, "defines", record.file, record.line)
        for secret in inv.secrets:
            if secret.vault_path:
                vault = self.node(f"vault:{secret.vault_mount + '/' if secret.vault_mount else ''}{secret.vault_path}")
                self.edge(secret.id, vault, "syncs-from", secret.file, secret.line)


def _values_refs(inv: Inventory) -> set[str]:
    """Every path named as a values file (by Applications and helmCharts), existing or not."""
    refs = {ref.path for app in inv.applications for src in app.sources for ref in src.value_files}
    return refs | {ref.path for k in inv.kustomizations for chart in k.helm_charts for ref in chart.values_files}

