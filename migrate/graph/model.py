"""The dependency graph of a GitOps repository, and the questions asked of it.

A ``networkx.MultiDiGraph`` (``DepGraph.g``) whose node ids are ``"<kind>:<identity>"``:

- ``file:<path>``, ``values:<path>``, ``kustomization:<folder>`` — one node per tracked file;
  ``folder:<path>``, ``chart:<folder>`` — what an Application or kustomization deploys;
- ``application:<argocd ns>/<name>``, ``component:<app name>``, ``ingressclass:<name>``;
- ``workload:<ns>/<name>``, ``service:<ns>/<name>``, ``route:<host><path>``,
  ``secret:<ns>/<name>``, ``vault:<mount>/<path>``, attachables as their extension registers
  them (e.g. ``plugin:<ns>/<name>``, ``middleware:<ns>/<name>``; ``<kind>:<name>`` when
  cluster-wide), ``object:<Kind>/<ns>/<name>`` (other custom kinds), ``external:<host>``
  (outside the repo).

Edges (attribute ``kind``) point from the thing that needs to the thing needed:
includes, deploys, renders (structure: what is synced), defines (file -> what it holds),
calls, reads-secret, syncs-from, routes-to, served-by, uses-plugin, needs-crd,
references-path, installed-by (component -> its Application) and wave-before (earlier ->
later sibling Application). Every edge carries ``file`` and ``line``; reference edges also
``status`` (resolved / external / dangling / suspect) and ``reason``.

Nodes a reference names but nobody defines exist with ``missing=True``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Iterable

import networkx as nx

from ..errors import UsageError
from ..inventory import Inventory
from ..render.view import ArgoView
from ..repo.config import CONFIG
from .references import References, known_names
from .store import DANGLING, EXTERNAL, PROBLEMS, UNVERIFIED, GraphStore, path_node_id
from .structure import build_structure

# Node kinds of the core model (extension packages add their attachables' kinds).
NODE_KINDS = ("file", "values", "kustomization", "folder", "chart", "application", "component", "ingressclass",
              "workload", "service", "route", "secret", "vault", "object", "external")
EDGE_KINDS = ("includes", "deploys", "renders", "defines", "calls", "reads-secret", "syncs-from", "routes-to",
              "served-by", "uses-plugin", "needs-crd", "references-path", "installed-by", "wave-before")
# Edge kinds read backwards by dependents/dependencies: the later wave depends on the earlier one.
_REVERSED = frozenset({"wave-before"})


@dataclass(frozen=True)
class Reference:
    """A reference edge and its verdict; ``problems()`` returns the dangling and suspect ones.

    ``synced`` is False for a reference made in a file no root reaches: reported, never a failure.
    """

    kind: str          # dangling | suspect | unsynced (problems); resolved | external in references()
    edge: str
    source: str
    target: str
    file: str
    line: int
    reason: str
    synced: bool

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity independent of line numbers, to compare two graphs' problems."""
        return (self.kind, self.edge, self.source, self.target)

    @property
    def is_failure(self) -> bool:
        return self.kind in PROBLEMS and self.synced

    @property
    def label(self) -> str:
        return self.kind if self.synced else f"{self.kind}, not synced"

    def sort_key(self) -> tuple:
        # the source too: the workloads of one chart often reference at one line (the Application's, its values'),
        # and without it their order was the graph's, which set iteration (hash seeds) changes from run to run
        return (not self.synced, self.file, self.line, self.edge, self.target, self.kind, self.source, self.reason)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.label}] {self.edge} {self.source} -> {self.target}: {self.reason}"


class DepGraph:
    """The graph of one inventory, with its roots and what is synced."""

    def __init__(self, inv: Inventory, view: ArgoView | None = None):
        self.inv = inv
        self.view = view if view is not None else ArgoView.build(inv)
        store = GraphStore(inv, self.view)
        build_structure(store)
        References(store).add_all()
        self.g, self.roots, self._synced = store.g, store.roots, store.synced
        self.records = store.records
        self._by_status, self._components = store.by_status, store.components
        self._defined_services: set[str] | None = None
        self._values_paths = {n.partition(":")[2] for n in self.g if n.startswith("values:")}
        self._problems: dict[int | None, tuple[DepGraph | None, list[Reference]]] = {}   # by baseline

    # -- what Argo CD would apply --------------------------------------------------------------------
    def blind_spots(self) -> list[str]:
        """What the graph cannot see into, each named once with its file and line: rendering switched
        off, a synced Application (or a part of it) that did not render, a generator that needs a network,
        an Application of another repository."""
        view = self.view
        found = [view.off] if view.off else []
        if self.inv.config.untracked:
            found.append(f"{CONFIG}: not read, git does not track it (migrate reads the files git tracks): "
                         f"git add {CONFIG}")
        for app_id in sorted(a for a in view.renders if a in view.synced):
            app, render = view.apps[app_id], view.renders[app_id]
            where = f"{app.file}:{app.line}"
            if render.error and render.error != view.off:
                error = render.error.removeprefix("not rendered: ")
                found.append(f"{where}: Application {app.name}: not rendered: {error}")
            found += [f"{where}: Application {app.name}: {part}" for part in render.unrendered]
        found += view.blind_spots
        found += [f"{view.apps[a].file}:{view.apps[a].line}: Application {view.apps[a].name} deploys from another "
                  f"repository ({url}): external" for a, url in sorted(view.external.items()) if a in view.apps]
        return found

    def roots_text(self) -> list[str]:
        """Each root and why it is one (and the Applications that are not, and why)."""
        view = self.view
        lines = [f"root {self.g.nodes[r]['name']}: {why}" for r, why in view.roots.items() if r in self.g]
        return lines + [f"not a root: {a.partition(':')[2]}: {why}" for a, why in view.unreached.items()]

    # -- nodes ----------------------------------------------------------------------------------
    def node_for_path(self, path: str) -> str:
        """The node id of a repo file."""
        return path_node_id(path, self._values_paths)

    def is_synced(self, node: str) -> bool:
        """Reachable from a root through includes/deploys/renders (or defined by such a file)."""
        return node in self._synced

    def synced_applications(self) -> set[str]:
        return {self.g.nodes[n]["name"] for n in self.applications() if n in self._synced}

    def unsynced_applications(self) -> set[str]:
        return {self.g.nodes[n]["name"] for n in self.applications() if n not in self._synced}

    def known_names(self) -> dict:
        """Each name a component is known by (its Application's name, without an ordering prefix, the
        charts it installs) -> that Application; a synced one wins."""
        if getattr(self, "_known", None) is None:
            self._known = known_names(self.inv, self.view, self._synced)
        return self._known

    def applications(self) -> list[str]:
        return sorted(n for n, kind in self.g.nodes(data="kind") if kind == "application")

    def resolve(self, text: str) -> str:
        """A node id from what a user typed: an id, an Application name, a repo path, or a bare name.

        Raises UsageError when nothing, or more than one node, matches.
        """
        text = text.strip().rstrip("/")
        if not text:
            raise UsageError("--focus needs a node: an Application name, a repo path or a node id")
        if text in self.g:
            return text
        apps = [n for n in self.applications() if self.g.nodes[n]["name"] == text]
        path_nodes = [n for n in (self.node_for_path(text), f"folder:{text}", f"kustomization:{text}",
                                  f"chart:{text}") if n in self.g]
        named = [n for n in self.g if n.rpartition("/")[2] == text or n.partition(":")[2] == text]
        for candidates in (apps, path_nodes, named):
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                raise UsageError(f"{text!r} is ambiguous: {', '.join(sorted(candidates)[:10])}")
        raise UsageError(f"no node {text!r} in the graph (try an Application name, a repo path or an id "
                         f"such as service:<namespace>/<name>)")

    # -- dependencies ---------------------------------------------------------------------------------
    def _neighbours(self, node: str, dependents: bool) -> Iterable[str]:
        """Direct dependents (``dependents=True``) or dependencies of ``node``."""
        forward = self.g.out_edges(node, data="kind")
        backward = self.g.in_edges(node, data="kind")
        if dependents:
            forward, backward = backward, forward
        for u, v, kind in forward:
            if kind not in _REVERSED:
                yield u if dependents else v
        for u, v, kind in backward:
            if kind in _REVERSED:
                yield v if dependents else u

    def _walk(self, node: str, dependents: bool, transitive: bool) -> set[str]:
        if node not in self.g:
            raise UsageError(f"no node {node!r} in the graph")
        seen: set[str] = set()
        queue = deque([node])
        while queue:
            for other in self._neighbours(queue.popleft(), dependents):
                if other not in seen and other != node:
                    seen.add(other)
                    if transitive:
                        queue.append(other)
        return seen

    def dependents(self, node: str, transitive: bool = True) -> set[str]:
        """What needs ``node`` (what may break if it changes or disappears)."""
        return self._walk(node, True, transitive)

    def dependencies(self, node: str, transitive: bool = True) -> set[str]:
        """What ``node`` needs."""
        return self._walk(node, False, transitive)

    def edges(self, kind: str | None = None) -> list[tuple[str, str, dict]]:
        """(source, target, attributes) of every edge (of one kind)."""
        return [(u, v, d) for u, v, d in self.g.edges(data=True) if kind is None or d["kind"] == kind]

    # -- references and problems ---------------------------------------------------------------
    def references(self, statuses: Iterable[str] | None = None) -> list[Reference]:
        """Every judged reference edge (optionally only some statuses), sorted."""
        wanted = sorted(set(statuses)) if statuses is not None else sorted(self._by_status)
        refs = [Reference(d["status"], d["kind"], u, v, d["file"], d["line"], d["reason"], self._made_in_synced(u, d))
                for status in wanted for u, v, d in self._by_status.get(status, ())]
        return sorted(set(refs), key=Reference.sort_key)

    def problems(self, baseline: "DepGraph | None" = None) -> list[Reference]:
        """Dangling and suspect references, sorted; each with file, line, reason and ``synced``.

        With ``baseline`` (the graph before a change), a reference that resolved in the baseline
        and now points outside the repo is dangling too: the service it named was removed, not
        moved out of the repo; the component (an ingress controller, an operator) it needs was in
        the repository and is gone — its users stay reported until they are switched.
        """
        key = id(baseline) if baseline is not None else None
        known = self._problems.get(key)
        if known is None or known[0] is not baseline:     # a graph never changes once built: judged once
            problems = self.references(PROBLEMS)
            if baseline is not None:
                problems = sorted(problems + self._vanished(baseline), key=Reference.sort_key)
            known = self._problems[key] = (baseline, problems)
        return list(known[1])

    def unverified(self) -> list[Reference]:
        """References into namespaces where something unrendered deploys: they cannot be checked, and
        never fail a run (counted and listed apart, with why)."""
        return self.references([UNVERIFIED])

    def failures(self, baseline: "DepGraph | None" = None) -> list[Reference]:
        """The problems that count as failures (made in synced files)."""
        return [p for p in self.problems(baseline) if p.synced]

    def _vanished(self, baseline: "DepGraph") -> list[Reference]:
        existed, components = baseline._services(), baseline._components
        found = []
        for u, v, d in (*self._by_status.get(EXTERNAL, ()), *self._by_status.get(UNVERIFIED, ())):
            if d.get("service") in existed:
                reason = f"{d['service']} existed before this change and is gone"
                found.append(Reference(DANGLING, d["kind"], u, d["service"], d["file"], d["line"], reason,
                                       self._made_in_synced(u, d)))
            elif d.get("status") == EXTERNAL and d.get("component") in components:
                reason = f"component {d['component']} was in the repository before this change and is gone"
                found.append(Reference(DANGLING, d["kind"], u, v, d["file"], d["line"], reason,
                                       self._made_in_synced(u, d)))
        return found

    def _services(self) -> set[str]:
        """The Services this graph defines (read once: a graph never changes once built)."""
        if self._defined_services is None:
            self._defined_services = {n for n, missing in self.g.nodes(data="missing")
                                      if n.startswith("service:") and not missing}
        return self._defined_services

    def _made_in_synced(self, source: str, attrs: dict) -> bool:
        file = attrs["file"]
        return self.is_synced(self.node_for_path(file)) if file else self.is_synced(source)

    # -- summaries ----------------------------------------------------------------------------------
    def counts(self) -> dict[str, dict[str, int]]:
        """Number of nodes per kind and edges per kind (missing nodes not counted)."""
        nodes: dict[str, int] = {}
        for _, attrs in self.g.nodes(data=True):
            if not attrs["missing"]:
                nodes[attrs["kind"]] = nodes.get(attrs["kind"], 0) + 1
        edges: dict[str, int] = {}
        for _, _, kind in self.g.edges(data="kind"):
            edges[kind] = edges.get(kind, 0) + 1
        return {"nodes": dict(sorted(nodes.items())), "edges": dict(sorted(edges.items()))}

    def subgraph(self, node: str) -> nx.MultiDiGraph:
        """``node`` with everything that depends on it and everything it depends on."""
        keep = {node} | self.dependents(node) | self.dependencies(node)
        return self.g.subgraph(keep)


def build_graph(inv: Inventory, view: ArgoView | None = None) -> DepGraph:
    """The dependency graph of an inventory (rendered as Argo CD would: ``view``, built when not given)."""
    return DepGraph(inv, view)
