"""``migrate verify [RANGE]``: every migrate commit of a range re-checked (engine.audit), on real runs of the
shipped consolidate-backend playbook on the example repository, and on commits edited or forged by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from migrate import engine
from migrate.cli import main
from migrate.engine.apply import commit_diff_sha256
from migrate.errors import UsageError
from migrate.repo.git import open_repo
from migrate.schemas import schema
from tests.fixtures.engine import git

IDENTITY = {"GIT_AUTHOR_NAME": "Migrate Test", "GIT_AUTHOR_EMAIL": "test@migrate.invalid",
            "GIT_COMMITTER_NAME": "Migrate Test", "GIT_COMMITTER_EMAIL": "test@migrate.invalid"}
SNAPSHOTS = ".migrate/snapshots/consolidate-backend"


def migrate(*args: str):
    return CliRunner().invoke(main, list(args))


def verify(repo: Path, *args: str):
    return migrate("verify", "--repo", str(repo), *args)


def _applied(master: Path, folder: Path, approve_snapshots: bool = False) -> Path:
    """A copy of the example with consolidate-backend applied for real (``migrate run --yes``), its approved
    snapshots committed first if asked."""
    repo = folder / "lumie-infra"
    shutil.copytree(master, repo, symlinks=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in IDENTITY.items():
            patch.setenv(name, value)
        if approve_snapshots:
            result = migrate("run", "consolidate-backend", "--dry-run", "--update-snapshots", "--repo", str(repo))
            assert result.exit_code == 0, result.output
            git(repo, "add", ".migrate")
            git(repo, "commit", "-q", "-m", "approve the consolidate-backend snapshots")
        result = migrate("run", "consolidate-backend", "--yes", "--repo", str(repo))
        assert result.exit_code == 0, result.output
    return repo


@pytest.fixture(scope="session")
def applied_once(example_repo_master, tmp_path_factory) -> Path:
    return _applied(example_repo_master, tmp_path_factory.mktemp("audit-applied"))


@pytest.fixture(scope="session")
def approved_once(example_repo_master, tmp_path_factory) -> Path:
    return _applied(example_repo_master, tmp_path_factory.mktemp("audit-approved"), approve_snapshots=True)


def _copy(master: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "lumie-infra"
    shutil.copytree(master, dest, symlinks=True)
    return dest


@pytest.fixture
def applied(applied_once, tmp_path) -> Path:
    """A private copy of the example with consolidate-backend applied: HEAD~3..HEAD are its four steps."""
    return _copy(applied_once, tmp_path)


def sha(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def message(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%B", rev)


def commit_with(repo: Path, text: str, *, amend: bool = False) -> str:
    """Commit what is staged (or nothing) with message ``text``; the new sha."""
    (repo.parent / "message.txt").write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "--allow-empty", *(["--amend"] if amend else []), "-F", str(repo.parent / "message.txt"))
    return sha(repo)


def problems_of(result) -> list[str]:
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("    [")]


# --- real runs check out ----------------------------------------------------------------------
def test_a_real_run_of_the_shipped_playbook_verifies(applied):
    steps = git(applied, "log", "--format=%H", "-4").split()[::-1]
    result = verify(applied)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [s[:12] for s in steps]
    assert all(line.endswith(": ok") for line in lines[:-1])
    assert "(consolidate-backend step 1/4 create-target): ok" in lines[0]
    assert lines[-1] == "4 migrate commit(s) in HEAD verified"
    report = engine.audit(applied)
    assert report.ok and [c.step for c in report.commits] == ["1/4 create-target", "2/4 register-target",
                                                              "3/4 rewrite-consumers", "4/4 retire-sources"]
    assert {c.run for c in report.commits} == {git(applied, "log", "-1", "--format=%(trailers:key=Migrate-Run,"
                                                             "valueonly)").strip()}


def test_a_range_with_part_of_a_run_is_judged_against_the_run_it_belongs_to(applied):
    result = verify(applied, "HEAD~2..")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 migrate commit(s) in HEAD~2.. verified"


def test_a_range_without_migrate_commits_says_so(applied):
    result = verify(applied, "HEAD~4")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no migrate commit in HEAD~4 (")
    assert result.stdout.strip().endswith("nothing to verify")
    assert engine.audit(applied, "HEAD~4").commits == []


def test_a_rollback_verifies(applied):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in IDENTITY.items():
            patch.setenv(name, value)
        assert migrate("rollback", "consolidate-backend", "--yes", "--repo", str(applied)).exit_code == 0
    result = verify(applied)
    assert result.exit_code == 0, result.output
    report = engine.audit(applied)
    assert [c.kind for c in report.commits] == ["step"] * 4 + ["revert"] * 4
    assert [c.step for c in report.commits[4:]] == ["4/4 retire-sources", "3/4 rewrite-consumers",
                                                    "2/4 register-target", "1/4 create-target"]
    assert result.stdout.splitlines()[-1] == "8 migrate commit(s) in HEAD verified"


def test_a_revert_commit_edited_by_hand_is_named(applied):
    assert engine.rollback(applied, "consolidate-backend").reverts
    with (applied / "applications" / "kustomization.yaml").open("a") as handle:
        handle.write("# and a change of my own\n")
    git(applied, "add", "applications/kustomization.yaml")
    edited = commit_with(applied, message(applied), amend=True)
    result = verify(applied, "HEAD~1..")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{edited[:12]} Revert ")
    assert problems_of(result) == [problems_of(result)[0]]
    assert problems_of(result)[0].startswith("[revert-diff] applications/kustomization.yaml: ")


# --- commits made or edited by hand ---------------------------------------------------------------
def test_a_step_amended_after_the_run_fails_the_diff_hash(applied):
    with (applied / "applications" / "kustomization.yaml").open("a") as handle:
        handle.write("# one more thing\n")
    git(applied, "add", "applications/kustomization.yaml")
    amended = commit_with(applied, message(applied), amend=True)
    result = verify(applied)
    assert result.exit_code == 1
    failing = [line for line in result.stdout.splitlines() if not line.endswith(": ok") and not line.startswith("    ")]
    assert failing[0].startswith(f"{amended[:12]} Remove the 10 merged services")
    assert failing[0].endswith("(consolidate-backend step 4/4 retire-sources): 1 problem(s)")
    assert problems_of(result)[0].startswith("[verified-diff] this commit's diff hashes to ")
    assert "edited after migrate made it" in problems_of(result)[0]
    assert failing[-1] == "1 problem(s) in 1 migrate commit(s) (of 4 in HEAD)"


def test_a_commit_with_copied_trailers_and_another_diff_is_named(applied):
    (applied / "notes.yaml").write_text("note: not a migration\n", encoding="utf-8")
    git(applied, "add", "notes.yaml")
    forged = commit_with(applied, message(applied, "HEAD~1"))
    report = engine.audit(applied, "HEAD~1..")
    assert [c.sha for c in report.commits] == [forged] and not report.ok
    checks = [p.check for p in report.commits[0].problems]
    assert checks == ["trailers", "verified-diff"]
    assert "step 3 of run" in report.commits[0].problems[0].message
    assert "already committed by" in report.commits[0].problems[0].message


@pytest.mark.parametrize("edit, expected", [
    (lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("Migrate-Diff-Sha256:")) + "\n",
     "it has no Migrate-Diff-Sha256 trailer"),
    (lambda text: text.replace("Migrate-Params-Sha256: ", "Migrate-Params-Sha256: 0"),
     "its Migrate-Params-Sha256 '0"),
    (lambda text: text.replace("Migrate-Step: 4/4 ", "Migrate-Step: 4/5 "),
     "its total of Migrate-Step '5' differs from '4'"),
    (lambda text: text.replace("Migrate-Step: 4/4 retire-sources", "Migrate-Step: 4 of 4"),
     "its Migrate-Step is '4 of 4'"),
    (lambda text: text.rstrip("\n") + "\n(edited by hand)\n",
     "its Migrate-* lines are not the message's trailers"),
], ids=["missing", "params", "total", "malformed", "not-trailers"])
def test_a_missing_or_inconsistent_trailer_is_named(applied, edit, expected):
    edited = commit_with(applied, edit(message(applied)), amend=True)
    result = verify(applied)
    assert result.exit_code == 1, result.output
    assert f"{edited[:12]} Remove the 10 merged services" in result.stdout
    assert any(p.startswith("[trailers] ") and expected in p for p in problems_of(result)), result.stdout
    assert result.stdout.count("problem(s)") == 2          # the edited commit's line, and the verdict


def test_a_commit_that_makes_a_dangling_reference_is_refused_even_with_a_valid_hash(applied):
    values = applied / "applications/lumie/ai/grading-svc/common-values.yaml"
    text = values.read_text(encoding="utf-8")
    old = "  - name: EXAM_SVC_URL\n    value: http://lumie-backend.lumie-backend.svc:8080\n"
    assert old in text
    values.write_text(text.replace(old, old.replace("lumie-backend.lumie-backend", "nosuch-svc.lumie-backend")),
                      encoding="utf-8")
    git(applied, "commit", "-q", "-am", "point grading-svc at a new service")
    digest = commit_diff_sha256(open_repo(applied), "HEAD")
    trailers = (f"Migrate-Playbook: consolidate-backend\nMigrate-Step: 1/1 repoint\nMigrate-Run: cb-20990101T000000-a1b2c3\n"
                f"Migrate-Diff-Sha256: {digest}\nMigrate-Params-Sha256: {'0' * 64}\n")
    forged = commit_with(applied, f"point grading-svc at a new service\n\n{trailers}", amend=True)
    report = engine.audit(applied, "HEAD~1..")
    [audited] = report.commits
    assert audited.sha == forged and audited.step == "1/1 repoint"
    [problem] = audited.problems
    assert problem.check == "no-new-dangling"
    assert (problem.path, problem.line) == ("applications/lumie/ai/grading-svc/common-values.yaml", 59)
    assert "service:lumie-backend/nosuch-svc" in problem.message
    result = verify(applied, "HEAD~1..")
    assert result.exit_code == 1
    assert "[no-new-dangling] applications/lumie/ai/grading-svc/common-values.yaml:59: " in result.stdout


# --- approved snapshots -------------------------------------------------------------------------------
def test_a_run_with_approved_snapshots_verifies(approved_once, tmp_path):
    repo = _copy(approved_once, tmp_path)
    result = verify(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "4 migrate commit(s) in HEAD verified"


def test_a_step_that_differs_from_its_approved_snapshot_is_named(approved_once, tmp_path):
    repo = _copy(approved_once, tmp_path)
    steps = git(repo, "log", "--format=%H", "-4").split()[::-1]
    # the same run, replayed onto an approval whose step-2 snapshot says something else
    git(repo, "checkout", "-q", "-b", "replayed", "HEAD~4")
    snapshot = repo / SNAPSHOTS / "02-register-target.diff"
    lines = snapshot.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + "  # approved otherwise\n"
    snapshot.write_text("".join(lines), encoding="utf-8")
    git(repo, "commit", "-q", "-a", "--amend", "--no-edit")
    git(repo, "cherry-pick", *steps)
    result = verify(repo)
    assert result.exit_code == 1, result.output
    step_two = sha(repo, "HEAD~2")
    assert f"{step_two[:12]} Register lumie-backend" in result.stdout
    assert problems_of(result) == [f"[snapshot] {SNAPSHOTS}/02-register-target.diff:5: the step's diff differs from "
                                   "the approved snapshot: the change is not the one approved in .migrate/snapshots: "
                                   "revert it and re-run the playbook (or, if the new diff is intended, approve it "
                                   "with `migrate run P --dry-run --update-snapshots`)"]


# --- usage and JSON ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["nosuch..HEAD", "HEAD~999", "--all", ""])
def test_a_range_git_cannot_resolve_is_a_usage_error(applied, bad):
    result = verify(applied, "--", bad)
    assert result.exit_code == 2, result.output
    assert f"cannot resolve the revision range {bad!r}: " in result.stderr
    assert result.stdout == ""
    with pytest.raises(UsageError, match="revision range"):
        engine.audit(applied, bad)


def test_json_output_follows_its_schema(applied):
    validator = jsonschema.Draft202012Validator(schema("verify"))
    good = verify(applied, "--json")
    assert good.exit_code == 0
    data = json.loads(good.stdout)
    validator.validate(data)
    assert (data["version"], data["range"], data["problems"], data["ok"]) == (1, "HEAD", 0, True)
    assert [c["kind"] for c in data["commits"]] == ["step"] * 4
    commit_with(applied, message(applied, "HEAD~1"))
    bad = verify(applied, "HEAD~2..", "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    validator.validate(data)
    assert data["ok"] is False and data["problems"] == 2
    assert [p["check"] for p in data["commits"][1]["problems"]] == ["trailers", "verified-diff"]
    assert data["commits"][1]["sha"] == sha(applied)
    empty = json.loads(verify(applied, "HEAD~5", "--json").stdout)   # before the run
    validator.validate(empty)
    assert empty["commits"] == [] and empty["ok"] is True
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**data, "commits": [{**data["commits"][0], "kind": "merge"}]})
