"""A step is a transaction (engine.transaction): the user's index is left alone, the repository's hooks
run as git runs them, nothing unverified reaches the branch, and a step left in flight is recovered."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from migrate import engine
from migrate.engine.ledger import parse_trailers
from migrate.engine.transaction import Journal, recover
from migrate.faults import FAULT_POINTS
from migrate.errors import RepoError, VerificationError
from migrate.repo.git import open_repo
from tests.fixtures.engine import cli, git


def hook(repo, name: str, body: str) -> None:
    path = repo / ".git" / "hooks" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_a_file_the_user_stages_during_a_run_stays_staged_and_enters_no_step(repo):
    def stage_between_steps(message: str) -> None:
        if message.startswith("committed step 1/"):
            (repo / "README.md").write_text("the user's edit\n")
            git(repo, "add", "README.md")

    result = engine.run(repo, "retire-api", progress=stage_between_steps)
    assert len(result.commits) == 3
    for _, sha in result.commits:
        assert "README.md" not in git(repo, "show", "--name-only", "--format=", sha)
    assert git(repo, "diff", "--cached", "--name-only") == "README.md\n"
    assert (repo / "README.md").read_text() == "the user's edit\n"


def test_a_rejecting_pre_commit_hook_refuses_the_step_and_nothing_lands(repo):
    head = git(repo, "rev-parse", "HEAD")
    hook(repo, "pre-commit", "echo 'lint failed' >&2\nexit 1\n")
    with pytest.raises(VerificationError, match=r"pre-commit hook .* rejected the step.*lint failed.*--no-verify"):
        engine.run(repo, "retire-api")
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert Journal.load(open_repo(repo)) is None


def test_no_verify_skips_the_hooks_and_says_so_in_every_commit(repo):
    hook(repo, "pre-commit", "exit 1\n")
    hook(repo, "commit-msg", "exit 1\n")
    result = cli(repo, "run", "retire-api", "--yes", "--no-verify")
    assert result.exit_code == 0, result.output
    assert "git hooks were skipped (--no-verify)" in result.output
    git_repo = open_repo(repo)
    for sha in git(repo, "rev-list", "HEAD~3..HEAD").split():
        assert parse_trailers(git_repo.commit(sha).message)["Migrate-No-Verify"] == ["true"]


def test_a_hook_that_changes_the_message_refuses_the_step_naming_it(repo):
    hook(repo, "prepare-commit-msg", 'echo "Ticket: OPS-1" >> "$1"\n')
    result = cli(repo, "run", "retire-api", "--yes")
    assert result.exit_code == 1
    assert "prepare-commit-msg hook" in result.output and "changed the step's commit message" in result.output


def test_a_post_commit_hook_that_stages_a_file_does_not_break_or_taint_the_run(repo):
    hook(repo, "post-commit", "echo extra > extra.txt && git add extra.txt\n")
    result = cli(repo, "run", "retire-api", "--yes")
    assert result.exit_code == 0, result.output
    git_repo = open_repo(repo)
    for sha in git(repo, "rev-list", "HEAD~3..HEAD").split():
        trailers = parse_trailers(git_repo.commit(sha).message)
        engine.verify_commit(git_repo, sha, trailers["Migrate-Diff-Sha256"][0])
        assert "extra.txt" not in git(repo, "show", "--name-only", "--format=", sha)


def test_hooks_that_pass_run_and_the_run_lands(repo):
    hook(repo, "pre-commit", "echo ran >> .git/pre-commit-ran\n")
    assert cli(repo, "run", "retire-api", "--yes").exit_code == 0
    assert (repo / ".git" / "pre-commit-ran").read_text() == "ran\nran\nran\n"


@pytest.mark.parametrize("step", [1, 2, 3])
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_step_killed_at_any_point_is_recovered_by_the_next_run(repo, point, step):
    """A real subprocess killed with SIGKILL inside a step; the next plain run finishes the playbook."""
    base = git(repo, "rev-parse", "HEAD").strip()
    env = {**os.environ, "MIGRATE_FAULT": f"{point}:{step}"}
    killed = subprocess.run([*_migrate(), "run", "retire-api", "--yes", "--repo", str(repo)], env=env,
                            capture_output=True)
    assert killed.returncode == -9
    assert "left in flight" in cli(repo, "status").output
    again = cli(repo, "run", "retire-api", "--yes")
    assert again.exit_code == 0, again.output
    assert git(repo, "rev-list", "--count", f"{base}..HEAD") == "3\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert (repo / "scratch.txt").read_text() == "untracked file\n"
    assert (repo / "notes.local").read_text() == "ignored file\n"
    assert Journal.load(open_repo(repo)) is None


@pytest.mark.parametrize("revert", [1, 2, 3])
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_rollback_killed_mid_revert_is_recovered_by_the_next_rollback(repo, point, revert):
    start_tree = git(repo, "rev-parse", "HEAD^{tree}")
    assert cli(repo, "run", "retire-api", "--yes").exit_code == 0
    env = {**os.environ, "MIGRATE_FAULT": f"{point}:{revert}"}
    killed = subprocess.run([*_migrate(), "rollback", "retire-api", "--yes", "--repo", str(repo)], env=env)
    assert killed.returncode == -9
    again = cli(repo, "rollback", "retire-api", "--yes")
    assert again.exit_code == 0, again.output
    assert git(repo, "rev-parse", "HEAD^{tree}") == start_tree
    assert (repo / "scratch.txt").read_text() == "untracked file\n"
    assert Journal.load(open_repo(repo)) is None


def test_recover_leaves_a_file_someone_else_changed(repo):
    git_repo = open_repo(repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    journal = Journal("step 1/1 test", git_repo.active_branch.path, head,
                      {"README.md": [None, "0" * 40]}, started=0)
    journal.save(git_repo)
    (repo / "README.md").write_text("someone's new file\n")
    messages = recover(git_repo)
    assert any("left as they are" in m and "README.md" in m for m in messages)
    assert (repo / "README.md").read_text() == "someone's new file\n"
    assert cli(repo, "recover").output.startswith("nothing to recover")


def test_a_branch_moved_under_a_step_is_refused_by_the_compare_and_swap(repo, monkeypatch):
    from migrate.engine import transaction

    real = transaction._write

    def move_branch_first(git_repo, changes, executable):
        real(git_repo, changes, executable)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "someone else"], cwd=repo, check=True)

    monkeypatch.setattr(transaction, "_write", move_branch_first)
    with pytest.raises(RepoError, match="update-ref"):
        engine.run(repo, "retire-api")
    assert git(repo, "log", "-1", "--format=%s").strip() == "someone else"     # their commit stays
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""    # the step's files put back
    assert Journal.load(open_repo(repo)) is None


def _migrate() -> list[str]:
    import sys
    return [sys.executable, "-m", "migrate"]


def test_the_next_run_says_it_took_over_a_dead_runs_lock_and_what_it_recovered(repo):
    env = {**os.environ, "MIGRATE_FAULT": "write:1"}
    killed = subprocess.run([*_migrate(), "run", "retire-api", "--yes", "--repo", str(repo)], env=env,
                            capture_output=True)
    assert killed.returncode == -9
    assert "the lock was left by a run that is gone" in cli(repo, "status").output
    again = subprocess.run([*_migrate(), "run", "retire-api", "--yes", "--repo", str(repo)], capture_output=True,
                           text=True)
    assert again.returncode == 0, again.stderr
    assert "took over the run lock left by pid" in again.stderr
    assert "recovered: the interrupted step (step 1/3 repoint-web) had not landed" in again.stderr


def test_sigterm_stops_a_run_at_a_safe_point_and_the_next_run_resumes(example_repo):
    """SIGTERM during a consolidate-backend run: the step in flight lands or is refused, the lock is
    released, and the message says how to resume; the next run finishes the playbook."""
    import signal
    import time

    process = subprocess.Popen([*_migrate(), "run", "consolidate-backend", "--yes", "--repo", str(example_repo)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holder = example_repo / ".git" / "migrate.lock.json"
    deadline = time.time() + 60
    while not holder.exists() and process.poll() is None and time.time() < deadline:
        time.sleep(0.05)          # the run holds its lock: its SIGTERM handler is in place
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 130), err
    if process.returncode == 130:
        assert "interrupted: stopped at a safe point" in err and "Run the same command again" in err
    assert Journal.load(open_repo(example_repo)) is None
    assert git(example_repo, "status", "--porcelain", "--untracked-files=no") == ""
    again = cli(example_repo, "run", "consolidate-backend", "--yes")
    assert again.exit_code == 0, again.output
    assert "- lumie/backend/argocd.yaml" in (example_repo / "applications/kustomization.yaml").read_text()


def test_an_edit_made_while_the_hooks_run_is_never_overwritten(repo):
    """The user edits a file the step writes while its pre-commit hook runs: the step is refused and the
    edit stays."""
    hook(repo, "pre-commit", "echo 'the user edit' >> apps/web/deployment.yaml\n")
    with pytest.raises(RepoError, match="changed while the run was going"):
        engine.run(repo, "retire-api")
    assert (repo / "apps/web/deployment.yaml").read_text().endswith("the user edit\n")
    assert Journal.load(open_repo(repo)) is None


def test_a_rollback_never_overwrites_an_untracked_file(repo):
    assert cli(repo, "run", "retire-api", "--yes").exit_code == 0
    (repo / "apps/api").mkdir(exist_ok=True)
    (repo / "apps/api/secret.yaml").write_text("mine\n")
    result = cli(repo, "rollback", "retire-api", "--yes")
    assert result.exit_code == 1 and "an untracked file is in the way" in result.output
    assert (repo / "apps/api/secret.yaml").read_text() == "mine\n"


def test_recovery_acts_only_on_the_branch_the_step_was_on(repo):
    env = {**os.environ, "MIGRATE_FAULT": "write:1"}
    subprocess.run([*_migrate(), "run", "retire-api", "--yes", "--repo", str(repo)], env=env, capture_output=True)
    git(repo, "stash", "-q")
    git(repo, "switch", "-q", "-c", "hotfix")
    result = cli(repo, "recover")
    assert "is checked out: check out" in result.output
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    git(repo, "switch", "-q", "-")


def test_a_binary_file_a_step_would_delete_is_a_refusal_naming_it_not_a_traceback(repo):
    (repo / "apps/api/logo.png").write_bytes(b"\x89PNG\xff\x00")
    git(repo, "add", "apps/api/logo.png")
    git(repo, "commit", "-qm", "logo")
    result = cli(repo, "plan", "retire-api")
    assert result.exit_code == 1
    assert "apps/api/logo.png: this step would change or delete it, but it is not UTF-8 text" in result.output
