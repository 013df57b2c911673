"""Applying a plan: one verified commit per step, resume, runs told apart by parameters (engine.apply)."""

from __future__ import annotations

import pytest

from migrate import engine
from migrate.engine.ledger import parse_trailers
from migrate.engine.lock import is_held
from migrate.errors import RepoError
from migrate.repo.diffs import diff_files, sha256
from migrate.repo.git import commit_files, open_repo
from migrate.testing import make_repo
from tests.fixtures.engine import cli, git, run_yes, state


# --- apply ---------------------------------------------------------------------------------------------
def test_apply_makes_one_verified_commit_per_step_staging_only_its_paths(repo):
    before = state(repo)
    result = run_yes(repo)
    assert [name for name, _ in result.commits] == ["repoint-web", "unregister", "retire"]
    assert git(repo, "rev-list", "--count", "HEAD") == "4\n"
    expected_files = [["apps/web/deployment.yaml"], ["apps/kustomization.yaml"],
                      ["apps/api/argocd.yaml", "apps/api/deployment.yaml", "apps/api/kustomization.yaml",
                       "apps/api/secret.yaml"]]
    git_repo = open_repo(repo)
    for k, ((name, sha), files) in enumerate(zip(result.commits, expected_files), start=1):
        trailers = parse_trailers(git_repo.commit(sha).message)
        assert trailers["Migrate-Playbook"] == ["retire-api"]
        assert trailers["Migrate-Step"] == [f"{k}/3 {name}"]
        assert trailers["Migrate-Run"] == [result.run_id]
        assert engine.verify_commit(git_repo, sha, trailers["Migrate-Diff-Sha256"][0]) == \
            result.plan.steps[k - 1].diff_sha256
        assert commit_files(git_repo, sha) == files
    after = state(repo)
    assert after[1] == "" and after[2] == before[2]  # index clean; same untracked/ignored files
    assert after[3]["scratch.txt"] == b"untracked file\n" and after[3]["notes.local"] == b"ignored file\n"
    assert not is_held(open_repo(repo))


def test_git_show_of_a_step_commit_hashes_like_its_trailer(repo):
    """The trailer is the sha256 of the diff that migrate prints (recomputed from git here)."""
    sha = run_yes(repo).commits[0][1]
    git_repo = open_repo(repo)
    old = {"apps/web/deployment.yaml": git(repo, "show", f"{sha}^:apps/web/deployment.yaml")}
    new = {"apps/web/deployment.yaml": git(repo, "show", f"{sha}:apps/web/deployment.yaml")}
    assert parse_trailers(git_repo.commit(sha).message)["Migrate-Diff-Sha256"] == [sha256(diff_files(old, new))]


def test_rerun_of_an_applied_playbook_does_nothing(repo):
    first = run_yes(repo)
    head = git(repo, "rev-parse", "HEAD")
    again = run_yes(repo)
    assert again.already_applied and again.commits == []
    assert git(repo, "rev-parse", "HEAD") == head
    result = cli(repo, "run", "retire-api", "--yes")
    assert result.exit_code == 0
    assert f"already applied at {head[:12]} (run {first.run_id})" in result.output
    shown = cli(repo, "plan", "retire-api").output
    assert f"Not planned: already applied in {first.commits[0][1][:12]}." in shown


def test_a_step_with_nothing_to_change_is_recorded_on_the_last_commit(repo):
    result = run_yes(repo, params={"prune": "false"})
    assert [name for name, _ in result.commits] == ["repoint-web", "unregister"]
    last = open_repo(repo).commit(result.commits[-1][1]).message
    assert parse_trailers(last)["Migrate-Skipped"] == ["3/3 retire"]
    [run] = engine.status(repo)
    assert run.complete and run.state == "complete" and run.skipped == {3}
    assert run_yes(repo, params={"prune": "false"}).already_applied


# --- resume --------------------------------------------------------------------------------------------
def test_run_interrupted_after_step_k_resumes_at_k_plus_1_with_the_same_id(repo):
    first = run_yes(repo)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    plan = engine.plan(repo, "retire-api")
    assert plan.run_id == first.run_id and any("resuming run" in n for n in plan.notes)
    assert [s.planned for s in plan.steps] == [False, False, True]
    resumed = run_yes(repo)
    assert resumed.run_id == first.run_id and [n for n, _ in resumed.commits] == ["retire"]
    [run] = engine.status(repo)
    assert run.complete and [s.index for s in run.run.steps] == [1, 2, 3]


def test_an_interrupted_run_does_not_resume_a_changed_playbook(repo):
    run_yes(repo)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    book = repo / ".migrate" / "playbooks" / "retire-api.yaml"
    book.write_text(book.read_text().replace("name: unregister", "name: deregister"))
    git(repo, "commit", "-qam", "rename a step")
    with pytest.raises(RepoError, match="playbook's steps changed since"):
        engine.plan(repo, "retire-api")


def test_a_failure_while_applying_keeps_earlier_steps_and_resumes(repo):
    (repo / "notes").mkdir()
    (repo / "notes" / "second.txt").write_text("mine, untracked\n")
    with pytest.raises(RepoError, match="untracked file is in the way"):
        run_yes(repo, "add-notes")
    assert (repo / "notes" / "second.txt").read_text() == "mine, untracked\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    [run] = engine.status(repo)
    assert [s.index for s in run.run.steps] == [1] and run.state == "incomplete"
    (repo / "notes" / "second.txt").unlink()
    resumed = run_yes(repo, "add-notes")
    assert resumed.run_id == run.run.run_id and [n for n, _ in resumed.commits] == ["second-note"]
    assert (repo / "notes" / "second.txt").read_text() == "second: hello\n"


# --- diffs ------------------------------------------------------------------------------------------------
def test_diff_applies_with_git_apply_including_missing_final_newlines(tmp_path):
    old = {"a.txt": "one\ntwo\nthree", "gone.txt": "x\n", "same.txt": "s\n"}
    new = {"a.txt": "one\ntwo\nthree\nfour\n", "gone.txt": None, "new.txt": "hello", "same.txt": "s\n"}
    repo = make_repo(tmp_path / "r", {k: v for k, v in old.items()})
    patch = diff_files(old, new)
    assert patch.count("\\ No newline at end of file\n") == 2 and "same.txt" not in patch
    (tmp_path / "p.diff").write_text(patch)
    git(repo, "apply", str(tmp_path / "p.diff"))
    assert (repo / "a.txt").read_text() == new["a.txt"] and (repo / "new.txt").read_text() == "hello"
    assert not (repo / "gone.txt").exists()


def test_a_run_with_other_parameters_is_a_new_run_and_the_same_parameters_are_already_applied(repo):
    first = run_yes(repo, "add-notes")
    again = run_yes(repo, "add-notes")
    assert again.commits == [] and again.plan.applied_run.run.run_id == first.run_id
    second = run_yes(repo, "add-notes", {"text": "bye"})
    assert second.run_id != first.run_id and [n for n, _ in second.commits] == ["first-note", "second-note"]
    assert (repo / "notes" / "first.txt").read_text() == "first: bye\n"
    digests = {r.run.run_id: r.run.params_sha256 for r in engine.status(repo)}
    assert digests[first.run_id] != digests[second.run_id]
    assert "hello" not in git(repo, "log", "-1", "--format=%B") and "bye" not in git(repo, "log", "-1", "--format=%B")


def test_an_unfinished_run_with_other_parameters_must_be_resumed_or_rolled_back_first(repo):
    (repo / "notes").mkdir()
    (repo / "notes" / "second.txt").write_text("mine, untracked\n")
    with pytest.raises(RepoError):
        run_yes(repo, "add-notes")
    (repo / "notes" / "second.txt").unlink()
    [run] = engine.status(repo)
    with pytest.raises(RepoError, match=f"with other parameters.*migrate rollback {run.run.run_id}"):
        engine.plan(repo, "add-notes", {"text": "bye"})
    assert run_yes(repo, "add-notes").run_id == run.run.run_id  # same parameters: resumes
