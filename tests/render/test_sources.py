"""Each source shape rendered as Argo CD would, and the graph read from the rendered objects with the
file and line a user edits: a kustomize overlay (namespace, namePrefix, a patch), a Helm multi-source
Application with ``$values``, a vendored chart whose ``extraObjects`` make a Middleware, Gateway API
routes, directory sources."""

from __future__ import annotations

import json

from click.testing import CliRunner

from migrate.cli import main
from tests.fixtures.builders import application
from tests.fixtures.shapes import REPO, app, deployment, load, service, source, synced

ROOT = {"root.yaml": app("root", "argocd", "apps")}


def calls(graph) -> list[str]:
    return sorted(str(r) for r in graph.references(["resolved", "dangling", "external"]) if r.edge == "calls")


def test_a_kustomize_overlay_with_namespace_name_prefix_and_a_patch(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/shop.yaml": app("shop", "ignored", "shop/overlays/prod"),
        "apps/web.yaml": app("web", "web", "web"),
        "shop/base/kustomization.yaml": "resources:\n- api.yaml\n- db.yaml\n",
        "shop/base/api.yaml": deployment("api", "http://db:5432") + "---\n" + service("api"),
        "shop/base/db.yaml": service("db"),
        "shop/overlays/prod/kustomization.yaml": """\
namespace: shop-prod
namePrefix: prod-
resources:
- ../../base
patches:
- target: {kind: Deployment, name: api}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/env/0/value
      value: http://prod-db.shop-prod.svc:5432
""",
        "web/deploy.yaml": deployment("web", "http://prod-api.shop-prod.svc:8080"),
        "web/stale.yaml": deployment("stale", "http://api.shop-prod.svc:8080"),
    })
    assert synced(g) == {"root", "shop", "web"}
    assert calls(g) == [
        "shop/base/api.yaml:17: [resolved] calls workload:shop-prod/prod-api -> service:shop-prod/prod-db: ",
        "web/deploy.yaml:17: [resolved] calls workload:web/web -> service:shop-prod/prod-api: ",
        "web/stale.yaml:17: [dangling] calls workload:web/stale -> service:shop-prod/api: no service api in "
        "shop-prod, a namespace the repo deploys to"]


CHART = {
    "charts/webapp/Chart.yaml": "apiVersion: v2\nname: webapp\nversion: 0.1.0\n",
    "charts/webapp/values.yaml": "api:\n  url: http://localhost:8080\nreplicas: 1\n",
    "charts/webapp/templates/deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0.0
        env:
        - name: API_URL
          value: {{ .Values.api.url | quote }}
""",
}

MULTI_SOURCE = application("web", "web", f"""\
  sources:
  - repoURL: {REPO}
    targetRevision: HEAD
    path: charts/webapp
    helm:
      releaseName: storefront
      valueFiles:
      - $values/envs/prod/web-values.yaml
      valuesObject:
        replicas: 2
  - repoURL: {REPO}
    targetRevision: HEAD
    ref: values""")


def test_a_helm_multi_source_application_with_values_ref(tmp_path):
    inv, g = load(tmp_path, {**ROOT, **CHART,
        "apps/web.yaml": MULTI_SOURCE,
        "apps/api.yaml": app("api", "api", "api"),
        "api/svc.yaml": service("api"),
        "envs/prod/web-values.yaml": "# prod\napi:\n  url: http://api.api.svc:8080\n",
    })
    assert synced(g) == {"root", "web", "api"}
    # the reference is where a user edits it: the values file's line, not the chart template
    assert calls(g) == ["envs/prod/web-values.yaml:3: [resolved] calls workload:web/storefront -> service:api/api: "]
    deployment_doc = next(o.doc for o in g.view.renders["application:argocd/web"].objects if o.doc["kind"] ==
                          "Deployment")
    assert deployment_doc["spec"]["replicas"] == 2 and deployment_doc["metadata"]["namespace"] == "web"


EDGE = {
    "apps/edge.yaml": app("edge", "edge", "platform/edge"),
    "platform/edge/kustomization.yaml": """\
helmCharts:
- name: edge-proxy
  repo: https://charts.example.com
  version: 1.2.0
  releaseName: edge
  namespace: edge
  valuesFile: values.yaml
""",
    # vendored as `helm pull --untar` leaves it (kustomize itself would look in edge-proxy-1.2.0/edge-proxy)
    "platform/edge/charts/edge-proxy/Chart.yaml": "apiVersion: v2\nname: edge-proxy\nversion: 1.2.0\n",
    "platform/edge/charts/edge-proxy/values.yaml": "extraObjects: []\n",
    "platform/edge/charts/edge-proxy/templates/extra.yaml":
        "{{- range .Values.extraObjects }}\n---\n{{ toYaml . }}\n{{- end }}\n",
    "platform/edge/values.yaml": """\
extraObjects:
- apiVersion: traefik.io/v1alpha1
  kind: Middleware
  metadata:
    name: secure-headers
    namespace: edge
  spec:
    headers:
      frameDeny: true
""",
}

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    traefik.ingress.kubernetes.io/router.middlewares: edge-secure-headers@kubernetescrd,edge-missing@kubernetescrd
spec:
  ingressClassName: traefik
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 8080}}
"""


def test_a_vendored_chart_whose_extra_objects_make_a_middleware(tmp_path):
    inv, g = load(tmp_path, {**ROOT, **EDGE,
        "apps/web.yaml": app("web", "web", "web"),
        "web/ingress.yaml": INGRESS, "web/svc.yaml": service("web")})
    assert synced(g) == {"root", "edge", "web"}
    assert g.blind_spots() == []
    plugins = {(r.kind, r.target, f"{r.file}:{r.line}") for r in g.references() if r.edge == "uses-plugin"}
    assert plugins == {("resolved", "middleware:edge/secure-headers", "web/ingress.yaml:6"),
                       ("dangling", "middleware:edge/missing", "web/ingress.yaml:6")}
    middleware = next(o for o in g.view.renders["application:argocd/edge"].objects if o.doc["kind"] == "Middleware")
    assert middleware.located.file == "platform/edge/values.yaml"        # where a user edits it


HTTP_ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: public
    namespace: edge
  hostnames: [www.example.com]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /app}
    backendRefs:
    - name: web
      port: 8080
  - matches:
    - path: {type: PathPrefix, value: /old}
    backendRefs:
    - name: retired
      port: 8080
"""

GATEWAY = """\
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
spec:
  gatewayClassName: traefik
  listeners:
  - {name: http, protocol: HTTP, port: 80}
"""

GRPC_ROUTE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata:
  name: billing
spec:
  parentRefs:
  - name: internal
  rules:
  - matches:
    - method: {service: billing.v1.Billing}
    backendRefs:
    - name: billing
      namespace: payments
      port: 9090
"""


def test_gateway_api_routes_are_routes_with_their_gateways_and_backends(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/edge.yaml": app("edge", "edge", "edge"), "edge/gateway.yaml": GATEWAY,
        "apps/web.yaml": app("web", "web", "web"), "web/svc.yaml": service("web"), "web/route.yaml": HTTP_ROUTE,
        "web/grpc.yaml": GRPC_ROUTE,
        "apps/payments.yaml": app("payments", "payments", "payments"), "payments/svc.yaml": service("billing")})
    routes = {(r.kind, r.edge, r.source, r.target, r.line) for r in g.references()
              if r.edge in ("routes-to", "attached-to")}
    assert routes == {
        ("resolved", "attached-to", "route:www.example.com/app", "gateway:edge/public", 7),
        ("resolved", "attached-to", "route:www.example.com/old", "gateway:edge/public", 7),
        ("resolved", "routes-to", "route:www.example.com/app", "service:web/web", 14),
        ("dangling", "routes-to", "route:www.example.com/old", "service:web/retired", 19),
        ("external", "attached-to", "route:*/billing.v1.Billing", "external:gateway:web/internal", 7),
        ("resolved", "routes-to", "route:*/billing.v1.Billing", "service:payments/billing", 12),
    }


def test_a_directory_source_recurses_includes_and_excludes(tmp_path):
    directory = "    directory:\n      recurse: true\n      include: '*.yaml'\n      exclude: 'skip/*'\n"
    inv, g = load(tmp_path, {**ROOT,
        "apps/web.yaml": application("web", "web", source("web", directory)),
        "web/a/svc.yaml": service("web"),
        "web/skip/svc.yaml": service("skipped"),
        "web/notes.yml": service("yml-is-not-included"),
        "apps/jsonnet.yaml": app("lib", "lib", "lib"), "lib/main.jsonnet": "{}\n",
    })
    names = sorted(o.doc["metadata"]["name"] for o in g.view.renders["application:argocd/web"].objects)
    assert names == ["web"]
    assert any("Application lib" in line and "jsonnet" in line for line in g.blind_spots()), g.blind_spots()


def test_migrate_render_prints_what_an_application_renders_to(tmp_path):
    inv, g = load(tmp_path, {**ROOT, **CHART, "apps/web.yaml": MULTI_SOURCE,
                             "envs/prod/web-values.yaml": "api:\n  url: http://api.api.svc:8080\n"})
    repo = tmp_path / "repo"
    out = CliRunner().invoke(main, ["render", "web", "--repo", str(repo)])
    assert out.exit_code == 0, out.output
    assert "kind: Deployment" in out.output and "name: storefront" in out.output and "namespace: web" in out.output
    data = json.loads(CliRunner().invoke(main, ["render", "web", "--repo", str(repo), "--format", "json"]).output)
    assert [o["object"]["kind"] for o in data["objects"]] == ["Deployment"]
    missing = CliRunner().invoke(main, ["render", "nope", "--repo", str(repo)])
    assert missing.exit_code != 0 and "nope" in missing.output
