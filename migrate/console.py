"""Human output of the CLI: tables, plans and run summaries.

Rich tables, markdown and syntax-highlighted diffs on a terminal; plain, stable text
otherwise (pipes, CI, tests). Every function takes library records or their ``to_dict()``
data and prints; none computes anything.
"""

from __future__ import annotations

import os

import click
import yaml
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .engine.report import render_plan, render_report
from .engine.summary import Summary, summary_lines
from .repo.history import COUPLING_MAX_APPS


def print_table(title: str, columns: list[str], rows: list[list]) -> None:
    """A rich table on a terminal; plain aligned columns (no box, no colour) otherwise."""
    console = Console(highlight=False)
    plain = not console.is_terminal
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if plain and _aligned(title, columns, cells, width=None):   # a pipe has no width: a row is one line
        return
    table = Table(*columns, title=title, title_justify="left", box=None if plain else box.SIMPLE_HEAD)
    for row in cells:
        table.add_row(*(escape(cell) for cell in row))
    if not plain:
        console.print(table)
        return
    console = Console(highlight=False, no_color=True, width=max(200, console.width))
    with console.capture() as captured:
        console.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")


def _aligned(title: str, columns: list[str], cells: list[list[str]], width: int | None = 200) -> bool:
    """Print the plain table as rich lays it out (one space of padding each side of a cell), straight from
    the widths: thousands of rows take milliseconds, not seconds. False (nothing printed) when rich is
    needed: a cell on several lines, a row wider than ``width`` (None: any width, never wrapped), a title
    wider than the table. Unlike rich, it never turns a ``:name:`` in a cell into an emoji."""
    if any("\n" in cell for row in cells for cell in row):
        return False
    sized = [[(cell, cell_len(cell)) for cell in row] for row in [columns, *cells]]
    widths = [max(n for _, n in column) for column in zip(*sized)]
    too_wide = width is not None and sum(widths) + 3 * len(widths) - 1 > width
    if too_wide or cell_len(title) > sum(widths) + 2 * len(widths):
        return False
    lines = [title] + [" " + "  ".join(cell + " " * (w - n) for (cell, n), w in zip(row, widths)) for row in sized]
    click.echo("\n".join(line.rstrip() for line in lines) + "\n")
    return True


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
        if data.get("coupling_left_out"):
            click.echo(f"{data['coupling_left_out']} commits changing more than {COUPLING_MAX_APPS} applications "
                       "are left out of the coupling")
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


def show_summary(summary: Summary, err: bool = False) -> None:
    """The verdict and the steps at a glance (plain text: paths shortened from the middle, never cut)."""
    console = Console(highlight=False, stderr=err)
    if not console.is_terminal:
        click.echo("\n".join(summary_lines(summary)), err=err)
        return
    _print_summary(console, summary)


def _print_summary(console: Console, summary: Summary) -> None:
    lines = summary_lines(summary, width=max(40, console.width - 12))
    style = {"refused": "bold red", "changes": "bold yellow"}.get(summary.verdict, "bold green")
    console.print(Text(lines[0], style=style))
    for line in lines[1:]:
        console.print(Text(line, style="red" if line.lstrip().startswith("FAILED") else ""))


def show_plan(plan, summary: Summary) -> None:
    """Human output of a dry run: the summary, the report, every step's diff and the summary again on a
    terminal (through a pager when longer than the screen, like git); Markdown, diffs fenced, when piped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        click.echo(render_plan(plan, summary), nl=False)
        return
    with console.capture() as captured:
        _summary_block(console, summary)
        console.print(Markdown(render_report(plan, summary, diffs_below=True, head=False)))
        for step in (s for s in plan.steps if s.planned):
            console.rule(f"diff of step {step.index}/{step.total} {step.name}")
            console.print(Syntax(step.display_diff or "(no change)\n", "diff", word_wrap=True))
        _summary_block(console, summary)
    paged(captured.get(), console.size.height)


def _summary_block(console: Console, summary: Summary) -> None:
    console.rule("summary")
    _print_summary(console, summary)
    console.rule()


def paged(text: str, height: int) -> None:
    """``text`` through the user's pager when it is longer than the screen (``$PAGER``, else ``less -FRX``
    as git runs it; ``PAGER=cat`` turns it off); printed as is otherwise."""
    if text.count("\n") < height - 1:
        click.echo(text, nl=False, color=True)
        return
    os.environ.setdefault("LESS", "FRX")
    click.echo_via_pager(text, color=True)


def show_pending(summary: Summary) -> None:
    """What a confirmation confirms: every step with its files (wrapped, never truncated)."""
    click.echo("steps to commit (see every diff with --dry-run):", err=True)
    for line in summary_lines(summary, files_per_step=1000, width=1000):
        click.echo(line, err=True)


def show_applied(result, summary: Summary) -> None:
    for note in result.plan.notes:
        click.echo(note)
    show_summary(summary)
    if result.no_verify:
        click.echo("the repository's git hooks were skipped (--no-verify); each commit says so "
                   "(Migrate-No-Verify: true)")


def show_rollback(result, summary: Summary) -> None:
    for path in result.kept:
        click.echo(f"kept a later change: {path}")
    show_summary(summary)



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
