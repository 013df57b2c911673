"""The ``migrate`` command group, its shared options, and how errors become messages and exit codes."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import click

from ..errors import MigrateError
from ..schemas import SCHEMA_VERSION


class Group(click.Group):
    """A click group that turns MigrateError into a message and an exit code."""

    def invoke(self, ctx):
        signal.signal(signal.SIGTERM, _interrupt)   # SIGTERM ends a run like Ctrl-C: between two steps
        try:
            return super().invoke(ctx)
        except MigrateError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: stopped at a safe point (a step is never left half-applied; the lock is "
                       "released). Run the same command again to resume, or `migrate rollback` to undo.", err=True)
            ctx.exit(130)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


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
    """``data`` as JSON on stdout; an object gets the schema ``version`` first (``migrate/schemas/``)."""
    if isinstance(data, dict):
        data = {"version": SCHEMA_VERSION, **data}
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="migrate")
def main():
    """Restructure an ArgoCD App-of-Apps GitOps repository safely.

    Playbooks plan reversible steps, show every diff before touching anything,
    commit one verified step at a time and roll back with `git revert`.
    """


