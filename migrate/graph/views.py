"""Renderers of a DepGraph: the App-of-Apps tree as text, JSON, Graphviz dot and Mermaid.

``render(graph, fmt, focus=None)`` returns the whole picture (or, with ``focus``, one node's
neighbourhood: what it needs and what needs it); ``problems_report(graph, fmt)`` lists the
dangling and suspect references with file:line, failures first, then the not-synced ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Iterable

from ..errors import UsageError
from ..schemas import SCHEMA_VERSION
from .model import DepGraph, Reference
from .store import DANGLING, EXTERNAL, PROBLEMS, STRUCTURE, SUSPECT, UNSYNCED, UNVERIFIED

FORMATS = ("text", "json", "dot", "mermaid")
_MARK = {DANGLING: "dangling", SUSPECT: "suspect", EXTERNAL: "external", UNSYNCED: "unsynced",
         UNVERIFIED: "unverified"}
# Per-app summary lines of the text tree: (label, edge kind followed from what the app deploys).
_SUMMARY = (("calls", "calls"), ("secrets", "reads-secret"), ("routes", "served-by"), ("needs", "needs-crd"),
            ("paths", "references-path"))
_LABELS = {kind: label for label, kind in _SUMMARY}


def render(graph: DepGraph, fmt: str, focus: str | None = None) -> str:
    """The graph (or the neighbourhood of ``focus``) in ``fmt`` (text, json, dot, mermaid)."""
    node = graph.resolve(focus) if focus else None
    if fmt == "text":
        return focus_text(graph, node) if node else tree_text(graph)
    nodes = _nodes_of(graph, node)
    if fmt == "json":
        return json.dumps({"version": SCHEMA_VERSION, **graph_json(graph, nodes, node)}, indent=2, ensure_ascii=False)
    if fmt == "dot":
        return dot(graph, nodes)
    if fmt == "mermaid":
        return mermaid(graph, nodes)
    raise UsageError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")


def _nodes_of(graph: DepGraph, focus: str | None) -> list[str]:
    return sorted(graph.subgraph(focus) if focus else graph.g)


def _where(file: str, line: int) -> str:
    return f"{file}:{line}" if file and line else file


def _short(node: str) -> str:
    """``service:lumie-exam/exam-svc`` -> ``exam-svc.lumie-exam``; other ids without their kind."""
    kind, _, identity = node.partition(":")
    if kind == "external":
        return identity.removesuffix(".svc")
    if kind in ("service", "secret", "workload") and "/" in identity:
        namespace, _, name = identity.partition("/")
        return f"{name}.{namespace}" if kind == "service" else name
    return identity


# --- text: the App-of-Apps tree -----------------------------------------------------------------
def app_contents(graph: DepGraph, app: str) -> tuple[set[str], list[str]]:
    """(nodes the app deploys, not through child apps; its child apps in order)."""
    seen, children, stack = {app}, [], [app]
    while stack:
        for _, target, kind in sorted(graph.g.out_edges(stack.pop(), data="kind")):
            if kind not in STRUCTURE or target in seen:
                continue
            seen.add(target)
            if graph.g.nodes[target]["kind"] == "application":
                children.append(target)
            else:
                stack.append(target)
    defined = {v for n in seen for _, v, k in graph.g.out_edges(n, data="kind") if k == "defines"}
    return seen | defined, sorted(children, key=lambda n: graph.g.nodes[n]["name"])


def _summary(graph: DepGraph, contents: set[str]) -> list[str]:
    """One line per kind of dependency: ``calls  a.ns, b.ns (external)``; routes with class and plugins."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for node in sorted(contents):
        route_text = None
        for _, target, d in graph.g.out_edges(node, data=True):
            label = _LABELS.get(d["kind"])
            if label == "routes":
                route_text = route_text or _route_text(graph, node)    # once per route, not once per edge
                found[label][route_text] = _MARK.get(d["status"], "")
            elif label:
                found[label][_short(target)] = _MARK.get(d["status"], "")
    return [f"{label:<8} " + _some([f"{t} ({m})" if m else t for t, m in sorted(found[label].items())])
            for label, _ in _SUMMARY if found.get(label)]


def _some(items: list[str], most: int = 6) -> str:
    """Comma-separated, the first few only when there are many (``--focus`` shows all)."""
    shown = items if len(items) <= most else items[:most - 1] + [f"... {len(items) - most + 1} more"]
    return ", ".join(shown)


def _route_text(graph: DepGraph, route: str) -> str:
    """``api.lumie.kr/api/exam [kong: lumie-cors,lumie-jwt]``; dangling plugins marked with ``!``."""
    edges = [(v, d["kind"], d["status"]) for _, v, d in graph.g.out_edges(route, data=True)]
    classes = [_short(v) for v, kind, _ in edges if kind == "served-by"]
    plugins = sorted(_short(v) + ("!" if status == DANGLING else "") for v, kind, status in edges
                     if kind == "uses-plugin")
    style = ": ".join(filter(None, [",".join(classes), ",".join(plugins)]))
    return f"{_short(route)} [{style}]" if style else _short(route)


def _app_line(graph: DepGraph, app: str) -> str:
    a = graph.g.nodes[app]
    wave = f" wave {a['wave']}" if a.get("wave") is not None else ""
    return f"{a['name']} -> {a.get('namespace') or '?'}{wave}  ({a['file']})"


def _tree_lines(graph: DepGraph, app: str, prefix: str, last: bool, seen: set[str], top: bool) -> Iterable[str]:
    branch = "" if top else ("└─ " if last else "├─ ")
    yield prefix + branch + _app_line(graph, app)
    inner = prefix + ("" if top else ("   " if last else "│  "))
    if app in seen:
        return
    seen.add(app)
    contents, children = app_contents(graph, app)
    children = [c for c in children if c != app]
    bar = "│  " if children else "   "
    for line in _summary(graph, contents):
        yield inner + bar + line
    for i, child in enumerate(children):
        yield from _tree_lines(graph, child, inner, i == len(children) - 1, seen, False)


def tree_text(graph: DepGraph) -> str:
    """The App-of-Apps tree: each root, its Applications, and what each one needs."""
    apps = graph.applications()
    if not apps:
        sets = graph.view.appsets
        if sets:     # ApplicationSets whose generators made nothing migrate can see (the notes above say why)
            return (f"no Applications: {len(sets)} ApplicationSet(s) ({', '.join(sorted(sets)[:5])}"
                    f"{'…' if len(sets) > 5 else ''}) generate none migrate can see (the notes above say why)\n")
        return "no Applications in this repository\n"
    counts = graph.counts()
    problems = graph.problems()
    failures = sum(p.synced for p in problems)
    lines = [f"{len(apps)} applications ({len(graph.synced_applications())} synced), "
             f"{sum(counts['nodes'].values())} nodes, {sum(counts['edges'].values())} edges; "
             f"{failures} problem(s), {len(problems) - failures} not synced (see --dangling)", *graph.roots_text(), ""]
    seen: set[str] = set()
    for root in sorted(graph.roots, key=lambda n: graph.g.nodes[n]["file"]):
        lines += list(_tree_lines(graph, root, "", True, seen, True)) + [""]
    unsynced = sorted(n for n in apps if not graph.is_synced(n))
    if unsynced:
        lines.append("not synced (no root reaches them):")
        lines += [f"  {_app_line(graph, n)}" for n in unsynced]
    return "\n".join(lines).rstrip() + "\n"


# --- text: one node's neighbourhood --------------------------------------------------------------
def _edge_lines(graph: DepGraph, edges: Iterable[tuple[str, str, dict]], other_end: int) -> list[str]:
    lines = []
    for edge in sorted(edges, key=lambda e: (e[2]["kind"], e[other_end])):
        d = edge[2]
        mark = f" [{_MARK[d['status']]}]" if d.get("status") in _MARK else ""
        lines.append(f"  {d['kind']:<15} {edge[other_end]}{mark}  {_where(d['file'], d['line'])}".rstrip())
    return lines or ["  (nothing)"]


def _grouped(nodes: set[str]) -> list[str]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_kind[node.partition(":")[0]].append(node.partition(":")[2])
    return [f"  {kind:<15} {', '.join(sorted(ids))}" for kind, ids in sorted(by_kind.items())] or ["  (nothing)"]


def focus_text(graph: DepGraph, node: str) -> str:
    """``node``, its direct edges both ways (with file:line), and its transitive neighbourhood."""
    a = graph.g.nodes[node]
    where = _where(a.get("file", ""), a.get("line", 0))
    state = "missing" if a["missing"] else ("synced" if graph.is_synced(node) else "not synced")
    lines = [f"{node}  ({state}{', ' + where if where else ''})", "", "needs:"]
    lines += _edge_lines(graph, graph.g.out_edges(node, data=True), 1)
    lines += ["", "needed by:"]
    lines += _edge_lines(graph, graph.g.in_edges(node, data=True), 0)
    lines += ["", "everything it needs (transitive):"] + _grouped(graph.dependencies(node))
    lines += ["", "everything that needs it (transitive):"] + _grouped(graph.dependents(node))
    return "\n".join(lines) + "\n"


# --- machine formats ------------------------------------------------------------------------------
def _node_json(graph: DepGraph, node: str) -> dict:
    attrs = {k: v for k, v in graph.g.nodes[node].items() if v is not None}
    return {"id": node, **attrs, "synced": graph.is_synced(node)}


def graph_json(graph: DepGraph, nodes: list[str], focus: str | None = None) -> dict:
    """Nodes, edges (with file, line, status), problems and parse errors, as JSON-ready data."""
    keep = set(nodes)
    edges = [{"source": u, "target": v, **{k: x for k, x in d.items() if x not in (None, "")}}
             for u, v, d in graph.g.edges(data=True) if u in keep and v in keep]
    return {
        "focus": focus,
        "counts": graph.counts(),
        "roots": sorted(graph.roots),
        "nodes": [_node_json(graph, n) for n in nodes],
        "edges": sorted(edges, key=lambda e: (e["source"], e["target"], e["kind"], e.get("line", 0))),
        "problems": [p.to_dict() for p in graph.problems() if p.source in keep or p.target in keep],
        "errors": [vars(e) for e in graph.inv.errors],
    }


_EDGE_COLOUR = {DANGLING: "red", SUSPECT: "orange", UNSYNCED: "orange", EXTERNAL: "gray"}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(graph: DepGraph, nodes: list[str]) -> str:
    """Graphviz dot: missing nodes dashed, dangling edges red, suspect orange."""
    keep = set(nodes)
    lines = ["digraph migrate {", "  rankdir=LR;", "  node [shape=box, fontsize=10];",
             "  edge [fontsize=8];"]
    for node in nodes:
        style = ', style=dashed, color=red' if graph.g.nodes[node]["missing"] else ""
        lines.append(f"  {_quote(node)} [label={_quote(node)}{style}];")
    for u, v, d in sorted(graph.g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        if u in keep and v in keep:
            colour = f", color={_EDGE_COLOUR[d['status']]}" if d.get("status") in _EDGE_COLOUR else ""
            lines.append(f"  {_quote(u)} -> {_quote(v)} [label={_quote(d['kind'])}{colour}];")
    return "\n".join(lines + ["}"]) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(graph: DepGraph, nodes: list[str]) -> str:
    """A Mermaid flowchart: problem edges drawn red (dangling) or orange (suspect)."""
    ids = {node: f"n{i}" for i, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[n]}["{_mermaid_text(n)}"]' for n in nodes]
    styles = []
    edges = sorted(((u, v, d) for u, v, d in graph.g.edges(data=True) if u in ids and v in ids),
                   key=lambda e: (e[0], e[1], e[2]["kind"]))
    for index, (u, v, d) in enumerate(edges):
        lines.append(f"  {ids[u]} -->|{d['kind']}| {ids[v]}")
        if d.get("status") in PROBLEMS:
            styles.append(f"  linkStyle {index} stroke:{_EDGE_COLOUR[d['status']]}")
    lines += [f"  style {ids[n]} stroke-dasharray: 5 5" for n in nodes if graph.g.nodes[n]["missing"]]
    return "\n".join(lines + styles) + "\n"


# --- problems ---------------------------------------------------------------------------------------
def problems_report(graph: DepGraph, fmt: str, focus: str | None = None) -> str:
    """Dangling and suspect references (failures, then not-synced ones) as text or JSON.

    With ``focus``, only those touching the focused node's neighbourhood.
    """
    keep = set(graph.subgraph(graph.resolve(focus))) if focus else set(graph.g)
    problems = [p for p in graph.problems() if p.source in keep or p.target in keep]
    failures = [p for p in problems if p.synced]
    others = [p for p in problems if not p.synced]
    unsynced = [_node_json(graph, n) for n in graph.applications() if not graph.is_synced(n) and n in keep]
    unverified = [p for p in graph.unverified() if p.synced and (p.source in keep or p.target in keep)]
    if fmt == "json":
        return json.dumps({"version": SCHEMA_VERSION, "problems": [p.to_dict() for p in failures],
                           "not_synced": [p.to_dict() for p in others],
                           "unverified": [p.to_dict() for p in unverified],
                           "unsynced_applications": unsynced,
                           "errors": [vars(e) for e in graph.inv.errors]}, indent=2, ensure_ascii=False)
    if fmt != "text":
        raise UsageError("--dangling prints text or JSON (--format text|json)")
    lines = [f"{len(failures)} problem(s)" + (":" if failures else "")] + [_problem_text(p) for p in failures]
    if graph.inv.errors:     # they fail the command too: say so where the count is, not only on stderr
        lines += ["", f"{len(graph.inv.errors)} file(s) migrate could not read (failures: fix them or stop tracking "
                      "them):"] + [f"  {_where(e.path, e.line)}  {e.reason}" for e in graph.inv.errors]
    if others or unsynced:
        lines += ["", f"not synced (reported, not failures): {len(others)} reference(s)"]
        lines += [_problem_text(p) for p in others]
        lines += [f"  application {a['name']} is not deployed by anything a root reaches  "
                  f"({_where(a['file'], a['line'])})" for a in unsynced]
    if unverified:
        lines += ["", f"unverified (cannot be checked offline, not failures): {len(unverified)} reference(s)"]
        lines += [_problem_text(p) for p in unverified]
    return "\n".join(lines) + "\n"


def _problem_text(p: Reference) -> str:
    return f"  {_where(p.file, p.line)}  [{p.label}] {p.edge} {p.source} -> {p.target}\n      {p.reason}"


# --- one Application's render ---------------------------------------------------------------------------
def rendered_application(graph: DepGraph, name: str) -> dict:
    """What Application ``name`` (a name or an id) renders to: its objects (with provenance), the parts
    that did not render and the error that stopped it, as JSON-ready data."""
    view = graph.view
    matches = [a for a in view.apps.values() if name in (a.name, a.id)]
    if not matches:
        known = ", ".join(sorted({a.name for a in view.apps.values()})) or "none"
        raise UsageError(f"no Application {name!r} (Applications: {known})")
    if len(matches) > 1:
        raise UsageError(f"{name!r} names {len(matches)} Applications: {', '.join(a.id for a in matches)} (use the id)")
    app = matches[0]
    render = view.renders.get(app.id)
    objects = [{"object": obj.doc, "file": obj.located.file, "line": obj.located.doc.lc.line + 1,
                "source": obj.source + 1, "via": obj.via} for obj in (render.objects if render else [])]
    return {"application": app.id, "file": app.file, "generated_by": app.generated_by,
            "synced": app.id in view.synced, "error": render.error if render else view.off,
            "unrendered": list(render.unrendered) if render else [], "objects": objects}
