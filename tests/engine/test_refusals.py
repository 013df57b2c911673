"""What the engine refuses, and that a refusal leaves the repository untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate import engine
from migrate.engine.lock import LOCK_NAME, is_held
from migrate.errors import RepoError, VerificationError, YamlError
from migrate.repo.git import open_repo
from tests.fixtures.engine import cli, git, hold_lock, run_yes, state


# --- refusals -----------------------------------------------------------------------------------------
def _dirty(repo: Path) -> str:
    (repo / "apps" / "web" / "deployment.yaml").write_text("changed: true\n")
    return "uncommitted changes; commit or stash them first:\n  apps/web/deployment.yaml"


def _detached(repo: Path) -> str:
    git(repo, "checkout", "-q", "--detach")
    return "HEAD is detached"


def _locked(repo: Path, request) -> str:
    holder = hold_lock(repo)
    request.addfinalizer(holder.kill)
    return f"another migrate run holds the lock {repo / '.git' / LOCK_NAME} (pid {holder.pid} on"


@pytest.mark.parametrize("make_unsafe", [_dirty, _detached, _locked])
def test_unsafe_repositories_are_refused_and_left_alone(repo, make_unsafe, request):
    message = make_unsafe(repo, request) if make_unsafe is _locked else make_unsafe(repo)
    before = state(repo)
    with pytest.raises(RepoError) as info:
        run_yes(repo)
    assert message in str(info.value)
    result = cli(repo, "run", "retire-api", "--yes")
    assert result.exit_code == 1 and message in result.output
    assert state(repo) == before


def test_lock_is_released_after_an_error(repo):
    with pytest.raises(VerificationError):
        run_yes(repo, params={"api_url": "http://api.api.svc:8080"})
    assert not is_held(open_repo(repo))
    assert run_yes(repo).commits


def test_the_lock_of_a_killed_run_does_not_block_the_next_one(repo):
    holder = hold_lock(repo)
    with pytest.raises(RepoError, match=f"pid {holder.pid} on "):
        run_yes(repo)
    holder.kill()
    holder.wait()
    assert (repo / ".git" / LOCK_NAME).exists()   # the file stays; the lock went with its process
    assert run_yes(repo).commits


def test_a_symbolic_link_out_of_the_repository_is_never_followed(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "notes").symlink_to(outside)
    git(repo, "add", "notes")
    git(repo, "commit", "-qm", "a link that leaves the repository")
    before = state(repo)
    with pytest.raises(RepoError, match="symbolic link"):
        run_yes(repo, "add-notes")
    assert list(outside.iterdir()) == [] and state(repo) == before


def test_empty_repo_and_non_git_folder_are_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RepoError, match="not a git repository"):
        engine.plan(empty, "retire-api")
    git(empty, "init", "-q")
    with pytest.raises(RepoError, match="no commits yet"):
        engine.run(empty, "retire-api")
    assert cli(empty, "status").exit_code == 1


def test_without_yes_and_without_a_terminal_nothing_is_applied(repo):
    before = state(repo)
    result = cli(repo, "run", "retire-api")
    assert result.exit_code == 1 and "pass --yes (-y)" in result.output
    assert state(repo) == before
    with pytest.raises(RepoError, match="not confirmed"):
        engine.run(repo, "retire-api", confirm=lambda plan: len(plan.pending) == 0)
    assert state(repo) == before


@pytest.mark.parametrize("args, message", [
    (["run", "nope", "-y"], "unknown playbook 'nope' (known: "),
    (["run", "retire-api", "-y", "--set", "nope=1"], "has no parameter 'nope'"),
    (["plan", "retire-api", "--set", "prune=perhaps"], "expects true or false"),
    (["run", "retire-api", "--update-snapshots"], "--update-snapshots only works with --dry-run"),
    (["plan", "retire-api", "--set", "prune"], "--set expects key=value"),
])
def test_usage_errors_exit_2(repo, args, message):
    before = state(repo)
    result = cli(repo, *args)
    assert result.exit_code == 2 and message in result.output
    assert state(repo) == before


@pytest.mark.parametrize("args", [["plan", "retire-api"], ["run", "retire-api", "--dry-run"],
                                  ["run", "retire-api", "--yes"]])
def test_a_file_that_does_not_parse_is_refused_with_its_line(repo, args):
    (repo / "apps" / "broken.yaml").write_text("a: [1, 2\nb: c\n")
    git(repo, "add", "apps/broken.yaml")
    git(repo, "commit", "-qm", "broken")
    before = state(repo)
    result = cli(repo, *args)
    assert result.exit_code == 1
    assert "apps/broken.yaml:2:" in result.output and "migrate doctor" in result.output
    assert "Traceback" not in result.output
    assert state(repo) == before


def test_a_run_that_leaves_a_call_to_a_service_nothing_syncs_is_refused(example_repo):
    book = example_repo / ".migrate" / "playbooks" / "unregister-grading.yaml"
    book.parent.mkdir(parents=True)
    book.write_text("name: unregister-grading\ndescription: Stop syncing grading-svc, keep its folder.\n"
                    "steps:\n  - name: unregister\n    operation: edit-kustomization-resources\n"
                    "    with: {file: applications/kustomization.yaml, remove: [lumie/ai/grading-svc/argocd.yaml]}\n"
                    "    objects: [{change: removed, app: grading-svc}, {change: removed, kind: Application}]\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "playbook")
    before = state(example_repo)
    result = cli(example_repo, "run", "unregister-grading", "--yes")
    assert result.exit_code == 1
    assert "still refers to service:lumie-grading/grading-svc, which nothing syncs" in result.output
    assert "applications/lumie/backend/exam-svc/common-values.yaml:" in result.output
    assert state(example_repo) == before


def test_an_unparsable_file_no_edited_application_reads_is_a_blind_spot_not_a_refusal(repo):
    (repo / "docs").mkdir()
    (repo / "docs" / "broken.yaml").write_text("key: [unclosed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a broken file nothing deploys")
    plan = engine.plan(repo, "retire-api")
    assert plan.error is None
    assert any(s.startswith("docs/broken.yaml:2: ") and "does not parse" in s for s in plan.blind_spots)


def test_an_unparsable_file_of_an_application_the_run_edits_refuses_the_run(repo):
    (repo / "apps" / "web" / "broken.yaml").write_text("key: [unclosed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a broken file web deploys")
    before = state(repo)
    with pytest.raises(YamlError) as error:
        engine.plan(repo, "retire-api")
    assert (error.value.path, error.value.line) == ("apps/web/broken.yaml", 2)
    assert "an Application this run edits reads it" in str(error.value)
    assert state(repo) == before
