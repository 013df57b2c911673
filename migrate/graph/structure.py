"""Stages 1 and 2 of building the graph: structure (what is synced) and definitions.

1. *structure*: file nodes, Applications, kustomizations, charts and the
   ``includes``/``deploys``/``renders`` edges between them, then what is synced (reachable from
   a root);
2. *definitions*: ``defines`` edges from files to the workloads, services, routes, secrets,
   attachables and custom objects they hold (and ``syncs-from`` to vault paths).
"""

from __future__ import annotations

import posixpath

from ..inventory.deploys import directory_files
from ..inventory.records import Application, Kustomization, PathRef, Source
from .store import DANGLING, EXTERNAL, RESOLVED, STRUCTURE, GraphStore


def build_structure(b: GraphStore) -> None:
    """Stages 1 and 2 on ``b`` (its ``roots`` and ``synced`` filled in)."""
    _Structure(b).build()


class _Structure:
    def __init__(self, b: GraphStore):
        self.b = b
        self.inv = b.inv
        self.g = b.g
        self.kustomizations = b.kustomizations
        self.app_files = b.app_files
        self.roots = b.roots
        self.node, self.edge, self.missing, self.path_node = b.node, b.edge, b.missing, b.path_node

    def build(self) -> None:
        self._files()
        for app in self.inv.applications:
            self._application(app)
        for kust in self.inv.kustomizations:
            self._kustomization(kust)
        self._chart_contents()
        self.b.synced = synced = self._reachable()
        self._definitions()
        synced |= {v for u, v, k in self.g.edges(keys=False, data="kind") if k == "defines" and u in synced}

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
        objects = [o for o in inv.objects if o.node is None]  # the others are an attachable or secret already
        for record in [*inv.workloads, *inv.services, *inv.routes, *inv.secrets, *inv.attachables, *objects]:
            self.node(record.id, namespace=getattr(record, "namespace", None), file=record.file, line=record.line)
            self.edge(self.path_node(record.file), record.id, "defines", record.file, record.line)
        for secret in inv.secrets:
            if secret.vault_path:
                vault = self.node(f"vault:{secret.vault_mount + '/' if secret.vault_mount else ''}{secret.vault_path}")
                self.edge(secret.id, vault, "syncs-from", secret.file, secret.line)
