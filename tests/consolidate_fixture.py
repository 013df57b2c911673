"""A small repository (files by path) for the consolidation operations' tests.

Root ``apps/`` lists tenant-svc and auth-svc (merged; local chart via kustomize helmCharts;
tenant-svc has a ``-grpc`` Service) and a worker that calls tenant-svc over HTTP and names
``auth-svc`` in a namespace that never hosted it. auth-svc calls tenant-svc over gRPC, reads
a private key from the shared JWT vault path, and its route has no JWT plugin. A CI template
names tenant-svc's values file; ``dev`` holds a same-named tenant-svc in ``lumie-dev``.
"""

from __future__ import annotations

REPO = "https://github.com/Lumie-Edu/lumie-infra.git"
OPTIONS = {"services": ["tenant-svc", "auth-svc"], "target": "lumie-backend", "namespace": "",
           "folder": "apps/backend"}


def app(name: str, namespace: str, path: str, header: str = "") -> str:
    return f"""\
{header}apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {REPO}
    targetRevision: main
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {namespace}
  syncPolicy:
    automated:
      prune: true
"""


def kustomization(release: str, namespace: str, resources: str = "") -> str:
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
    "apps/application.yaml": app("apps", "argocd", "apps"),
    "apps/kustomization.yaml": """\
resources:
- application.yaml
# backend
- tenant/argocd.yaml
- auth/argocd.yaml

# workers
- worker/argocd.yaml
- ci/argocd.yaml
- dev/argocd.yaml
""",
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\n",
    "charts/common/values.yaml": """\
common:
  name: ""
  service:
    enabled: true
  ingress:
    enabled: false
    className: kong
  podSecurityContext: {}
""",
    "apps/tenant/argocd.yaml": app("tenant-svc", "lumie-tenant", "apps/tenant", "# tenant-svc API\n"),
    "apps/tenant/kustomization.yaml": kustomization("tenant-svc", "lumie-tenant",
                                                    "resources:\n- manifests/grpc-service.yaml\n"),
    "apps/tenant/common-values.yaml": """\
# tenant-svc values
# chart values live under common:
common:
  name: tenant-svc
  namespace: lumie-tenant
  replicaCount: 2
  image:
    registry: zot.example
    repository: applications/tenant-svc
    tag: "1a2b3c4d"
  ports:
    http: 8080
    grpc: 9090

  # environment
  env:
  - name: TZ
    value: Asia/Seoul
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: tenant-svc-db-secrets
        key: password
  resources:
    requests:
      cpu: 250m
      memory: 1Gi
    limits:
      memory: 1536Mi
  healthCheck:
    liveness:
      path: /health
      initialDelaySeconds: 30

  # exposed
  ingress:
    enabled: true
    annotations:
      konghq.com/plugins: lumie-cors,lumie-jwt
    hosts:
    - host: api.example
      paths:
      - path: /api/tenant
        pathType: Prefix
    tls:
    - secretName: api-tls
      hosts:
      - api.example
  vaultStaticSecrets:
  - name: tenant-svc-db
    path: infrastructure/postgresql
    destination:
      name: tenant-svc-db-secrets
""",
    "apps/tenant/manifests/grpc-service.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: tenant-svc-grpc
  namespace: lumie-tenant
  labels:
    app.kubernetes.io/name: tenant-svc
spec:
  selector:
    app.kubernetes.io/name: tenant-svc
  ports:
  - name: grpc
    port: 9090
""",
    "apps/auth/argocd.yaml": app("auth-svc", "lumie-auth", "apps/auth", "# auth-svc API\n"),
    "apps/auth/kustomization.yaml": kustomization("auth-svc", "lumie-auth"),
    "apps/auth/common-values.yaml": """\
# auth-svc values
# chart values live under common:
common:
  name: auth-svc
  namespace: lumie-auth
  replicaCount: 1
  image:
    registry: zot.example
    repository: applications/auth-svc
    tag: "1a2b3c4d"
  ports:
    http: 8080

  # environment
  env:
    - name: TZ
      value: Asia/Seoul
    - name: DB_PASSWORD
      valueFrom:
        secretKeyRef:
          name: auth-svc-db-secrets
          key: password
    - name: TENANT_SVC_GRPC_HOST
      value: tenant-svc-grpc.lumie-tenant.svc:9090
  resources:
    requests:
      cpu: 0.1
      memory: 512Mi
  healthCheck:
    liveness:
      path: /health
      initialDelaySeconds: 60

  # exposed
  ingress:
    enabled: true
    annotations:
      konghq.com/plugins: lumie-cors
    hosts:
      - host: api.example
        paths:
          - path: /api/auth
            pathType: Prefix
    tls:
      - secretName: api-tls
        hosts:
          - api.example
  vaultStaticSecrets:
    - name: auth-svc-db
      path: infrastructure/postgresql
      destination:
        name: auth-svc-db-secrets
""",
    "apps/worker/argocd.yaml": app("grading-svc", "lumie-grading", "apps/worker"),
    "apps/worker/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grading-svc
  namespace: lumie-grading
spec:
  template:
    spec:
      containers:
      - name: grading
        env:
        - name: TENANT_URL
          value: http://tenant-svc.lumie-tenant.svc.cluster.local:8080/api # the tenant API
        - name: AUTH_URL
          value: "http://auth-svc.lumie-platform.svc:8080"
""",
    "apps/ci/argocd.yaml": app("ci", "tekton", "apps/ci"),
    "apps/ci/trigger.yaml": """\
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerTemplate
metadata:
  name: image-update
spec:
  params:
  - name: tenant-values
    default: apps/tenant/common-values.yaml
""",
    "apps/dev/argocd.yaml": app("dev", "lumie-dev", "apps/dev"),
    "apps/dev/tenant.yaml": """\
apiVersion: v1
kind: Service
metadata:
  name: tenant-svc
spec:
  ports:
  - port: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dev-urls
data:
  tenant: http://tenant-svc.lumie-dev.svc:8080
""",
}
