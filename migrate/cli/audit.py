"""``migrate verify [RANGE]``: re-check every migrate commit of a revision range (a guard for CI)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import engine
from .app import echo_json, json_option, main, repo_option


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        click.echo(f"... {message}", err=True)


@main.command("verify")
@click.argument("rev_range", metavar="[RANGE]", required=False)
@repo_option
@json_option
def verify_cmd(rev_range: str | None, repo: Path, as_json: bool):
    """Re-check every migrate commit in RANGE (anything `git rev-list` takes: main..HEAD, HEAD~3..; default:
    the history of HEAD): trailers, the recorded diff hash, no new dangling reference, approved snapshots.
    Exit 1 naming each commit that does not check out, so CI can refuse a hand-edited migration."""
    report = engine.audit(repo, rev_range, progress=_progress)
    if as_json:
        echo_json(report.to_dict())
    else:
        for commit in report.commits:
            click.echo(f"{commit.title()}: {'ok' if commit.ok else f'{len(commit.problems)} problem(s)'}")
            for problem in commit.problems:
                click.echo(f"    {problem}")
        click.echo(report.verdict())
    if not report.ok:
        click.get_current_context().exit(1)
