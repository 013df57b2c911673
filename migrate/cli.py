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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
