"""The graph being built: a ``networkx.MultiDiGraph`` and the primitives every stage adds with.

``GraphStore`` holds the graph, the inventory it is built from, the roots and what is synced,
and adds nodes (``node``, ``missing``) and edges (``edge``, each with the file and line that
makes it, and for references a ``status`` and ``reason``). ``structure`` and ``references``
are the stages that fill it; ``model.DepGraph`` runs them.
"""

from __future__ import annotations

import posixpath

import networkx as nx

from ..inventory import Inventory
from ..inventory.kustomizations import is_kustomization_file
from ..render.view import ArgoView
from .records import GraphRecords

STRUCTURE = ("includes", "deploys", "renders")
RESOLVED, EXTERNAL, DANGLING, SUSPECT = "resolved", "external", "dangling", "suspect"
UNSYNCED = "unsynced"   # the target exists only in files nothing syncs: a dead URL once Argo CD prunes it
UNVERIFIED = "unverified"   # into a namespace where something unrendered deploys: cannot be checked
PROBLEMS = (DANGLING, SUSPECT, UNSYNCED)


def path_node_id(path: str, values: set[str]) -> str:
    """The node id of a repo file: ``kustomization:<folder>``, ``values:<path>`` or ``file:<path>``."""
    if is_kustomization_file(path):
        return f"kustomization:{posixpath.dirname(path)}"
    return f"values:{path}" if path in values else f"file:{path}"


class GraphStore:
    """The graph of one inventory while it is built (see module doc)."""

    def __init__(self, inv: Inventory, view: ArgoView):
        self.inv = inv
        self.view = view
        self.records = GraphRecords.build(inv, view)
        self.g = nx.MultiDiGraph()
        self._succ, self._pred, self._node = self.g._succ, self.g._pred, self.g._node   # what ``edge`` writes
        self.values_paths = {v.file for v in inv.values_files} | _values_refs(inv)
        self.kustomizations = {k.folder: k for k in inv.kustomizations}
        self.app_files = {a.file for a in inv.applications}
        self.app_names = {a.name for a in view.apps.values()}
        self.roots: list[str] = []
        self.synced: set[str] = set()
        self.by_status: dict[str | None, list[tuple[str, str, dict]]] = {}   # the judged edges, by verdict
        self.components: set[str] = set()   # what an installed-by edge names: the repository's components
        self.structure_out: dict[str, list[str]] = {}   # source -> the targets of its includes/deploys/renders edges
        self._path_nodes: dict[str, str] = {}           # path -> its node id

    # -- nodes and edges -------------------------------------------------------------------
    def node(self, node_id: str, **attrs) -> str:
        """Add (or update) a node; its kind and identity come from the id."""
        if node_id not in self._succ:
            kind, _, identity = node_id.partition(":")
            self._succ[node_id], self._pred[node_id] = {}, {}
            self._node[node_id] = {"kind": kind, "label": identity, "missing": False}
        self._node[node_id].update(attrs)
        return node_id

    def edge(self, source: str, target: str, kind: str, file: str, line: int, status: str | None = None,
             reason: str = "", **attrs) -> None:
        """``g.add_edge(source, target, **data)`` as networkx stores it (an unknown node is added bare, the key
        is the first unused int), written straight into its adjacency: hundreds of thousands of edges at the
        example's ``--scale 100``, where networkx's checks per call were a fifth of building the graph."""
        succ, data = self._succ, {"kind": kind, "file": file, "line": line, "status": status, "reason": reason,
                                  **attrs}
        for node in (source, target):
            if node not in succ:
                succ[node], self._pred[node], self._node[node] = {}, {}, {}
        keys = succ[source].get(target)
        if keys is None:
            succ[source][target] = self._pred[target][source] = {0: data}
        else:
            key = len(keys)
            while key in keys:
                key += 1
            keys[key] = data
        if kind in STRUCTURE:
            self.structure_out.setdefault(source, []).append(target)
        if status:
            self.by_status.setdefault(status, []).append((source, target, data))
        if kind == "installed-by":
            self.components.add(source.partition(":")[2])

    def path_node(self, path: str) -> str:
        found = self._path_nodes.get(path)
        if found is None:
            found = self._path_nodes[path] = path_node_id(path, self.values_paths)
        return found

    def missing(self, node_id: str) -> str:
        if node_id not in self._succ:
            self.node(node_id, missing=True)
        return node_id


def _values_refs(inv: Inventory) -> set[str]:
    """Every path named as a values file (by Applications and helmCharts), existing or not."""
    refs = {ref.path for app in inv.applications for src in app.sources for ref in src.value_files}
    return refs | {ref.path for k in inv.kustomizations for chart in k.helm_charts for ref in chart.values_files}
