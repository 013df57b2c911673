"""Build the dependency graph from an Inventory (see ``graph`` for the model).

Three stages, because references are judged against the whole repository:

1. *structure*: file nodes, Applications, kustomizations, charts and the
   ``includes``/``deploys``/``renders`` edges between them, then what is synced;
2. *definitions*: ``defines`` edges from files to the workloads, services, routes,
   secrets, plugins and custom objects they hold (and ``syncs-from`` to vault paths);
3. *references*: ``calls``, ``reads-secret``, ``routes-to``, ``uses-plugin``,
   ``served-by``, ``needs-crd``, ``references-path`` and ``wave-before``, each edge carrying
   ``status`` (resolved / external / dangling / suspect) and a ``reason``.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from typing import Iterable

import networkx as nx

from . import kinds
from .inventory import Inventory
from .deploys import directory_files
from .records import Application, Kustomization, PathRef, Route, Source, Workload

STRUCTURE = ("includes", "deploys", "renders")
RESOLVED, EXTERNAL, DANGLING, SUSPECT = "resolved", "external", "dangling", "suspect"


def path_node_id(path: str, values: set[str]) -> str:
    """The node id of a repo file: ``kustomization:<folder>``, ``values:<path>`` or ``file:<path>``."""
    if posixpath.basename(path) in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
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
                remote = self.node(f"external:{_strip_scheme(src.repo_url)}/{src.chart}")
                self.edge(app.id, remote, "deploys", app.file, src.line, EXTERNAL)
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
                remote = self.node(f"external:{_strip_scheme(chart.repo)}/{chart.name}")
                self.edge(kust.id, remote, "renders", kust.file, chart.line, EXTERNAL)

    def _chart(self, kust: Kustomization, folder: str, line: int) -> None:
        if not self.inv.files.is_file(posixpath.join(folder, "Chart.yaml")):
            self.edge(kust.id, self.missing(f"chart:{folder}"), "renders", kust.file, line, DANGLING,
                      f"local chart {folder} does not exist")
            return
        self.edge(kust.id, self.node(f"chart:{folder}", path=folder), "renders", kust.file, line, RESOLVED)

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
        for record in [*inv.workloads, *inv.services, *inv.routes, *inv.secrets, *inv.plugins, *inv.objects]:
            self.node(record.id, namespace=getattr(record, "namespace", None), file=record.file, line=record.line)
            self.edge(self.path_node(record.file), record.id, "defines", record.file, record.line)
        for secret in inv.secrets:
            if secret.vault_path:
                vault = self.node(f"vault:{secret.vault_mount + '/' if secret.vault_mount else ''}{secret.vault_path}")
                self.edge(secret.id, vault, "syncs-from", secret.file, secret.line, RESOLVED)


def _values_refs(inv: Inventory) -> set[str]:
    """Every path named as a values file (by Applications and helmCharts), existing or not."""
    refs = {ref.path for app in inv.applications for src in app.sources for ref in src.value_files}
    return refs | {ref.path for k in inv.kustomizations for chart in k.helm_charts for ref in chart.values_files}


def _strip_scheme(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


class References:
    """Stage 3: the reference edges, each judged resolved / external / dangling / suspect."""

    def __init__(self, b: GraphBuilder):
        self.b = b
        inv = b.inv
        self.services = {s.id for s in inv.services}
        self.service_namespaces = {s.namespace for s in inv.services}
        self.service_homes: dict[str, set[str]] = defaultdict(set)
        for s in inv.services:
            self.service_homes[s.name].add(s.namespace)
        self.secrets = {s.id for s in inv.secrets}
        self.plugins = {p.id for p in inv.plugins}
        self.middlewares = {(p.namespace, p.name) for p in inv.plugins if p.kind == kinds.MIDDLEWARE_KIND}
        self.outside_namespaces = _namespaces_with_outside_content(inv)
        self.apps_by_name = {a.name: a for a in inv.applications}
        self.installed: set[str] = set()

    def add_all(self) -> None:
        for workload in self.b.inv.workloads:
            self._calls(workload)
            self._secret_reads(workload)
        for route in self.b.inv.routes:
            self._route(route)
        for obj in self.b.inv.objects:
            self._needs_crd(obj.id, obj.group, obj.file, obj.line)
        self._path_mentions()
        self._waves()

    # -- services -----------------------------------------------------------------------------
    def _service_status(self, namespace: str, name: str, *, by_host: bool) -> tuple[str, str]:
        """Judge a reference to service ``name`` in ``namespace`` (see graph.md's rules)."""
        if f"service:{namespace}/{name}" in self.services:
            return RESOLVED, ""
        if namespace in self.outside_namespaces:
            return EXTERNAL, f"{namespace} also receives content from outside the repo"
        if namespace in self.service_namespaces:
            return DANGLING, f"no service {name} in {namespace}, where the repo defines services"
        homes = sorted(self.service_homes.get(name, ()))
        if by_host and homes:
            return SUSPECT, (f"{namespace} hosts no service of the repo, but {name} is defined in "
                             f"{', '.join(homes)}: stale namespace?")
        return EXTERNAL, f"{namespace} hosts no service of the repo"

    def _service_edge(self, source: str, namespace: str, name: str, host: str, kind: str, file: str, line: int,
                      by_host: bool, **attrs) -> None:
        status, reason = self._service_status(namespace, name, by_host=by_host)
        service = f"service:{namespace}/{name}"
        target = self.b.node(f"external:{host}") if status == EXTERNAL else self.b.missing(service)
        self.b.edge(source, target, kind, file, line, status, reason, service=service, **attrs)

    def _calls(self, w: Workload) -> None:
        for call in w.calls:
            a = call.address
            self._service_edge(w.id, a.namespace, a.name, a.host, "calls", call.file, call.line, by_host=True,
                               env=call.env, port=a.port)

    def _route(self, route: Route) -> None:
        self.b.node(route.id, host=route.host, path=route.path)
        if route.service:
            self._service_edge(route.id, route.namespace, route.service,
                               f"{route.service}.{route.namespace}.svc", "routes-to", route.file, route.line,
                               by_host=False, port=route.port)
        for plugin in route.plugins:
            self._plugin(route, plugin)
        for middleware in route.middlewares:
            self._middleware(route, middleware)
        if route.class_name:
            self._served_by(route)

    # -- secrets, plugins, middlewares ------------------------------------------------------------
    def _secret_reads(self, w: Workload) -> None:
        for use in w.secrets:
            secret = f"secret:{w.namespace}/{use.name}"
            if secret in self.secrets:
                status, reason = RESOLVED, ""
            elif w.namespace in self.outside_namespaces:
                status, reason = EXTERNAL, f"{w.namespace} also receives content from outside the repo"
            else:
                status, reason = DANGLING, f"no VaultStaticSecret or Secret makes {use.name} in {w.namespace}"
            self.b.edge(w.id, self.b.missing(secret), "reads-secret", use.file, use.line, status, reason,
                        via=use.via)

    def _plugin(self, route: Route, name: str) -> None:
        line = route.annotation_line(kinds.KONG_PLUGINS_ANNOTATION)
        candidates = [f"plugin:{route.namespace}/{name}", f"plugin:{name}"]
        found = next((c for c in candidates if c in self.plugins), None)
        if found:
            self.b.edge(route.id, found, "uses-plugin", route.file, line, RESOLVED)
        else:
            self.b.edge(route.id, self.b.missing(candidates[0]), "uses-plugin", route.file, line, DANGLING,
                        f"no KongPlugin {name} in {route.namespace} and no KongClusterPlugin {name}")

    def _middleware(self, route: Route, entry: str) -> None:
        ref, _, provider = entry.partition("@")
        if provider and provider != "kubernetescrd":
            return
        line = route.annotation_line(kinds.TRAEFIK_MIDDLEWARES_ANNOTATION)
        found = next(((ns, name) for ns, name in self.middlewares if f"{ns}-{name}" == ref), None)
        if found:
            self.b.edge(route.id, f"middleware:{found[0]}/{found[1]}", "uses-plugin", route.file, line, RESOLVED)
            return
        prefix = route.namespace + "-"
        ns, name = (route.namespace, ref[len(prefix):]) if ref.startswith(prefix) else ref.partition("-")[::2]
        self.b.edge(route.id, self.b.missing(f"middleware:{ns}/{name}"), "uses-plugin", route.file, line, DANGLING,
                    f"no Middleware {ref} (<namespace>-<name>) in the repo")

    # -- components -------------------------------------------------------------------------------
    def _component(self, name: str) -> tuple[str, str, str]:
        """(node, status, reason) of a component: dangling if the repo has it but does not sync it."""
        node = self.b.node(f"component:{name}")
        app = self.apps_by_name.get(name)
        if app is None:
            return node, EXTERNAL, f"component {name} is not in the repo"
        if name not in self.installed:
            self.installed.add(name)
            self.b.edge(node, app.id, "installed-by", app.file, app.line)
        if app.id not in self.b.synced:
            return node, DANGLING, f"component {name} ({app.file}) is in the repo but not synced"
        return node, RESOLVED, ""

    def _needs_crd(self, source: str, group: str, file: str, line: int) -> None:
        name = kinds.component_for_group(group, self.b.app_names)
        if name:
            node, status, reason = self._component(name)
            self.b.edge(source, node, "needs-crd", file, line, status, reason, group=group)

    def _served_by(self, route: Route) -> None:
        ingress_class = self.b.node(f"ingressclass:{route.class_name}")
        name = kinds.component_for_ingress_class(route.class_name, self.b.app_names)
        status, reason = RESOLVED, ""
        if name:
            node, status, reason = self._component(name)
            if not self.b.g.has_edge(ingress_class, node):
                self.b.edge(ingress_class, node, "served-by", "", 0)
        self.b.edge(route.id, ingress_class, "served-by", route.file, route.class_line or route.line, status,
                    reason)

    # -- repo paths named in strings, sync waves --------------------------------------------------
    def _path_mentions(self) -> None:
        files = self.b.inv.files
        for mention in self.b.inv.path_mentions:
            source = self.b.path_node(mention.file)
            if files.is_file(mention.path):
                self.b.edge(source, self.b.path_node(mention.path), "references-path", mention.file, mention.line,
                            RESOLVED)
            else:
                self.b.edge(source, self.b.missing(self.b.path_node(mention.path)), "references-path",
                            mention.file, mention.line, DANGLING, f"names {mention.path}, which does not exist")

    def _waves(self) -> None:
        """``wave-before`` between consecutive sync waves of sibling Applications."""
        for siblings in _sibling_groups(self.b):
            if all(a.sync_wave is None for a in siblings):
                continue
            waves: dict[int, list[Application]] = defaultdict(list)
            for app in siblings:
                waves[app.sync_wave or 0].append(app)
            order = sorted(waves)
            for earlier, later in zip(order, order[1:]):
                for before in waves[earlier]:
                    for after in waves[later]:
                        self.b.edge(before.id, after.id, "wave-before", after.file,
                                    after.sync_wave_line or after.line, waves=(earlier, later))


def _sibling_groups(b: GraphBuilder) -> Iterable[list[Application]]:
    """Applications grouped by the kustomization that includes them; the roots form one more group."""
    groups: dict[str, list[Application]] = defaultdict(list)
    for app in b.inv.applications:
        parents = [u for u, _, k in b.g.in_edges(b.path_node(app.file), data="kind") if k == "includes"]
        for parent in parents + (["(roots)"] if app.is_root else []):
            groups[parent].append(app)
    return groups.values()


def _namespaces_with_outside_content(inv: Inventory) -> set[str]:
    """Namespaces that receive something from outside the repo (a remote chart or repository)."""
    namespaces = set()
    for app in inv.applications:
        if app.dest_namespace and any(not s.local and not s.ref for s in app.sources):
            namespaces.add(app.dest_namespace)
    for kust in inv.kustomizations:
        for chart in kust.helm_charts:
            if chart.repo:
                ctx = inv.contexts.get(kust.file)
                namespaces.add(chart.namespace or kust.namespace or (ctx.namespace if ctx else None) or "default")
    return namespaces
