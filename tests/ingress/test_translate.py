"""translate-plugins: before/after, the loss report, refusals (ingress.translate)."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.playbook import CHECKS, OPERATIONS, Context
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


# --- checks ----------------------------------------------------------------------------------------
def check(name: str, before: dict, after: dict, **options) -> list[str]:
    cls = CHECKS.get(name)
    origin, tree = Tree.from_files(before), Tree.from_files(after)
    ctx = Context.for_tree(origin).at(tree, options=cls.bind(options))
    return [f"{f.path}:{f.line}: {f.message}" for f in cls().check(ctx)]


def translated() -> dict:
    result, tree = run_operation("translate-plugins", SWITCHED, **TRANSLATE, accept_loss=LOSSES)
    return {p: tree.read_text(p) for p in tree.paths()}


def spec(result) -> dict:
    return dict(result.middleware.spec)


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
