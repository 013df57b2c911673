"""Judge the references of the graph: resolved, external, dangling or suspect.

Stage 3 of building the graph (after ``structure``): once every file's definitions are in,
add the reference edges, each with ``status`` and ``reason``, following graph.md's rules:

- a service reference resolves when the service exists in that namespace and is synced (made by
  an operator's object of the ``producers`` table included); one defined only in files nothing
  syncs (its Application was unregistered) is unsynced; else, in a namespace where something
  unrendered deploys (a remote chart, a generator that needs a network) it is unverified, with why
  (that may make it; never a failure); in a namespace the repo deploys to, dangling; in a
  namespace the repo never deploys to, suspect when the name is a service the repo defines
  elsewhere (a stale namespace), else external;
- a secret no VaultStaticSecret/Secret/producer makes in the workload's namespace: dangling (unverified
  where something unrendered deploys);
- an attachable (a controller's plugin, middleware...) a route names that does not exist: dangling;
- a custom kind or ingress class whose component is in the repo but not synced: dangling;
- a repo path named in a string that does not exist: dangling.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from typing import Iterable

from ..inventory import Inventory, extensions, kinds
from ..inventory.extensions import AttachmentStyle
from ..inventory.records import ANY_NAMESPACE, Application, Route, Workload
from ..roundtrip.nodes import as_map, dig, text
from .same_names import same_names
from .store import DANGLING, EXTERNAL, RESOLVED, SUSPECT, UNSYNCED, UNVERIFIED, GraphStore


class References:
    """Stage 3: the reference edges, each judged resolved / external / dangling / suspect."""

    def __init__(self, b: GraphStore):
        self.b = b
        records = b.records
        self.services = {s.id: s for s in records.services}
        self.deployed_namespaces = _deployed_namespaces(b)
        self.service_homes: dict[str, set[str]] = defaultdict(set)
        for s in records.services:
            self.service_homes[s.name].add(s.namespace)
        self.secrets = {s.id: s for s in records.secrets}
        self.attachables = {(a.kind, a.namespace, a.name): a for a in records.attachables}
        self._named: dict[tuple[str | None, str], list] = defaultdict(list)   # (ns, name) -> [(kind, a)]
        for (kind, ns, name), a in self.attachables.items():
            self._named[(ns, name)].append((kind, a))
        self._known: dict[frozenset, list[tuple[str | None, str]]] = {}   # kinds -> their (ns, name)s
        self.outside_namespaces = _namespaces_with_outside_content(b)
        self.apps_by_name = known_names(b.inv, b.view, b.synced)
        self.component_names = set(self.apps_by_name)
        self.installed: set[str] = set()
        self._deployed_folders: set[str] | None = None

    def add_all(self) -> None:
        for workload in self.b.records.workloads:
            self._calls(workload)
            self._secret_reads(workload)
        for route in self.b.records.routes:
            self._route(route)
        for obj in self.b.records.objects:
            self._needs_crd(obj.id, obj.group, obj.file, obj.line)
        self._path_mentions()
        self._waves()
        same_names(self.b)

    # -- services -----------------------------------------------------------------------------
    def _service_status(self, namespace: str, name: str, file: str) -> tuple[str, str]:
        """Judge a reference to service ``name`` in ``namespace``, made in ``file`` (see the module doc)."""
        service = f"service:{namespace}/{name}"
        if service in self.services:
            if service not in self.b.synced and self.b.path_node(file) in self.b.synced:
                return UNSYNCED, f"{name} in {namespace} is defined only in files nothing syncs"
            made = self.services[service]
            return RESOLVED, f"made by {made.made_by} ({made.file}:{made.line})" if made.made_by else ""
        unseen = _unseen(namespace, name, self.outside_namespaces)
        if unseen:
            return UNVERIFIED, unseen
        if namespace in self.deployed_namespaces:
            return DANGLING, f"no service {name} in {namespace}, a namespace the repo deploys to"
        homes = sorted(self.service_homes.get(name, ()))
        if homes:
            return SUSPECT, (f"the repo deploys nothing to {namespace}, but defines {name} in "
                             f"{', '.join(homes)}: stale namespace?")
        return EXTERNAL, f"the repo deploys nothing to {namespace}"

    def _service_edge(self, source: str, namespace: str, name: str, host: str, kind: str, file: str, line: int,
                      **attrs) -> None:
        status, reason = self._service_status(namespace, name, file)
        service = f"service:{namespace}/{name}"
        target = self.b.node(f"external:{host}") if status == EXTERNAL else self.b.missing(service)
        self.b.edge(source, target, kind, file, line, status, reason, service=service, **attrs)

    def _calls(self, w: Workload) -> None:
        for call in w.calls:
            a = call.address
            self._service_edge(w.id, a.namespace, a.name, a.host, "calls", call.file, call.line, env=call.env,
                               port=a.port)

    def _route(self, route: Route) -> None:
        self.b.node(route.id, host=route.host, path=route.path)
        if route.service:
            namespace = route.backend_namespace or route.namespace
            self._service_edge(route.id, namespace, route.service, f"{route.service}.{namespace}.svc", "routes-to",
                               route.file, route.line, port=route.port)
        for namespace, name, line in route.parents:
            self._gateway(route, namespace, name, line)
        for annotation, refs in route.attachments:
            style = extensions.attachment(annotation)
            for ref in refs if style is not None else ():
                self._attachment(route, style, ref)
        if route.class_name:
            self._served_by(route)

    # -- secrets, plugins, middlewares ------------------------------------------------------------
    def _secret_reads(self, w: Workload) -> None:
        for use in w.secrets:
            secret = f"secret:{w.namespace}/{use.name}"
            if secret in self.secrets:
                made = self.secrets[secret]
                status, reason = RESOLVED, "" if made.kind == "Secret" else f"made by {made.kind} ({made.file}:{made.line})"
            elif f"secret:{ANY_NAMESPACE}/{use.name}" in self.secrets:     # a policy generates it where it matches
                made = self.secrets[f"secret:{ANY_NAMESPACE}/{use.name}"]
                status, reason = UNVERIFIED, (f"{made.kind} ({made.file}:{made.line}) generates {use.name} in the "
                                              "namespaces it matches: whether it matches this one is the cluster's")
            elif _unseen(w.namespace, use.name, self.outside_namespaces):
                status, reason = UNVERIFIED, _unseen(w.namespace, use.name, self.outside_namespaces)
            elif use.optional:
                status, reason = UNVERIFIED, f"{_no_secret(use.name, w.namespace)}; it is optional: the pod starts without it"
            else:
                status, reason = DANGLING, _no_secret(use.name, w.namespace)
            self.b.edge(w.id, self.b.missing(secret), "reads-secret", use.file, use.line, status, reason,
                        via=use.via)

    def _attachment(self, route: Route, style: AttachmentStyle, ref: str) -> None:
        """A reference of attachment annotation ``style`` (a plugin or middleware the route uses)."""
        kinds = frozenset(style.kinds)
        if kinds not in self._known:
            self._known[kinds] = [(ns, name) for kind, ns, name in self.attachables if kind in kinds]
        candidates = style.candidates(ref, route.namespace, self._known[kinds])
        if candidates is None:
            return
        line = route.annotation_line(style.annotation)
        found = next((a for c in candidates for a in self._attachables_named(style, *c)), None)
        if found is not None:
            self.b.edge(route.id, found.id, "uses-plugin", route.file, line, RESOLVED)
            return
        (namespace, name), reason = style.missing(ref, route.namespace)
        node_kind = next((extensions.attachable(k).node_kind for k in sorted(style.kinds)), "plugin")
        node = f"{node_kind}:{namespace}/{name}" if namespace else f"{node_kind}:{name}"
        unseen = _unseen(namespace or route.namespace, ref, self.outside_namespaces)
        self.b.edge(route.id, self.b.missing(node), "uses-plugin", route.file, line,
                    UNVERIFIED if unseen else DANGLING, unseen or reason)

    def _attachables_named(self, style: AttachmentStyle, namespace: str | None, name: str) -> list:
        return [a for kind, a in self._named.get((namespace, name), ()) if kind in style.kinds]

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
            if not self._in_deployed_tree(app.file):
                return node, UNVERIFIED, (f"component {name} is installed by Application {app.name} ({app.file}), "
                                          "which nothing in the repository deploys and which lies outside every "
                                          "folder the repository's Applications deploy: applied by hand or not at "
                                          "all (if by hand, list it under roots in .migrate/config.yaml)")
            return node, DANGLING, f"component {name} ({app.file}) is in the repo but not synced"
        if app.name != name:
            return node, RESOLVED, f"installed by Application {app.name} ({app.file}:{app.line})"
        return node, RESOLVED, ""

    def _in_deployed_tree(self, file: str) -> bool:
        """``file`` lies in a folder a synced Application deploys, or under the folder of a root's file other
        than the top one (a leftover of a tree the repository manages, not an entry point of its own)."""
        if self._deployed_folders is None:
            view = self.b.view
            folders = {path for app in view.apps.values() if app.id in self.b.synced for path in app.source_paths}
            beside = {posixpath.dirname(view.apps[r].file) for r in view.roots if r in view.apps}
            beside |= {posixpath.dirname(f if isinstance(f, str) else f.file) for r, f in view.appsets.items()
                       if r in view.roots}
            folders |= beside - {""}     # a root at the top says nothing of the rest of the repository
            self._deployed_folders = {f.strip("/") for f in folders if f is not None}
        return any(f in ("", ".") or file == f or file.startswith(f + "/") for f in self._deployed_folders)

    def _needs_crd(self, source: str, group: str, file: str, line: int) -> None:
        name = kinds.component_for_group(group, self.component_names)
        if name:
            node, status, reason = self._component(name)
            if status == DANGLING and self.b.path_node(file) not in self.b.synced:
                # Nothing applies this object (e.g. the component's own folder, kept for reference
                # after it was unregistered): it needs no CRD.
                status, reason = RESOLVED, ""
            self.b.edge(source, node, "needs-crd", file, line, status, reason, group=group, component=name)

    def _gateway(self, route: Route, namespace: str, name: str, line: int) -> None:
        """A Gateway API route attaches to a Gateway: one of the repo's, else one made outside it."""
        node = f"gateway:{namespace}/{name}"
        if any(o.kind == "Gateway" and (o.namespace, o.name) == (namespace, name) for o in self.b.records.objects):
            self.b.edge(route.id, self.b.node(node), "attached-to", route.file, line or route.line, RESOLVED)
        else:
            self.b.edge(route.id, self.b.node(f"external:{node}"), "attached-to", route.file, line or route.line,
                        EXTERNAL, f"Gateway {namespace}/{name} is not defined in this repository")

    def _served_by(self, route: Route) -> None:
        ingress_class = self.b.node(f"ingressclass:{route.class_name}")
        name = kinds.component_for_ingress_class(route.class_name, self.component_names)
        status, reason = RESOLVED, ""
        if name:
            node, status, reason = self._component(name)
            if not self.b.g.has_edge(ingress_class, node):
                self.b.edge(ingress_class, node, "served-by", "", 0)
        self.b.edge(route.id, ingress_class, "served-by", route.file, route.class_line or route.line, status,
                    reason, component=name)

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


def _no_secret(name: str, namespace: str) -> str:
    return f"nothing the repository deploys makes Secret {name} in {namespace} (a Secret, or a kind that makes one)"


# Namespaces whose content the cluster's installer makes, not the repository (kube-dns, metrics-server,
# a CNI's UI...): what a reference finds there cannot be checked from the repository.
CLUSTER_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


ORDER_PREFIX = re.compile(r"^\d+[-_.]")  # ``03-cert-manager``: an ordering number before the name


def known_names(inv: Inventory, view, synced) -> dict[str, Application]:
    """Each name a component is known by -> the Application installing it.

    An Application is known by its name, by that name without an ordering prefix (``03-cert-manager``)
    and by the charts it installs (a remote chart source, the ``helmCharts`` of the kustomization it
    deploys). A synced Application wins over one nothing syncs, then its own name over an alias.
    """
    ranked: dict[str, tuple[tuple[bool, int, str], Application]] = {}
    for app in view.apps.values():
        aliases = [(app.name, 0), (ORDER_PREFIX.sub("", app.name), 1)]
        aliases += [(chart, 2) for chart in _charts_installed(inv, app)]
        for alias, rank in aliases:
            key = (app.id not in synced, rank, app.id)
            if alias not in ranked or key < ranked[alias][0]:
                ranked[alias] = (key, app)
    return {alias: app for alias, (_, app) in ranked.items()}


def _charts_installed(inv: Inventory, app: Application) -> list[str]:
    charts = [s.chart for s in app.sources if s.chart]
    for path in app.source_paths:
        kustomization = inv.kustomization(path)
        charts += [chart.name for chart in kustomization.helm_charts] if kustomization else []
    return charts


def _unseen(namespace: str | None, name: str, outside: dict[str, str]) -> str:
    """Why a reference to ``name`` in ``namespace`` cannot be checked offline ("" when it can): it is a
    template a chart renders, or it points where something the graph cannot see deploys."""
    if "{{" in name or "{{" in (namespace or ""):
        return f"{name} is a template ({{{{ ... }}}}) that a chart renders: it can only be checked rendered"
    if namespace in CLUSTER_NAMESPACES:
        return f"{namespace} holds what the cluster's installer makes, not only what the repository deploys"
    return outside.get(namespace or "", "")


def _sibling_groups(b: GraphStore) -> Iterable[list[Application]]:
    """Applications grouped by the kustomization that includes them, or by the Application that deploys
    them (a chart's, an ApplicationSet's); the roots form one more group."""
    groups: dict[str, list[Application]] = defaultdict(list)
    for app in b.view.apps.values():
        node = app.id if app.generated_by else b.path_node(app.file)
        parents = [u for u, _, k in b.g.in_edges(node, data="kind") if k in ("includes", "deploys")]
        parents += [u for u, _, k in b.g.in_edges(app.id, data="kind") if k == "deploys"] if not app.generated_by \
            else []
        for parent in dict.fromkeys(parents + (["(roots)"] if app.id in b.view.roots else [])):
            groups[parent].append(app)
    return groups.values()


def _deployed_namespaces(b: GraphStore) -> set[str]:
    """Namespaces the repo deploys something to: files some Application deploys, and what renders."""
    inv, records = b.inv, b.records
    deployed = {ctx.namespace for ctx in inv.contexts.values() if ctx.namespace}
    deployed |= {app.dest_namespace for app_id, app in b.view.apps.items()
                 if app.dest_namespace and b.view.renders.get(app_id) and b.view.renders[app_id].rendered}
    rendered = {r.file for made in records.by_app.values() for r in made}
    items = [*records.services, *records.workloads, *records.routes, *records.secrets, *records.objects]
    return deployed | {r.namespace for r in items if r.file in inv.contexts or r.file in rendered}


def _namespaces_with_outside_content(b: GraphStore) -> dict[str, str]:
    """Namespaces that receive something the repo does not show, with why: a remote chart or repository,
    a part of an Application that did not render, an ApplicationSet generator that needs a network, or
    (not rendered) a local chart whose templates the source model cannot read (its values.yaml has no
    ``common:``)."""
    inv, view = b.inv, b.view
    namespaces: dict[str, str] = {}
    for app_id, app in sorted(view.apps.items()):
        render = view.renders.get(app_id)
        if app_id not in view.synced or render is None:
            continue
        what = render.unrendered[0] if render.rendered and render.unrendered else render.error
        if what and not render.rendered and not render.offline and (
                app_id in _read_by_source_model(b) or all(s.local for s in app.sources if not s.ref)):
            continue   # a render error of the repository's own (Argo CD would fail it too): nothing unseen
        if what:
            for namespace in sorted({app.dest_namespace, *_chart_namespaces(inv, app, render.inputs),
                                     *render.unseen_namespaces} - {None}):
                namespaces.setdefault(namespace, f"Application {app.name} deploys to {namespace} what migrate "
                                                 f"cannot render: {what}")
    for appset in inv.application_sets:
        destination = as_map(dig(inv.docs(appset.file)[appset.doc], "spec", "template", "spec", "destination"))
        namespace = text(destination.get("namespace"))
        spots = [s for s in view.blind_spots if s.startswith(f"{appset.file}:")]
        if namespace and "{{" not in namespace and spots:
            namespaces.setdefault(namespace, f"ApplicationSet {appset.name} deploys to {namespace} what a generator "
                                             f"migrate cannot run generates ({spots[0].split(': ', 1)[0]})")
    if view.rendering:
        return namespaces
    for v in inv.values_files:
        if _is_opaque_chart(inv, v.chart):
            namespaces.setdefault(v.namespace, f"the local chart {v.chart} deploys to {v.namespace} what its templates "
                                               "make (rendering is off)")
    for kust in inv.kustomizations:
        for chart in kust.helm_charts:
            if chart.repo:
                ctx = inv.contexts.get(kust.file)
                namespace = chart.namespace or kust.namespace or (ctx.namespace if ctx else None) or "default"
                namespaces.setdefault(namespace, f"the remote chart {chart.repo}/{chart.name} of {kust.file} deploys "
                                                 f"to {namespace} (rendering is off)")
    return namespaces


def _read_by_source_model(b: GraphStore) -> set[str]:
    """The Applications some of whose Services or workloads the graph read from their source files."""
    contexts = b.inv.contexts
    return {c.app for r in (*b.records.services, *b.records.workloads)
            if (c := contexts.get(r.file)) is not None and c.app}


def _chart_namespaces(inv: Inventory, app: Application, inputs: frozenset[str]) -> set[str]:
    """The namespaces the kustomize helmCharts an Application renders set (their own, their kustomization's)."""
    found = set()
    kusts = {id(k): k for k in (*filter(None, map(inv.kustomization_file, inputs)),
                                *(k for p in app.source_paths for k in inv.kustomizations_of(p)))}
    for kust in kusts.values():
        for chart in kust.helm_charts:
            found.add(chart.namespace or kust.namespace or app.dest_namespace or "default")
    return {n for n in found if n}


def _is_opaque_chart(inv: Inventory, chart: str | None) -> bool:
    """A local chart other than the common chart: what its templates make is unknown."""
    if not chart or not inv.files.is_file(posixpath.join(chart, "Chart.yaml")):
        return False
    defaults = inv.values_file(posixpath.join(chart, "values.yaml"))
    return defaults is None or not defaults.common
