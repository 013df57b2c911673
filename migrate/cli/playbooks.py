"""Commands that run playbooks: ``list``, ``plan``, ``run``, ``rollback``, ``status`` and ``demo``."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from .. import console, engine
from ..engine import RunOptions
from ..errors import RepoError, UsageError
from ..example import init_repo
from ..example.snapshots import DEMO_PLAYBOOK
from ..playbook import load_playbook, parse_assignments, with_flags
from ..playbook.parameters import params_assignments
from ..playbook.library import list_playbooks
from ..playbook.scaffold import new_playbook
from ..playbook.units import registries
from ..engine import summary
from ..review import pull_request_markdown, write_page
from .app import complete_playbook, complete_setting, echo_json, json_option, main, repo_option, top_or_folder


# --- playbooks: list, plan, run, rollback, status ---------------------------------------------
def _set_option(f):
    f = click.option("--params", "params_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
                     metavar="FILE", callback=lambda _c, _p, value: params_assignments(value) if value else (),
                     help="Read parameters from a YAML mapping (mapping parameters as nested mappings: env: {A: 1}); "
                          "--set wins over it. Settlements reviewed in the pull request.")(f)
    f = click.option("--allow-shadowing", is_flag=True,
                     help="Run the repository's own .migrate/playbooks/P.yaml even though a shipped playbook has "
                          "that name.")(f)
    return click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE", shell_complete=complete_setting,
                        help="Set a playbook parameter (repeatable; lists: a,b,c; booleans: true/false).")(f)


def _review_options(f):
    """How a plan is shown: --format, --html FILE, --detailed-exitcode."""
    f = click.option("--detailed-exitcode", is_flag=True,
                     help="With a dry run, exit 0 when there is nothing to do (already applied), 2 when changes "
                          "would be made, 1 on an error or a refusal (usage errors too) — as `terraform plan "
                          "-detailed-exitcode` does. Without it: 0 ok, 1 refused or failed, 2 usage error.")(f)
    f = click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     help="Also write the review page: one self-contained HTML file (summary, diffs side by side "
                          "and unified, object changes, checks, losses, the graph before and after).")(f)
    return click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
                        help="text: the report and every diff; markdown: sized for a pull-request comment (long "
                             "diffs collapsed in <details>, within GitHub's 65,536 characters).")(f)


def _snapshot_options(f):
    f = click.option("--update-snapshots", is_flag=True,
                     help="With a dry run: rewrite the repo's approved snapshots (.migrate/snapshots/<playbook>/).")(f)
    return click.option("--snapshot-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
                        help="Write NN-<step>.diff per step and report.md into DIR (deterministic).")(f)


# Commands running a playbook take the flags the playbook declares (``flag:`` of a parameter, such as
# --accept-loss NAME): click passes them through as extra arguments.
_PLAYBOOK_FLAGS = {"ignore_unknown_options": True, "allow_extra_args": True}
_FLAGS_HELP = ("A playbook may declare flags of its own that set a parameter (such as --accept-loss NAME, "
               "repeatable for a list); `migrate list` shows them.")


def _flags(args: list[str]) -> list[tuple[str, str]]:
    """``--name value`` / ``--name=value`` pairs of the extra command-line arguments."""
    pairs, items = [], iter(args)
    for item in items:
        if not item.startswith("--") or item == "--":
            raise UsageError(f"unexpected argument {item!r}")
        name, eq, value = item[2:].partition("=")
        if not eq:
            value = next(items, None)
            if value is None or value.startswith("--"):
                raise UsageError(f"--{name} needs a value")
        pairs.append((name, value))
    return pairs


def _progress(message: str) -> None:
    """Progress on a terminal; what recovery did, always (stderr)."""
    if sys.stderr.isatty() or message.startswith(("recovered:", "took over")):
        click.echo(f"... {message}", err=True)


def _confirm(yes: bool, question: str, show):
    """A confirm callable for the engine: --yes says yes; a terminal asks; otherwise refuse."""
    def confirm(subject) -> bool:
        if yes:
            return True
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise RepoError("refusing to change the repository without confirmation (no terminal to ask on); "
                            "pass --yes (-y) to go ahead")
        show(subject)
        return click.confirm(question, default=False, err=True)
    return confirm


@dataclass(frozen=True)
class _Invocation:
    """One ``plan``/``run``/``demo`` command line: the playbook, its parameters and how to run it."""

    repo: Path
    playbook: str
    assignments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    options: RunOptions = RunOptions(dry_run=True)
    yes: bool = False
    as_json: bool = False
    allow_shadowing: bool = False
    fmt: str = "text"
    html_file: Path | None = None
    detailed: bool = False

    @property
    def repo_arg(self) -> str | None:
        """``--repo`` as the user gave it, for the commands a report proposes (None: the current folder)."""
        return None if self.repo == Path(".") else str(self.repo)


def _run_playbook(call: _Invocation) -> None:
    if call.detailed and not call.options.dry_run:
        raise UsageError("--detailed-exitcode is for a dry run: `migrate plan` or `migrate run --dry-run`")
    book = load_playbook(call.playbook, top_or_folder(call.repo), allow_shadowing=call.allow_shadowing)
    params = with_flags(parse_assignments(call.assignments), book.parameters, _flags(list(call.flags)),
                        f"playbook {book.name!r}")
    pending = lambda the_plan: console.show_pending(summary.of_plan(the_plan, call.repo_arg))  # noqa: E731
    result = engine.run(call.repo, book, params, call.options,
                        confirm=_confirm(call.yes, "Apply these steps?", pending), progress=_progress)
    verdict = summary.of_plan(result.plan, call.repo_arg, result)
    if verdict.error and not call.as_json:
        click.echo(f"error: {verdict.error}", err=True)
    if call.html_file is not None:
        write_page(call.html_file, result.plan, verdict)
    if call.as_json:
        echo_json({"summary": verdict.to_dict(), **result.to_dict()})
    elif call.fmt == "markdown":
        click.echo(pull_request_markdown(result.plan, verdict), nl=False)
    elif call.options.dry_run:
        console.show_plan(result.plan, verdict)
    else:
        console.show_applied(result, verdict)
    if verdict.error and not call.as_json:
        click.echo(f"error: {verdict.error}", err=True)
    if call.detailed:
        click.get_current_context().exit(verdict.exit_code)
    if result.plan.error is not None:
        click.get_current_context().exit(1)


def _list_units(as_json: bool) -> None:
    """Operations, checks and translators (of translate-plugins tables) a playbook can use, with options."""
    units = [reg.get(name) for reg in registries() for name in reg.names()]
    if as_json:
        echo_json([{"kind": u.kind, **u.describe()} for u in units])
        return
    for unit in units:
        console.print_table(f"{unit.kind} {unit.name}: {unit.description}",
                            ["option", "default", "example", "description"],
                            [[k, "(required)" if o.required else json.dumps(o.default),
                              json.dumps(o.example, ensure_ascii=False), o.description]
                            for k, o in unit.options.items()])


@main.command("list")
@repo_option
@click.option("--operations", is_flag=True,
              help="List the operations, checks and translators playbooks can use, with options.")
@json_option
def list_cmd(repo: Path, operations: bool, as_json: bool):
    """Playbooks you can run here (shipped ones and the repo's .migrate/playbooks/), with their steps and parameters."""
    if operations:
        _list_units(as_json)
        return
    books = list_playbooks(top_or_folder(repo))
    if as_json:
        echo_json([b.to_dict() for b in books])
        return
    for book in books:
        console.print_table(f"{book.name} ({book.source}): {book.description.strip()}",
                            ["step", "operation", "description"],
                            [[f"{i}. {s.name}", s.operation, s.description]
                             for i, s in enumerate(book.steps, start=1)])
        console.print_table(f"{book.name} parameters (--set KEY=VALUE)",
                            ["parameter", "type", "default", "description"],
                            [[p.name + (f" (--{p.flag})" if p.flag else ""), p.type_name,
                              json.dumps(p.default, ensure_ascii=False), p.description]
                             for p in book.parameters.values()])


@main.command("new-playbook")
@click.argument("name")
@repo_option
def new_playbook_cmd(name: str, repo: Path):
    """Start a playbook of this repository: .migrate/playbooks/NAME.yaml (shipped operations, parameters,
    objects, a check), the schema beside it, and a test in .migrate/tests/ to start from."""
    root = top_or_folder(repo)
    for path in new_playbook(root, name):
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(f"next: edit .migrate/playbooks/{name}.yaml, then `migrate run {name} --dry-run`; "
               f"`migrate list --operations` lists what you can compose")


_no_verify_option = click.option(
    "--no-verify", is_flag=True,
    help="Skip the repository's git hooks (pre-commit, prepare-commit-msg, commit-msg); recorded as a trailer.")


@main.command("plan", context_settings=_PLAYBOOK_FLAGS, epilog=_FLAGS_HELP)
@click.argument("playbook", shell_complete=complete_playbook)
@repo_option
@_set_option
@_snapshot_options
@_review_options
@json_option
@click.pass_context
def plan_cmd(ctx: click.Context, playbook: str, repo: Path, params_file, allow_shadowing: bool, assignments,
             snapshot_dir, update_snapshots: bool, fmt: str, html_file, detailed_exitcode: bool, as_json: bool):
    """Show what PLAYBOOK would do (summary, steps, files, graph changes, report, diffs); change nothing.

    Exit codes: 0 ok, 1 refused or verification failed, 2 usage error; with --detailed-exitcode: 0 nothing to do,
    2 changes would be made, 1 error or refused. With --json an error is a JSON object on stdout, same codes.
    """
    _run_playbook(_Invocation(repo, playbook, (*params_file, *assignments), tuple(ctx.args),
                              RunOptions(dry_run=True, snapshot_dir=snapshot_dir, update_snapshots=update_snapshots),
                              as_json=as_json, allow_shadowing=allow_shadowing, fmt=fmt, html_file=html_file,
                              detailed=detailed_exitcode))


@main.command("run", context_settings=_PLAYBOOK_FLAGS, epilog=_FLAGS_HELP)
@click.argument("playbook", shell_complete=complete_playbook)
@repo_option
@_set_option
@click.option("--dry-run", is_flag=True, help="Only show the plan and every diff; change nothing.")
@_snapshot_options
@_review_options
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (needed when not on a terminal).")
@_no_verify_option
@json_option
@click.pass_context
def run_cmd(ctx: click.Context, playbook: str, repo: Path, params_file, allow_shadowing: bool, assignments,
            dry_run: bool, snapshot_dir, update_snapshots: bool, fmt: str, html_file, detailed_exitcode: bool,
            yes: bool, no_verify: bool, as_json: bool):
    """Apply PLAYBOOK: one verified commit per step (resumes an interrupted run; no-op if applied).

    Exit codes: 0 ok, 1 refused or verification failed, 2 usage error; --dry-run --detailed-exitcode: 0 nothing
    to do, 2 changes would be made, 1 error or refused. With --json an error is a JSON object on stdout.
    """
    _run_playbook(_Invocation(repo, playbook, (*params_file, *assignments), tuple(ctx.args),
                              RunOptions(dry_run=dry_run, snapshot_dir=snapshot_dir, update_snapshots=update_snapshots,
                                         no_verify=no_verify), yes=yes, as_json=as_json,
                              allow_shadowing=allow_shadowing, fmt=fmt, html_file=html_file,
                              detailed=detailed_exitcode))


@main.command("rollback")
@click.argument("target", metavar="PLAYBOOK|RUN-ID")
@repo_option
@click.option("--yes", "-y", is_flag=True, help="Roll back without asking (needed when not on a terminal).")
@_no_verify_option
@json_option
def rollback_cmd(target: str, repo: Path, yes: bool, no_verify: bool, as_json: bool):
    """Revert a run's commits newest first (one revert commit per step); a conflict changes nothing."""
    def show(found) -> None:
        click.echo(f"run {found.run.run_id} of {found.run.playbook}: reverting "
                   f"{len(found.run.steps) - len(found.run.reverts)} commit(s)", err=True)

    result = engine.rollback(repo, target, confirm=_confirm(yes, "Roll back?", show), progress=_progress,
                             no_verify=no_verify)
    verdict = summary.of_rollback(result, None if repo == Path(".") else str(repo))
    if as_json:
        echo_json({"summary": verdict.to_dict(), **result.to_dict()})
        return
    console.show_rollback(result, verdict)


@main.command("recover")
@repo_option
def recover_cmd(repo: Path):
    """Finish or undo a step a killed run left in flight (every run and rollback does this first)."""
    messages = engine.recover_repo(repo)
    for message in messages or ["nothing to recover: no step was left in flight"]:
        click.echo(message)


@main.command("status")
@repo_option
@json_option
def status_cmd(repo: Path, as_json: bool):
    """Playbook runs found in the history (commit trailers): steps, commits, rolled back or not; the run
    lock and a step left in flight."""
    runs = engine.status(repo)
    state = engine.run_state(repo)
    if as_json:
        echo_json({"runs": [r.to_dict() for r in runs], "state": state})
        return
    for line in state:
        click.echo(line)
    if not runs:
        click.echo("no migrate runs in the history")
        return
    console.print_table("migrate runs", ["playbook", "run", "steps", "state", "commits"],
                        [[r.run.playbook, r.run.run_id, f"{len(r.run.steps)}/{r.run.total}", r.state,
                          " ".join(f"{s.index}:{s.sha[:8]}" for s in sorted(r.run.steps, key=lambda s: s.index))]
                         for r in runs])


# --- demo --------------------------------------------------------------------------------------
@main.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where to create the example repository (default: a new temporary folder, kept).")
@click.option("--playbook", default=DEMO_PLAYBOOK, show_default=True, help="The playbook to dry-run.")
def demo_cmd(directory: Path | None, playbook: str):
    """Create the example repository and dry-run a playbook on it (changes nothing)."""
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="migrate-demo-")) / "lumie-infra"
    click.echo(f"example repository: {directory} ({init_repo(directory)})", err=True)
    click.echo(f"$ migrate run {playbook} --dry-run --repo {directory}", err=True)
    _run_playbook(_Invocation(directory, playbook))
