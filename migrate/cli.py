"""The `migrate` command line: a thin click layer over the library API.

Each command parses its options, calls one library function and prints the result
(human text by default, JSON with ``--json``). Errors a user can cause are
``MigrateError``s: printed as one clear message, exit 1 (refused/failed) or 2 (usage).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import MigrateError


class _Group(click.Group):
    """A click group that turns MigrateError into a message and an exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MigrateError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def repo_option(f):
    return click.option(
        "--repo",
        "repo",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The GitOps repository to work on.",
    )(f)


def json_option(f):
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(f)


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="migrate")
def main():
    """Restructure an ArgoCD App-of-Apps GitOps repository safely.

    Playbooks plan reversible steps, show every diff before touching anything,
    commit one verified step at a time and roll back with `git revert`.
    """


# --- example -------------------------------------------------------------------------
@main.group(cls=_Group)
def example():
    """The embedded example repository (Lumie platform, before the migration)."""


@example.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--scale", type=int, default=1, show_default=True,
              help="Multiply services, files and commits (benchmarks use 20).")
def example_init(directory: Path, scale: int):
    """Create the example GitOps repository (a real git repo with history) in DIRECTORY."""
    from .example import init_repo

    info = init_repo(directory, scale=scale)
    click.echo(f"created example repository in {directory} ({info})")


# --- history -------------------------------------------------------------------------
def _print_table(title: str, columns: list[str], rows: list[list]) -> None:
    """A rich table on a terminal; plain aligned columns (no box, no colour) otherwise."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    plain = not console.is_terminal
    table = Table(*columns, title=title, title_justify="left", box=None if plain else box.SIMPLE_HEAD)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    if not plain:
        console.print(table)
        return
    console = Console(highlight=False, no_color=True, width=max(200, console.width))
    with console.capture() as captured:
        console.print(table)
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")


def _short(commit: dict | None) -> str:
    return f"{commit['date'][:10]} {commit['sha'][:8]} {commit['subject']}" if commit else "-"


def _authors(authors: dict) -> str:
    top = ", ".join(f"{name} {n}" for name, n in list(authors.items())[:3])
    return f"{len(authors)} ({top})" if authors else "0"


@main.command("history")
@repo_option
@click.option("--coupling", is_flag=True, help="Also print the applications most often changed together.")
@click.option("--app", "app_name", metavar="NAME", help="Only this application, with its commits and tag bumps.")
@json_option
def history_cmd(repo: Path, coupling: bool, app_name: str | None, as_json: bool):
    """Git history per application: commits, authors, last change, image-tag bumps; earlier migrate runs."""
    from .history import history_report
    from .inventory import Inventory
    from .tree import Tree

    tree = Tree.from_repo(repo)
    data = history_report(tree.root, Inventory.load(tree), app=app_name, coupling=coupling)
    if as_json:
        echo_json(data)
    else:
        _print_history(data)


def _print_history(data: dict) -> None:
    _print_table(f"applications ({len(data['apps'])}), {data['commits_total']} commits",
                 ["app", "commits", "authors", "last change", "tag bumps", "last tag"],
                 [[s["app"], s["commits"], _authors(s["authors"]), _short(s["last_change"]), s["tag_bumps"],
                   s["last_tag"] or "-"] for s in data["apps"]])
    if "commits" in data:
        _print_table("commits", ["commit"], [[_short(c)] for c in data["commits"]])
        _print_table("tag bumps", ["date", "commit", "author", "old", "new"],
                     [[b["date"][:10], b["sha"][:8], b["author"], b["old"] or "-", b["new"]]
                      for b in data["tag_bumps"]])
    if "coupling" in data:
        _print_table("changed together (top 20)", ["app", "app", "commits"],
                     [[*c["apps"], c["commits"]] for c in data["coupling"][:20]])
    _print_table("migrate runs", ["playbook", "run", "steps", "state", "last step"],
                 [[r["playbook"], r["run_id"], f"{len(r['steps'])}/{r['total']}", _run_state(r),
                   _short_step(r["steps"])] for r in data["runs"]])
    if not data["runs"]:
        click.echo("no migrate runs in the history")


def _run_state(run: dict) -> str:
    return "rolled back" if run["rolled_back"] else "complete" if run["complete"] else "partial"


def _short_step(steps: list[dict]) -> str:
    last = max(steps, key=lambda s: s["index"], default=None)
    return f"{last['index']} {last['name']} {last['sha'][:8]}" if last else "-"


# --- doctor --------------------------------------------------------------------------
@main.command("doctor")
@repo_option
@json_option
def doctor_cmd(repo: Path, as_json: bool):
    """Check that every tracked YAML file survives load + dump byte for byte.

    Exit 1 if a file does not parse. Files that re-emit differently are listed for information:
    edits to them are applied as minimal text patches, so they stay safe to rewrite.
    """
    from .doctor import doctor, render_text
    from .tree import Tree

    report = doctor(Tree.from_repo(repo))
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(render_text(report))
    click.get_current_context().exit(report.exit_code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
