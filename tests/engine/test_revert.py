"""Rollback: revert a run newest first, restore pre-run bytes, leave the repo as it was on conflict."""

from __future__ import annotations

import json

import pytest

from migrate import engine
from migrate.engine.ledger import parse_trailers
from migrate.errors import RepoError, UsageError
from migrate.repo.git import open_repo
from tests.fixtures.engine import cli, git, run_yes, state


def tracked_bytes(root) -> dict:
    return {p: (root / p).read_bytes() for p in git(root, "ls-files").split()}


def test_rollback_restores_pre_run_bytes_with_one_revert_commit_per_step(repo):
    before = tracked_bytes(repo)
    applied = run_yes(repo)
    result = engine.rollback(repo, "retire-api")
    assert [reverted for reverted, _ in result.reverts] == [sha for _, sha in reversed(applied.commits)]
    assert tracked_bytes(repo) == before and result.kept == []
    git_repo = open_repo(repo)
    for reverted, revert in result.reverts:
        commit = git_repo.commit(revert)
        assert commit.summary == f'Revert "{git_repo.commit(reverted).summary}"'
        assert f"This reverts commit {reverted}." in commit.message
        assert parse_trailers(commit.message) == {"Migrate-Playbook": ["retire-api"],
                                                  "Migrate-Run": [applied.run_id],
                                                  "Migrate-Revert-Of": [reverted]}
    assert result.run.state == "rolled back"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_rollback_by_run_id_then_again_is_a_no_op(repo):
    applied = run_yes(repo)
    assert engine.rollback(repo, applied.run_id).reverts
    head = git(repo, "rev-parse", "HEAD")
    again = cli(repo, "rollback", applied.run_id, "--yes")
    assert again.exit_code == 0 and "already rolled back" in again.output
    assert git(repo, "rev-parse", "HEAD") == head


def test_after_a_rollback_the_playbook_runs_again_as_a_new_run(repo):
    first = run_yes(repo)
    engine.rollback(repo, "retire-api")
    second = run_yes(repo)
    assert second.run_id != first.run_id and len(second.commits) == 3
    states = [r.state for r in engine.status(repo)]
    assert states == ["rolled back", "complete"]


def test_conflict_leaves_the_repository_exactly_as_it_was(repo):
    run_yes(repo)
    web = repo / "apps" / "web" / "deployment.yaml"
    web.write_text(web.read_text().replace("https://api.example.com", "https://api.example.net"))
    git(repo, "commit", "-qam", "hand edit of the line step 1 changed")
    before = state(repo)
    with pytest.raises(RepoError, match="reverting step 1 repoint-web .* conflicts"):
        engine.rollback(repo, "retire-api")
    assert state(repo) == before
    assert not (repo / ".git" / "REVERT_HEAD").exists()
    result = cli(repo, "rollback", "retire-api", "-y")
    assert result.exit_code == 1 and state(repo) == before


def test_later_unrelated_change_to_a_touched_file_is_kept_and_reported(repo):
    before = tracked_bytes(repo)
    run_yes(repo)
    web = repo / "apps" / "web" / "deployment.yaml"
    web.write_text(web.read_text().replace("replicas: 2", "replicas: 5"))
    git(repo, "commit", "-qam", "scale web")
    later = git(repo, "rev-parse", "HEAD").strip()
    result = engine.rollback(repo, "retire-api")
    assert result.kept == [f"apps/web/deployment.yaml (changed since by {later[:12]})"]
    assert web.read_bytes() == before["apps/web/deployment.yaml"].replace(b"replicas: 2", b"replicas: 5")
    assert {p: b for p, b in tracked_bytes(repo).items() if p != "apps/web/deployment.yaml"} == \
        {p: b for p, b in before.items() if p != "apps/web/deployment.yaml"}


def test_a_step_reverted_by_hand_with_plain_git_revert(repo):
    before = tracked_bytes(repo)
    applied = run_yes(repo)
    retire = applied.commits[-1][1]
    git(repo, "revert", "--no-edit", retire)
    assert (repo / "apps" / "api" / "secret.yaml").read_bytes() == before["apps/api/secret.yaml"]
    [run] = engine.status(repo)
    assert run.state == "partly reverted" and [r.revert_of for r in run.run.reverts] == [retire]
    assert "step 3 retire reverted by" in engine.plan(repo, "retire-api").notes[0]
    result = engine.rollback(repo, "retire-api")
    assert [reverted for reverted, _ in result.reverts] == [sha for _, sha in reversed(applied.commits[:2])]
    assert tracked_bytes(repo) == before and result.run.state == "rolled back"


def test_rollback_needs_yes_without_a_terminal_and_knows_its_targets(repo):
    run_yes(repo)
    before = state(repo)
    result = cli(repo, "rollback", "retire-api")
    assert result.exit_code == 1 and "pass --yes (-y)" in result.output
    assert state(repo) == before
    with pytest.raises(UsageError, match="no run of 'nope' in the history of HEAD .*retire-api"):
        engine.rollback(repo, "nope")
    done = json.loads(cli(repo, "rollback", "retire-api", "-y", "--json").output)
    assert len(done["reverts"]) == 3 and done["run"]["state"] == "rolled back"
