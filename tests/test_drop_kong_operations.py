"""Before/after tests of drop-kong's operations and checks on a small in-memory repository.

The repository (``FILES``) has two roots: ``infra/`` (traefik and kong, kong's own plugins
in its manifests folder) and ``apps/`` with
- ``web``: a kustomization of two manifests — an Ingress with a flow-style annotations map,
  and a multi-document file (KongPlugin + Ingress with the legacy class annotation and a
  trailing comment, no final newline);
- ``api``: the local common chart (``ingress`` and ``additionalIngresses`` blocks, the chart's
  default class in ``charts/common/values.yaml`` and its template's ``default "kong"``), and a
  Middleware of its own that its Ingress already references;
- ``files``: a multi-source app (remote chart + values, a plain manifests folder holding only
  a KongPlugin);
- ``old``: an Application no kustomization lists (not synced).
"""

from __future__ import annotations

import pytest

from migrate.context import Context
from migrate.errors import MigrateError, UsageError
from migrate.operations.base import CHECKS, OPERATIONS
from migrate.operations.ingress import Site
from migrate.operations.translators import Feature, TranslationTable
from migrate.testing import assert_operation, run_operation
from migrate.tree import Tree

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


def applied(operation: str, files=FILES, **options):
    """Apply an operation in memory: (result, its report entries as text, tree after)."""
    cls = OPERATIONS.get(operation)
    tree = Tree.from_files(files)
    ctx = Context.for_tree(tree).at(tree, options=cls.bind(options))
    result = cls().apply(ctx)
    return result, [str(e) for e in [*result.report, *ctx.report.entries]], tree.with_changes(result.changes)


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


# --- unregister-component ------------------------------------------------------------------------
def test_unregister_component_keeps_comments_and_missing_final_newline():
    result = assert_operation("unregister-component", FILES, {
        "infra/kustomization.yaml": INFRA_KUSTOMIZATION.replace("\n- kong/argocd.yaml # the old gateway", ""),
    }, **KONG)
    assert result.details == ["infra/kustomization.yaml: - kong/argocd.yaml"]


def test_unregister_component_unknown_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown component 'nginx'.*Applications: api, apps"):
        run_operation("unregister-component", FILES, component="nginx")


def test_unregister_component_already_unregistered_changes_nothing():
    files = {**FILES, "infra/kustomization.yaml": "resources:\n- traefik/argocd.yaml\n"}
    result, _ = run_operation("unregister-component", files, **KONG)
    assert result.changes == {} and "not registered" in result.summary


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
LOSSES = ["jwt", "konghq.com/read-timeout"]

CORS_SPEC = """\
  headers:
    accessControlAllowOriginList:
    - https://example.com
    accessControlAllowOriginListRegex:
    - https://(.*)\\.example\\.com
    accessControlAllowMethods:
    - GET
    - POST
    accessControlAllowHeaders:
    - Authorization
    accessControlAllowCredentials: true
    accessControlMaxAge: 600
    addVaryHeader: true
"""


def middleware(name: str, namespace: str, replaces: str, spec: str) -> str:
    return (f"# replaces {replaces}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: {name}\n"
            f"  namespace: {namespace}\nspec:\n{spec}")


HEADER = "# Traefik Middlewares that replace kong plugins and annotations (written by migrate)\n"
STRIP = '  stripPrefix:\n    prefixes:\n    - {}\n'
AFTER_TRANSLATE = {
    # a flow map stays a flow map (the comma list is quoted, as flow style needs)
    "apps/web/ingress.yaml": SWITCHED["apps/web/ingress.yaml"].replace(
        '{konghq.com/strip-path: "true", konghq.com/plugins: cors}',
        "{traefik.ingress.kubernetes.io/router.middlewares: 'web-web-strip-prefix@kubernetescrd,"
        "web-cors@kubernetescrd'}"),
    # only the KongPlugin document goes; the file's heading comment, the rest and the missing newline stay
    "apps/web/redirect.yaml": "# www -> apex\n" + SWITCHED["apps/web/redirect.yaml"].split("\n", 12)[12].replace(
        "konghq.com/plugins: www", "traefik.ingress.kubernetes.io/router.middlewares: web-www@kubernetescrd"),
    "apps/web/kustomization.yaml": FILES["apps/web/kustomization.yaml"] + "- manifests/traefik-middlewares.yaml\n",
    "apps/web/manifests/traefik-middlewares.yaml": HEADER + "---\n".join([
        middleware("web-strip-prefix", "web", 'konghq.com/strip-path: "true"', STRIP.format("/app")),
        middleware("cors", "web", "KongClusterPlugin cors (cors)", CORS_SPEC),
        middleware("www", "web", "KongPlugin www (pre-function)",
                   "  redirectRegex:\n    regex: ^https?://www\\.example\\.com(?::\\d+)?/(.*)$\n"
                   "    replacement: https://example.com/${1}\n    permanent: true\n")]),
    # an existing router.middlewares list is kept first and extended
    "apps/api/values.yaml": SWITCHED["apps/api/values.yaml"].replace(
        '      konghq.com/strip-path: "true"\n      konghq.com/plugins: cors,jwt\n', "").replace(
        "api-auth@kubernetescrd", "api-auth@kubernetescrd,api-api-strip-prefix@kubernetescrd,api-cors@kubernetescrd"),
    "apps/api/kustomization.yaml": FILES["apps/api/kustomization.yaml"] + "- manifests/traefik-middlewares.yaml\n",
    # a new file takes the layout of the app's files (here: indented dashes, as in values.yaml)
    "apps/api/manifests/traefik-middlewares.yaml": HEADER + "---\n".join([
        middleware("api-strip-prefix", "api", 'konghq.com/strip-path: "true"', STRIP.format("/v1")),
        middleware("cors", "api", "KongClusterPlugin cors (cors)", CORS_SPEC)]).replace("    - ", "      - "),
    # an annotations map left empty stays, as {}
    "apps/files/values.yaml": SWITCHED["apps/files/values.yaml"].replace(
        'annotations:\n    konghq.com/read-timeout: "600000" # large uploads\n', "annotations: {}\n"),
    # a file holding only Kong kinds is deleted (a directory source: no kustomization to edit)
    "apps/files/manifests/limit.yaml": None,
}


def translate(files=SWITCHED, **options):
    return applied("translate-plugins", files, **{**TRANSLATE, **options})


def findings(result, tree, name):
    check = next(c for c in result.checks if c.name == name)
    return [f.message for f in check.test(Context.for_tree(tree))]


def test_translate_plugins_before_after():
    result = assert_operation("translate-plugins", SWITCHED, AFTER_TRANSLATE, **TRANSLATE, accept_loss=LOSSES)
    assert result.summary == ("Translate kong annotations and plugins to 5 Traefik Middleware(s); 2 loss(es), "
                              "each accepted by name")
    assert "apps/web/redirect.yaml:2: - KongPlugin www (its CRD goes with kong)" in result.details
    assert "apps/web/redirect.yaml:20: KongPlugin www (pre-function) -> web-www@kubernetescrd (redirectRegex)" \
        in result.details


def test_translate_plugins_loss_report_names_kind_purpose_and_every_place():
    result, report, tree = translate(accept_loss=LOSSES)
    assert report[:2] == [
        "[loss] infra/kong/manifests/plugins.yaml:13: jwt (KongClusterPlugin, jwt), accepted: checked tokens "
        "[key_claim_name=iss]; not translated: no translation for jwt plugins; used at 1 place(s): apps/api/values.yaml:8",
        '[loss] apps/files/values.yaml:5: konghq.com/read-timeout (annotation), accepted: konghq.com/read-timeout '
        '(annotation) [600000]; not translated: no translation for konghq.com/read-timeout: "600000"; used at 1 '
        'place(s): apps/files/values.yaml:5']
    assert "[not-synced] old/manifests/ingress.yaml:12: Ingress/old (old) uses konghq.com/ annotations, but no root " \
           "syncs it: left alone" in report
    assert findings(result, tree, "losses-accepted") == []
    assert findings(result, tree, "loss-report-complete") == []


def test_translate_plugins_refuses_until_each_loss_is_accepted_by_name():
    result, report, tree = translate(accept_loss=["jwt"])
    assert findings(result, tree, "losses-accepted") == [
        "1 loss(es) not accepted: konghq.com/read-timeout (see the loss report in the plan). Nothing is written until "
        "each is accepted by name: add --accept-loss konghq.com/read-timeout "
        "(or --set accept_loss=konghq.com/read-timeout)"]
    assert "konghq.com/read-timeout (annotation), NOT ACCEPTED: " in report[1]


def test_translate_plugins_notes_what_needs_nothing_and_odd_acceptances():
    files = {**SWITCHED, "apps/web/ingress.yaml": SWITCHED["apps/web/ingress.yaml"].replace('"true"', '"false"')}
    result, report, _ = translate(files, accept_loss=[*LOSSES, "typo"])
    assert '[note] apps/web/ingress.yaml:5: konghq.com/strip-path: "false": nothing needed — full path by default ' \
           '(at apps/web/ingress.yaml:5)' in report
    assert "[note] typo was accepted as a loss, but nothing of that name is lost" in report
    assert "web-web-strip-prefix" not in result.changes["apps/web/ingress.yaml"]


def test_translate_plugins_empties_a_listed_file_and_its_kustomization_entry():
    consumer = "apiVersion: configuration.konghq.com/v1\nkind: KongConsumer\nmetadata:\n  name: app\nusername: app\n"
    files = {**SWITCHED, "apps/web/consumer.yaml": consumer,
             "apps/web/kustomization.yaml": FILES["apps/web/kustomization.yaml"] + "- consumer.yaml\n"}
    result, _, tree = translate(files, accept_loss=LOSSES)
    assert result.changes["apps/web/consumer.yaml"] is None
    assert tree.read_text("apps/web/kustomization.yaml") == AFTER_TRANSLATE["apps/web/kustomization.yaml"]


def test_translate_plugins_reuses_an_identical_middleware_and_refuses_a_different_one():
    first, _, after = translate(accept_loss=LOSSES)
    moved = {p: after.read_text(p) for p in after.paths()}
    moved["apps/web/ingress.yaml"] = SWITCHED["apps/web/ingress.yaml"]   # the same Ingress, translated again
    again, _, _ = translate(moved, accept_loss=LOSSES)
    assert "apps/web/manifests/traefik-middlewares.yaml" not in again.changes
    moved["apps/web/manifests/traefik-middlewares.yaml"] = moved["apps/web/manifests/traefik-middlewares.yaml"].replace(
        "- /app", "- /other")
    with pytest.raises(MigrateError, match="Middleware web/web-strip-prefix exists with other settings"):
        translate(moved, accept_loss=LOSSES)


def test_translate_plugins_a_middleware_with_nowhere_to_live_is_a_loss():
    files = {**SWITCHED, "apps/files/argocd.yaml": app("files", "files", chart_with_values(
        "files", "apps/files/values.yaml")), "apps/files/values.yaml": SWITCHED["apps/files/values.yaml"].replace(
        "konghq.com/read-timeout", "konghq.com/strip-path").replace('"600000"', '"true"').replace(
        "path: /", "path: /data")}
    result, report, _ = translate(files, accept_loss=LOSSES)
    assert any(line.startswith("[loss] apps/files/values.yaml:5: konghq.com/strip-path (annotation)") and
               "no kustomization or manifests folder to hold one" in line for line in report)


# --- checks ----------------------------------------------------------------------------------------
def check(name: str, before: dict, after: dict, **options) -> list[str]:
    cls = CHECKS.get(name)
    origin, tree = Tree.from_files(before), Tree.from_files(after)
    ctx = Context.for_tree(origin).at(tree, options=cls.bind(options))
    return [f"{f.path}:{f.line}: {f.message}" for f in cls().check(ctx)]


def translated() -> dict:
    result, tree = run_operation("translate-plugins", SWITCHED, **TRANSLATE, accept_loss=LOSSES)
    return {p: tree.read_text(p) for p in tree.paths()}


def test_plugins_accounted_holds_after_the_step_and_catches_tampering():
    options = dict(component="kong", annotation_prefix="konghq.com/", translations=TABLE)
    after = translated()
    assert check("plugins-accounted", FILES, after, **options) == []
    tampered = {**after, "apps/api/manifests/traefik-middlewares.yaml":
                after["apps/api/manifests/traefik-middlewares.yaml"].replace("accessControlMaxAge: 600",
                                                                             "accessControlMaxAge: 60")}
    assert check("plugins-accounted", FILES, tampered, **options) == [
        "apps/api/manifests/traefik-middlewares.yaml:14: Middleware api/cors does not carry the settings of "
        "KongClusterPlugin cors (cors)"]
    untranslated = check("plugins-accounted", FILES, SWITCHED, **options)
    assert "apps/web/ingress.yaml:5: Ingress/web (web) still has annotation konghq.com/strip-path" in untranslated
    assert "apps/web/ingress.yaml:5: Ingress/web (web) does not reference web-cors@kubernetescrd (replacing " \
           "KongClusterPlugin cors (cors))" in untranslated


def test_component_unused_and_routes_unchanged():
    options = dict(component="kong", ingress_class="kong", annotation_prefix="konghq.com/")
    before = check("component-unused", FILES, FILES, **options)
    for finding in ("apps/web/ingress.yaml:7: route example.com/app still uses ingress class kong",
                    "apps/web/redirect.yaml:19: route www.example.com/ still uses ingress class kong",
                    "apps/web/ingress.yaml:5: route example.com/app still has annotation konghq.com/strip-path",
                    "charts/common/templates/ingress.yaml:2: the template still defaults to class kong",
                    "apps/web/redirect.yaml:2: KongPlugin web/www needs a CRD that kong installs"):
        assert finding in before
    assert not any(f.startswith(("old/", "infra/")) for f in before)   # unsynced and the component's own files
    assert check("component-unused", FILES, translated(), **options) == []
    assert check("routes-unchanged", FILES, translated()) == []
    moved = {**FILES, "apps/web/ingress.yaml": WEB_INGRESS.replace("name: web\n            port", "name: web2\n"
                                                                                                 "            port")}
    assert check("routes-unchanged", FILES, moved) == [
        "apps/web/ingress.yaml:12: route example.com/app -> web/web:80 is gone or changed",
        "apps/web/ingress.yaml:12: new route example.com/app -> web/web2:80"]


# --- translators -----------------------------------------------------------------------------------
SITE = Site("a.yaml", "Ingress/web", "web", "ns", ("/api", "/"), (("nginx/cors-allow-origin", "https://a.b"),
                                                                   ("nginx/cors-max-age", "60")),
            (("nginx/cors-allow-origin", 4), ("nginx/cors-max-age", 5)), 3)
HTTPS_LUA = ('if kong.request.get_forwarded_scheme() == "http" then\n  return kong.response.exit({status}, "", '
             '{{ ["Location"] = "https://" .. kong.request.get_host() .. kong.request.get_path_with_query() }})\nend\n')
HOST_LUA = ('local h = kong.request.get_host()\nif h == "old.a.b" then\n  return kong.response.exit(301, "", '
            '{ ["Location"] = "https://new.a.b" .. kong.request.get_path_with_query() })\nend\n')


def outcome(table: dict, kind: str, type_: str, value, name: str = "x"):
    return TranslationTable(table).translate(Feature(name, kind, type_, value, SITE, 3))


def spec(result) -> dict:
    return dict(result.middleware.spec)


@pytest.mark.parametrize("lua, expected", [
    (HTTPS_LUA.format(status=301), {"redirectScheme": {"scheme": "https", "permanent": True}}),
    (HTTPS_LUA.format(status=302), {"redirectScheme": {"scheme": "https", "permanent": False}}),
    (HOST_LUA, {"redirectRegex": {"regex": r"^https?://old\.a\.b(?::\d+)?/(.*)$", "replacement": "https://new.a.b/${1}",
                                  "permanent": True}}),
])
def test_kong_lua_redirect_recognises_redirect_shapes(lua, expected):
    result = outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function",
                     {"access": [lua]}, name="redir")
    assert (result.middleware.namespace, result.middleware.name, spec(result)) == ("ns", "redir", expected)


@pytest.mark.parametrize("config, why", [
    ({"access": ['kong.service.request.set_header("X-A", "1")\n']}, "not a redirect migrate recognises"),
    ({"access": [HOST_LUA], "header_filter": ["x()"]}, "beyond one access-phase snippet"),
])
def test_kong_lua_redirect_other_lua_is_a_loss(config, why):
    result = outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function", config)
    assert result.lost and why in result.why and result.middleware is None


def test_kong_cors_defaults_and_untranslatable_settings():
    result = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": False})
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["*"], "accessControlAllowMethods": [
        "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"],
        "accessControlAllowHeaders": ["*"]}}   # Kong allows whatever headers the preflight asks for
    echoed = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": True})
    assert echoed.lost and "no cors headers list" in echoed.why
    refused = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"preflight_continue": True})
    assert refused.lost and refused.why == "cors setting preflight_continue has no Traefik equivalent"


def test_strip_prefix_skips_the_root_path():
    table = {"annotations": {"k/strip": {"*": "strip-prefix"}}}
    assert spec(outcome(table, "annotation", "k/strip", "true")) == {"stripPrefix": {"prefixes": ["/api"]}}
    root_only = Site("a.yaml", "Ingress/web", "web", "ns", ("/",), (), (), 3)
    result = TranslationTable(table).translate(Feature("k/strip", "annotation", "k/strip", "true", root_only, 3))
    assert result.middleware is None and not result.lost and "no prefix to strip" in result.why


def test_cors_annotations_read_and_consume_their_siblings():
    table = {"annotations": {"nginx/enable-cors": {"true": {"translator": "cors-annotations", "prefix": "nginx/cors-"}}}}
    result = outcome(table, "annotation", "nginx/enable-cors", "true")
    assert result.middleware.name == "web-cors"
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["https://a.b"], "accessControlMaxAge": 60,
                                        "addVaryHeader": True}}
    assert result.consumes == ("nginx/cors-allow-origin", "nginx/cors-max-age")


def test_a_feature_without_translation_is_a_loss():
    assert outcome({}, "annotation", "k/read-timeout", "5").why == 'no translation for k/read-timeout: "5"'
    assert outcome({}, "KongPlugin", "jwt", {}).why == "no translation for jwt plugins"


@pytest.mark.parametrize("table, message", [
    ({"plugin": {}}, "translations has no key 'plugin'"),
    ({"plugins": {"cors": "nope"}}, "unknown translator 'nope'"),
    ({"plugins": {"cors": {"translator": "kong-cors", "x": 1}}}, "translator 'kong-cors' has no option 'x'"),
    ({"annotations": {"k": {"true": {"translator": "not-needed"}}}}, "needs option 'why'"),
    ({"annotations": ["k"]}, "annotations must be a mapping"),
])
def test_translation_table_errors_are_usage_errors(table, message):
    with pytest.raises(UsageError, match=message):
        TranslationTable(table)


# --- each translation, before and after ---------------------------------------------------------------
HTTPS_PLUGIN = """\
apiVersion: configuration.konghq.com/v1
kind: KongClusterPlugin
metadata:
  name: https
plugin: pre-function
config:
  access:
  - |
    if kong.request.get_forwarded_scheme() == "http" then
      return kong.response.exit(301, "", { ["Location"] = "https://" .. kong.request.get_host() .. kong.request.get_path_with_query() })
    end
"""


def one_ingress(annotations: str, plugins: str = "") -> dict[str, str]:
    """infra/ (kong with ``plugins``, traefik) and one app whose Ingress (class traefik) has ``annotations``."""
    files = {p: t for p, t in FILES.items() if p.startswith(("infra/", "apps/web/"))}
    files.update({"apps/application.yaml": FILES["apps/application.yaml"],
                  "apps/kustomization.yaml": "resources:\n- web/argocd.yaml\n",
                  "apps/web/kustomization.yaml": "resources:\n- ingress.yaml\n",
                  "apps/web/ingress.yaml": WEB_INGRESS.replace(
                      '  annotations: {konghq.com/strip-path: "true", konghq.com/plugins: cors}\n',
                      f"  annotations:\n{annotations}").replace("ingressClassName: kong", "ingressClassName: traefik"),
                  "infra/kong/manifests/plugins.yaml": KONG_PLUGINS + plugins})
    del files["apps/web/redirect.yaml"]
    return files


@pytest.mark.parametrize("annotation, plugins, name, replaces, spec", [
    ('konghq.com/strip-path: "true"', "", "web-strip-prefix", 'konghq.com/strip-path: "true"', STRIP.format("/app")),
    ("konghq.com/plugins: cors", "", "cors", "KongClusterPlugin cors (cors)", CORS_SPEC),
    ("konghq.com/plugins: https", "---\n" + HTTPS_PLUGIN, "https", "KongClusterPlugin https (pre-function)",
     "  redirectScheme:\n    scheme: https\n    permanent: true\n"),
    ("konghq.com/plugins: www", "---\n" + WEB_REDIRECT.split("--- #")[0].replace("KongPlugin", "KongClusterPlugin"),
     "www", "KongClusterPlugin www (pre-function)",
     "  redirectRegex:\n    regex: ^https?://www\\.example\\.com(?::\\d+)?/(.*)$\n"
     "    replacement: https://example.com/${1}\n    permanent: true\n"),
])
def test_each_translation_makes_its_middleware(annotation, plugins, name, replaces, spec):
    before = one_ingress(f"    {annotation}\n", plugins)
    assert_operation("translate-plugins", before, {
        "apps/web/ingress.yaml": before["apps/web/ingress.yaml"].replace(
            annotation, f"traefik.ingress.kubernetes.io/router.middlewares: web-{name}@kubernetescrd"),
        "apps/web/kustomization.yaml": "resources:\n- ingress.yaml\n- manifests/traefik-middlewares.yaml\n",
        "apps/web/manifests/traefik-middlewares.yaml": HEADER + middleware(name, "web", replaces, spec),
    }, **TRANSLATE)


@pytest.mark.parametrize("annotation, why", [
    ('konghq.com/strip-path: "false"', "full path by default"),
    ('konghq.com/preserve-host: "true"', "the original Host by default"),
])
def test_what_needs_nothing_only_loses_its_annotation(annotation, why):
    table = {**TABLE, "annotations": {**TABLE["annotations"], "konghq.com/preserve-host": {
        "true": {"translator": "not-needed", "why": "the original Host by default"}}}}
    before = one_ingress(f"    {annotation}\n    team: web\n")
    result = assert_operation("translate-plugins", before, {
        "apps/web/ingress.yaml": before["apps/web/ingress.yaml"].replace(f"    {annotation}\n", "")},
        **{**TRANSLATE, "translations": table})
    assert [e.kind for e in result.report] == ["note"] and why in result.report[0].message


def test_a_global_plugin_is_a_loss_even_though_no_ingress_names_it():
    rate = ("---\napiVersion: configuration.konghq.com/v1\nkind: KongClusterPlugin\nmetadata:\n  name: limits\n"
            "  labels:\n    global: \"true\"\nplugin: rate-limiting\nconfig:\n  minute: 100\n")
    files = {**SWITCHED, "infra/kong/manifests/plugins.yaml": KONG_PLUGINS + rate}
    result, report, tree = translate(files, accept_loss=LOSSES)
    assert "[loss] infra/kong/manifests/plugins.yaml:21: limits (KongClusterPlugin, rate-limiting), NOT ACCEPTED: " \
           "rate-limiting (KongClusterPlugin) [minute=100]; not translated: a global plugin (run on every route of " \
           "kong); migrate translates only plugins that Ingresses name; used at 1 place(s): " \
           "infra/kong/manifests/plugins.yaml:21" in report
    assert "limits" in findings(result, tree, "losses-accepted")[0]
