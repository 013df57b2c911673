"""Shell completion: playbook names and ``--set KEY=`` from the playbooks ``migrate list`` shows."""

from __future__ import annotations

from click.shell_completion import BashComplete
from click.testing import CliRunner

from migrate.cli import main


def complete(line: str, repo) -> list[str]:
    """What bash completion offers for ``line`` (``migrate`` and its words; the last one is being typed)."""
    words = line.split()[1:]
    incomplete = "" if line.endswith(" ") else words.pop()
    shell = BashComplete(main, {}, "migrate", "_MIGRATE_COMPLETE")
    return [item.value for item in shell.get_completions([words[0], "--repo", str(repo), *words[1:]], incomplete)]


def test_playbook_names_complete(repo):
    assert {"consolidate-backend", "drop-kong", "retire-api"} <= set(complete("migrate run ", repo))
    assert complete("migrate plan dro", repo) == ["drop-kong", "drop-nginx-ingress", "drop-traefik"]


def test_parameters_complete_after_set(repo):
    assert complete("migrate run drop-kong --set acc", repo) == ["accept_loss="]
    assert "services=" in complete("migrate plan consolidate-backend --set ", repo)


def test_the_completion_script_is_what_the_readme_says():
    result = CliRunner(env={"_MIGRATE_COMPLETE": "bash_source"}).invoke(main, [], prog_name="migrate")
    assert "_migrate_completion" in result.output and "complete -o nosort -F _migrate_completion migrate" in result.output
