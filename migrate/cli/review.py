"""``migrate report``: an applied run read back from history, as text, Markdown or a review page."""

from __future__ import annotations

from pathlib import Path

import click

from .. import console
from ..engine import summary
from ..engine.recorded import recorded_run
from ..review import pull_request_markdown, write_page
from .app import echo_json, json_option, main, repo_option


@main.command("report")
@click.argument("target", metavar="RUN-ID|PLAYBOOK")
@repo_option
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the review page of the run: one self-contained HTML file.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True,
              help="text: the summary, the report and every step's diff; markdown: sized for a pull-request comment.")
@json_option
def report_cmd(target: str, repo: Path, html_file: Path | None, fmt: str, as_json: bool):
    """What an applied run did, rebuilt from its commits: each step's files, diff, object changes and graph
    problems, the summary first (RUN-ID, or a playbook: its latest run)."""
    result = recorded_run(repo, target)
    verdict = summary.of_plan(result.plan, None if repo == Path(".") else str(repo), result)
    if html_file is not None:
        write_page(html_file, result.plan, verdict)
    if as_json:
        echo_json({"summary": verdict.to_dict(), **result.to_dict()})
    elif fmt == "markdown":
        click.echo(pull_request_markdown(result.plan, verdict), nl=False)
    else:
        console.show_plan(result.plan, verdict)
