"""Commands that read a repository: ``doctor``, ``graph``, ``render``, ``history``, and the example's."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from .. import console, engine
from ..example import init_repo
from ..example.snapshots import check_all, render_all
from ..graph import build_graph
from ..graph.overview import focus_dot, overview_dot, to_svg
from ..graph.views import FORMATS, problems_report, render, rendered_application
from ..inventory import Inventory
from ..render.cache import cache_root
from ..repo.doctor import doctor, render_text
from ..repo.git import git_toplevel
from ..repo.tracked import Tree
from ..review import graph_page
from ..roundtrip.cache import ParseCache
from .app import Group, echo_json, json_option, main, repo_option


# --- example -------------------------------------------------------------------------
@main.group(cls=Group)
def example():
    """The embedded example repository (Lumie platform, before the migration)."""


@example.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--scale", type=int, default=1, show_default=True,
              help="Multiply services, files and commits (benchmarks use 20).")
def example_init(directory: Path, scale: int):
    """Create the example GitOps repository (a real git repo with history) in DIRECTORY."""
    info = init_repo(directory, scale=scale)
    click.echo(f"created example repository in {directory} ({info})")


@example.command("snapshots")
@click.argument("playbooks", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("snapshots"),
              show_default=True, help="The snapshots folder (one subfolder per playbook).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 naming the first file that drifted.")
def example_snapshots(playbooks: tuple[str, ...], out: Path, check: bool):
    """Dry-run the shipped PLAYBOOKS (default: all) on a fresh example repository and write
    their snapshots (NN-<step>.diff, report.md) into OUT/<playbook>/, or --check them."""
    if not check:
        for name in render_all(out, playbooks or None):
            click.echo(f"wrote {out / name}/")
        return
    drifted = check_all(out, playbooks or None)
    if drifted:
        click.echo(f"error: {out / drifted} differs from what the playbook produces now "
                   f"(review, then regenerate with `migrate example snapshots --out {out}`)", err=True)
        click.get_current_context().exit(1)
    click.echo(f"snapshots in {out} are up to date")


# --- history -------------------------------------------------------------------------
@main.command("history")
@repo_option
@click.option("--coupling", is_flag=True, help="Also print the applications most often changed together.")
@click.option("--app", "app_name", metavar="NAME", help="Only this application, with its commits and tag bumps.")
@json_option
def history_cmd(repo: Path, coupling: bool, app_name: str | None, as_json: bool):
    """Git history per application: commits, authors, last change, image-tag bumps; earlier migrate runs."""
    tree = Tree.from_repo(repo)
    data = engine.history_report(tree.root, Inventory.load_applications(tree), app=app_name, coupling=coupling)
    if as_json:
        echo_json(data)
    else:
        console.print_history(data)


# --- doctor --------------------------------------------------------------------------
@main.command("doctor")
@repo_option
@json_option
def doctor_cmd(repo: Path, as_json: bool):
    """Check that every tracked YAML file survives load + dump byte for byte.

    Exit 1 if a file does not parse. Files that re-emit differently are listed for information:
    edits to them are applied as minimal text patches, so they stay safe to rewrite.
    """
    report = doctor(Tree.from_repo(repo))
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(render_text(report))
    click.get_current_context().exit(report.exit_code)


# --- graph ---------------------------------------------------------------------------
@main.command("graph")
@repo_option
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "svg", "html"]), default="text",
              show_default=True, help="text: the App-of-Apps tree; json/dot/mermaid: the whole graph; svg: the "
                                      "Applications (who deploys and needs whom) laid out by Graphviz; html: that "
                                      "SVG in a self-contained page with the list of Applications.")
@click.option("--focus", metavar="NODE",
              help="Only NODE's neighbourhood: an Application name, a repo path or a node id.")
@click.option("--dangling", is_flag=True,
              help="List dangling and suspect references with file:line; exit 1 if any (not-synced ones aside) "
                   "or if a file does not parse.")
@json_option
def graph_cmd(repo: Path, fmt: str, focus: str | None, dangling: bool, as_json: bool):
    """The dependency graph: App-of-Apps tree, what each app calls, reads, routes and needs."""
    tree = Tree.from_repo(repo)
    if sys.stderr.isatty():
        click.echo(f"loading {len(tree.paths())} files...", err=True)
    graph = build_graph(Inventory.load(tree))
    for problem in graph.inv.errors:
        click.echo(f"warning: {problem} (skipped)", err=True)
    for blind_spot in graph.blind_spots():
        click.echo(f"note: {blind_spot}", err=True)
    fmt = "json" if as_json else fmt
    if fmt in ("svg", "html") and not dangling:
        click.echo(to_svg(focus_dot(graph, focus) if focus else overview_dot(graph)) if fmt == "svg"
                   else graph_page(graph, focus), nl=False)
        return
    click.echo(problems_report(graph, fmt, focus) if dangling else render(graph, fmt, focus), nl=False)
    if dangling and (graph.failures() or graph.inv.errors):
        click.get_current_context().exit(1)  # like a linter: something is broken (not-synced ones do not count)


# --- render ------------------------------------------------------------------------------------
@main.command("render")
@click.argument("application")
@repo_option
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="yaml: a stream like `kustomize build` prints; json: the objects with their provenance.")
@json_option
def render_cmd(application: str, repo: Path, fmt: str, as_json: bool):
    """What APPLICATION renders to, as Argo CD would render it (each object with the file it comes from).

    Exit 1 when it does not render (the reason is printed).
    """
    graph = build_graph(Inventory.load(Tree.from_repo(repo)))
    result = rendered_application(graph, application)
    if as_json or fmt == "json":
        echo_json(result)
    else:
        click.echo(console.render_text(result), nl=False)
    if result["error"]:
        click.echo(f"error: {application} does not render: {result['error']}", err=True)
        click.get_current_context().exit(1)




# --- caches --------------------------------------------------------------------------------
@main.group("cache", cls=Group)
def cache_group():
    """migrate's caches: parses in <repo>/.git/migrate/parse-cache, renders in $MIGRATE_CACHE_DIR/renders."""


@cache_group.command("clear")
@repo_option
def cache_clear(repo: Path):
    """Remove the repository's parse cache and the shared render cache."""
    parses = ParseCache(git_toplevel(repo) / ".git" / "migrate" / "parse-cache").clear()
    renders_folder = cache_root() / "renders"
    renders = sum(1 for p in renders_folder.rglob("*") if p.is_file()) if renders_folder.is_dir() else 0
    shutil.rmtree(renders_folder, ignore_errors=True)
    click.echo(f"removed {parses} cached parse(s) and {renders} cached render(s) ({renders_folder})")
