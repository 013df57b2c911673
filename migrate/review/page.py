"""The review page: one self-contained HTML file a reviewer opens to approve a migration.

``review_page(plan, summary)`` holds the verdict and the next command, the steps at a glance, the
loss report, the problems before and after, the dependency graph before and after (SVG laid out by
Graphviz, the Applications the run adds, removes or changes marked), then each step: what it does,
its files, object changes, checks and report, and its diff (unified or side by side, changed words
marked; Secret values redacted as in every diff). Nothing is loaded at view time: the style is inline
and a Content-Security-Policy forbids any fetch. ``graph_page(graph)`` is ``migrate graph --format html``.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from ..engine.records import Plan, StepPlan
from ..engine.summary import Summary, shown_value
from ..errors import MigrateError, UsageError
from ..graph.model import DepGraph
from ..graph.overview import focus_dot, graphviz_missing, overview_dot, to_svg
from ..version import __version__
from .diffview import file_html, parse

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'"


def _css() -> str:
    return resources.files(__package__).joinpath("page.css").read_text(encoding="utf-8")


def _document(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_css()}</style></head><body>{body}</body></html>\n")


def _items(items, cls: str = "items") -> str:
    items = list(items)
    return f'<ul class="{cls}">' + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>" if items else ""


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table of already escaped cells."""
    cells = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="grid"><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>'


# --- the graph, before and after ----------------------------------------------------------------
def _marks(plan: Plan) -> tuple[dict[str, str], dict[str, str]]:
    """(marks on the before graph, marks on the after graph): app node id -> added / removed / changed."""
    before, after = plan.graph_before, plan.graph_after
    old, new = set(before.applications()), set(after.applications())
    by_name = {after.g.nodes[n]["name"]: n for n in new} | {before.g.nodes[n]["name"]: n for n in old - new}
    changed = {by_name[c.app] for s in plan.steps for c in s.objects or () if c.app in by_name}
    changed |= {by_name[c.name] for s in plan.steps for c in s.objects or ()
                if c.kind == "Application" and c.name in by_name and c.change == "changed"}
    marks_before = {n: "removed" for n in old - new} | {n: "changed" for n in changed & old & new}
    marks_after = {n: "added" for n in new - old} | {n: "changed" for n in changed & old & new}
    return marks_before, marks_after


def _svg_or_note(dot_text: str, empty: bool = False) -> str:
    if empty:
        return '<p class="note">No Application was found, so there is no graph to draw (`migrate graph` says why).</p>'
    missing = graphviz_missing()
    if missing:
        return f'<p class="note">{escape(missing)}.</p>'
    try:
        return to_svg(dot_text)
    except MigrateError as error:
        return f'<p class="note">{escape(str(error))}</p>'


_LEGEND = ('<p class="legend"><span style="background:#dcfce7;border-color:#15803d">added</span>'
           '<span style="background:#fee2e2;border-color:#b91c1c">removed</span>'
           '<span style="background:#fef3c7;border-color:#b45309">changed (what Argo CD applies differs)</span>'
           '<span style="border-style:dashed;border-color:#64748b">not synced</span> grey arrow: deploys; '
           'blue dashed: depends on (calls, reads, routes to, needs); red: dangling</p>')


def _graph_section(plan: Plan) -> str:
    if plan.graph_before is None or plan.graph_after is None:
        return ""
    marks_before, marks_after = _marks(plan)
    before = _svg_or_note(overview_dot(plan.graph_before, marks_before, "before the run"))
    after = _svg_or_note(overview_dot(plan.graph_after, marks_after, "after the run"))
    return ('<section id="graph"><h2>Dependency graph</h2>' + _LEGEND +
            '<div class="tabs graph"><input type="radio" name="g" id="g-after" checked><label for="g-after">after'
            '</label><input type="radio" name="g" id="g-before"><label for="g-before">before</label>'
            f'<div class="panel after">{after}</div><div class="panel before">{before}</div></div></section>')


# --- the page -------------------------------------------------------------------------------------
def _header(plan: Plan, summary: Summary) -> str:
    hint = f' <span class="note">({escape(summary.hint)})</span>' if summary.hint else ""
    fail = f'<div class="failbox"><b>Failed:</b> {escape(summary.error)}</div>' if summary.error else ""
    return (f'<header class="top"><h1>migrate review: <code>{escape(plan.playbook.name)}</code></h1>'
            f'<div><span class="verdict {summary.verdict}">{escape(summary.verdict)}</span>'
            f'<span class="headline">{escape(summary.headline)}</span></div>{fail}'
            f'<div class="next">Next: <code>{escape(summary.next)}</code>{hint}</div></header>')


def _toc(plan: Plan) -> str:
    links = ['<a href="#summary">Summary</a>', '<a href="#losses">Losses</a>', '<a href="#problems">Problems</a>',
             '<a href="#graph">Dependency graph</a>']
    links += [f'<a class="sub" href="#step-{s.index}">{s.index}. {escape(s.name)}</a>' for s in plan.steps]
    return '<nav class="toc">' + "".join(links) + "</nav>"


def _summary_section(plan: Plan, summary: Summary) -> str:
    rows = []
    for s, step in zip(summary.steps, plan.steps):
        checks = "failed" if step.error is not None else (f"{len(step.passed)} passed" if step.passed else "")
        objects = s.objects or {}
        rows.append([f'<a href="#step-{s.index}">{s.index}/{s.total} <code>{escape(s.name)}</code></a>',
                     f'<span class="state-{s.state}">{escape(s.state)}</span>', str(len(s.files) or ""),
                     f'<span class="a">+{s.added:,}</span> <span class="r">−{s.removed:,}</span>' if s.files else "",
                     " ".join(f"{m}{objects[k]}" for m, k in (("+", "added"), ("−", "removed"), ("~", "changed"))
                              if objects.get(k)) or ("same" if s.objects is not None else "not rendered"),
                     escape(checks)])
    shown = plan.shown_params()
    params = [[f"<code>{escape(n)}</code>", f"<code>{escape(shown_value(shown[n]))}</code>",
               "default" if n in plan.playbook.parameters and v == plan.playbook.parameters[n].default else "<b>set</b>"]
              for n, v in plan.params.items()]
    notes = _items(plan.notes)
    decisions = (f"<h3>Decisions to make before anything is applied</h3>{_items(summary.decisions)}"
                 if summary.decisions else "")
    return (f'<section id="summary"><h2>Summary</h2>{notes}'
            + _table(["step", "state", "files", "lines", "objects", "checks"], rows, {2, 3})
            + decisions + "<h3>Parameters</h3>" + _table(["parameter", "value", ""], params) + "</section>")


def _losses_section(plan: Plan) -> str:
    losses = [e for s in plan.steps for e in s.report if e.kind == "loss"]
    if not losses:
        return '<section id="losses"><h2>Losses</h2><p>None: everything the run removes is translated or not needed.</p></section>'
    rows = [[f"<code>{escape(e.subject or '')}</code>",
             '<span class="accepted">accepted</span>' if e.accepted else '<span class="pending">pending</span>',
             f"<code>{escape(e.location())}</code>", escape(e.message)] for e in losses]
    return ('<section id="losses"><h2>Losses</h2><p>Each must be accepted by name before anything is applied.</p>'
            + _table(["name", "status", "where", "what it did and why it is not translated"], rows) + "</section>")


def _problems_section(plan: Plan, summary: Summary) -> str:
    parts = ['<section id="problems"><h2>Problems</h2>']
    parts.append(f"<h3>Before the run ({len(plan.pre_existing)})</h3>" + (_items(plan.pre_existing) or "<p>none</p>"))
    if plan.graph_after is not None:
        before = {r.key for r in plan.pre_existing}
        after = plan.graph_after.problems()
        new = [r for r in after if r.key not in before]
        fixed = [r for r in plan.pre_existing if r.key not in {a.key for a in after}]
        passing = sum(len(s.graph.new) for s in plan.steps if s.graph)
        same = "" if new or fixed else "<p>The same as before the run.</p>"
        parts.append(f"<h3>After the run ({len(after)}: {len(new)} new, {len(fixed)} fixed)</h3>" + same
                     + _items([*(f"new: {r}" for r in new), *(f"fixed: {r}" for r in fixed)])
                     + (f'<p class="note">{passing} transitional problem(s) made by one step and fixed by a later one: '
                        "see each step's Graph.</p>" if passing else ""))
    if plan.unverified:
        parts.append(f"<details><summary>Unverified references ({len(plan.unverified)}: into what the graph "
                     f"cannot see; never a failure)</summary>{_items(plan.unverified)}</details>")
    if plan.blind_spots:
        parts.append(f"<details><summary>What the graph cannot see ({len(plan.blind_spots)})</summary>"
                     f"{_items(plan.blind_spots)}</details>")
    return "".join(parts) + "</section>"


def _step_section(step: StepPlan) -> str:
    head = f'<section id="step-{step.index}"><h2>Step {step.index}/{step.total} <code>{escape(step.name)}</code>'
    if step.step.operation != step.name:
        head += f' <span class="note">operation {escape(step.step.operation)}</span>'
    parts = [head + "</h2>"]
    if step.step.description:
        parts.append(f"<p>{escape(step.step.description.strip())}</p>")
    if not step.planned:
        return "".join(parts) + f"<p>Not planned: {escape(step.status_text())}.</p></section>"
    parts.append(f"<p><b>{escape(step.summary or '(no summary)')}</b></p>")
    if step.error is not None:
        parts.append(f'<div class="failbox"><b>Verification failed:</b> {escape(str(step.error))}</div>')
    elif step.passed:
        parts.append(f'<p>Checks passed: {escape(", ".join(step.passed))}.</p>')
    if step.details:
        parts.append(f"<h3>Details</h3>{_items(step.details)}")
    if step.report:
        parts.append(f"<details><summary>Report ({len(step.report)} entries)</summary>"
                     + _table(["kind", "where", "message"], [[escape(e.kind), f"<code>{escape(e.location())}</code>",
                                                             escape(e.message)] for e in step.report]) + "</details>")
    graph = [*(f"fixed: {r}" for r in step.graph.fixed), *(f"new: {r}" for r in step.graph.new)] if step.graph else []
    if graph:
        parts.append(f"<h3>Graph</h3>{_items(graph)}")
    if step.objects is None:
        parts.append('<p class="note">Objects: not rendered.</p>')
    elif not step.objects:
        parts.append("<p>Objects: Argo CD would apply the same objects as before this step.</p>")
    else:
        parts.append(f"<h3>Objects (what Argo CD would apply differently: {len(step.objects)})</h3>"
                     + _items(step.objects, "items objects"))
    files = parse(step.display_diff)
    parts.append(f"<h3>Diff ({len(files)} file(s))</h3>" + "".join(file_html(f, open_=len(files) <= 12) for f in files))
    return "".join(parts) + "</section>"


_SWITCH = ('<div class="switch">Diffs: <input type="radio" name="view" id="v-unified" checked> <label for="v-unified">'
           'unified</label> <input type="radio" name="view" id="v-split"> <label for="v-split">side by side</label></div>')


def review_page(plan: Plan, summary: Summary) -> str:
    """The whole review page of a plan (or of an applied run) as one HTML document."""
    content = "".join([_summary_section(plan, summary), _losses_section(plan), _problems_section(plan, summary),
                       _graph_section(plan), _SWITCH, *(_step_section(s) for s in plan.steps)])
    footer = (f"<footer>migrate {escape(__version__)} · {escape(plan.playbook.origin)} · repository at "
              f"<code>{escape(plan.head[:12])}</code></footer>")
    return _document(f"migrate review: {plan.playbook.name}",
                     _header(plan, summary) + f'<main>{_toc(plan)}<div class="content">{content}</div></main>' + footer)


def write_page(path: Path, plan: Plan, summary: Summary) -> None:
    """Write the review page to ``path`` (its folder must exist)."""
    if not path.parent.is_dir():
        raise UsageError(f"--html {path}: folder {path.parent} does not exist")
    path.write_text(review_page(plan, summary), encoding="utf-8")


def graph_page(graph: DepGraph, focus: str | None = None) -> str:
    """``migrate graph --format html``: the Application-level graph (or one node's neighbourhood), and its roots."""
    svg = _svg_or_note(focus_dot(graph, focus) if focus else overview_dot(graph, title="Applications"),
                       empty=not focus and not graph.applications())
    apps = [[escape(graph.g.nodes[a]["name"]), escape(graph.g.nodes[a].get("namespace") or ""),
             f"<code>{escape(graph.g.nodes[a].get('file') or '')}</code>", "yes" if graph.is_synced(a) else "no"]
            for a in graph.applications()]
    body = (f'<header class="top"><h1>migrate graph{": " + escape(focus) if focus else ""}</h1>'
            f'<div class="note">{len(apps)} Applications; roots: {escape(", ".join(graph.roots_text()))}</div></header>'
            f'<div class="content"><section>{_LEGEND}<div class="graph">{svg}</div></section>'
            f'<section><h2>Applications</h2>{_table(["name", "namespace", "file", "synced"], apps)}</section></div>')
    return _document("migrate graph", body)
