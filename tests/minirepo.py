"""A small App-of-Apps repository (files by path) with the example repo's traps, for unit tests.

Roots ``applications/`` (self-managing) and ``bootstrap/`` (kong, with waves). Backend
``exam-svc`` (local common chart via kustomize helmCharts, a ``-grpc`` Service beside it),
worker ``grading-svc`` calling it, ``frontend`` calling ``auth-svc`` in a namespace that never
hosted it (suspect), a ``dev`` environment of plain manifests in ``lumie-dev`` with a
same-named ``auth-svc``, an unlisted ``legacy`` Application, a Tekton template naming a
values file, a redis remote chart (``lumie-cache``) and a CNPG cluster.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = "https://github.com/Lumie-Edu/lumie-infra.git"


def app(name: str, dest: str, source: str, wave: str | None = None) -> str:
    annotations = f'  annotations:\n    argocd.argoproj.io/sync-wave: "{wave}"\n' if wave else ""
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
{annotations}spec:
  project: default
{source}
  destination:
    server: https://kubernetes.default.svc
    namespace: {dest}
"""


def path_source(path: str) -> str:
    return f"  source:\n    repoURL: {REPO}\n    targetRevision: main\n    path: {path}"


def common_kustomization(release: str, namespace: str, resources: str = "") -> str:
    return f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmGlobals:
  chartHome: ../../charts
helmCharts:
- name: common
  releaseName: {release}
  namespace: {namespace}
  valuesFile: common-values.yaml
{resources}"""


FILES: dict[str, str] = {
    # --- roots -----------------------------------------------------------------------------
    "applications/application.yaml": app("applications", "argocd", path_source("applications")),
    "applications/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - application.yaml
  # 서비스
  - exam/argocd.yaml
  - grading/argocd.yaml

  - frontend/argocd.yaml
  - dev/argocd.yaml
  - tekton/argocd.yaml
  - platform/redis.yaml
  - platform/db.yaml
""",
    "bootstrap/application.yaml": app("bootstrap", "argocd", path_source("bootstrap"), wave="-1"),
    "bootstrap/kustomization.yaml": "resources:\n- vault/argocd.yaml\n- kong/argocd.yaml",
    "bootstrap/vault/argocd.yaml": app("vault", "vault", f"""\
  sources:
  - repoURL: https://helm.releases.hashicorp.com
    chart: vault
    targetRevision: 0.28.0
    helm:
      valueFiles:
      - $values/bootstrap/vault/helm-values.yaml
  - repoURL: {REPO}
    targetRevision: main
    ref: values""", wave="0"),
    "bootstrap/vault/helm-values.yaml": "server:\n  ha:\n    enabled: true\n",
    "bootstrap/kong/argocd.yaml": app("kong", "kong", f"""\
  sources:
  - repoURL: https://charts.konghq.com
    chart: ingress
    targetRevision: 0.14.1
    helm:
      valueFiles:
      - $values/bootstrap/kong/helm-values.yaml
  - repoURL: {REPO}
    targetRevision: main
    ref: values
  - repoURL: {REPO}
    targetRevision: main
    path: bootstrap/kong
    directory:
      include: 'rbac-*.yaml'
  - repoURL: {REPO}
    targetRevision: main
    path: bootstrap/kong/manifests""", wave="1"),
    "bootstrap/kong/helm-values.yaml": "gateway:\n  proxy:\n    type: LoadBalancer\n",
    "bootstrap/kong/rbac-configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kong-rbac\ndata: {}\n",
    "bootstrap/kong/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: not-included\n",
    "bootstrap/kong/manifests/cluster-plugins.yaml": """\
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: lumie-cors
  annotations:
    kubernetes.io/ingress.class: kong
plugin: cors
---
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: lumie-jwt
plugin: jwt
""",
    # --- the local chart -------------------------------------------------------------------
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\n",
    "charts/common/values.yaml": """\
common:
  name: ""
  service:
    enabled: true
  ports:
    http: 8080
  ingress:
    enabled: false
    className: kong
  serviceMonitor:
    enabled: false
""",
    "charts/common/templates/deployment.yaml": "{{- if .Values.common.deployment.enabled }}\nkind: {{ x }}\n: :\n",
    # --- exam-svc ----------------------------------------------------------------------------
    "applications/exam/argocd.yaml": app("exam-svc", "lumie-exam", path_source("applications/exam")),
    "applications/exam/kustomization.yaml": common_kustomization(
        "exam-svc", "lumie-exam", "resources:\n- manifests/grpc-service.yaml\n"),
    "applications/exam/common-values.yaml": """\
# exam-svc
common:
  name: exam-svc
  ports:
    http: 8080
    grpc: 9090
  env:
  - name: DB_HOST
    value: lumie-db-rw.lumie-db.svc
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: exam-svc-db-secrets
        key: password
  - name: REDIS_HOST
    value: redis.lumie-cache.svc:6379
  - name: GRADING_SVC_URL
    value: http://grading-svc.lumie-grading.svc:8000
  ingress:
    enabled: true
    annotations:
      konghq.com/strip-path: "true"
      konghq.com/plugins: lumie-cors,lumie-jwt
    hosts:
    - host: api.lumie.kr
      paths:
      - path: /api/exam
        pathType: Prefix
  additionalIngresses:
  - name: webhook
    className: kong
    annotations: {}
    hosts:
    - host: api.lumie.kr
      paths:
      - path: /webhooks/exam
  serviceMonitor:
    enabled: true
  vaultStaticSecrets:
  - name: exam-svc-db
    path: infrastructure/postgresql
    destination:
      name: exam-svc-db-secrets
""",
    "applications/exam/manifests/grpc-service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: exam-svc-grpc
spec:
  ports:
  - name: grpc
    port: 9090
""",
    # --- grading-svc (worker) ---------------------------------------------------------------
    "applications/grading/argocd.yaml": app("grading-svc", "lumie-grading", path_source("applications/grading")),
    "applications/grading/kustomization.yaml": common_kustomization("grading-svc", "lumie-grading"),
    "applications/grading/common-values.yaml": """\
common:
  name: grading-svc
  namespace: lumie-grading
  ports:
    http: 8000
  env:
    - name: EXAM_SVC_URL
      value: http://exam-svc.lumie-exam.svc:8080
    - name: EXAM_GRPC
      value: exam-svc-grpc.lumie-exam.svc.cluster.local:9090
""",
    # --- frontend: the stale namespace ------------------------------------------------------
    "applications/frontend/argocd.yaml": app("frontend", "lumie-frontend", path_source("applications/frontend")),
    "applications/frontend/kustomization.yaml": common_kustomization(
        "frontend", "lumie-frontend", "resources:\n- manifests/ingress.yaml\n"),
    "applications/frontend/common-values.yaml": """\
common:
  name: frontend
  env:
  - name: AUTH_URL
    value: http://auth-svc.lumie-platform.svc:8080
""",
    "applications/frontend/manifests/ingress.yaml": """\
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: www-redirect
plugin: pre-function
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: www
  annotations:
    konghq.com/plugins: www-redirect
spec:
  ingressClassName: kong
  rules:
  - host: www.lumie.kr
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: frontend
            port:
              number: 8080
""",
    # --- dev: plain manifests in lumie-dev ----------------------------------------------------
    "applications/dev/argocd.yaml": app("lumie-develop", "lumie-dev", path_source("applications/dev")),
    "applications/dev/kustomization.yaml": "namespace: lumie-dev\nresources:\n- auth-svc.yaml\n- ingress.yaml\n",
    "applications/dev/auth-svc.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: auth-svc
spec:
  template:
    spec:
      containers:
      - name: auth-svc
        env:
        - name: TENANT_URL
          value: http://tenant-svc.lumie-dev.svc:8080
        envFrom:
        - secretRef:
            name: dev-env
---
apiVersion: v1
kind: Service
metadata:
  name: auth-svc
spec:
  ports:
  - port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: tenant-svc
spec:
  ports:
  - port: 8080
---
apiVersion: v1
kind: Secret
metadata:
  name: dev-env
stringData:
  PASSWORD: hunter2
""",
    "applications/dev/ingress.yaml": """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: dev
  annotations:
    kubernetes.io/ingress.class: kong
spec:
  rules:
  - host: dev.lumie.kr
    http:
      paths:
      - path: /auth
        backend:
          service:
            name: auth-svc
            port:
              number: 8080
""",
    # --- tekton, platform ---------------------------------------------------------------------
    "applications/tekton/argocd.yaml": app("ci-cd", "tekton", path_source("applications/tekton/ci-cd")),
    "applications/tekton/ci-cd/trigger-template.yaml": """\
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: image-update
spec:
  params:
  - name: values-file
    default: applications/exam/common-values.yaml
  - name: script
    default: |
      yq -i '.common.image.tag = "x"' applications/grading/common-values.yaml
""",
    "applications/platform/redis.yaml": app("redis", "lumie-cache", """\
  source:
    repoURL: https://charts.bitnami.com/bitnami
    chart: redis
    targetRevision: 19.0.0"""),
    "applications/platform/db.yaml": app("lumie-db", "lumie-db", path_source("applications/platform/db")),
    "applications/platform/db/cluster.yaml": """\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: lumie-db
spec:
  instances: 3
""",
    # --- not listed anywhere: not synced -------------------------------------------------------
    "applications/legacy/argocd.yaml": app("legacy-gateway", "legacy", path_source("applications/legacy/app")),
}

FRONTEND_VALUES = "applications/frontend/common-values.yaml"


def line_of_text(files: dict[str, str], path: str, needle: str) -> int:
    """1-based line of the first line of ``files[path]`` containing ``needle``."""
    return next(i for i, line in enumerate(files[path].splitlines(), start=1) if needle in line)


def git_repo(folder: Path, files: dict[str, str]) -> Path:
    """A real git repository in ``folder`` holding ``files`` in one commit."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "initial")
    return folder


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=folder, check=True,
                   capture_output=True)
