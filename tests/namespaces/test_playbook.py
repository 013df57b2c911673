"""unify-namespace on the example repository (a real git repo per test): dry run, the verified commit,
the graph afterwards (every caller on the new address), rollback, and the intent checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.playbook import OPERATIONS, Context
from migrate.repo.tracked import Tree

WORKERS = ["grading-svc", "report-svc", "analysis-svc"]
OLD = {"grading-svc": "lumie-grading", "report-svc": "lumie-report", "analysis-svc": "lumie-analysis"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def test_the_workers_share_one_namespace_their_callers_follow_and_rollback_undoes_it(example_repo):
    before = {p: (example_repo / p).read_bytes() for p in git(example_repo, "ls-files").splitlines()}
    assert cli(example_repo, "run", "unify-namespace", "--dry-run").exit_code == 0
    assert {p: (example_repo / p).read_bytes() for p in git(example_repo, "ls-files").splitlines()} == before
    result = cli(example_repo, "run", "unify-namespace", "--yes")
    assert result.exit_code == 0, result.output
    inv = Inventory.load(Tree.from_repo(example_repo))
    graph = build_graph(inv)
    assert {inv.application(w).dest_namespace for w in WORKERS} == {"lumie-worker"}
    assert set(WORKERS) <= graph.synced_applications()
    for worker, old in OLD.items():
        found = subprocess.run(["git", "grep", "-n", f"{worker}.{old}.svc", "--", "*.yaml"], cwd=example_repo,
                               capture_output=True, text=True)
        assert found.returncode == 1, found.stdout      # git grep: nothing found
    exam = (example_repo / "applications/lumie/backend/exam-svc/common-values.yaml").read_text()
    assert "http://grading-svc.lumie-worker.svc:8000" in exam
    dashboard = (example_repo / "applications/lumie/ai/analysis-svc/manifests/dashboard.yaml").read_text()
    assert "lumie-worker-analysis-svc-office-only@kubernetescrd" in dashboard and "lumie-analysis" not in dashboard
    rolled = cli(example_repo, "rollback", "unify-namespace", "--yes")
    assert rolled.exit_code == 0, rolled.output
    assert {p: (example_repo / p).read_bytes() for p in git(example_repo, "ls-files").splitlines()} == before


def test_the_intent_checks_catch_an_old_address_and_an_object_that_changes_beyond_its_namespace(example_repo):
    tree = Tree.from_repo(example_repo)
    op = OPERATIONS.get("move-namespace")
    ctx = Context.for_tree(tree, repo=example_repo)
    step = ctx.at(tree, options=op.bind({"apps": WORKERS, "namespace": "lumie-worker"}))
    result = op().prepare(step)
    after = tree.with_changes(result.changes)
    checks = {c.name: c for c in result.checks}
    assert not list(checks["old-addresses-gone"].test(ctx.at(after)))
    assert not list(checks["only-the-namespace-changes"].test(ctx.at(after)))
    values = "applications/lumie/ai/report-svc/common-values.yaml"
    broken = after.with_changes({
        values: after.read_text(values).replace("  replicaCount: 1", "  replicaCount: 3"),
        "applications/lumie/backend/exam-svc/common-values.yaml": tree.read_text(
            "applications/lumie/backend/exam-svc/common-values.yaml")})
    left = [f.message for f in checks["old-addresses-gone"].test(ctx.at(broken))]
    assert left == ["still calls an old address: http://grading-svc.lumie-grading.svc:8000"]
    beyond = [f.message for f in checks["only-the-namespace-changes"].test(ctx.at(broken))]
    assert beyond == ["Deployment report-svc of report-svc changes beyond its namespace and addresses "
                      "(spec.replicas: 1 -> 3: expected before the arrow, rendered after it)"]
