"""consolidate-backend on example repositories that differ from the example: a subset merged
into a new folder, a target named like an existing Application, a service that carries its own
Secret, a merged service that nothing synced (each a real git repo per test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from migrate import engine
from migrate.cli import main

PLAYBOOK = "consolidate-backend"
SUBSET = {"services": "exam-svc,academy-svc", "target": "learning", "folder": "applications/lumie/learning"}
ACADEMY = "applications/lumie/backend/academy-svc"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def sets(params: dict[str, str]) -> list[str]:
    return [arg for key, value in params.items() for arg in ("--set", f"{key}={value}")]


def test_a_target_named_like_an_existing_application_is_refused_naming_its_file(example_repo):
    result = CliRunner().invoke(main, ["run", PLAYBOOK, "--dry-run", "--repo", str(example_repo),
                                       *sets({**SUBSET, "target": "grading-svc"})])
    assert result.exit_code == 1, result.output
    assert "an Application named 'grading-svc' already exists" in result.output
    assert "applications/lumie/ai/grading-svc/argocd.yaml:" in result.output
    assert "routes-preserved" not in result.output


def test_a_target_named_like_a_merged_service_is_refused(example_repo):
    plan = engine.plan(example_repo, PLAYBOOK, {**SUBSET, "target": "exam-svc"})
    assert plan.error is not None and "an Application named 'exam-svc' already exists" in str(plan.error)
    assert plan.error.path == "applications/lumie/backend/exam-svc/argocd.yaml"


def test_a_secret_the_service_carries_is_renamed_like_its_references(example_repo):
    (example_repo / ACADEMY / "manifests/extra-secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: academy-svc-extra-secrets\n  namespace: lumie-academy\n"
        "type: Opaque\nstringData:\n  token: abc\n", encoding="utf-8")
    with open(example_repo / ACADEMY / "kustomization.yaml", "a", encoding="utf-8") as file:
        file.write("- manifests/extra-secret.yaml\n")
    edit(example_repo, f"{ACADEMY}/common-values.yaml", "  env:\n",
         "  envFrom:\n  - secretRef:\n      name: academy-svc-extra-secrets\n  env:\n")
    commit_all(example_repo, "academy-svc: an extra secret, read with envFrom")
    plan = engine.plan(example_repo, PLAYBOOK, SUBSET)
    assert plan.error is None, plan.error
    changes = plan.steps[0].changes
    assert "  name: learning-extra-secrets\n  namespace: learning\n" in \
        changes["applications/lumie/learning/manifests/extra-secret.yaml"]
    assert "  - secretRef:\n      name: learning-extra-secrets\n" in changes["applications/lumie/learning/common-values.yaml"]


def test_a_merged_service_nothing_synced_is_merged_and_reported(example_repo):
    edit(example_repo, "applications/kustomization.yaml", "- lumie/backend/academy-svc/argocd.yaml\n", "")
    commit_all(example_repo, "academy-svc: not synced any more")
    plan = engine.plan(example_repo, PLAYBOOK, SUBSET)
    assert plan.error is None, plan.error
    notes = [e.message for e in plan.steps[1].report]
    assert "academy-svc was not listed by any kustomization (not synced before the run)" in notes
