"""Repository shapes the example lacks: the graph must not invent dangling references.

Each test builds a small real git repository (one App-of-Apps root) and loads it from disk.
"""

from __future__ import annotations

from pathlib import Path

from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from tests.fixtures.minirepo import app, git_repo, path_source

REPO = "git@github.com:acme/platform-gitops.git"
ROOT = {
    "apps/application.yaml": app("apps", "argocd", path_source("apps").replace(
        "https://github.com/Lumie-Edu/lumie-infra.git", REPO)),
}


def load(tmp_path: Path, files: dict[str, str]):
    inv = Inventory.load(Tree.from_repo(git_repo(tmp_path / "repo", {**ROOT, **files})))
    return inv, build_graph(inv)


def problems(graph) -> list[tuple[str, str, str]]:
    return [(p.kind, p.edge, p.target) for p in graph.problems()]


def source(path: str, extra: str = "") -> str:
    return f"  source:\n    repoURL: {REPO}\n    targetRevision: HEAD\n    path: {path}\n{extra}".rstrip("\n")


CALLER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: caller
spec:
  template:
    spec:
      containers:
      - name: caller
        env:
        - name: TARGET
          value: http://{target}:8080
"""


def test_services_in_a_kind_list_document_are_definitions(tmp_path):
    inv, g = load(tmp_path, {
        "apps/kustomization.yaml": "resources:\n- application.yaml\n- catalog.yaml\n",
        "apps/catalog.yaml": app("catalog", "catalog", source("services/catalog")),
        "services/catalog/list.yaml": """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: catalog
  spec:
    ports:
    - port: 9000
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: caller
  spec:
    template:
      spec:
        containers:
        - name: caller
          env:
          - name: TARGET
            value: catalog.catalog.svc:9000
""",
    })
    service = next(s for s in inv.services if s.name == "catalog")
    assert (service.namespace, service.file, service.line) == ("catalog", "services/catalog/list.yaml", 4)
    assert any(w.name == "caller" for w in inv.workloads)
    assert problems(g) == []


def test_a_local_chart_without_common_values_may_make_the_service_it_is_called_by(tmp_path):
    inv, g = load(tmp_path, {
        "apps/kustomization.yaml": "resources:\n- application.yaml\n- payments.yaml\n- orders.yaml\n",
        "apps/payments.yaml": app("payments", "payments", source("services/payments/chart", """\
    helm:
      valueFiles:
      - values.yaml
      - ../env/prod-values.yaml
""")),
        "services/payments/chart/Chart.yaml": "apiVersion: v2\nname: payments\nversion: 1.0.0\n",
        "services/payments/chart/values.yaml": "image:\n  tag: '1'\n",
        "services/payments/chart/templates/service.yaml": "kind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
        "services/payments/env/prod-values.yaml": "replicaCount: 3\n",
        "apps/orders.yaml": app("orders", "orders", source("services/orders")),
        "services/orders/deploy.yaml": CALLER.format(target="payments.payments.svc.cluster.local"),
    })
    assert inv.application("payments").value_files == ["services/payments/chart/values.yaml",
                                                       "services/payments/env/prod-values.yaml"]
    assert problems(g) == []


def test_a_values_ref_to_another_repository_is_not_a_repo_path(tmp_path):
    inv, g = load(tmp_path, {
        "apps/kustomization.yaml": "resources:\n- application.yaml\n- orders.yaml\n",
        "apps/orders.yaml": app("orders", "orders", """\
  sources:
  - repoURL: https://charts.bitnami.com/bitnami
    chart: nginx
    targetRevision: 15.0.0
    helm:
      valueFiles:
      - $values/services/orders/values.yaml
      - $shared/nginx/common.yaml
  - repoURL: https://github.com/acme/platform-gitops
    targetRevision: HEAD
    ref: values
  - repoURL: https://github.com/acme/shared-values.git
    targetRevision: HEAD
    ref: shared"""),
        "services/orders/values.yaml": "replicaCount: 2\n",
    })
    chart = inv.application("orders").sources[0]
    assert [v.path for v in chart.value_files] == ["services/orders/values.yaml"]
    assert chart.remote_value_files == ["$shared/nginx/common.yaml"]
    assert problems(g) == []


def test_a_values_ref_to_a_missing_file_of_this_repository_is_still_dangling(tmp_path):
    _, g = load(tmp_path, {
        "apps/kustomization.yaml": "resources:\n- application.yaml\n- orders.yaml\n",
        "apps/orders.yaml": app("orders", "orders", """\
  sources:
  - repoURL: https://charts.bitnami.com/bitnami
    chart: nginx
    helm:
      valueFiles:
      - $values/services/orders/values.yaml
  - repoURL: https://github.com/acme/platform-gitops.git
    ref: values"""),
        "services/orders/other.yaml": "replicaCount: 2\n",
    })
    assert problems(g) == [("dangling", "deploys", "values:services/orders/values.yaml")]


def test_the_kustomization_namespace_overrides_the_namespace_manifests_name(tmp_path):
    inv, g = load(tmp_path, {
        "apps/kustomization.yaml": "resources:\n- application.yaml\n- api.yaml\n- web.yaml\n",
        "apps/api.yaml": app("api", "api-prod", source("services/api/overlays/prod")),
        "services/api/base/kustomization.yaml": "namespace: api-dev\nresources:\n- service.yaml\n",
        "services/api/base/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n"
                                          "  namespace: placeholder\n",
        "services/api/overlays/prod/kustomization.yaml": "namespace: api-prod\nresources:\n- ../../base\n",
        "apps/web.yaml": app("web", "web", source("services/web")),
        "services/web/deploy.yaml": CALLER.format(target="api.api-prod.svc"),
    })
    assert [s.id for s in inv.services] == ["service:api-prod/api"]
    assert problems(g) == []
