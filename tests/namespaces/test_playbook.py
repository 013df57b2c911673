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
    assert beyond[0] == ("Deployment report-svc of report-svc changes beyond its namespace and the addresses "
                         "(spec.replicas: 1 -> 3: expected before the arrow, rendered after it)")
    # a caller that stays is compared too: exam-svc back on the old address is not what the move makes
    assert beyond[1:] == ["Deployment exam-svc of exam-svc changes beyond the addresses (spec.template.spec.containers"
                          ".exam-svc.env.GRADING_SVC_URL.value: http://grading-svc.lumie-worker.svc:8000 -> "
                          "http://grading-svc.lumie-grading.svc:8000: expected before the arrow, rendered after it)"]


def test_a_caller_that_stays_is_committed_with_its_new_address_and_generated_names_and_verified(tmp_path):
    """On a repository of our own: a staying Application's generator reads an .env with an old address (its
    ConfigMap gets a new hash suffix and its Deployment follows); a README beside it is reported, not edited."""
    from migrate.testing import make_repo
    from tests.namespaces.test_move_namespace import SHIPPED, app
    files = {**SHIPPED,
             "apps/kustomization.yaml": "resources:\n- litellm.yaml\n- webui.yaml\n- chat.yaml\n",
             "apps/chat.yaml": app("chat", "chat", "chat").replace("    namespace: chat\n", "    namespace: chat\n"
                                                                  "  syncPolicy:\n    syncOptions:\n"
                                                                  "    - CreateNamespace=true\n"),
             "chat/kustomization.yaml": "resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: chat\n"
                                        "  envs:\n  - chat.env\n",
             "chat/chat.env": "LLM=http://litellm.litellm.svc:4000\n",
             "chat/README.md": "Calls http://litellm.litellm.svc:4000\n",
             "chat/deployment.yaml": (
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  selector:\n    matchLabels:\n"
                 "      app: chat\n  template:\n    metadata:\n      labels:\n        app: chat\n    spec:\n"
                 "      containers:\n      - name: chat\n        image: chat:1\n        envFrom:\n"
                 "        - configMapRef:\n            name: chat\n")}
    repo = make_repo(tmp_path / "repo", files)
    args = ["run", "unify-namespace", "--set", "apps=litellm,webui", "--set", "namespace=ai"]
    dry = cli(repo, *args, "--dry-run")
    assert "chat/README.md:1: a line of a file migrate does not edit names an old address" in dry.output
    assert "rewrite chat/chat.env:1: LLM=http://litellm.litellm.svc:4000 -> LLM=http://litellm.ai.svc:4000" in dry.output
    result = cli(repo, *args, "--yes")
    assert result.exit_code == 0, result.output
    assert (repo / "chat/chat.env").read_text() == "LLM=http://litellm.ai.svc:4000\n"
    assert (repo / "chat/README.md").read_text() == files["chat/README.md"]


def test_a_helm_namespace_parameter_the_move_rewrites_is_a_change_the_playbook_declares(tmp_path):
    from migrate.testing import make_repo
    from tests.namespaces.test_move_namespace import SHIPPED
    files = {**SHIPPED, "apps/litellm.yaml": SHIPPED["apps/litellm.yaml"] + (
        "  syncPolicy:\n    syncOptions:\n    - CreateNamespace=true\n")}
    files["apps/litellm.yaml"] = files["apps/litellm.yaml"].replace(
        "    path: ai/litellm\n", "    path: ai/litellm\n    helm:\n      parameters:\n"
                                 "      - name: serviceMonitor.namespace\n        value: litellm\n")
    repo = make_repo(tmp_path / "repo", files)
    result = cli(repo, "run", "unify-namespace", "--set", "apps=litellm", "--set", "namespace=ai", "--yes")
    assert result.exit_code == 0, result.output
    assert "        value: ai\n" in (repo / "apps/litellm.yaml").read_text()


CHART_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: lb
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.com/repo.git
    path: lb
    targetRevision: HEAD
  destination:
    server: https://kubernetes.default.svc
    namespace: lb-system
  syncPolicy:
    syncOptions: [CreateNamespace=true]
"""
WEBHOOK = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: lb-webhook
  labels:
    release-namespace: {{ .Release.Namespace }}
  annotations:
    meta.helm.sh/release-namespace: {{ .Release.Namespace }}
webhooks:
- name: pools.lb.example.com
  admissionReviewVersions: [v1]
  sideEffects: None
  clientConfig:
    service: {name: lb-webhook, namespace: {{ .Release.Namespace }}, path: /validate}
---
apiVersion: v1
kind: Service
metadata:
  name: lb-webhook
  annotations:
    meta.helm.sh/release-namespace: {{ .Release.Namespace }}
spec:
  ports: [{port: 443}]
"""


def test_a_moved_charts_cluster_wide_objects_and_labels_naming_its_namespace_are_declared_changes(tmp_path):
    """MetalLB's chart (a real repository): its webhook configuration names the Service's namespace and its
    objects carry .Release.Namespace in annotations; moving it was refused as undeclared changes."""
    from migrate.testing import make_repo
    repo = make_repo(tmp_path / "repo", {
        "root.yaml": CHART_APP.replace("name: lb\n", "name: root\n").replace("path: lb", "path: apps")
                              .replace("lb-system", "argocd"),
        "apps/lb.yaml": CHART_APP,
        "lb/Chart.yaml": "apiVersion: v2\nname: lb\nversion: 0.1.0\n",
        "lb/templates/webhook.yaml": WEBHOOK})
    result = cli(repo, "run", "unify-namespace", "--set", "apps=lb", "--set", "namespace=network", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "only-the-namespace-changes" in result.output and "object-changes" in result.output
