"""consolidate-backend on the example repository (a real git repo per test): dry run, apply,
verified commits, the graph and intents afterwards, rollback, re-run, and every refusal."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate import engine
from migrate.cli import main
from migrate.engine.ledger import parse_trailers
from migrate.engine.report import render_report
from migrate.errors import MigrateError, VerificationError
from migrate.example import RELEASE_TAG
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.repo.git import commit_files, open_repo
from migrate.repo.tracked import Tree
from migrate.testing import make_repo

PLAYBOOK = "consolidate-backend"
SERVICES = ["tenant-svc", "auth-svc", "academy-svc", "admin-svc", "exam-svc", "content-svc", "attendance-svc",
            "billing-svc", "file-svc", "ai-svc"]
TARGET_FILES = ["applications/lumie/backend/argocd.yaml", "applications/lumie/backend/common-values.yaml",
                "applications/lumie/backend/kustomization.yaml"]
SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots" / PLAYBOOK


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def tracked(repo: Path) -> dict[str, bytes]:
    return {p: (repo / p).read_bytes() for p in git(repo, "ls-files").splitlines()}


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    file.write_text(text.replace(old, new), encoding="utf-8")


def inventory(repo: Path) -> Inventory:
    return Inventory.load(Tree.from_repo(repo))


# --- dry run and apply --------------------------------------------------------------------------------
def test_dry_run_prints_the_plan_and_every_diff_and_changes_nothing(example_repo):
    head, files = git(example_repo, "rev-parse", "HEAD"), tracked(example_repo)
    result = cli(example_repo, "run", PLAYBOOK, "--dry-run")
    assert result.exit_code == 0, result.output
    for step in ("create-target", "register-target", "rewrite-consumers", "retire-sources"):
        assert "Diff of step " in result.output and f"`{step}`\n\n```diff\n--- " in result.output
    assert "[dropped-reference] applications/lumie/ai/ai-svc/common-values.yaml:69: ai-svc: env EXAM_SVC_GRPC_HOST" \
        in result.output
    assert "[pre-existing] applications/lumie/frontend/common-values.yaml:26: http://auth-svc.lumie-platform.svc:8080" \
        in result.output
    assert git(example_repo, "rev-parse", "HEAD") == head and tracked(example_repo) == files
    assert git(example_repo, "status", "--porcelain") == ""


def test_apply_makes_four_verified_commits(example_repo):
    result = engine.run(example_repo, PLAYBOOK)
    assert [name for name, _ in result.commits] == ["create-target", "register-target", "rewrite-consumers",
                                                     "retire-sources"]
    git_repo = open_repo(example_repo)
    expected = [TARGET_FILES, ["applications/kustomization.yaml"],
                ["applications/lumie/ai/grading-svc/common-values.yaml",
                 "applications/lumie/ai/report-svc/common-values.yaml",
                 "applications/tekton/ci-cd/trigger-template.yaml"]]
    for index, (name, sha) in enumerate(result.commits, start=1):
        trailers = parse_trailers(git_repo.commit(sha).message)
        assert trailers["Migrate-Step"] == [f"{index}/4 {name}"] and trailers["Migrate-Run"] == [result.run_id]
        assert engine.verify_commit(git_repo, sha, trailers["Migrate-Diff-Sha256"][0])
        if index <= 3:
            assert commit_files(git_repo, sha) == expected[index - 1]
    removed = commit_files(git_repo, result.commits[3][1])
    assert len(removed) == 40 and all(p.startswith(("applications/lumie/backend/", "applications/lumie/ai/ai-svc/"))
                                      for p in removed)
    assert (example_repo / "applications/lumie/ai/grading-svc").is_dir()  # the workers' folder stays
    assert git(example_repo, "status", "--porcelain") == ""


def test_after_apply_the_graph_has_only_the_pre_existing_problem(example_repo):
    engine.run(example_repo, PLAYBOOK)
    failures = [p for p in build_graph(inventory(example_repo)).problems() if p.is_failure]
    assert [(p.kind, p.target, p.file) for p in failures] == [
        ("suspect", "service:lumie-platform/auth-svc", "applications/lumie/frontend/common-values.yaml")]


def test_merged_values_keep_every_route_env_name_and_vault_path(example_repo):
    before = inventory(example_repo)
    merged_files = {a.value_files[0] for a in before.applications if a.name in SERVICES}
    engine.run(example_repo, PLAYBOOK)
    after = inventory(example_repo)
    routes = lambda inv, pick: sorted((r.host, r.path, r.attached("konghq.com/plugins"), dict(r.annotations).get("konghq.com/strip-path"))
                                      for r in inv.routes if pick(r))
    assert routes(after, lambda r: r.service == "lumie-backend") == routes(before, lambda r: r.file in merged_files)
    [target] = [w for w in after.workloads if w.name == "lumie-backend"]
    names = {e.name for w in before.workloads if w.file in merged_files for e in w.env}
    peers = {"TENANT_SVC_GRPC_HOST", "ACADEMY_SVC_GRPC_HOST", "CONTENT_SVC_GRPC_HOST", "EXAM_SVC_GRPC_HOST"}
    assert {e.name for e in target.env} == names - peers
    vault = lambda inv, pick: {(s.vault_mount, s.vault_path) for s in inv.secrets if pick(s)}
    assert vault(after, lambda s: s.namespace == "lumie-backend") == vault(before, lambda s: s.file in merged_files)
    values = (example_repo / "applications/lumie/backend/common-values.yaml").read_text()
    assert f'tag: "{RELEASE_TAG}"' in values and "repository: applications/lumie-backend" in values


def test_rollback_returns_every_touched_path_to_its_pre_run_bytes(example_repo):
    before = tracked(example_repo)
    engine.run(example_repo, PLAYBOOK)
    result = cli(example_repo, "rollback", PLAYBOOK, "--yes")
    assert result.exit_code == 0, result.output
    assert result.output.count("reverted ") == 4
    assert tracked(example_repo) == before
    assert [r.state for r in engine.status(example_repo)] == ["rolled back"]


def test_a_second_apply_is_a_no_op(example_repo):
    engine.run(example_repo, PLAYBOOK)
    head = git(example_repo, "rev-parse", "HEAD")
    result = cli(example_repo, "run", PLAYBOOK, "--yes")
    assert result.exit_code == 0 and "already applied at" in result.output
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_prune_false_keeps_the_folders_and_records_the_skipped_step(example_repo):
    result = engine.run(example_repo, PLAYBOOK, {"prune": "false"})
    assert [name for name, _ in result.commits] == ["create-target", "register-target", "rewrite-consumers"]
    last = open_repo(example_repo).commit(result.commits[-1][1]).message
    assert parse_trailers(last)["Migrate-Skipped"] == ["4/4 retire-sources"]
    assert (example_repo / "applications/lumie/backend/exam-svc/argocd.yaml").is_file()
    assert engine.run(example_repo, PLAYBOOK, {"prune": "false"}).already_applied


def test_the_committed_snapshots_are_approved_snapshots_of_the_example_repo(example_repo):
    shutil.copytree(SNAPSHOTS, example_repo / ".migrate" / "snapshots" / PLAYBOOK)
    commit_all(example_repo, "approve the consolidate-backend snapshots")
    plan = engine.plan(example_repo, PLAYBOOK)
    assert plan.error is None and all("snapshot" in s.passed for s in plan.steps)


# --- refusals -------------------------------------------------------------------------------------------
def test_a_dirty_tree_is_refused(example_repo):
    edit(example_repo, "applications/lumie/frontend/common-values.yaml", "replicaCount: 2", "replicaCount: 3")
    head = git(example_repo, "rev-parse", "HEAD")
    result = cli(example_repo, "run", PLAYBOOK, "--yes")
    assert result.exit_code == 1 and "applications/lumie/frontend/common-values.yaml" in result.output
    assert git(example_repo, "rev-parse", "HEAD") == head


def _conflicting_java_options(repo: Path) -> None:
    edit(repo, "applications/lumie/ai/ai-svc/common-values.yaml", "value: rabbitmq.lumie-event.svc",
         'value: rabbitmq.lumie-event.svc\n    - name: JAVA_TOOL_OPTIONS\n      value: "-Xmx1g"')
    commit_all(repo, "ai-svc: more memory for the JVM")


def test_an_env_conflict_stops_with_both_values_and_the_services(example_repo):
    _conflicting_java_options(example_repo)
    head = git(example_repo, "rev-parse", "HEAD")
    for args in (["run", PLAYBOOK, "--yes"], ["run", PLAYBOOK, "--dry-run"]):
        result = cli(example_repo, *args)
        assert result.exit_code == 1
        assert '"-XX:MaxRAMPercentage=75.0" in admin-svc' in result.output and "content-svc" in result.output
        assert '"-Xmx1g" in ai-svc (applications/lumie/ai/ai-svc/common-values.yaml:62)' in result.output
        assert "--set env.JAVA_TOOL_OPTIONS=<value>" in result.output
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_an_env_conflict_is_settled_by_a_parameter(example_repo):
    _conflicting_java_options(example_repo)
    result = cli(example_repo, "run", PLAYBOOK, "--yes", "--set", "env.JAVA_TOOL_OPTIONS=-XX:MaxRAMPercentage=70.0")
    assert result.exit_code == 0, result.output
    values = (example_repo / "applications/lumie/backend/common-values.yaml").read_text()
    assert "  - name: JAVA_TOOL_OPTIONS\n    value: -XX:MaxRAMPercentage=70.0\n" in values
    message = git(example_repo, "log", "-1", "--format=%B", "HEAD~3")
    assert "[conflict-resolved]" in message and 'env JAVA_TOOL_OPTIONS = "-XX:MaxRAMPercentage=70.0"' in message


def test_a_snapshot_mismatch_is_refused(example_repo):
    approved = example_repo / ".migrate" / "snapshots" / PLAYBOOK
    shutil.copytree(SNAPSHOTS, approved)
    diff = approved / "03-rewrite-consumers.diff"
    diff.write_text(diff.read_text().replace("lumie-backend.lumie-backend.svc:8080", "elsewhere.svc:8080", 1))
    commit_all(example_repo, "approve other snapshots")
    head = git(example_repo, "rev-parse", "HEAD")
    with pytest.raises(VerificationError) as info:
        engine.run(example_repo, PLAYBOOK)
    assert info.value.check == "snapshot" and info.value.path.endswith("03-rewrite-consumers.diff")
    assert git(example_repo, "rev-parse", "HEAD") == head


def test_an_unknown_parameter_is_a_usage_error(example_repo):
    result = cli(example_repo, "run", PLAYBOOK, "--dry-run", "--set", "servces=exam-svc")
    assert result.exit_code == 2 and "has no parameter 'servces'" in result.output
    result = cli(example_repo, "run", PLAYBOOK, "--dry-run", "--set", "env=JAVA_OPTS")
    assert result.exit_code == 2 and "--set env.NAME=VALUE" in result.output


def test_without_a_common_image_tag_it_asks_for_one(example_repo, tmp_path):
    files = {p: (example_repo / p).read_text(encoding="utf-8") for p in git(example_repo, "ls-files").splitlines()}
    exam = "applications/lumie/backend/exam-svc/common-values.yaml"
    files[exam] = files[exam].replace(f'tag: "{RELEASE_TAG}"', 'tag: "0badc0de"')
    repo = make_repo(tmp_path / "one-commit", files)  # exam-svc never had the tag the others have
    result = cli(repo, "run", PLAYBOOK, "--dry-run")
    assert result.exit_code == 1 and "pass the tag of the merged build with --set image_tag=<tag>" in result.output
    result = cli(repo, "run", PLAYBOOK, "--dry-run", "--set", "image_tag=0badc0de")
    assert result.exit_code == 0, result.output
    assert '+    tag: "0badc0de"' in result.output and "(tag: --set image_tag)" in result.output


# --- after drop-kong --------------------------------------------------------------------------------------
MIDDLEWARES = """\
# Traefik middlewares made from {release}'s Kong annotations
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {release}-strip-prefix
  namespace: {ns}
spec:
  stripPrefix:
    prefixes:
    - {prefix}
"""


def _as_drop_kong_leaves_it(repo: Path, release: str, ns: str, folder: str, prefix: str, plugins: str) -> None:
    values = f"{folder}/common-values.yaml"
    edit(repo, values, "className: kong", "className: traefik")
    edit(repo, values, '      konghq.com/strip-path: "true"\n', "")
    edit(repo, values, f"konghq.com/plugins: {plugins}",
         f"traefik.ingress.kubernetes.io/router.middlewares: {ns}-{release}-strip-prefix@kubernetescrd")
    (repo / folder / "manifests" / "traefik-middlewares.yaml").write_text(
        MIDDLEWARES.format(release=release, ns=ns, prefix=prefix), encoding="utf-8")
    edit(repo, f"{folder}/kustomization.yaml", "- manifests/grpc-service.yaml",
         "- manifests/grpc-service.yaml\n- manifests/traefik-middlewares.yaml")


def test_drop_kong_then_consolidate_carries_the_middlewares(example_repo):
    _as_drop_kong_leaves_it(example_repo, "exam-svc", "lumie-exam", "applications/lumie/backend/exam-svc",
                            "/api/exam", "lumie-cors,lumie-jwt,lumie-jwt-claims")
    _as_drop_kong_leaves_it(example_repo, "tenant-svc", "lumie-tenant", "applications/lumie/backend/tenant-svc",
                            "/api/tenant", "lumie-cors,lumie-jwt,lumie-jwt-claims")
    commit_all(example_repo, "drop-kong (simulated) for exam-svc and tenant-svc")
    result = engine.run(example_repo, PLAYBOOK, {"services": "tenant-svc,exam-svc"})
    assert len(result.commits) == 4
    backend = example_repo / "applications/lumie/backend"
    middlewares = (backend / "manifests/traefik-middlewares.yaml").read_text()
    assert middlewares.count("namespace: lumie-backend") == 2 and "lumie-exam" not in middlewares
    values = (backend / "common-values.yaml").read_text()
    assert ("traefik.ingress.kubernetes.io/router.middlewares: lumie-backend-tenant-svc-strip-prefix@kubernetescrd"
            in values)
    # ai-svc (not merged) still calls exam-svc over gRPC: the target keeps a gRPC Service for it
    assert "grpc: 9090" in values and (backend / "manifests/grpc-service.yaml").is_file()
    ai = (example_repo / "applications/lumie/ai/ai-svc/common-values.yaml").read_text()
    assert "value: lumie-backend-grpc.lumie-backend.svc:9090" in ai
    assert "value: academy-svc-grpc.lumie-academy.svc:9090" in (backend / "common-values.yaml").read_text()
    failures = [p for p in build_graph(inventory(example_repo)).problems() if p.is_failure]
    assert [p.target for p in failures] == ["service:lumie-platform/auth-svc"]


def test_migrate_list_shows_the_playbook_and_its_parameters(example_repo):
    result = cli(example_repo, "list")
    assert result.exit_code == 0
    assert "consolidate-backend" in result.output and "env" in result.output and "dict" in result.output


def test_the_operations_refuse_cleanly_through_the_engine(example_repo):
    with pytest.raises(MigrateError, match="no Application named 'nope'"):
        engine.plan(example_repo, PLAYBOOK, {"services": "tenant-svc,nope"})


def test_routes_other_apps_also_serve_do_not_fail_the_route_check(tmp_path):
    """In the scaled example every copy serves api.lumie.kr/oauth2 too: those routes were there
    before the run and stay; the check counts only the merged service's and the target's."""
    from migrate.example import init_repo

    repo = tmp_path / "x2"
    init_repo(repo, scale=2)
    plan = engine.plan(repo, PLAYBOOK)
    assert plan.error is None, plan.error
    assert "routes-preserved" in plan.steps[0].passed


def test_register_target_asks_to_review_the_heading_it_now_sits_under(example_repo):
    plan = engine.plan(example_repo, PLAYBOOK)
    notes = [e for e in plan.steps[1].report if e.kind == "note"]
    assert [(n.path, n.line) for n in notes] == [("applications/kustomization.yaml", 19)]
    assert "백엔드 마이크로서비스" in notes[0].message and "review it" in notes[0].message


def test_a_problem_the_merged_services_had_before_is_carried_by_the_target_not_new(example_repo):
    """Both tenant-svc and auth-svc call a Service nobody defines: after the merge lumie-backend calls it
    — the same problem, carried, reported once, not a new dangling reference that fails the step."""
    for svc in ("tenant-svc", "auth-svc"):
        values = example_repo / "applications/lumie/backend" / svc / "common-values.yaml"
        text = values.read_text()
        pad = " " * (len(text.split("  env:\n", 1)[1].split("- name:", 1)[0].rsplit("\n", 1)[-1]))
        values.write_text(text.replace("  env:\n", f"  env:\n{pad}- name: GHOST_URL\n"
                                                   f"{pad}  value: http://ghost.lumie-grading.svc:8080\n", 1))
    git(example_repo, "commit", "-qam", "both call a ghost")
    plan = engine.plan(example_repo, "consolidate-backend")
    assert plan.error is None, plan.error
    ghost = [r for r in plan.pre_existing if r.target == "service:lumie-grading/ghost"]
    assert {r.source for r in ghost} == {"workload:lumie-tenant/tenant-svc", "workload:lumie-auth/auth-svc"}
    carried = [r for step in plan.steps if step.graph for r in step.graph.carried]
    assert {(r.source, r.target) for r in carried} == {("workload:lumie-backend/lumie-backend",
                                                        "service:lumie-grading/ghost")}
    assert "carried (was there before the run, in what this run merged)" in render_report(plan)


def _two_conflicts(repo: Path) -> None:
    _conflicting_java_options(repo)
    edit(repo, "applications/lumie/backend/exam-svc/common-values.yaml", "value: Asia/Seoul", "value: UTC")
    commit_all(repo, "exam-svc: UTC")


def test_a_dry_run_lists_every_conflict_and_still_plans_every_step(example_repo):
    _two_conflicts(example_repo)
    plan = engine.plan(example_repo, PLAYBOOK)
    assert isinstance(plan.error, MigrateError) and "conflict (2)" in str(plan.error)
    assert [s.planned for s in plan.steps] == [True, True, True, True]           # later steps planned too
    assert plan.steps[0].details[0].startswith("PROVISIONAL: planned with the first value of each conflict")
    decisions = plan.to_dict()["decisions"]
    assert sorted(d.split(" ")[1] for d in decisions) == ["env.JAVA_TOOL_OPTIONS=<value>", "env.TZ=<value>"]
    report = render_report(plan)
    assert "## Decisions to make before anything is applied" in report and "`--set env.TZ=<value>`" in report
    result = cli(example_repo, "run", PLAYBOOK, "--yes")
    assert result.exit_code == 1 and git(example_repo, "status", "--porcelain") == ""


def test_settlements_can_come_from_a_params_file_reviewed_with_the_pull_request(example_repo, tmp_path):
    _two_conflicts(example_repo)
    settled = tmp_path / "settlements.yaml"
    settled.write_text("# decided in review\nenv:\n  JAVA_TOOL_OPTIONS: -XX:MaxRAMPercentage=70.0\n  TZ: UTC\n")
    result = cli(example_repo, "run", PLAYBOOK, "--yes", "--params", str(settled), "--set", "env.TZ=Asia/Seoul")
    assert result.exit_code == 0, result.output
    values = (example_repo / "applications/lumie/backend/common-values.yaml").read_text()
    assert "value: -XX:MaxRAMPercentage=70.0" in values and "  - name: TZ\n    value: Asia/Seoul\n" in values
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    refused = cli(example_repo, "plan", PLAYBOOK, "--params", str(bad))
    assert refused.exit_code == 2 and "a parameters file is a mapping" in refused.output
