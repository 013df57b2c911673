"""Classes of false alarms and misses found on real repositories, each as a minimal repository:
operator-made Services and Secrets, unverifiable references, same-named Applications, a removed
controller's users, templates and library warnings."""

from __future__ import annotations

from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from tests.fixtures.shapes import REPO, app, deployment, load, references, service, source, synced
from tests.fixtures.builders import application

ROOT = {"root.yaml": app("root", "argocd", "apps")}

RABBIT = """\
apiVersion: rabbitmq.com/v1beta1
kind: RabbitmqCluster
metadata:
  name: rabbitmq
spec:
  replicas: 3
"""

LISTENER = """\
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: github-listener
spec:
  triggers: []
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: hooks
spec:
  rules:
  - host: hooks.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: el-github-listener, port: {number: 8080}}
"""


def test_a_service_an_operator_makes_from_a_custom_resource_resolves_with_it_as_provenance(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/events.yaml": app("events", "events", "events"), "events/rabbit.yaml": RABBIT,
        "apps/ci.yaml": app("ci", "ci", "ci"), "ci/listener.yaml": LISTENER,
        "apps/api.yaml": app("api", "api", "api"),
        "api/deploy.yaml": deployment("api", "amqp://rabbitmq.events.svc:5672"),
    })
    calls = {(r.kind, r.target, r.reason) for r in g.references() if r.edge in ("calls", "routes-to")}
    assert calls == {("resolved", "service:events/rabbitmq", "made by RabbitmqCluster/rabbitmq (events/rabbit.yaml:1)"),
                     ("resolved", "service:ci/el-github-listener",
                      "made by EventListener/github-listener (ci/listener.yaml:1)")}
    assert g.problems() == []


SECRET_READER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        envFrom:
        - secretRef: {name: api-env}
        - secretRef: {name: db-app}
"""


def test_secrets_made_by_an_external_secret_in_a_chart_template_and_by_a_database_operator(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/api.yaml": app("api", "api", "charts/api"),
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "charts/api/values.yaml": "secretStore: vault\n",
        "charts/api/templates/external-secret.yaml": """\
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: {{ .Release.Name }}-env
spec:
  secretStoreRef: {name: {{ .Values.secretStore }}, kind: ClusterSecretStore}
  target: {name: {{ .Release.Name }}-env}
""",
        "charts/api/templates/deploy.yaml": SECRET_READER,
        "charts/api/templates/db.yaml": "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n"
                                        "  name: db\nspec:\n  instances: 1\n",
    })
    assert {(r.kind, r.target) for r in g.references() if r.edge == "reads-secret"} == {
        ("resolved", "secret:api/api-env"), ("resolved", "secret:api/db-app")}


REMOTE_CHART = application("cache", "cache", """\
  source:
    repoURL: https://charts.example.com
    chart: redis
    targetRevision: 1.0.0""")


def test_a_reference_into_what_a_remote_chart_deploys_is_unverified_and_never_a_problem(tmp_path):
    inv, g = load(tmp_path, {**ROOT, "apps/cache.yaml": REMOTE_CHART,
                             "apps/api.yaml": app("api", "api", "api"),
                             "api/deploy.yaml": deployment("api", "redis://redis-master.cache.svc:6379")})
    [ref] = g.unverified()
    assert (ref.source, ref.target, ref.reason) == (
        "workload:api/api", "service:cache/redis-master",
        "Application cache deploys to cache what migrate cannot render: not rendered: remote chart "
        "https://charts.example.com/redis 1.0.0")
    assert g.problems() == [] and g.failures() == []


def test_applications_with_the_same_name_in_different_files_stay_distinct_and_are_a_problem(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/web.yaml": app("web", "web", "web"), "apps/web-v2.yaml": app("web", "web2", "web2"),
        "web/svc.yaml": service("web"), "web2/svc.yaml": service("web2")})
    assert g.applications() == ["application:argocd/root", "application:argocd/web",
                                "application:argocd/web@apps/web.yaml"]
    [problem] = g.problems()
    assert (problem.kind, problem.edge, problem.file) == ("suspect", "same-name", "apps/web.yaml")
    assert "also defined in apps/web-v2.yaml: Argo CD would sync one over the other" in problem.reason


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
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


def test_removing_a_controller_keeps_its_users_reported_until_they_are_switched(tmp_path):
    files = {**ROOT, "apps/kustomization.yaml": "resources:\n- traefik.yaml\n- web.yaml\n",
             "apps/traefik.yaml": app("traefik", "traefik", "traefik"), "traefik/svc.yaml": service("traefik"),
             "apps/web.yaml": app("web", "web", "web"), "web/ingress.yaml": INGRESS, "web/svc.yaml": service("web")}
    inv, before = load(tmp_path, files)
    assert before.problems() == []
    removed = Tree.from_repo(tmp_path / "repo").with_changes({"apps/kustomization.yaml": "resources:\n- web.yaml\n",
                                                              "apps/traefik.yaml": None, "traefik/svc.yaml": None})
    after = build_graph(Inventory.load(removed))
    assert after.problems() == []                       # alone, the class just looks external...
    [problem] = after.problems(baseline=before)         # ...but the run's baseline knows it existed
    assert (problem.edge, problem.file, problem.line) == ("served-by", "web/ingress.yaml", 6)
    assert problem.reason == "component traefik was in the repository before this change and is gone"


def test_templates_are_not_parse_errors_and_warnings_are_findings_not_stack_traces(tmp_path, capfd):
    inv, g = load(tmp_path, {**ROOT,
        "apps/web.yaml": app("web", "web", "web"), "web/svc.yaml": service("web"),
        "helm/templates/deploy.yaml": "{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n",   # no Chart.yaml
        "ansible/templates/values.yaml": "replicas: {{ replicas }}\n{% if tls %}\ntls: true\n{% endif %}\n",
        "web/anchors.yaml": "a: &host web.example.com\nb: *host\nc: &host api.example.com\nd: *host\n",
        "notes/broken.yaml": "key: [unclosed\n"})
    assert inv.templates == ["ansible/templates/values.yaml", "helm/templates/deploy.yaml"]
    assert [str(e) for e in inv.errors] == ["notes/broken.yaml:2: " + inv.errors[0].reason]
    assert [str(w) for w in inv.warnings] == ["web/anchors.yaml:3: the anchor &host is defined again (first at "
                                              "line 1): aliases after this line mean the new value"]
    assert "Warning" not in capfd.readouterr().err


# --- classes the corpus showed (each a minimal repository of its shape) -------------------------------------
STRIMZI_APP = application("kafka-operator", "kafka", """\
  source:
    repoURL: https://strimzi.io/charts
    chart: strimzi-kafka-operator
    targetRevision: 0.45.0""")

KAFKA = """\
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata:
  name: events
spec:
  kafka: {replicas: 1}
"""


def test_hand_applied_applications_of_a_remote_chart_are_roots_in_a_repo_without_app_of_apps(tmp_path):
    """A repository of standalone Applications, one of them the Strimzi chart: it is applied by hand like
    the others, so the Kafka that needs its CRD is not 'needs a component nothing syncs'."""
    inv, g = load(tmp_path, {"operator.yaml": STRIMZI_APP, "cluster.yaml": app("kafka-cluster", "kafka", "kafka"),
                             "kafka/kafka.yaml": KAFKA})
    assert synced(g) == {"kafka-operator", "kafka-cluster"}
    assert "deploys from another repository" in g.view.roots["application:argocd/kafka-operator"]
    assert [(r.kind, r.target, r.reason.split(" (")[0]) for r in g.references() if r.edge == "needs-crd"] == [
        ("resolved", "component:strimzi-kafka-operator", "installed by Application kafka-operator")]
    assert g.problems() == []


UMBRELLA = {"charts/traefik/Chart.yaml": "apiVersion: v2\nname: traefik\nversion: 1.0.0\ndependencies:\n"
                                         "- {name: traefik, version: 30.0.0, repository: https://traefik.github.io/charts}\n",
            "charts/traefik/values.yaml": "traefik:\n  extraObjects: []\n"}

VALUES_INGRESS = """\
ingress:
  main:
    className: traefik
    annotations:
      traefik.ingress.kubernetes.io/router.middlewares: traefik-modsecurity@kubernetescrd,{{ .Release.Namespace }}-sablier@kubernetescrd
    hosts:
    - host: web.example.com
      paths: [{path: /}]
"""


def test_what_points_into_unrendered_content_or_is_a_template_is_unverified_not_dangling(tmp_path):
    """Middlewares of a namespace an umbrella chart with an unvendored dependency deploys to, a reference
    written as a Helm template, a Service of kube-system, a chart of a kustomization without a destination
    namespace: none of them can be checked offline, none is a dangling reference."""
    inv, g = load(tmp_path, {**ROOT, **UMBRELLA,
        "apps/traefik.yaml": app("traefik", "traefik", "charts/traefik"),
        "apps/web.yaml": application("web", "web", f"""\
  sources:
  - repoURL: https://bjw-s.github.io/helm-charts
    chart: app-template
    targetRevision: 3.0.0
    helm: {{valueFiles: [$values/web/values.yaml]}}
  - repoURL: {REPO}
    targetRevision: HEAD
    ref: values"""),
        "web/values.yaml": VALUES_INGRESS,
        "apps/ops.yaml": application("ops", "", source("ops")).replace("    namespace: \n", ""),
        "ops/kustomization.yaml": "resources:\n- route.yaml\nhelmCharts:\n- name: argo-cd\n  repo: https://argoproj.github.io/argo-helm\n"
                                  "  version: 7.0.0\n  namespace: argocd\n",
        "ops/route.yaml": deployment("dashboard", "http://hubble-ui.kube-system.svc:80") + "---\n" +
            deployment("webhook", "http://argocd-server.argocd.svc:443"),
    })
    reasons = {r.target: r.reason for r in g.unverified()}
    assert g.problems() == []
    assert "cannot render" in reasons["middleware:traefik/modsecurity"]
    assert "is a template" in next(v for k, v in reasons.items() if "sablier" in k)
    assert "cluster's installer" in reasons["service:kube-system/hubble-ui"]
    assert "Application ops deploys to argocd" in reasons["service:argocd/argocd-server"]


# --- components known by another name, self-managed roots that do not render, alternative roots ------
CERTIFICATE = """\
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: web-tls
spec:
  secretName: web-tls
  dnsNames: [web.example.com]
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
"""

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform
  namespace: argocd
spec:
  generators:
  - list:
      elements:
      - {name: 01-cert-manager, path: platform/01-cert-manager}
      - {name: 02-web, path: platform/02-web}
  template:
    metadata:
      name: '{{name}}'
    spec:
      project: default
      source:
        repoURL: %s
        targetRevision: HEAD
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{name}}'
""" % REPO


def test_a_component_installed_by_an_application_with_an_ordering_prefix_or_by_its_chart(tmp_path):
    """``01-cert-manager`` (a kustomization inflating the cert-manager chart) installs cert-manager: a
    Certificate elsewhere needs nothing more, though an unsynced Application named exactly
    ``cert-manager`` (another cluster's, applied by hand there) is also in the repository."""
    inv, g = load(tmp_path, {
        "bootstrap/platform.yaml": APPSET,
        "platform/01-cert-manager/kustomization.yaml": "helmCharts:\n- name: cert-manager\n"
                                                       "  repo: https://charts.jetstack.io\n  version: v1.15.3\n",
        "platform/02-web/certificate.yaml": CERTIFICATE,
        "cloud/apps/kustomization.yaml": "resources:\n- cert-manager.yaml\n- dns.yaml\n",
        "cloud/apps/cert-manager.yaml": app("cert-manager", "cert-manager", "cloud/cert-manager"),
        "cloud/apps/dns.yaml": app("dns", "dns", "cloud/dns"),
        "cloud/cert-manager/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n",
    })
    assert {"01-cert-manager", "02-web"} <= synced(g)
    (need,) = [r for r in g.references() if r.edge == "needs-crd"]
    assert (need.kind, need.target) == ("resolved", "component:cert-manager")
    assert need.reason.startswith("installed by Application 01-cert-manager")
    assert not g.failures()


def test_a_self_managed_application_that_cannot_be_rendered_offline_is_still_a_root(tmp_path):
    """sealed-secrets lists its own Application file and a remote CRD URL: kustomize cannot build it
    offline, but the source model still sees that it deploys itself, so what it installs is synced."""
    sealed = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData: {}\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/web.yaml": app("web", "web", "web"),
        "web/sealed.yaml": sealed,
        "sealed-secrets/application.yaml": app("sealed-secrets", "kube-system", "sealed-secrets"),
        "sealed-secrets/kustomization.yaml": "resources:\n- application.yaml\n"
                                             "- https://github.com/bitnami-labs/sealed-secrets/releases/download/"
                                             "v0.27.0/controller.yaml\n",
    })
    assert "sealed-secrets" in synced(g)
    assert any(line.startswith("root sealed-secrets: it deploys itself") for line in g.roots_text())
    assert not g.failures()


def test_same_named_roots_each_applied_by_hand_are_alternatives_not_a_problem(tmp_path):
    """``kubectl apply -f root-$ENV.yaml`` against each cluster: three roots named ``root``; none is deployed
    by the repository, so no cluster gets two of them. The chart they install does not own them either."""
    chart = {"bootstrap/root/Chart.yaml": "apiVersion: v2\nname: root\nversion: 0.1.0\n",
             "bootstrap/root/values.yaml": "apps: []\n",
             "bootstrap/root/templates/apps.yaml": "{{- range .Values.apps }}\n---\n{{- end }}\n"}
    roots = {f"bootstrap/root/root-{env}.yaml": application(
        "root", "argocd", source("bootstrap/root", f"    helm:\n      valueFiles: [values-{env}.yaml]\n"))
        for env in ("dev", "prod")}
    values = {f"bootstrap/root/values-{env}.yaml": "apps: []\n" for env in ("dev", "prod")}
    inv, g = load(tmp_path, {**chart, **roots, **values})
    assert len([line for line in g.roots_text() if line.startswith("root root:")]) == 2
    assert not g.failures()
    (same,) = [r for r in g.references() if r.edge == "same-name"]
    assert same.kind == "resolved" and same.reason.startswith("alternative roots")
    assert not [t for s, t, k in g.edges("renders") if s.startswith("chart:") and "/root-" in t]


JETSTACK = "  source:\n    repoURL: https://charts.jetstack.io\n    chart: cert-manager\n    targetRevision: v1.15.3"

PLUGIN_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: web-set
  namespace: argocd
spec:
  goTemplate: true
  generators:
  - plugin:
      configMapRef:
        name: secret-var-plugin-generator
      input:
        parameters:
          secret_vars: [web_hostname]
  template:
    metadata:
      name: web
    spec:
      project: default
      source:
        repoURL: %s
        targetRevision: HEAD
        path: web
      destination:
        server: https://kubernetes.default.svc
        namespace: web
""" % REPO


def test_a_plugin_generator_whose_template_names_one_application_makes_that_application(tmp_path):
    """A plugin generator cannot run offline, but a literal ``metadata.name`` means one Application whatever
    the plugin returns: it is in the graph (and what it deploys is checked)."""
    inv, g = load(tmp_path, {"bootstrap/web-set.yaml": PLUGIN_APPSET,
                             "web/deploy.yaml": deployment("web", "http://api.web.svc:8080")})
    assert synced(g) == {"web"}
    assert references(g, "dangling", "calls") == {("calls", "workload:web/web", "service:web/api")}
    assert any("the plugin generator needs a network" in note and "(web)" in note for note in g.view.notes)


def test_a_component_whose_installer_lies_outside_every_deployed_folder_is_unverified_not_dangling(tmp_path):
    """A library of entry points applied by an outside tool: cert-manager's Application sits in its own
    folder that no Application deploys, so whether it is installed cannot be told from the repository."""
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/web.yaml": app("web", "web", "web"),
        "web/certificate.yaml": CERTIFICATE,
        "cert-manager/cert-manager-app.yaml": application("cert-manager", "cert-manager", JETSTACK),
    })
    assert not g.failures()
    (need,) = [r for r in g.references() if r.edge == "needs-crd"]
    assert need.kind == "unverified" and "outside every folder the repository's Applications deploy" in need.reason


def test_a_component_left_in_a_deployed_tree_is_still_dangling(tmp_path):
    """The leftover a hand-made removal leaves: the component's Application file is still in the App-of-Apps
    folder, just no longer listed — its users are broken."""
    inv, g = load(tmp_path, {
        "root.yaml": app("root", "argocd", "apps"),
        "apps/kustomization.yaml": "resources:\n- web.yaml\n",
        "apps/web.yaml": app("web", "web", "web"),
        "apps/cert-manager.yaml": application("cert-manager", "cert-manager", JETSTACK),
        "web/certificate.yaml": CERTIFICATE,
    })
    (need,) = [r for r in g.references() if r.edge == "needs-crd"]
    assert need.kind == "dangling"


def test_a_kustomization_run_by_a_config_management_plugin_may_list_files_the_plugin_writes(tmp_path):
    """``helm template . > all.yaml && kustomize build``: all.yaml is not in the repository."""
    plugin = source("guestbook", "    plugin:\n      name: kustomized-helm\n")
    inv, g = load(tmp_path, {**ROOT, "apps/guestbook.yaml": application("guestbook", "guestbook", plugin),
                             "guestbook/kustomization.yaml": "resources:\n- ./all.yaml\n",
                             "guestbook/Chart.yaml": "apiVersion: v2\nname: guestbook\nversion: 0.1.0\n"})
    assert not g.failures()
    (missing,) = [r for r in g.references() if r.target.endswith("guestbook/all.yaml")]
    assert missing.kind == "unverified" and "config management plugin" in missing.reason


OPTIONAL_SECRETS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: maybe-env, key: pw, optional: true}
        - name: TOKEN
          valueFrom:
            secretKeyRef: {name: needed, key: token}
        envFrom:
        - secretRef: {name: maybe-envfrom, optional: true}
      volumes:
      - name: tls
        secret: {secretName: maybe-tls, optional: true}
"""


def test_a_secret_read_as_optional_that_nothing_makes_is_unverified_not_dangling(tmp_path):
    """``optional: true`` (the argo-cd chart's redis and TLS Secrets): the pod starts without it."""
    inv, g = load(tmp_path, {**ROOT, "apps/web.yaml": app("web", "web", "web"), "web/deploy.yaml": OPTIONAL_SECRETS})
    assert {r.target for r in g.problems()} == {"secret:web/needed"}
    assert {r.target for r in g.unverified()} == {"secret:web/maybe-env", "secret:web/maybe-envfrom",
                                                  "secret:web/maybe-tls"}
    assert all("optional" in r.reason for r in g.unverified())


def test_a_values_file_the_source_may_miss_is_no_problem_when_missing(tmp_path):
    """``helm.ignoreMissingValueFiles``: Argo CD skips the files that do not exist (layered overrides)."""
    helm = ("    helm:\n      ignoreMissingValueFiles: {flag}\n"
            "      valueFiles: [values.yaml, values-prod.yaml]\n")
    chart = {"charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n",
             "charts/web/values.yaml": "replicas: 1\n",
             "charts/web/templates/svc.yaml": service("web")}
    inv, g = load(tmp_path / "may", {**ROOT, "apps/web.yaml": app("web", "web", "charts/web", helm.format(flag="true")),
                                     **chart})
    assert g.problems() == [] and g.view.renders["application:argocd/web"].rendered
    inv, g = load(tmp_path / "must", {**ROOT, "apps/web.yaml": app("web", "web", "charts/web",
                                                                   helm.format(flag="false")), **chart})
    assert [r.reason for r in g.problems()] == ["values file values-prod.yaml (charts/web/values-prod.yaml) does not exist"]


def stack_set(name: str, element: str) -> str:
    """An ApplicationSet ``name`` making one Application ``stack-<element>`` of folder ``<element>``."""
    return ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: " + name + "\n"
            "  namespace: argocd\nspec:\n  generators:\n  - list:\n      elements:\n      - {e: " + element + "}\n"
            "  template:\n    metadata:\n      name: 'stack-{{e}}'\n    spec:\n      project: default\n"
            f"      source: {{repoURL: '{REPO}', targetRevision: HEAD, path: '{{{{e}}}}'}}\n"
            "      destination: {server: 'https://kubernetes.default.svc', namespace: '{{e}}'}\n")


def test_applicationsets_of_one_name_in_two_files_stay_two_and_collide_when_both_are_applied(tmp_path):
    """small-hack/argocd-apps keeps two variants of one ApplicationSet in two folders: each applied by hand is
    an alternative (its own root, its own Applications, the Application beside it applied with it); one
    parent deploying both is a collision."""
    variants = {"alt-a/stack.yaml": stack_set("stack", "a"), "alt-a/extra.yaml": app("extra", "a", "a"),
                "alt-b/stack.yaml": stack_set("stack", "b"), "a/svc.yaml": service("a"), "b/svc.yaml": service("b")}
    inv, g = load(tmp_path / "by-hand", variants)
    assert synced(g) == {"stack-a", "stack-b", "extra"} and g.problems() == []
    views = g.view
    assert {k.id for k in views.children["applicationset:argocd/stack"]} == {"application:argocd/stack-a"}
    assert {k.id for k in views.children["applicationset:argocd/stack@alt-b/stack.yaml"]} == \
        {"application:argocd/stack-b"}
    same = {**variants, "alt-a/stack.yaml": stack_set("stack", "a").replace("stack-{{e}}", "web"),
            "alt-b/stack.yaml": stack_set("stack", "b").replace("stack-{{e}}", "web")}
    inv, g = load(tmp_path / "same-child", same)      # what alternatives make, of one name, is alternative too
    assert g.problems() == [] and synced(g) == {"web", "extra"}
    both = {"root.yaml": app("root", "argocd", "sets"), "sets/a.yaml": stack_set("stack", "a"), "sets/b.yaml": stack_set("stack", "b"),
            "a/svc.yaml": service("a"), "b/svc.yaml": service("b")}
    inv, g = load(tmp_path / "both", both)
    [problem] = g.problems()
    assert (problem.kind, problem.file) == ("suspect", "sets/b.yaml")
    assert "ApplicationSet argocd/stack is also defined in sets/a.yaml" in problem.reason


def test_a_generated_application_of_a_name_a_file_defines_is_a_collision_not_merged(tmp_path):
    """An ApplicationSet and an Application file both make argocd/web (christianh814/gitops-examples): two
    makers of one object; the generated one keeps its own source."""
    inv, g = load(tmp_path, {**ROOT, "apps/web.yaml": app("web", "a", "a"),
                             "apps/set.yaml": stack_set("gen", "b").replace("stack-{{e}}", "web"),
                             "a/svc.yaml": service("a"), "b/svc.yaml": service("b")})
    [problem] = g.problems()
    assert (problem.kind, problem.edge, problem.file) == ("suspect", "same-name", "apps/set.yaml")
    assert g.is_synced("service:a/a") and g.is_synced("service:b/b")


def test_a_copy_of_an_application_in_a_file_nothing_deploys_is_no_collision_wherever_it_sorts(tmp_path):
    for folder in ("examples", "aaa-examples"):
        inv, g = load(tmp_path / folder, {**ROOT, "apps/web.yaml": app("web", "web", "web"),
                                          f"{folder}/web.yaml": app("web", "web", "web"), "web/svc.yaml": service("web")})
        assert g.failures() == [], folder
        [edge] = [r for r in g.references(["resolved"]) if r.edge == "same-name"]
        assert f"also defined in {folder}/web.yaml, which nothing deploys: only the one in apps/web.yaml" in edge.reason


HOOK_AND_CONTROLLER = {
    "charts/cd/Chart.yaml": "apiVersion: v2\nname: cd\nversion: 0.1.0\n",
    "charts/cd/templates/redis-secret-init.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-redis-secret-init
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: secret-init
        image: quay.io/argoproj/argocd:v3.0.0
        command: [argocd, admin, redis-initial-password]
""",
    "charts/cd/templates/redis.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-redis
spec:
  template:
    spec:
      containers:
      - name: redis
        image: redis:7
        env:
        - name: REDIS_PASSWORD
          valueFrom: {secretKeyRef: {name: argocd-redis, key: auth}}
""",
    "lb/controller.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lb-controller
spec:
  template:
    spec:
      containers:
      - name: controller
        image: quay.io/metallb/controller:v0.14.9
        env:
        - {name: METALLB_ML_SECRET_NAME, value: lb-memberlist}
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: lb-speaker
spec:
  template:
    spec:
      containers:
      - {name: speaker, image: quay.io/metallb/speaker:v0.14.9}
      volumes:
      - name: memberlist
        secret: {secretName: lb-memberlist, defaultMode: 420}
""",
}


def test_secrets_a_charts_hook_job_or_a_controller_makes_at_install_resolve_to_that_workload(tmp_path):
    """The argo-cd chart's redis password (made by its pre-install hook Job) and MetalLB's memberlist key (made
    by its controller) were dangling on a real repository: nothing in the files defines them."""
    inv, g = load(tmp_path, {**ROOT, "apps/cd.yaml": app("argocd", "argocd", "charts/cd"),
                             "apps/lb.yaml": app("lb", "metallb-system", "lb"), **HOOK_AND_CONTROLLER})
    assert {(r.kind, r.target, r.reason) for r in g.references() if r.edge == "reads-secret"} == {
        ("resolved", "secret:argocd/argocd-redis", "made by Job (apps/cd.yaml:1)"),   # rendered: the Application's line
        ("resolved", "secret:metallb-system/lb-memberlist", "made by Deployment (lb/controller.yaml:1)")}
    assert g.problems() == []


def test_an_application_a_kustomize_overlay_patches_in_is_the_one_it_patches_not_a_second_one(tmp_path):
    """An overlay's ``patches:`` file holding a partial Application (a real repo's dev overlay pinning each
    Application's revision) was read as an Application of its own: phantom entries, same-name suspects."""
    patch = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\n  namespace: argocd\n" \
            "spec:\n  source:\n    targetRevision: dev\n"
    inv, g = load(tmp_path, {
        "root.yaml": app("root-dev", "argocd", "dev"),
        "base/kustomization.yaml": "resources: [app-a.yaml]\n",
        "base/app-a.yaml": app("a", "a", "apps/a"),
        "dev/kustomization.yaml": "resources: [../base]\npatches:\n- path: app-a.yaml\n",
        "dev/app-a.yaml": patch,
        "dev/old-patch.yaml": patch.replace("targetRevision: dev", "targetRevision: old"),  # nothing lists it
        "apps/a/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    })
    assert sorted(a.file for a in inv.applications) == ["base/app-a.yaml", "dev/old-patch.yaml", "root.yaml"]
    assert synced(g) == {"root-dev", "a"}
    rendered = [o.doc for o in g.view.renders["application:argocd/root-dev"].objects]
    assert [d["spec"]["source"]["targetRevision"] for d in rendered] == ["dev"]      # the merge kustomize made
    assert g.problems() == []


COPIED_SECRETS = """\
apiVersion: database.example.org/v1alpha1
kind: PostgreSQLInstance
metadata:
  name: db
spec:
  parameters: {storageGB: 20}
  writeConnectionSecretToRef: {name: db-conn}
---
apiVersion: v1
kind: Secret
metadata:
  name: reflected-tls
  namespace: certs
  annotations:
    reflector.v1.k8s.emberstack.com/reflection-allowed: "true"
    reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"
    reflector.v1.k8s.emberstack.com/reflection-auto-namespaces: "other, web"
---
apiVersion: v1
kind: Secret
metadata:
  name: pushed
  namespace: certs
  annotations:
    replicator.v1.mittwald.de/replicate-to: web
---
apiVersion: v1
kind: Secret
metadata:
  name: by-pattern
  namespace: certs
  annotations:
    reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"
    reflector.v1.k8s.emberstack.com/reflection-auto-namespaces: "we.*"
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: wildcard
  namespace: certs
spec:
  secretName: wildcard-tls
  issuerRef: {name: letsencrypt, kind: ClusterIssuer}
  dnsNames: ["*.example.com"]
  secretTemplate:
    annotations:
      reflector.v1.k8s.emberstack.com/reflection-allowed: "true"
      reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"
      reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces: "web"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: sync-secrets
spec:
  rules:
  - name: registry-credentials
    match: {any: [{resources: {kinds: [Namespace]}}]}
    generate:
      apiVersion: v1
      kind: Secret
      name: registry-credentials
      namespace: "{{request.object.metadata.name}}"
      synchronize: true
      clone: {namespace: certs, name: registry-credentials}
  - name: web-only
    match: {any: [{resources: {kinds: [Namespace], names: [web]}}]}
    generate: {apiVersion: v1, kind: Secret, name: web-token, namespace: web, data: {data: {token: dA==}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: web:1
        envFrom:
        - secretRef: {name: registry-credentials}
        - secretRef: {name: web-token}
        - secretRef: {name: db-conn}
        - secretRef: {name: reflected-tls}
        - secretRef: {name: pushed}
        - secretRef: {name: wildcard-tls}
        - secretRef: {name: by-pattern}
"""


def test_secrets_a_crossplane_claim_writes_a_reflector_copies_or_a_kyverno_policy_generates(tmp_path):
    """Crossplane's ``writeConnectionSecretToRef``, Secrets copied across namespaces by reflector or
    kubernetes-replicator annotations (a Certificate's ``secretTemplate`` too) and Kyverno's generate rules
    were dangling on real repos."""
    inv, g = load(tmp_path, {**ROOT, "apps/web.yaml": app("web", "web", "web"), "web/all.yaml": COPIED_SECRETS})
    verdicts = {r.target: r.kind for r in g.references() if r.edge == "reads-secret"}
    assert verdicts == {"secret:web/db-conn": "resolved", "secret:web/reflected-tls": "resolved",
                        "secret:web/pushed": "resolved", "secret:web/wildcard-tls": "resolved",
                        "secret:web/web-token": "resolved",                # a Kyverno rule generating it in web
                        "secret:web/registry-credentials": "unverified",   # ... in every namespace it matches
                        "secret:web/by-pattern": "dangling"}     # a pattern names no namespace migrate can check
    generated = next(r for r in g.unverified() if r.target == "secret:web/registry-credentials")
    assert generated.reason.startswith("ClusterPolicy/sync-secrets (web/all.yaml:")
