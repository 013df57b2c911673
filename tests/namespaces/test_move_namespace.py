"""``move-namespace`` on small repositories of our own: every place that decides a namespace, every
address of the moved Services, and the refusals (collisions, shared files, unknown names)."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError, UsageError
from migrate.testing import assert_operation, run_operation


def app(name: str, namespace: str | None, path: str) -> str:
    dest = f"\n  destination:\n    namespace: {namespace}\n" if namespace else "\n"
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
            f"spec:\n  source:\n    repoURL: https://example.com/infra.git\n    path: {path}{dest}")


def service(name: str, namespace: str | None = None) -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}{ns}\nspec:\n  ports:\n  - port: 8000\n"


ROOT = {
    "root.yaml": app("root", "argocd", "apps"),
    "apps/kustomization.yaml": "resources:\n- grading.yaml\n- report.yaml\n- exam.yaml\n",
    "apps/grading.yaml": app("grading", "ml-grading", "workers/grading"),
    "apps/report.yaml": app("report", "ml-report", "workers/report"),
    "apps/exam.yaml": app("exam", "exam", "backend/exam"),
    "workers/grading/kustomization.yaml": "namespace: ml-grading\nresources:\n- service.yaml\n- ingress.yaml\n- auth.yaml\n",
    "workers/grading/auth.yaml": "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: auth\nspec: {}\n",
    "workers/grading/service.yaml": service("grading", "ml-grading"),
    "workers/grading/ingress.yaml": (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: grading\n  annotations:\n"
        "    traefik.ingress.kubernetes.io/router.middlewares: ml-grading-auth@kubernetescrd,kube-system-gzip@kubernetescrd\n"
        "spec:\n  rules:\n  - host: grading.example.com\n"),
    "workers/report/kustomization.yaml": "resources:\n- service.yaml\n",
    "workers/report/service.yaml": service("report"),
    "backend/exam/kustomization.yaml": "resources:\n- config.yaml\n",
    "backend/exam/config.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: exam\ndata:\n"
        "  # calls grading.ml-grading.svc for scores\n"
        "  GRADING_URL: http://grading.ml-grading.svc:8000\n"
        "  REPORT_HOST: report.ml-report.svc.cluster.local\n"
        "  OTHER: grading.ml-other.svc\n"
        "  NAMESPACE: ml-grading\n"),
}


def test_every_place_that_decides_the_namespace_and_every_address_follows():
    result = assert_operation("move-namespace", ROOT, {
        "apps/grading.yaml": ROOT["apps/grading.yaml"].replace("ml-grading", "ml"),
        "apps/report.yaml": ROOT["apps/report.yaml"].replace("ml-report", "ml"),
        "workers/grading/kustomization.yaml": ROOT["workers/grading/kustomization.yaml"].replace("ml-grading", "ml"),
        "workers/grading/service.yaml": service("grading", "ml"),
        "workers/grading/ingress.yaml": ROOT["workers/grading/ingress.yaml"].replace("ml-grading-auth", "ml-auth"),
        "backend/exam/config.yaml": ROOT["backend/exam/config.yaml"].replace(
            "http://grading.ml-grading.svc", "http://grading.ml.svc").replace("report.ml-report.svc", "report.ml.svc"),
    }, apps=["grading", "report"], namespace="ml")
    assert result.summary == "Move grading, report into namespace ml"
    assert any(e.path == "backend/exam/config.yaml" and e.line == 6 and "old address" in e.message for e in result.report)
    assert "grading: ml-grading -> ml (Services grading)" in result.details


def test_an_application_already_there_is_left_alone():
    result, _ = run_operation("move-namespace", ROOT, apps=["grading"], namespace="ml-grading")
    assert result.changes == {} and "already in ml-grading" in result.summary


def test_two_objects_of_one_name_in_the_new_namespace_stop_the_plan_with_both_sources():
    files = {**ROOT, "workers/report/kustomization.yaml": "resources:\n- service.yaml\n- grading.yaml\n",
             "workers/report/grading.yaml": service("grading")}
    with pytest.raises(MigrateError, match=r"Service grading would be in ml twice: from Application grading "
                                           r"\(workers/grading/service.yaml:1\) and from Application report "
                                           r"\(workers/report/grading.yaml:1\)"):
        run_operation("move-namespace", files, apps=["grading", "report"], namespace="ml")
    with pytest.raises(MigrateError, match=r"Service grading would be in exam twice"):   # one already there
        run_operation("move-namespace", {**ROOT, "backend/exam/kustomization.yaml": "resources:\n- config.yaml\n- g.yaml\n",
                                         "backend/exam/g.yaml": service("grading")}, apps=["grading"], namespace="exam")


def test_a_file_that_also_decides_another_applications_namespace_is_refused():
    files = {**ROOT, "backend/exam/kustomization.yaml": "resources:\n- config.yaml\n- ../../workers/grading/service.yaml\n"}
    with pytest.raises(MigrateError, match="also of exam, which stay: give grading its own copy first"):
        run_operation("move-namespace", files, apps=["grading"], namespace="ml")


def test_a_secret_another_application_makes_in_the_old_namespace_is_named_as_needing_a_copy():
    files = {**ROOT,
             "workers/report/kustomization.yaml": "resources:\n- service.yaml\n- deployment.yaml\n",
             "workers/report/deployment.yaml": (
                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: report\nspec:\n  template:\n    spec:\n"
                 "      containers:\n      - name: app\n        envFrom:\n        - secretRef:\n            name: smtp\n"),
             "apps/kustomization.yaml": "resources:\n- grading.yaml\n- report.yaml\n- exam.yaml\n- mail.yaml\n",
             "apps/mail.yaml": app("mail", "ml-report", "mail"),
             "mail/kustomization.yaml": "resources:\n- secret.yaml\n",
             "mail/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: smtp\nstringData:\n  password: x\n"}
    result, _ = run_operation("move-namespace", files, apps=["report"], namespace="ml")
    assert any("Secret smtp, which report reads, is made by Application mail in ml-report: it needs a copy in ml"
               == e.message for e in result.report)


def test_unknown_applications_and_missing_namespaces_are_refused_with_what_to_do():
    with pytest.raises(UsageError, match="apps: no Application 'nope'"):
        run_operation("move-namespace", ROOT, apps=["nope"], namespace="ml")
    files = {**ROOT, "apps/report.yaml": app("report", None, "workers/report")}
    with pytest.raises(MigrateError, match="names no destination namespace and renders no namespaced object: "
                                           "set spec.destination.namespace first"):
        run_operation("move-namespace", files, apps=["report"], namespace="ml")


def namespaced_app(name: str) -> dict[str, str]:
    """An Application whose folder sets its namespace in the kustomization and ships its Namespace (a common shape)."""
    return {f"apps/{name}.yaml": app(name, name, f"ai/{name}"),
            f"ai/{name}/kustomization.yaml": f"namespace: {name}\nresources:\n  - namespace.yaml\n  - service.yaml\n"
                                             f"configMapGenerator:\n  - name: {name}-env\n    envs:\n      - config.env\n",
            f"ai/{name}/namespace.yaml": f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n",
            f"ai/{name}/service.yaml": service(name)}


SHIPPED = {"root.yaml": app("root", "argocd", "apps"),
           "apps/kustomization.yaml": "resources:\n- litellm.yaml\n- webui.yaml\n",
           **namespaced_app("litellm"), **namespaced_app("webui"),
           "ai/litellm/config.env": "PORT=4000\n",
           "ai/webui/config.env": "OPENAI_API_BASE=http://litellm.litellm.svc.cluster.local:4000\n",
           "docs/ai.md": "The UI calls litellm.litellm.svc.\n"}


def test_one_namespace_manifest_becomes_the_new_one_the_others_leave_and_generator_files_follow():
    result = assert_operation("move-namespace", SHIPPED, {
        "apps/litellm.yaml": SHIPPED["apps/litellm.yaml"].replace("namespace: litellm", "namespace: ai"),
        "apps/webui.yaml": SHIPPED["apps/webui.yaml"].replace("namespace: webui", "namespace: ai"),
        "ai/litellm/kustomization.yaml": SHIPPED["ai/litellm/kustomization.yaml"].replace("namespace: litellm", "namespace: ai"),
        "ai/litellm/namespace.yaml": SHIPPED["ai/litellm/namespace.yaml"].replace("name: litellm", "name: ai"),
        "ai/webui/kustomization.yaml": SHIPPED["ai/webui/kustomization.yaml"].replace("namespace: webui", "namespace: ai")
                                                                            .replace("  - namespace.yaml\n", ""),
        "ai/webui/namespace.yaml": None,
        "ai/webui/config.env": "OPENAI_API_BASE=http://litellm.ai.svc.cluster.local:4000\n",   # a generator reads it
    }, apps=["litellm", "webui"], namespace="ai")
    notes = [(e.path, e.message) for e in result.report]
    assert ("docs/ai.md", "a line of a file migrate does not edit names an old address: The UI calls litellm.litellm.svc.") \
        in notes
    assert any("Namespace webui leaves webui" in m for _, m in notes)


def middleware(name: str) -> str:
    return f"apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: {name}\nspec: {{}}\n"


REFS = {**ROOT,
        "apps/kustomization.yaml": "resources:\n- grading.yaml\n- report.yaml\n- exam.yaml\n- edge.yaml\n",
        "apps/edge.yaml": app("edge", "ml-grading", "edge"),        # stays in ml-grading
        "edge/kustomization.yaml": "resources:\n- strip.yaml\n- route.yaml\n",
        "edge/strip.yaml": middleware("strip"),
        "edge/route.yaml": (
            "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: edge\nspec:\n  routes:\n"
            "  - match: Host(`edge.example.com`)\n    middlewares:\n    - name: auth\n      namespace: ml-grading\n"
            "    services:\n    - name: edge\n      namespace: ml-grading\n      port: 80\n"),
        "workers/grading/ingress.yaml": (
            "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata:\n  name: grading\n  annotations:\n"
            "    note: ml-grading-strip@kubernetescrd ml-grading-auth@kubernetescrd\nspec:\n  routes:\n"
            "  - match: Host(`grading.example.com`)\n    middlewares:\n    - name: strip\n      namespace: ml-grading\n"
            "    - name: auth\n      namespace: ml-grading\n"),
        "backend/exam/config.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: exam\ndata:\n"
            "  SHORT: grading.ml-grading:8000\n"
            "  PUBLIC: https://grading.ml-grading.svc.example.com/\n"
            "  FULL: grading.ml-grading.svc.cluster.local.\n")}


def test_references_follow_what_moves_and_stay_with_what_stays():
    """Traefik references and {name, namespace} maps follow the Middleware that moves (auth), not the one an
    Application that stays keeps in the old namespace (strip); a short address follows, a public host does not."""
    result = assert_operation("move-namespace", REFS, {
        "apps/grading.yaml": REFS["apps/grading.yaml"].replace("ml-grading", "ml"),
        "workers/grading/kustomization.yaml": REFS["workers/grading/kustomization.yaml"].replace("ml-grading", "ml"),
        "workers/grading/service.yaml": service("grading", "ml"),
        "workers/grading/ingress.yaml": REFS["workers/grading/ingress.yaml"]
            .replace("ml-grading-auth@", "ml-auth@").replace("- name: auth\n      namespace: ml-grading", "- name: auth\n      namespace: ml"),
        "edge/route.yaml": REFS["edge/route.yaml"].replace("- name: auth\n      namespace: ml-grading",
                                                           "- name: auth\n      namespace: ml"),
        "backend/exam/config.yaml": REFS["backend/exam/config.yaml"].replace("grading.ml-grading:8000", "grading.ml:8000")
            .replace("grading.ml-grading.svc.cluster", "grading.ml.svc.cluster"),
    }, apps=["grading"], namespace="ml")
    assert any(e.path == "workers/grading/ingress.yaml" and e.line == 12 and
               e.message == "namespace: ml-grading names strip, which Application edge keeps in ml-grading: left as it is"
               for e in result.report)


def test_a_helm_parameter_that_sets_the_namespace_follows():
    files = {**ROOT, "apps/report.yaml": ROOT["apps/report.yaml"] + (
        "    server: https://kubernetes.default.svc\n  sources:\n  - repoURL: https://charts.example.com\n"
        "    chart: report\n    helm:\n      parameters:\n      - name: global.namespace\n        value: ml-report\n"
        "      - name: image.tag\n        value: ml-report\n")}
    result, _ = run_operation("move-namespace", files, apps=["report"], namespace="ml")
    text = result.changes["apps/report.yaml"]
    assert "name: global.namespace\n        value: ml\n" in text
    assert "name: image.tag\n        value: ml-report\n" in text


def test_the_old_namespace_object_becoming_the_new_one_says_argo_cd_prunes_the_old():
    result, _ = run_operation("move-namespace", SHIPPED, apps=["litellm"], namespace="ai")
    assert any(e.path == "ai/litellm/namespace.yaml" and e.message.startswith(
        "Namespace litellm becomes ai: once the move is synced Argo CD prunes litellm") for e in result.report)


def test_without_a_destination_namespace_the_one_it_renders_into_is_the_old_one():
    files = {**ROOT, "apps/grading.yaml": app("grading", None, "workers/grading")}
    result, _ = run_operation("move-namespace", files, apps=["grading"], namespace="ml")
    assert "grading: ml-grading -> ml (Services grading)" in result.details
    assert result.changes["workers/grading/kustomization.yaml"].startswith("namespace: ml\n")
    files["workers/grading/extra.yaml"] = service("extra", "ml-extra")
    files["workers/grading/kustomization.yaml"] = "resources:\n- service.yaml\n- extra.yaml\n"
    files["workers/grading/service.yaml"] = service("grading", "ml-grading")
    with pytest.raises(MigrateError, match=r"renders into several namespaces \(ml-extra, ml-grading\): this moves one "
                                           r"namespace per Application"):
        run_operation("move-namespace", files, apps=["grading"], namespace="ml")


def workload(name: str, env: dict[str, str], account: str | None = None) -> str:
    values = "".join(f"        - name: {k}\n          value: {v}\n" for k, v in env.items())
    sa = f"      serviceAccountName: {account}\n" if account else ""
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n"
            f"      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n{sa}"
            f"      containers:\n      - name: {name}\n        image: {name}:1\n        env:\n{values}")


DATA = {"root.yaml": app("root", "argocd", "apps"),
        "apps/kustomization.yaml": "resources:\n- db.yaml\n- shop.yaml\n- project.yaml\n",
        "apps/db.yaml": app("db", "data", "db"),
        "apps/shop.yaml": app("shop", "shop", "shop"),
        "apps/project.yaml": ("apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: team\n"
                              "  namespace: argocd\nspec:\n  destinations:\n  - namespace: data\n"
                              "    server: https://kubernetes.default.svc\n  - namespace: shop\n"
                              "    server: https://kubernetes.default.svc\n"),
        "db/kustomization.yaml": "namespace: data\nresources:\n- services.yaml\n- account.yaml\n",
        "db/services.yaml": service("postgres") + "---\n" + service("postgres-headless"),
        "db/account.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: backup\n",
        "shop/kustomization.yaml": "namespace: shop\nresources:\n- deploy.yaml\n- policy.yaml\n- binding.yaml\n"
                                   "helmCharts:\n- name: web\n  releaseName: web\nhelmGlobals:\n  chartHome: charts\n",
        "shop/deploy.yaml": workload("shop", {"REPLICA": "postgres-1.postgres-headless.data.svc.cluster.local:5432",
                                              "DATA_DIR": "/var/lib/postgres.data",
                                              "PRIMARY": "http://postgres.data/health"}),
        "shop/policy.yaml": ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: to-db\nspec:\n"
                             "  podSelector: {}\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels:\n"
                             "          kubernetes.io/metadata.name: data\n"),
        "shop/binding.yaml": ("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: backup\n"
                              "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: reader\nsubjects:\n"
                              "- kind: User\n  name: system:serviceaccount:data:backup\n"),
        "shop/charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "shop/charts/web/templates/cm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n"
            "  DB: \"postgres.data.svc:5432\"\n  {{- if .Values.extra }}\n  EXTRA: x\n  {{- end }}\n")}


def test_pod_addresses_selectors_identities_projects_and_chart_templates_follow_an_emptied_namespace():
    """db leaves data, and nothing stays there: a pod's address through a headless Service, a namespace
    selector, a ServiceAccount's identity, an AppProject's destination and a chart template's hard-coded
    address follow; a path that looks like <svc>.<ns> does not."""
    result = assert_operation("move-namespace", DATA, {
        "apps/db.yaml": DATA["apps/db.yaml"].replace("namespace: data", "namespace: databases"),
        "apps/project.yaml": DATA["apps/project.yaml"].replace("namespace: data", "namespace: databases"),
        "db/kustomization.yaml": DATA["db/kustomization.yaml"].replace("namespace: data", "namespace: databases"),
        "shop/deploy.yaml": DATA["shop/deploy.yaml"].replace("headless.data.svc", "headless.databases.svc")
                                                    .replace("//postgres.data/", "//postgres.databases/"),
        "shop/policy.yaml": DATA["shop/policy.yaml"].replace("name: data", "name: databases"),
        "shop/binding.yaml": DATA["shop/binding.yaml"].replace(":data:", ":databases:"),
        "shop/charts/web/templates/cm.yaml": DATA["shop/charts/web/templates/cm.yaml"].replace(
            "postgres.data.svc", "postgres.databases.svc"),
    }, apps=["db"], namespace="databases")
    assert 'rewrite shop/charts/web/templates/cm.yaml:6: DB: "postgres.data.svc:5432" -> ' \
           'DB: "postgres.databases.svc:5432"' in result.details


def test_what_selects_a_namespace_where_applications_stay_is_left_and_said():
    files = {**DATA, "apps/kustomization.yaml": DATA["apps/kustomization.yaml"] + "- cache.yaml\n",
             "apps/cache.yaml": app("cache", "data", "cache"),
             "cache/kustomization.yaml": "resources:\n- service.yaml\n", "cache/service.yaml": service("redis")}
    result, _ = run_operation("move-namespace", files, apps=["db"], namespace="databases")
    assert "shop/policy.yaml" not in result.changes and "apps/project.yaml" not in result.changes
    assert ":data:backup" not in result.changes["shop/binding.yaml"]     # backup moves: its identity follows
    assert any(e.path == "shop/policy.yaml" and e.line == 11 and e.message.startswith(
        "this names namespace data, where Applications stay: left as it is") for e in result.report)


def generated(kind: str) -> dict[str, str]:
    """An ApplicationSet makes one Application per folder of ``web/``, its namespace from the folder's name."""
    folder = {"chart": {"web/blog/Chart.yaml": "apiVersion: v2\nname: blog\nversion: 1.0.0\n",
                        "web/blog/templates/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: blog\n"},
              "kustomize": {"web/blog/kustomization.yaml": "resources:\n- service.yaml\n",
                            "web/blog/service.yaml": service("blog")}}[kind]
    appset = ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\n  namespace: argocd\n"
              "spec:\n  generators:\n  - git:\n      repoURL: https://example.com/infra.git\n      revision: HEAD\n"
              "      directories:\n      - path: web/*\n  template:\n    metadata:\n      name: '{{path.basename}}'\n"
              "    spec:\n      project: default\n      source:\n        repoURL: https://example.com/infra.git\n"
              "        path: '{{path}}'\n      destination:\n        namespace: '{{path.basename}}'\n")
    return {"root.yaml": app("root", "argocd", "apps"), "apps/web.yaml": appset, **folder}


@pytest.mark.parametrize("kind, way", [
    ("kustomize", "add `namespace: blog` to its kustomization in a commit of its own (or change the template)"),
    ("chart", "change the template in a commit of its own, so that each Application it makes gets its namespace "
              "from a value of its own")])
def test_an_application_a_template_places_is_refused_with_the_way_its_source_allows(kind, way):
    with pytest.raises(MigrateError) as refused:
        run_operation("move-namespace", generated(kind), apps=["blog"], namespace="sites")
    assert "Application blog is made by web, whose template decides its destination namespace" in str(refused.value)
    assert way in str(refused.value)


def test_a_copy_of_a_moved_object_in_a_file_no_moved_application_renders_is_left_and_said():
    """``old/grading.yaml`` defines the same Service as grading's own file, but nothing deploys it: its own
    ``metadata`` is not a reference to the moved object (found on christianh814/gitops-examples)."""
    files = {**ROOT, "old/grading.yaml": service("grading", "ml-grading")}
    result = assert_operation("move-namespace", files, {
        "apps/grading.yaml": ROOT["apps/grading.yaml"].replace("ml-grading", "ml"),
        "workers/grading/kustomization.yaml": ROOT["workers/grading/kustomization.yaml"].replace("ml-grading", "ml"),
        "workers/grading/service.yaml": service("grading", "ml"),
        "workers/grading/ingress.yaml": ROOT["workers/grading/ingress.yaml"].replace("ml-grading-auth", "ml-auth"),
        "backend/exam/config.yaml": ROOT["backend/exam/config.yaml"].replace(
            "http://grading.ml-grading.svc", "http://grading.ml.svc"),
    }, apps=["grading"], namespace="ml")
    assert any(e.path == "old/grading.yaml" and e.line == 5 and "grading in ml-grading is also defined here, in a file "
               "no moved Application renders: left as it is" in e.message for e in result.report)
