"""Human output of the CLI: tables, plans and run summaries.

Rich tables, markdown and syntax-highlighted diffs on a terminal; plain, stable text
otherwise (pipes, CI, tests). Every function takes library records or their ``to_dict()``
data and prints; none computes anything.
"""

from __future__ import annotations

import click
import yaml
from rich import box
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from .engine.report import render_plan, render_report


def print_table(title: str, columns: list[str], rows: list[list]) -> None:
    """A rich table on a terminal; plain aligned columns (no box, no colour) otherwise."""
    console = Console(highlight=False)
    plain = not console.is_terminal
    table = Table(*columns, title=title, title_justify="left", box=None if plain else box.SIMPLE_HEAD)
    for row in rows:
        table.add_row(*("" if cell is None else escape(str(cell)) for cell in row))
    if not plain:
        console.print(table)
        return
    console = Console(highlight=False, no_color=True, width=max(200, console.width))
    with console.capture() as captured:
        console.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")


def short_commit(commit: dict | None) -> str:
    return f"{commit['date'][:10]} {commit['sha'][:8]} {commit['subject']}" if commit else "-"


def authors_text(authors: dict) -> str:
    top = ", ".join(f"{name} {n}" for name, n in list(authors.items())[:3])
    return f"{len(authors)} ({top})" if authors else "0"


def print_history(data: dict) -> None:
    print_table(f"applications ({len(data['apps'])}), {data['commits_total']} commits",
                ["app", "commits", "authors", "last change", "tag bumps", "last tag"],
                [[s["app"], s["commits"], authors_text(s["authors"]), short_commit(s["last_change"]),
                  s["tag_bumps"], s["last_tag"] or "-"] for s in data["apps"]])
    if "commits" in data:
        print_table("commits", ["commit"], [[short_commit(c)] for c in data["commits"]])
        print_table("tag bumps", ["date", "commit", "author", "old", "new"],
                    [[b["date"][:10], b["sha"][:8], b["author"], b["old"] or "-", b["new"]]
                     for b in data["tag_bumps"]])
    if "coupling" in data:
        print_table("changed together (top 20)", ["app", "app", "commits"],
                    [[*c["apps"], c["commits"]] for c in data["coupling"][:20]])
    print_table("migrate runs", ["playbook", "run", "steps", "state", "last step"],
                [[r["playbook"], r["run_id"], f"{len(r['steps'])}/{r['total']}", run_state(r),
                  short_step(r["steps"])] for r in data["runs"]])
    if not data["runs"]:
        click.echo("no migrate runs in the history")


def run_state(run: dict) -> str:
    return "rolled back" if run["rolled_back"] else "complete" if run["complete"] else "partial"


def short_step(steps: list[dict]) -> str:
    last = max(steps, key=lambda s: s["index"], default=None)
    return f"{last['index']} {last['name']} {last['sha'][:8]}" if last else "-"


def show_plan(plan) -> None:
    """Human output of a dry run: the report and every step's diff (rich on a terminal)."""
    console = Console(highlight=False)
    if not console.is_terminal:
        click.echo(render_plan(plan), nl=False)
        return
    console.print(Markdown(render_report(plan)))
    for step in (s for s in plan.steps if s.planned):
        console.rule(f"{step.index:02d}-{step.name}.diff")
        console.print(Syntax(step.display_diff or "(no change)\n", "diff", word_wrap=True))


def show_pending(plan) -> None:
    rows = [[f"{s.index}/{s.total}", s.name, s.summary, ", ".join(f"{c.status} {c.path}" for c in s.files)]
            for s in plan.pending]
    print_table(f"{plan.playbook.name}: steps to commit (see the diffs with --dry-run)",
                ["step", "name", "summary", "files"], rows)


def show_applied(result) -> None:
    plan = result.plan
    for note in plan.notes:
        click.echo(note)
    for step in plan.steps:
        if step.commit and (step.name, step.commit) in result.commits:
            click.echo(f"step {step.index}/{step.total} {step.name}: {step.commit[:12]} {step.summary}")
        elif step.planned and not step.changes:
            click.echo(f"step {step.index}/{step.total} {step.name}: nothing to change")
    if result.commits:
        click.echo(f"run {result.run_id}: {len(result.commits)} commit(s); undo with "
                   f"`migrate rollback {result.run_id}`")
        if result.no_verify:
            click.echo("the repository's git hooks were skipped (--no-verify); each commit says so "
                       "(Migrate-No-Verify: true)")
    elif not result.already_applied:
        click.echo(f"{plan.playbook.name}: nothing to change")



def render_text(result: dict) -> str:
    """The objects of ``migrate render`` as one YAML stream, each headed by where it comes from."""
    head = [f"# {result['application']} ({'synced' if result['synced'] else 'not synced'}; {result['file']})"]
    lines = head + [f"# {part}" for part in result["unrendered"]]
    parts = ["\n".join(lines) + "\n"]
    for entry in result["objects"]:
        meta = entry["object"].get("metadata") or {}
        head = (f"# {entry['object'].get('kind')} {meta.get('namespace') or '(cluster)'}/{meta.get('name')}: "
                f"{entry['file']}:{entry['line']} (source {entry['source']}, {entry['via']})\n")
        parts.append("---\n" + head + yaml.safe_dump(entry["object"], sort_keys=False, allow_unicode=True))
    return "".join(parts)
