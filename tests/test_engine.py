"""The engine on real git repositories: plan, dry run, apply, verification, refusals, resume.

The repository is tests/data/engine-repo (a root App-of-Apps with apps web and api) with the
test playbooks of tests/data/playbooks in its .migrate/playbooks/, committed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import engine
from migrate.cli import main
from migrate.context import Context
from migrate.diffs import diff_files, redact_pair, sha256
from migrate.errors import RepoError, VerificationError
from migrate.gitops import LOCK_NAME, commit_files, open_repo
from migrate.history import parse_trailers
from migrate.operations.base import Operation, Option, StepResult, register_operation
from migrate.testing import make_repo
from migrate.tree import Tree

DATA = Path(__file__).parent / "data"
SECRET = "hunter2-very-secret"


@register_operation
class WriteFile(Operation):
    """A test operation (and an example of a user-written one): write one file."""

    name = "write-file"
    description = "Write a file with the given text."
    options = {"path": Option("Where.", required=True), "text": Option("What.", default="")}

    def declare(self, ctx: Context) -> set[str]:
        return {ctx.options["path"]}

    def apply(self, ctx: Context) -> StepResult:
        return StepResult({ctx.options["path"]: ctx.options["text"]}, f"Write {ctx.options['path']}")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def state(repo: Path) -> tuple:
    """HEAD, index, status (with untracked and ignored files) and every file's bytes."""
    files = {str(p.relative_to(repo)): p.read_bytes() for p in sorted(repo.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(repo).parts}
    return (git(repo, "rev-parse", "HEAD"), git(repo, "diff", "--cached"),
            git(repo, "status", "--porcelain", "--ignored"), files)


def _files(folder: Path, prefix: str = "") -> dict[str, str]:
    return {prefix + str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def repo(tmp_path) -> Path:
    """The engine repo, committed, plus an untracked and an ignored file."""
    files = {**_files(DATA / "engine-repo"), **_files(DATA / "playbooks", ".migrate/playbooks/"),
             ".gitignore": "*.local\n"}
    root = make_repo(tmp_path / "repo", files)
    (root / "notes.local").write_text("ignored file\n")
    (root / "scratch.txt").write_text("untracked file\n")
    return root


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def run_yes(repo: Path, playbook: str = "retire-api", params=None) -> engine.RunResult:
    return engine.run(repo, playbook, params)


# --- dry run / plan ---------------------------------------------------------------------------------
def test_dry_run_leaves_head_index_and_files_exactly_as_they_were(repo):
    (repo / "apps" / "web" / "kustomization.yaml").write_text("# edited, not committed\n", encoding="utf-8")
    before = state(repo)
    result = engine.run(repo, "retire-api", dry_run=True)
    assert [s.name for s in result.plan.steps if s.changes] == ["repoint-web", "unregister", "retire"]
    assert "planned on uncommitted changes in: apps/web/kustomization.yaml" in result.plan.notes
    for args in (["plan", "retire-api"], ["run", "retire-api", "--dry-run"], ["plan", "retire-api", "--json"]):
        assert cli(repo, *args).exit_code == 0
    assert state(repo) == before


def test_plan_shows_steps_files_checks_and_redacted_diffs(repo):
    out = cli(repo, "plan", "retire-api").output
    assert "## Step 3/3 `retire` (remove-paths)" in out
    assert "- D `apps/api/secret.yaml` (+0 -8)" in out
    assert "Checks passed: yaml-parses, declared-paths, no-new-dangling, unchanged, not-synced." in out
    assert "# 01-repoint-web.diff\n--- a/apps/web/deployment.yaml\n+++ b/apps/web/deployment.yaml\n" in out
    assert "-  password: <redacted>\n" in out and SECRET not in out


def test_plan_api_keeps_the_real_diff_for_the_hash(repo):
    plan = engine.plan(repo, "retire-api")
    retire = plan.steps[2]
    assert SECRET in retire.diff and SECRET not in retire.display_diff
    assert retire.diff_sha256 == sha256(retire.diff)
    assert plan.to_dict()["steps"][2]["diff"] == retire.display_diff


def test_snapshot_dir_is_deterministic(repo, tmp_path):
    first, second = tmp_path / "s1", tmp_path / "s2"
    assert cli(repo, "plan", "retire-api", "--snapshot-dir", str(first)).exit_code == 0
    engine.run(repo, "retire-api", dry_run=True, snapshot_dir=second)
    names = ["01-repoint-web.diff", "02-unregister.diff", "03-retire.diff", "report.md"]
    assert sorted(p.name for p in first.iterdir()) == names
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    report = (first / "report.md").read_text()
    assert git(repo, "rev-parse", "HEAD")[:12] not in report and "ra-" not in report
    assert SECRET not in "".join((first / n).read_text() for n in names)


def test_plan_on_the_example_repo_reports_pre_existing_and_new_problems(example_repo):
    folder = example_repo / ".migrate" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "unregister-kong.yaml").write_text(
        "name: unregister-kong\ndescription: Stop syncing kong.\nsteps:\n"
        "  - name: unregister\n    operation: edit-kustomization-resources\n"
        "    with: {file: bootstrap, remove: [kong/argocd.yaml]}\n")
    plan = engine.plan(example_repo, "unregister-kong")
    assert [r.target for r in plan.pre_existing if r.synced] == ["service:lumie-platform/auth-svc"]
    error = plan.error
    assert isinstance(error, VerificationError) and error.check == "no-new-dangling"
    assert error.path and error.line and "needs-crd" in str(plan.steps[0].graph.new[0])
    assert "\\ No newline at end of file" in plan.steps[0].display_diff


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
    assert not (repo / ".git" / LOCK_NAME).exists()


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


def test_failed_verification_writes_nothing(repo):
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo, params={"api_url": "http://api.api.svc:8080"})
    error = info.value
    assert error.check == "no-new-dangling"
    assert (error.path, error.line) == ("apps/web/deployment.yaml", 15)
    assert "service:api/api" in str(error)
    assert state(repo) == before
    result = cli(repo, "run", "retire-api", "--yes", "--set", "api_url=http://api.api.svc:8080")
    assert result.exit_code == 1 and "[no-new-dangling]" in result.output
    dry = cli(repo, "plan", "retire-api", "--set", "api_url=http://api.api.svc:8080")
    assert dry.exit_code == 1 and "**Verification failed:**" in dry.output
    assert state(repo) == before


def test_failed_intent_check_names_the_check_and_writes_nothing(repo):
    book = repo / ".migrate" / "playbooks" / "add-notes.yaml"
    book.write_text(book.read_text() + "checks:\n  - check: unchanged\n    with: {paths: [notes/second.txt]}\n")
    git(repo, "commit", "-qam", "guard second note")
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo, "add-notes")
    assert info.value.check == "unchanged" and info.value.path == "notes/second.txt"
    assert state(repo) == before


def test_operation_error_stops_the_plan(repo):
    plan = engine.plan(repo, "retire-api", {"app": "nothere"})
    assert plan.error is not None and "not listed in resources" in str(plan.error)
    assert [s.planned for s in plan.steps] == [True, True, False]


# --- refusals -----------------------------------------------------------------------------------------
def _dirty(repo: Path) -> str:
    (repo / "apps" / "web" / "deployment.yaml").write_text("changed: true\n")
    return "uncommitted changes; commit or stash them first:\n  apps/web/deployment.yaml"


def _detached(repo: Path) -> str:
    git(repo, "checkout", "-q", "--detach")
    return "HEAD is detached"


def _locked(repo: Path) -> str:
    (repo / ".git" / LOCK_NAME).write_text("pid 1: migrate run other\n")
    return "another migrate run holds the lock"


@pytest.mark.parametrize("make_unsafe", [_dirty, _detached, _locked])
def test_unsafe_repositories_are_refused_and_left_alone(repo, make_unsafe):
    message = make_unsafe(repo)
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
    assert not (repo / ".git" / LOCK_NAME).exists()
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


# --- approved snapshots --------------------------------------------------------------------------------
def test_approved_snapshots_must_match_byte_for_byte(repo):
    assert cli(repo, "plan", "retire-api", "--update-snapshots").exit_code == 0
    approved = repo / ".migrate" / "snapshots" / "retire-api"
    assert sorted(p.name for p in approved.iterdir()) == [
        "01-repoint-web.diff", "02-unregister.diff", "03-retire.diff", "report.md"]
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "approve snapshots")
    assert "snapshot" in engine.plan(repo, "retire-api").steps[0].passed
    (approved / "02-unregister.diff").write_text((approved / "02-unregister.diff").read_text() + " \n")
    git(repo, "commit", "-qam", "tamper")
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo)
    assert info.value.check == "snapshot"
    assert info.value.path.endswith("02-unregister.diff") and info.value.line == 8
    assert state(repo) == before


def test_snapshots_of_an_applied_playbook_cannot_be_approved(repo):
    run_yes(repo)
    result = cli(repo, "plan", "retire-api", "--update-snapshots")
    assert result.exit_code == 1 and "already applied here" in result.output
    assert not (repo / ".migrate" / "snapshots").exists()


def test_missing_approved_snapshot_fails(repo):
    approved = repo / ".migrate" / "snapshots" / "retire-api"
    approved.mkdir(parents=True)
    (approved / "01-repoint-web.diff").write_text("")
    plan = engine.plan(repo, "retire-api")
    assert plan.error.check == "snapshot" and "01-repoint-web.diff" in plan.error.path


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


def test_tree_from_commit_reads_blobs_of_that_commit(repo):
    run_yes(repo)
    old = Tree.from_commit(repo, "HEAD~3")
    assert old.exists("apps/api/secret.yaml") and SECRET in old.read_text("apps/api/secret.yaml")
    assert "http://api.api.svc:8080" in old.read_text("apps/web/deployment.yaml")
    assert not Tree.from_repo(repo).exists("apps/api/secret.yaml")


# --- list / status / json --------------------------------------------------------------------------------
def test_list_and_status_json(repo):
    listed = json.loads(cli(repo, "list", "--json").output)
    retire = next(b for b in listed if b["name"] == "retire-api")
    assert [s["name"] for s in retire["steps"]] == ["repoint-web", "unregister", "retire"]
    assert {p["name"]: p["default"] for p in retire["parameters"]}["prune"] is True
    assert "retire-api" in cli(repo, "list").output
    assert "retire-api" in CliRunner().invoke(main, ["list", "--repo", str(repo / "apps")]).output
    assert cli(repo, "status").output == "no migrate runs in the history\n"
    applied = json.loads(cli(repo, "run", "retire-api", "-y", "--json").output)
    assert len(applied["commits"]) == 3
    [run] = json.loads(cli(repo, "status", "--json").output)
    assert (run["playbook"], run["run_id"], run["state"]) == ("retire-api", applied["run_id"], "complete")
    assert applied["run_id"] in cli(repo, "status").output


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


def test_redaction_masks_secret_values_and_marks_changed_ones():
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\n"
              "stringData:\n  config: |\n    # not a comment\n    token=abc\n  user: admin\n"
              "---\nkind: ConfigMap\ndata:\n  visible: yes\n")
    old, new = redact_pair(secret, secret.replace("token=abc", "token=xyz"))
    assert "c2VjcmV0" not in old + new and "token" not in old + new and "not a comment" not in old
    assert "  config: <redacted: changed>\n    <redacted: changed>\n" in new
    assert "  user: <redacted>\n" in new and "  visible: yes\n" in new
    assert old.count("\n") == secret.count("\n")


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


def test_a_dry_run_does_not_even_refresh_the_index(repo):
    """A file touched without a content change leaves stale stat data in .git/index: a plain
    `git status` would rewrite the index to refresh it; a dry run must not."""
    import os
    import time

    target = next(p for p in sorted((repo / "apps").rglob("*.yaml")))
    later = time.time() + 100
    os.utime(target, (later, later))
    index = (repo / ".git" / "index").read_bytes()
    assert cli(repo, "run", "retire-api", "--dry-run").exit_code == 0
    assert (repo / ".git" / "index").read_bytes() == index


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


def test_the_plan_names_what_the_graph_cannot_see(repo):
    (repo / "apps" / "appset.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: previews\nspec: {}\n")
    git(repo, "add", "apps/appset.yaml")
    git(repo, "commit", "-qm", "appset")
    notes = engine.plan(repo, "retire-api").notes
    assert any(n.startswith("apps/appset.yaml:1: ApplicationSet previews") for n in notes)


def test_a_run_that_leaves_a_call_to_a_service_nothing_syncs_is_refused(example_repo):
    book = example_repo / ".migrate" / "playbooks" / "unregister-grading.yaml"
    book.parent.mkdir(parents=True)
    book.write_text("name: unregister-grading\ndescription: Stop syncing grading-svc, keep its folder.\n"
                    "steps:\n  - name: unregister\n    operation: edit-kustomization-resources\n"
                    "    with: {file: applications/kustomization.yaml, remove: [lumie/ai/grading-svc/argocd.yaml]}\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "playbook")
    before = state(example_repo)
    result = cli(example_repo, "run", "unregister-grading", "--yes")
    assert result.exit_code == 1
    assert "still refers to service:lumie-grading/grading-svc, which nothing syncs" in result.output
    assert "applications/lumie/backend/exam-svc/common-values.yaml:" in result.output
    assert state(example_repo) == before
