"""kong-cors and cors-annotations (ingress.translators.cors)."""

from __future__ import annotations

from migrate.ingress.sites import Site
from migrate.ingress.translators import Feature, TranslationTable
from migrate.playbook import OPERATIONS, Context
from migrate.repo.tracked import Tree

REPO = "https://example.com/org/infra.git"


def app(name: str, namespace: str, sources: str) -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
            f"spec:\n  project: default\n{sources}  destination:\n    server: https://kubernetes.default.svc\n"
            f"    namespace: {namespace}\n")


def path(folder: str) -> str:
    return f"  source:\n    repoURL: {REPO}\n    targetRevision: main\n    path: {folder}\n"


def chart_with_values(chart: str, values: str, manifests: str | None = None) -> str:
    extra = f"  - repoURL: {REPO}\n    targetRevision: main\n    path: {manifests}\n" if manifests else ""
    return (f"  sources:\n  - repoURL: https://charts.example.com\n    chart: {chart}\n    targetRevision: 1.0.0\n"
            f"    helm:\n      valueFiles:\n      - $values/{values}\n  - repoURL: {REPO}\n    targetRevision: main\n"
            f"    ref: values\n{extra}")


INFRA_KUSTOMIZATION = """\
# Ingress controllers
#   traefik takes over from kong
resources:
- traefik/argocd.yaml
- kong/argocd.yaml # the old gateway"""


KONG_PLUGINS = """\
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: cors
plugin: cors
config:
  origins: [https://example.com, "https://(.*)\\\\.example\\\\.com"]
  methods: [GET, POST]
  headers: [Authorization]
  credentials: true
  max_age: 600
---
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: jwt
plugin: jwt
config:
  key_claim_name: iss
"""


WEB_INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations: {konghq.com/strip-path: "true", konghq.com/plugins: cors}
spec:
  ingressClassName: kong
  rules:
  - host: example.com
    http:
      paths:
      - path: /app
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
"""


WEB_REDIRECT = """\
# www -> apex
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: www
plugin: pre-function
config:
  access:
  - |
    if kong.request.get_host() == "www.example.com" then
      return kong.response.exit(301, "", { ["Location"] = "https://example.com" .. kong.request.get_path_with_query() })
    end
--- # the www host
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: www
  annotations:
    kubernetes.io/ingress.class: kong # legacy form
    konghq.com/plugins: www
spec:
  rules:
  - host: www.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80"""


API_VALUES = """\
common:
  name: api
  ingress:
    enabled: true
    className: kong # set by hand
    annotations:
      konghq.com/strip-path: "true"
      konghq.com/plugins: cors,jwt
      traefik.ingress.kubernetes.io/router.middlewares: api-auth@kubernetescrd
    hosts:
      - host: api.example.com
        paths:
          - path: /v1
  additionalIngresses:
    - name: hook
      className: kong
      annotations: {}
      hosts:
        - host: api.example.com
          paths:
            - path: /hook
"""


CHART_VALUES = "common:\n  name: \"\"\n  ingress:\n    enabled: false\n    className: kong\n    annotations: {}\n"


CHART_TEMPLATE = ('spec:\n  ingressClassName: {{ $ing.className | default "kong" }}\n'
                  '  # kong is the default\n')


FILES_VALUES = """\
ingress:
  enabled: true
  className: kong
  annotations:
    konghq.com/read-timeout: "600000" # large uploads
  hosts:
    - host: files.example.com
      paths:
        - path: /
"""


FILES_LIMIT = """\
apiVersion: configuration.konghq.com/v1
kind: KongPlugin
metadata:
  name: limit
plugin: request-size-limiting
config:
  allowed_payload_size: 10
"""


OLD_INGRESS = WEB_INGRESS.replace("name: web", "name: old")


AUTH_MIDDLEWARE = ("apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: auth\n  namespace: api\n"
                   "spec:\n  forwardAuth:\n    address: http://auth.api.svc\n")


FILES: dict[str, str] = {
    "infra/application.yaml": app("infra", "argocd", path("infra")),
    "infra/kustomization.yaml": INFRA_KUSTOMIZATION,
    "infra/traefik/argocd.yaml": app("traefik", "traefik", chart_with_values("traefik", "infra/traefik/values.yaml")),
    "infra/traefik/values.yaml": "ingressClass:\n  enabled: true\n",
    "infra/kong/argocd.yaml": app("kong", "kong", chart_with_values("kong", "infra/kong/values.yaml",
                                                                     "infra/kong/manifests")),
    "infra/kong/values.yaml": "ingressController:\n  ingressClass: kong\n",
    "infra/kong/manifests/plugins.yaml": KONG_PLUGINS,
    "apps/application.yaml": app("apps", "argocd", path("apps")),
    "apps/kustomization.yaml": "resources:\n- application.yaml\n- web/argocd.yaml\n- api/argocd.yaml\n"
                               "- files/argocd.yaml\n",
    "apps/web/argocd.yaml": app("web", "web", path("apps/web")),
    "apps/web/kustomization.yaml": "namespace: web\nresources:\n- ingress.yaml\n- redirect.yaml\n",
    "apps/web/ingress.yaml": WEB_INGRESS,
    "apps/web/redirect.yaml": WEB_REDIRECT,
    "apps/api/argocd.yaml": app("api", "api", path("apps/api")),
    "apps/api/kustomization.yaml": ("helmGlobals:\n  chartHome: ../../charts\nhelmCharts:\n- name: common\n"
                                    "  releaseName: api\n  namespace: api\n  valuesFile: values.yaml\n"
                                    "resources:\n- auth.yaml\n"),
    "apps/api/values.yaml": API_VALUES,
    "apps/api/auth.yaml": AUTH_MIDDLEWARE,
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\n",
    "charts/common/values.yaml": CHART_VALUES,
    "charts/common/templates/ingress.yaml": CHART_TEMPLATE,
    "apps/files/argocd.yaml": app("files", "files", chart_with_values("files", "apps/files/values.yaml",
                                                                       "apps/files/manifests")),
    "apps/files/values.yaml": FILES_VALUES,
    "apps/files/manifests/limit.yaml": FILES_LIMIT,
    "old/argocd.yaml": app("old", "old", path("old/manifests")),
    "old/manifests/ingress.yaml": OLD_INGRESS,
}


def applied(operation: str, files=FILES, **options):
    """Apply an operation in memory: (result, its report entries as text, tree after)."""
    cls = OPERATIONS.get(operation)
    tree = Tree.from_files(files)
    ctx = Context.for_tree(tree).at(tree, options=cls.bind(options))
    result = cls().prepare(ctx)
    return result, [str(e) for e in [*result.report, *ctx.report.entries]], tree.with_changes(result.changes)


# --- translate-plugins -----------------------------------------------------------------------------
SWITCHED = {**FILES,
            "apps/web/ingress.yaml": WEB_INGRESS.replace("ingressClassName: kong", "ingressClassName: traefik"),
            "apps/web/redirect.yaml": WEB_REDIRECT.replace("class: kong #", "class: traefik #"),
            "apps/api/values.yaml": API_VALUES.replace("className: kong", "className: traefik"),
            "apps/files/values.yaml": FILES_VALUES.replace("className: kong", "className: traefik"),
            "charts/common/values.yaml": CHART_VALUES.replace("kong", "traefik"),
            "charts/common/templates/ingress.yaml": CHART_TEMPLATE.replace('"kong"', '"traefik"')}


TABLE = {
    "plugins_annotation": "konghq.com/plugins",
    "annotations": {"konghq.com/strip-path": {"true": "strip-prefix",
                                              "false": {"translator": "not-needed", "why": "full path by default"}}},
    "plugins": {"cors": "kong-cors", "pre-function": "kong-lua-redirect"},
    "explain": {"jwt": "checked tokens"},
}


TRANSLATE = dict(component="kong", annotation_prefix="konghq.com/", translations=TABLE)


def middleware(name: str, namespace: str, replaces: str, spec: str) -> str:
    return (f"# replaces {replaces}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n{spec}")


def translate(files=SWITCHED, **options):
    return applied("translate-plugins", files, **{**TRANSLATE, **options})


# --- translators -----------------------------------------------------------------------------------
SITE = Site("a.yaml", "Ingress/web", "web", "ns", ("/api", "/"), (("nginx/cors-allow-origin", "https://a.b"),
                                                                   ("nginx/cors-max-age", "60")),
            (("nginx/cors-allow-origin", 4), ("nginx/cors-max-age", 5)), 3)


def outcome(table: dict, kind: str, type_: str, value, name: str = "x"):
    return TranslationTable(table).translate(Feature(name, kind, type_, value, SITE, 3))


def spec(result) -> dict:
    return dict(result.middleware.spec)


def test_kong_cors_defaults_and_untranslatable_settings():
    result = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": False})
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["*"], "accessControlAllowMethods": [
        "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"],
        "accessControlAllowHeaders": ["*"]}}   # Kong allows whatever headers the preflight asks for
    echoed = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": True})
    assert echoed.lost and "no cors headers list" in echoed.why
    refused = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"preflight_continue": True})
    assert refused.lost and refused.why == "cors setting preflight_continue has no Traefik equivalent"


def test_cors_annotations_read_and_consume_their_siblings():
    table = {"annotations": {"nginx/enable-cors": {"true": {"translator": "cors-annotations", "prefix": "nginx/cors-"}}}}
    result = outcome(table, "annotation", "nginx/enable-cors", "true")
    assert result.middleware.name == "web-cors"
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["https://a.b"], "accessControlMaxAge": 60,
                                        "addVaryHeader": True}}
    assert result.consumes == ("nginx/cors-allow-origin", "nginx/cors-max-age")
