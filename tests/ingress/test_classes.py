"""switch-ingress-class: before/after on a small repository (ingress.classes)."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.playbook import OPERATIONS, Context
from migrate.repo.tracked import Tree
from migrate.testing import assert_operation, run_operation

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


KONG = dict(component="kong")


# --- switch-ingress-class --------------------------------------------------------------------------
def switch(files=FILES, **options):
    return run_operation("switch-ingress-class", files, **{**KONG, "from_class": "kong", "to_class": "traefik",
                                                           **options})


def applied(operation: str, files=FILES, **options):
    """Apply an operation in memory: (result, its report entries as text, tree after)."""
    cls = OPERATIONS.get(operation)
    tree = Tree.from_files(files)
    ctx = Context.for_tree(tree).at(tree, options=cls.bind(options))
    result = cls().prepare(ctx)
    return result, [str(e) for e in [*result.report, *ctx.report.entries]], tree.with_changes(result.changes)


def middleware(name: str, namespace: str, replaces: str, spec: str) -> str:
    return (f"# replaces {replaces}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n{spec}")


def spec(result) -> dict:
    return dict(result.middleware.spec)


def test_switch_ingress_class_every_form_and_only_synced_apps():
    result = assert_operation("switch-ingress-class", FILES, {
        "apps/web/ingress.yaml": WEB_INGRESS.replace("ingressClassName: kong", "ingressClassName: traefik"),
        # legacy annotation: the form stays, the trailing comment too; still no final newline
        "apps/web/redirect.yaml": WEB_REDIRECT.replace("ingress.class: kong # legacy", "ingress.class: traefik # legacy"),
        "apps/api/values.yaml": API_VALUES.replace("className: kong", "className: traefik"),
        "apps/files/values.yaml": FILES_VALUES.replace("className: kong", "className: traefik"),
        "charts/common/values.yaml": CHART_VALUES.replace("kong", "traefik"),
        # a template is text: only the literal on the class line changes, not the comment
        "charts/common/templates/ingress.yaml": CHART_TEMPLATE.replace('default "kong"', 'default "traefik"'),
    }, **KONG, from_class="kong", to_class="traefik")
    assert "apps/api/values.yaml:5: ingress class kong -> traefik" in result.details
    assert "charts/common/templates/ingress.yaml:2: ingress class kong -> traefik" in result.details
    assert "apps/web/redirect.yaml:19: ingress class kong -> traefik" in result.details


def test_switch_ingress_class_reports_unsynced_files_and_leaves_the_component_alone():
    result, report, tree = applied("switch-ingress-class", **KONG, from_class="kong", to_class="traefik")
    assert report == ["[not-synced] old/manifests/ingress.yaml:7: selects ingress class kong, but no root syncs this "
                      "file: left alone"]
    assert tree.read_text("old/manifests/ingress.yaml") == OLD_INGRESS
    assert tree.read_text("infra/kong/values.yaml") == FILES["infra/kong/values.yaml"]


def test_switch_ingress_class_notes_a_class_no_synced_app_serves():
    _, report, _ = applied("switch-ingress-class", **KONG, from_class="kong", to_class="nginx")
    assert "[note] no synced Application of this repository serves ingress class nginx: make sure the cluster " \
           "runs its controller" in report


def test_switch_ingress_class_refuses_nonsense():
    with pytest.raises(UsageError, match="unknown component 'nope'"):
        switch(component="nope")
    with pytest.raises(UsageError, match="both 'kong'"):
        switch(to_class="kong")
