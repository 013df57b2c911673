"""ApplicationSets expanded offline against the repository's own tree: git directories, a matrix of
list × git files in goTemplate mode (Go templates with sprig, through Helm's engine), network
generators named as blind spots; generated Applications are components a playbook can name."""

from __future__ import annotations

from migrate.graph.views import tree_text
from migrate.ingress.component import Component
from tests.fixtures.shapes import REPO, app, deployment, load, references, service, synced

TEMPLATE_SPEC = f"""\
    spec:
      project: default
      source:
        repoURL: {REPO}
        targetRevision: HEAD
        path: '{{path}}'
      destination:
        server: '{{server}}'
        namespace: '{{namespace}}'
"""


def appset(name: str, generators: str, metadata_name: str, path: str, namespace: str, *, go: bool = False,
           server: str = "https://kubernetes.default.svc") -> str:
    options = "  goTemplate: true\n  goTemplateOptions: [\"missingkey=error\"]\n" if go else ""
    spec = TEMPLATE_SPEC.replace("{path}", path).replace("{server}", server).replace("{namespace}", namespace)
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {name}
  namespace: argocd
spec:
{options}  generators:
{generators}  template:
    metadata:
      name: '{metadata_name}'
{spec}"""


GIT_DIRECTORIES = f"""\
  - git:
      repoURL: {REPO}
      revision: HEAD
      directories:
      - path: services/*
      - path: services/legacy
        exclude: true
"""

MATRIX = f"""\
  - matrix:
      generators:
      - list:
          elements:
          - cluster: prod
            url: https://kubernetes.default.svc
          - cluster: staging
            url: https://kubernetes.default.svc
      - git:
          repoURL: {REPO}
          revision: HEAD
          files:
          - path: "tenants/*/config.json"
"""


def test_git_directories_generate_one_application_per_folder(tmp_path):
    inv, g = load(tmp_path, {
        "bootstrap/root.yaml": app("root", "argocd", "bootstrap/sets"),
        "bootstrap/sets/services.yaml": appset("services", GIT_DIRECTORIES, "{{path.basename}}", "{{path}}",
                                               "{{path.basename}}"),
        "services/web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
        "services/api/svc.yaml": service("api"),
        "services/legacy/svc.yaml": service("legacy"),
    })
    assert synced(g) == {"root", "web", "api"}
    assert {a.name: (a.dest_namespace, a.generated_by) for a in g.view.generated()} == {
        "web": ("web", "applicationset:argocd/services"), "api": ("api", "applicationset:argocd/services")}
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")
    component = Component.find(inv, "web", g.view.generated())        # a playbook can name it
    assert component.owned_folders == ("services/web",)


def test_a_matrix_of_list_and_git_files_in_go_template_mode(tmp_path):
    name = '{{ printf "%s-%s" .cluster .tenant.name | lower }}'
    inv, g = load(tmp_path, {
        "bootstrap/root.yaml": app("root", "argocd", "bootstrap/sets"),
        "bootstrap/sets/tenants.yaml": appset("tenants", MATRIX, name, "{{ .path.path }}/{{ .cluster }}",
                                              "{{ .tenant.name | lower }}-{{ .cluster }}", go=True,
                                              server="{{ .url }}"),
        "tenants/Acme/config.json": '{"tenant": {"name": "Acme"}}',
        "tenants/Acme/prod/svc.yaml": service("portal"),
        "tenants/Acme/staging/svc.yaml": service("portal"),
        "tenants/Acme/prod/deploy.yaml": deployment("client", "http://portal.acme-prod.svc:8080"),
        "tenants/Acme/staging/deploy.yaml": deployment("client", "http://portal.acme-prod.svc:8080"),
    })
    assert synced(g) == {"root", "prod-acme", "staging-acme"}
    assert {a.name: a.dest_namespace for a in g.view.generated()} == {"prod-acme": "acme-prod",
                                                                      "staging-acme": "acme-staging"}
    assert references(g, "resolved", "calls") == {("calls", "workload:acme-prod/client", "service:acme-prod/portal"),
                                                  ("calls", "workload:acme-staging/client",
                                                   "service:acme-prod/portal")}


def test_generators_that_need_a_network_are_blind_spots_with_file_and_line(tmp_path):
    scm = "  - scmProvider:\n      github: {organization: acme}\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "sets"),
        "sets/repos.yaml": appset("repos", scm, "{{repository}}", "deploy", "{{repository}}"),
    })
    assert any(line.startswith("sets/repos.yaml:8: ApplicationSet repos: the scmProvider generator needs a network") for line in
               g.blind_spots()), g.blind_spots()


def test_the_clusters_generator_uses_the_configured_clusters(tmp_path):
    clusters = "  - clusters:\n      selector:\n        matchLabels: {env: prod}\n"
    files = {
        "root.yaml": app("root", "argocd", "sets"),
        "sets/edge.yaml": appset("edge", clusters, "edge-{{name}}", "edge", "edge", server="{{server}}"),
        "edge/svc.yaml": service("edge"),
        ".migrate/config.yaml": "clusters:\n- {name: eu, server: https://eu.example.com, labels: {env: prod}}\n"
                                "- {name: us, server: https://us.example.com, labels: {env: dev}}\n",
    }
    inv, g = load(tmp_path, files)
    assert synced(g) == {"root", "edge-eu"}


def test_a_clusters_generator_that_selects_no_known_cluster_is_a_blind_spot(tmp_path):
    clusters = "  - clusters:\n      selector:\n        matchLabels: {role: mgmt}\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "sets"),
        "sets/mgmt.yaml": appset("mgmt", clusters, "mgmt-{{name}}", "edge", "edge", server="{{server}}"),
    })
    assert "sets/mgmt.yaml:8: ApplicationSet mgmt: the clusters generator selects none of the clusters migrate knows " \
           "(in-cluster): what it generates is not in the graph; list the clusters Argo CD has, with their labels, " \
           "under clusters: in .migrate/config.yaml" in g.blind_spots()


def test_every_configured_cluster_carries_the_secret_type_label_argo_cd_gives_cluster_secrets(tmp_path):
    """``matchLabels: {argocd.argoproj.io/secret-type: cluster}`` is Argo CD's documented "remote clusters
    only" selector: it matches every cluster Secret, whatever labels the configuration lists."""
    clusters = "  - clusters:\n      selector:\n        matchLabels: {argocd.argoproj.io/secret-type: cluster}\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "sets"),
        "sets/addons.yaml": appset("addons", clusters, "addons-{{name}}", "edge", "edge", server="{{server}}"),
        "edge/svc.yaml": service("edge"),
        ".migrate/config.yaml": "clusters:\n- {name: prod, server: https://prod.example.com, labels: {env: prod}}\n",
    })
    assert synced(g) == {"root", "addons-prod"}        # not in-cluster: it has no Secret


def test_a_parameter_left_in_a_generated_source_is_named(tmp_path):
    clusters = "  - clusters: {}\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "sets"),
        "sets/addons.yaml": appset("addons", clusters, "addons-{{name}}", "{{metadata.annotations.path}}", "edge"),
    })
    (spot,) = [s for s in g.blind_spots() if "addons-in-cluster" in s]
    assert "not rendered: its source still holds {{metadata.annotations.path}} once generated" in spot
    assert "not rendered: not rendered" not in spot


def test_a_repository_of_applicationsets_that_generate_nothing_visible_says_so(tmp_path):
    """Not "no Applications in this repository": there is an ApplicationSet, its generator made none here."""
    clusters = "  - clusters:\n      selector:\n        matchLabels: {role: mgmt}\n"
    inv, g = load(tmp_path, {"sets/mgmt.yaml": appset("mgmt", clusters, "mgmt-{{name}}", "edge", "edge")})
    assert tree_text(g) == ("no Applications: 1 ApplicationSet(s) (applicationset:argocd/mgmt) generate none "
                            "migrate can see (the notes above say why)\n")
