"""The graph at the level a reviewer reads it: Applications, who deploys whom, who needs whom — as SVG.

``overview_dot(graph, marks)`` draws one box per Application (grouped in a cluster per parent App-of-Apps,
left to right, so 60+ Applications stay readable), a grey edge from each parent to what it deploys and a
blue one from an Application to another whose objects it calls, reads, routes to or needs (red when the
reference dangles). ``marks`` colours the Applications a migration adds, removes or changes. ``to_svg``
lays it out with Graphviz's ``dot`` (Debian's ``graphviz``); ``graphviz_missing`` says when it is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from typing import Mapping

from ..errors import MigrateError
from .model import DepGraph
from .store import DANGLING
from .views import app_contents, dot

# What makes an edge between two Applications: a dependency of something one deploys on the other's.
DEPENDS = ("calls", "reads-secret", "routes-to", "served-by", "uses-plugin", "needs-crd", "references-path",
           "installed-by", "syncs-from")
MARK_COLOURS = {"added": ("#dcfce7", "#15803d"), "removed": ("#fee2e2", "#b91c1c"), "changed": ("#fef3c7", "#b45309")}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _owners(graph: DepGraph, apps: list[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """node -> the Application deploying it (not through a child); app -> its child Applications."""
    owner, children = {}, {}
    for app in apps:
        contents, kids = app_contents(graph, app)
        children[app] = [k for k in kids if k != app]
        for node in contents:
            owner.setdefault(node, app)
    return owner, children


def app_edges(graph: DepGraph, apps: list[str]) -> tuple[dict[str, list[str]], dict[tuple[str, str], dict]]:
    """(app -> child apps, (app, app) -> {kinds, dangling}) of the Application-level graph."""
    owner, children = _owners(graph, apps)
    edges: dict[tuple[str, str], dict] = defaultdict(lambda: {"kinds": set(), "dangling": False})
    for node, app in owner.items():
        for _, target, data in graph.g.out_edges(node, data=True):
            other = owner.get(target)
            if data["kind"] not in DEPENDS or other is None or other == app:
                continue
            edge = edges[(app, other)]
            edge["kinds"].add(data["kind"])
            edge["dangling"] |= data.get("status") == DANGLING
    return children, dict(edges)


def _label(graph: DepGraph, app: str) -> str:
    attrs = graph.g.nodes[app]
    return f"{attrs['name']}\n{attrs.get('namespace') or ''}"


def overview_dot(graph: DepGraph, marks: Mapping[str, str] | None = None, title: str = "") -> str:
    """Graphviz dot of the Application-level graph; ``marks``: app node id -> added / removed / changed."""
    marks = marks or {}
    apps = graph.applications()
    children, edges = app_edges(graph, apps)
    parent_of = {child: app for app, kids in children.items() for child in kids}
    # an ApplicationSet's Applications are a cluster of their own, named after it
    for set_id, kids in (graph.view.children.items() if graph.view is not None else ()):
        if set_id.startswith("applicationset:"):
            generated = [k.id for k in kids if k.id in graph.g and k.id not in parent_of]
            children.setdefault(set_id, []).extend(generated)
            parent_of.update((k, set_id) for k in generated)
    lines = ["digraph migrate {", "  rankdir=LR; newrank=true; concentrate=true; nodesep=0.12; ranksep=0.5; fontname=Helvetica;",
             f"  label={_quote(title)}; labelloc=t; fontsize=14;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f8fafc", color="#64748b", fontname=Helvetica,'
             " fontsize=10, margin=\"0.08,0.03\"];", "  edge [arrowsize=0.6];"]

    def node_line(app: str) -> str:
        fill, line = MARK_COLOURS.get(marks.get(app, ""), ("#f8fafc", "#64748b"))
        style = '"rounded,filled,dashed"' if not graph.is_synced(app) else '"rounded,filled"'
        width = ", penwidth=2" if app in marks else ""
        tooltip = f"{graph.g.nodes[app].get('file') or ''}{' — ' + marks[app] if app in marks else ''}"
        return (f"    {_quote(app)} [label={_quote(_label(graph, app))}, fillcolor={_quote(fill)}, "
                f"color={_quote(line)}, style={style}{width}, tooltip={_quote(tooltip)}, id={_quote(_svg_id(app))}];")

    for index, (app, kids) in enumerate(sorted(children.items())):
        members = sorted(k for k in kids if parent_of.get(k) == app)
        if not members:
            continue
        label = f"ApplicationSet {app.partition('/')[2]}" if app.startswith("applicationset:") else \
            graph.g.nodes[app]["name"]
        lines += [f"  subgraph cluster_{index} {{", f"    label={_quote(label)}; fontsize=10;"
                  ' style="rounded,dashed"; color="#cbd5e1";', *(node_line(k) for k in members), *_grid(members), "  }"]
    loose = [app for app in apps if app not in parent_of]
    lines += [node_line(app) for app in loose] + _grid(loose)
    for app, kids in sorted(children.items()):
        if app in graph.g:
            lines += [f"  {_quote(app)} -> {_quote(k)} [color=\"#94a3b8\"];" for k in sorted(kids)]
    for (a, b), edge in sorted(edges.items()):
        colour = "#dc2626" if edge["dangling"] else "#2563eb"
        lines.append(f"  {_quote(a)} -> {_quote(b)} [color=\"{colour}\", style=dashed, "
                     f"tooltip={_quote(', '.join(sorted(edge['kinds'])))}];")
    return "\n".join(lines + ["}"]) + "\n"


COLUMN = 14   # Applications per column of a large cluster (invisible edges wrap it into columns)


def _grid(nodes: list[str]) -> list[str]:
    """Invisible edges that lay out a long list of Applications in columns of ``COLUMN`` (left to right)."""
    return [f"    {_quote(nodes[i - COLUMN])} -> {_quote(nodes[i])} [style=invis];"
            for i in range(COLUMN, len(nodes))]


def focus_dot(graph: DepGraph, focus: str) -> str:
    """The detailed dot of one node's neighbourhood (what ``--focus`` shows)."""
    return dot(graph, sorted(graph.subgraph(graph.resolve(focus))))


def _svg_id(node: str) -> str:
    return "n-" + re.sub(r"[^A-Za-z0-9_-]", "-", node)


def graphviz_missing() -> str | None:
    """Why no graph can be drawn here, or None when Graphviz's ``dot`` is on PATH."""
    if shutil.which("dot"):
        return None
    return ("Graphviz is not installed, so the dependency graph is not drawn (install it: `apt-get install "
            "graphviz`, `brew install graphviz`; or print it with `migrate graph --format dot`)")


def to_svg(dot_text: str) -> str:
    """``dot_text`` laid out by Graphviz as an inline SVG element (no XML prolog)."""
    missing = graphviz_missing()
    if missing:
        raise MigrateError(missing)
    done = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise MigrateError(f"Graphviz could not lay out the graph: {done.stderr.strip()[:400]}")
    svg = done.stdout
    return svg[svg.index("<svg"):] if "<svg" in svg else svg
