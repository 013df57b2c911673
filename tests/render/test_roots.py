"""Roots the way Argo CD has them: whatever they are called and wherever they are, found by what
renders what — a directory of Application files, a kustomization listing them, a Helm chart emitting
one per values entry — and self-managed roots."""

from __future__ import annotations

from tests.fixtures.builders import application
from tests.fixtures.shapes import REPO, app, deployment, load, references, service, source, synced


def test_a_root_named_anything_nested_anywhere_deploys_the_folder_it_renders(tmp_path):
    inv, g = load(tmp_path, {
        "clusters/prod/bootstrap/platform-root.yaml": app("platform-root", "argocd", "clusters/prod/apps"),
        "clusters/prod/apps/web.yaml": app("web", "shop", "services/web"),
        "clusters/prod/apps/api.yaml": app("api", "shop", "services/api"),
        "services/web/deploy.yaml": deployment("web", "http://api.shop.svc:8080"),
        "services/api/svc.yaml": service("api"),
        "services/api/deploy.yaml": deployment("api", "http://db.shop.svc:5432"),
        "old/forgotten.yaml": app("forgotten", "old", "services/web"),
    })
    assert synced(g) == {"platform-root", "web", "api"}
    assert g.roots_text()[0].startswith("root platform-root: no Application of the repository deploys it; "
                                        "its source is this repository")
    assert any(line.startswith("not a root: argocd/forgotten: nothing deploys it") and ".migrate/config.yaml" in line
               for line in g.roots_text())
    assert ("calls", "workload:shop/web", "service:shop/api") in references(g, "resolved")
    assert references(g, "dangling", "calls") == {("calls", "workload:shop/api", "service:shop/db")}


def test_a_kustomization_listing_applications_and_a_self_managed_root(tmp_path):
    inv, g = load(tmp_path, {
        "argocd/apps/kustomization.yaml": "resources:\n- root.yaml\n- web.yaml\n",
        "argocd/apps/root.yaml": app("root", "argocd", "argocd/apps"),     # deploys itself
        "argocd/apps/web.yaml": app("web", "web", "web"),
        "argocd/apps/unlisted.yaml": app("unlisted", "web", "web"),
        "web/svc.yaml": service("web"),
    })
    assert synced(g) == {"root", "web"}
    assert "root root" in g.roots_text()[0]


def test_a_helm_app_of_apps_deploys_one_application_per_values_entry(tmp_path):
    template = """\
{{- range $name, $app := .Values.apps }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ $name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ $.Values.repoURL }}
    targetRevision: HEAD
    path: {{ $app.path }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ $app.namespace }}
{{- end }}
"""
    inv, g = load(tmp_path, {
        "bootstrap.yaml": application("bootstrap", "argocd", source("charts/apps")),
        "charts/apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
        "charts/apps/values.yaml": f"repoURL: {REPO}\napps:\n  web: {{path: web, namespace: web}}\n"
                                   "  api: {path: api, namespace: api}\n",
        "charts/apps/templates/apps.yaml": template,
        "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
        "api/svc.yaml": service("api"),
    })
    assert synced(g) == {"bootstrap", "web", "api"}
    assert {a.name: a.generated_by for a in g.view.generated()} == {"web": "application:argocd/bootstrap",
                                                                     "api": "application:argocd/bootstrap"}
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")


def test_an_application_of_another_repository_is_external(tmp_path):
    other = application("vendor", "vendor", source("deploy", repo="https://git.example.com/vendor/app.git"))
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/vendor.yaml": other,
    })
    assert "apps/vendor.yaml:1: Application vendor: not rendered: external: deploys from another repository, " \
           "https://git.example.com/vendor/app.git (path deploy)" in g.blind_spots()


def test_the_config_names_roots_the_rule_cannot_guess(tmp_path):
    files = {
        "a.yaml": app("a", "a", "a"), "a/svc.yaml": service("a"),
        "b.yaml": app("b", "b", "b"), "b/deploy.yaml": deployment("b", "http://a.a.svc:8080"),
        "apps.yaml": app("apps", "argocd", "apps"), "apps/c.yaml": app("c", "c", "a"),
    }
    inv, g = load(tmp_path, files)
    assert synced(g) == {"apps", "c"}                 # a and b: nothing deploys them
    inv, g = load(tmp_path / "configured", {**files, ".migrate/config.yaml": "roots: [apps, a, b]\n"})
    assert synced(g) == {"apps", "c", "a", "b"}
    assert ("calls", "workload:b/b", "service:a/a") in references(g, "resolved")


# --- found on real repositories ------------------------------------------------------------------------
GIT_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
  namespace: argocd
spec:
  generators:
  - git:
      repoURL: https://github.com/someone/homelab.git
      revision: HEAD
      directories:
      - path: k8s/apps/web
      - path: k8s/apps/api
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/someone/homelab.git
        targetRevision: HEAD
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{path.basename}}'
"""


def test_a_git_generator_whose_directories_are_folders_here_is_over_this_repository(tmp_path):
    """No Application file names the repository's URL and the clone's remote is another URL (a mirror): the
    git generator's directories exist here, so its repoURL is this repository's."""
    inv, g = load(tmp_path, {"bootstrap/apps.yaml": GIT_APPSET, "k8s/apps/web/deploy.yaml":
                             deployment("web", "http://api.api.svc:8080"), "k8s/apps/api/svc.yaml": service("api")})
    assert synced(g) == {"web", "api"}
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")


APPS_TEMPLATE = """\
{{- range .Values.applications }}
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .name }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ $.Values.repoURL }}
    targetRevision: HEAD
    path: {{ .path }}
  destination:
    server: https://kubernetes.default.svc
    namespace: {{ .name }}
{{- end }}
"""


def test_a_local_chart_of_applications_installed_by_hand_is_a_root(tmp_path):
    """``argocd app create apps --path apps`` / ``helm template apps | kubectl apply``: no file of the
    repository names the chart; its templates emit the Applications, with its values.yaml."""
    inv, g = load(tmp_path, {
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n",
        "apps/values.yaml": f"repoURL: {REPO}\napplications:\n- {{name: web, path: web}}\n- {{name: api, path: api}}\n",
        "apps/templates/applications.yaml": APPS_TEMPLATE,
        "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
        "api/svc.yaml": service("api"),
    })
    assert {"web", "api"} <= synced(g)
    assert any("a local chart that emits Applications (its templates" in line for line in g.roots_text())
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")


def test_applications_beside_a_root_in_a_folder_nothing_deploys_are_applied_with_it(tmp_path):
    """``kubectl apply -f bootstrap/``: the App-of-Apps root and the operator next to it go in together."""
    inv, g = load(tmp_path, {
        "bootstrap/root.yaml": app("root", "argocd", "apps"),
        "bootstrap/operator.yaml": app("operator", "operator", "operator"),
        "apps/web.yaml": app("web", "web", "web"),
        "web/svc.yaml": service("web"),
        "operator/svc.yaml": service("operator"),
        "old/forgotten.yaml": app("forgotten", "old", "web"),
    })
    assert synced(g) == {"root", "operator", "web"}
    assert any(line.startswith("root operator: nothing deploys it and it lies beside root") for line in g.roots_text())


UMBRELLA = {   # an umbrella chart installs Argo CD and, through argo-helm's argocd-apps, the App-of-Apps root
    "bootstrap/argocd/Chart.yaml": (
        "apiVersion: v2\nname: argocd\nversion: 0.0.0\ndependencies:\n"
        "  - name: argo-cd\n    version: 7.5.2\n    repository: https://argoproj.github.io/argo-helm\n"
        "  - name: argocd-apps\n    version: 2.0.0\n    repository: https://argoproj.github.io/argo-helm\n"),
    "bootstrap/argocd/values.yaml": (
        "argo-cd:\n  server:\n    replicas: 2\n"
        "argocd-apps:\n  applicationsets:\n    root:\n      namespace: argocd\n      generators:\n"
        f"        - git:\n            repoURL: {REPO}\n            revision: HEAD\n"
        "            directories:\n              - path: apps/*\n"
        "      template:\n        metadata:\n          name: '{{path.basename}}'\n        spec:\n"
        f"          project: default\n          source:\n            repoURL: {REPO}\n"
        "            targetRevision: HEAD\n            path: '{{path}}'\n"
        "          destination:\n            name: in-cluster\n            namespace: '{{path.basename}}'\n"),
    "apps/web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
    "apps/api/svc.yaml": service("api"),
}


def test_an_umbrella_chart_bootstrapping_through_argocd_apps_is_a_root_its_values_make(tmp_path):
    """No Application file anywhere: the ApplicationSet is written in the values of argo-helm's argocd-apps
    (a dependency nobody vendors), under the chart that also installs Argo CD (applied with `helm template`)."""
    inv, g = load(tmp_path, UMBRELLA)
    assert {"web", "api"} <= synced(g)
    assert any("argocd-apps' from its values" in line for line in g.roots_text())
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")
    spots = g.blind_spots()
    assert any("dependency argo-cd (https://argoproj.github.io/argo-helm) is not vendored under charts/: rendered "
               "without it" in s for s in spots)
    assert not any("argocd-apps" in s for s in spots)      # stood in for: nothing of it is missing


def test_argocd_apps_in_its_list_form_makes_the_applications_it_names(tmp_path):
    """argocd-apps 1.x: ``applications`` is a list of items with ``name`` (2.x: a map keyed by name)."""
    inv, g = load(tmp_path, {
        "root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 1.0.0\ndependencies:\n"
                           "  - name: argocd-apps\n    version: \">=1.0.0 <3\"\n    repository: https://argoproj.github.io/argo-helm\n",
        "root/values.yaml": ("argocd-apps:\n  applications:\n    - name: web\n      namespace: argocd\n"
                             f"      project: default\n      source:\n        repoURL: {REPO}\n        path: web\n"
                             "      destination:\n        server: https://kubernetes.default.svc\n        namespace: web\n"),
        "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
    })
    assert "web" in synced(g) and g.is_synced("workload:web/web")
    (web,) = [a for a in g.view.apps.values() if a.name == "web"]
    assert (web.generated_by, web.source_paths) == ("application:argocd/(chart root)", ["web"])


def test_a_chart_that_needs_a_missing_dependencys_templates_is_not_rendered_and_says_why(tmp_path):
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/web.yaml": app("web", "web", "charts/web"),
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n"
                                 "  - name: common\n    version: 2.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
        "charts/web/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n"
                                         "  name: {{ include \"common.names.fullname\" . }}\n",
    })
    render = g.view.renders["application:argocd/web"]
    assert not render.rendered and "depends on common, which is not vendored under charts/" in render.error


def test_a_chart_with_a_dependency_not_vendored_renders_its_own_templates_and_names_the_rest(tmp_path):
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/web.yaml": app("web", "web", "charts/web"),
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n"
                                 "  - name: redis\n    version: 19.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
        "charts/web/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    })
    render = g.view.renders["application:argocd/web"]
    assert render.rendered and [o.doc["metadata"]["name"] for o in render.objects] == ["web"]
    assert render.unrendered == ["dependency redis (https://charts.bitnami.com/bitnami) is not vendored under "
                                 "charts/: rendered without it"]
    assert g.is_synced("service:web/web")
