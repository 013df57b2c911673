"""create-target: before/after on a small repository, and its refusals."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError, UsageError
from migrate.testing import assert_operation, run_operation
from tests.fixtures.consolidation import FILES, OPTIONS

CREATE = dict(OPTIONS, image_tag="1a2b3c4d", env={})


VALUES = """\
# lumie-backend — values of the merged services: tenant-svc, auth-svc (consolidate-backend)
# chart values live under common:
common:
  name: lumie-backend
  namespace: lumie-backend
  # migrate: the largest replicaCount of the merged services
  replicaCount: 2
  # migrate: one image for the merged services, tag 1a2b3c4d
  image:
    registry: zot.example
    repository: applications/lumie-backend
    tag: "1a2b3c4d"
  # migrate: no grpc port: nothing outside the merged services calls them over gRPC any more
  ports:
    http: 8080

  # environment
  # migrate: env of the merged services by name, secrets renamed lumie-backend-*; calls between them
  #   dropped (now in-process)
  env:
  - name: TZ
    value: Asia/Seoul
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: lumie-backend-db-secrets
        key: password
  # migrate: the sum of the merged services' requests and limits
  resources:
    requests:
      cpu: 350m
      memory: 1536Mi
  # migrate: the merged services' probes, longest delays
  healthCheck:
    liveness:
      path: /health
      initialDelaySeconds: 60

  # exposed
  # migrate: every route of the merged services, once; routes served with other annotations are in
  #   additionalIngresses
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
  additionalIngresses:
  - name: auth
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
  # migrate: the merged services' secrets, renamed lumie-backend-*; same vault paths
  vaultStaticSecrets:
  - name: lumie-backend-db
    path: infrastructure/postgresql
    destination:
      name: lumie-backend-db-secrets
"""


APPLICATION = """\
# lumie-backend — Application of the merged services: tenant-svc, auth-svc (consolidate-backend)
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: lumie-backend
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/Lumie-Edu/lumie-infra.git
    targetRevision: main
    path: apps/backend
  destination:
    server: https://kubernetes.default.svc
    namespace: lumie-backend
  syncPolicy:
    automated:
      prune: true
"""


KUSTOMIZATION = """\
# lumie-backend — kustomization of the merged services: tenant-svc, auth-svc (consolidate-backend)
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
helmGlobals:
  chartHome: ../../charts
helmCharts:
- name: common
  releaseName: lumie-backend
  namespace: lumie-backend
  valuesFile: common-values.yaml
"""


def created(files: dict[str, str] = FILES) -> dict[str, str]:
    """The fixture plus what create-target adds."""
    result, _ = run_operation("create-target", files, **CREATE)
    return {**files, **result.changes}


def _with_auth_env(name: str, value: str) -> dict[str, str]:
    files = dict(FILES)
    files["apps/auth/common-values.yaml"] = files["apps/auth/common-values.yaml"].replace(
        "    - name: TZ\n      value: Asia/Seoul\n", f"    - name: TZ\n      value: {value}\n")
    return files


# --- carried manifests (drop-kong ran first) ----------------------------------------------------------
MIDDLEWARES = """\
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: {release}-strip-prefix
  namespace: {ns}
spec:
  stripPrefix:
    prefixes:
    - {prefix}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: lumie-cors
  namespace: {ns}
spec:
  headers:
    accessControlAllowOriginList:
    - https://lumie.kr
"""


TRAEFIK = "traefik.ingress.kubernetes.io/router.middlewares"


def traefik_files() -> dict[str, str]:
    """The fixture as drop-kong leaves it: traefik class, middlewares beside each service."""
    files = dict(FILES)
    for folder, release, ns, prefix in (("tenant", "tenant-svc", "lumie-tenant", "/api/tenant"),
                                        ("auth", "auth-svc", "lumie-auth", "/api/auth")):
        values = f"apps/{folder}/common-values.yaml"
        refs = f"{ns}-{release}-strip-prefix@kubernetescrd,{ns}-lumie-cors@kubernetescrd"
        files[values] = files[values].replace("konghq.com/plugins: lumie-cors,lumie-jwt", f"{TRAEFIK}: {refs}") \
            .replace("konghq.com/plugins: lumie-cors", f"{TRAEFIK}: {refs}")
        files[f"apps/{folder}/manifests/traefik-middlewares.yaml"] = MIDDLEWARES.format(release=release, ns=ns,
                                                                                         prefix=prefix)
        kust = f"apps/{folder}/kustomization.yaml"
        files[kust] = files[kust] + ("" if "resources:" in files[kust] else "resources:\n") + \
            "- manifests/traefik-middlewares.yaml\n"
    return files


# --- create-target -----------------------------------------------------------------------------------
def test_create_target_writes_the_application_kustomization_and_merged_values():
    result = assert_operation("create-target", FILES, {"apps/backend/common-values.yaml": VALUES,
                                                       "apps/backend/argocd.yaml": APPLICATION,
                                                       "apps/backend/kustomization.yaml": KUSTOMIZATION}, **CREATE)
    report = [str(e) for e in result.report]
    assert "[dropped-reference] apps/auth/common-values.yaml:23: auth-svc: env TENANT_SVC_GRPC_HOST=" \
           "tenant-svc-grpc.lumie-tenant.svc:9090 dropped: lumie-backend now serves that call in-process" in report
    assert "[rule] apps/backend/common-values.yaml:29: resources.requests.cpu = 350m = 250m tenant-svc + 0.1 auth-svc" \
        in report
    assert "[rule] apps/backend/common-values.yaml:29: resources.limits.memory not set: auth-svc had no limit" in report
    assert any(e.startswith("[rule] apps/backend/common-values.yaml:42: additionalIngresses[auth]: 1 route(s) of "
                            "auth-svc (class kong; konghq.com/plugins: lumie-cors)") for e in report)
    assert result.summary == "Create lumie-backend: one Application for 2 services"


def test_create_target_follows_the_first_services_layout():
    files = dict(FILES, **{"apps/kustomization.yaml": FILES["apps/kustomization.yaml"]})
    result, _ = run_operation("create-target", files, **dict(CREATE, services=["auth-svc", "tenant-svc"]))
    values = result.changes["apps/backend/common-values.yaml"]
    assert "  env:\n    - name: TZ\n      value: Asia/Seoul\n" in values  # auth-svc indents its sequences
    assert values.startswith("# lumie-backend — values of the merged services: auth-svc, tenant-svc")
    assert "  - name: tenant\n" in values  # the biggest group ties: auth-svc's comes first, tenant's is extra


def test_create_target_keeps_grpc_when_something_outside_calls_it():
    files = dict(FILES)
    files["apps/worker/deployment.yaml"] = files["apps/worker/deployment.yaml"].replace(
        "http://auth-svc.lumie-platform.svc:8080", "tenant-svc-grpc.lumie-tenant.svc:9090")
    result, _ = run_operation("create-target", files, **CREATE)
    assert "    grpc: 9090\n" in result.changes["apps/backend/common-values.yaml"]
    assert result.changes["apps/backend/kustomization.yaml"].endswith("resources:\n- manifests/grpc-service.yaml\n")
    assert result.changes["apps/backend/manifests/grpc-service.yaml"] == """\
# lumie-backend — gRPC Service of the merged services: tenant-svc, auth-svc (consolidate-backend)
apiVersion: v1
kind: Service
metadata:
  name: lumie-backend-grpc
  namespace: lumie-backend
  labels:
    app.kubernetes.io/name: lumie-backend
spec:
  selector:
    app.kubernetes.io/name: lumie-backend
  ports:
  - name: grpc
    port: 9090
"""
    assert "still called from apps/worker/deployment.yaml:15" in " ".join(map(str, result.report))


def test_create_target_refuses_an_env_conflict_showing_both_values():
    with pytest.raises(MigrateError) as info:
        run_operation("create-target", _with_auth_env("TZ", "UTC"), **CREATE)
    message = str(info.value)
    assert message.startswith("apps/tenant/common-values.yaml:17: the merged services conflict (1)")
    assert '"Asia/Seoul" in tenant-svc (apps/tenant/common-values.yaml:17)' in message
    assert '"UTC" in auth-svc (apps/auth/common-values.yaml:16)' in message
    assert "--set env.TZ=<value>" in message


def test_create_target_takes_the_value_a_parameter_gives_and_reports_it():
    result, _ = run_operation("create-target", _with_auth_env("TZ", "UTC"), **dict(CREATE, env={"TZ": "UTC"}))
    assert "  - name: TZ\n    value: UTC\n" in result.changes["apps/backend/common-values.yaml"]
    resolved = [e for e in result.report if e.kind == "conflict-resolved"]
    assert [(e.message, e.path, e.line) for e in resolved] == [
        ('env TZ = "UTC" (--set env.TZ); the services had: "Asia/Seoul" in tenant-svc; "UTC" in auth-svc',
         "apps/backend/common-values.yaml", 21)]


def test_create_target_refuses_a_resolution_for_an_env_name_nobody_sets():
    with pytest.raises(UsageError, match="env.TYPO: no merged service sets TYPO"):
        run_operation("create-target", FILES, **dict(CREATE, env={"TYPO": "1"}))


def test_create_target_refuses_other_conflicts_naming_the_key_and_services():
    files = dict(FILES)
    files["apps/auth/common-values.yaml"] += "  podSecurityContext:\n    runAsUser: 0\n"
    with pytest.raises(MigrateError) as info:
        run_operation("create-target", files, **CREATE)
    # the chart's default stands in for tenant-svc, which does not set it
    assert 'podSecurityContext: {} in tenant-svc (apps/tenant/common-values.yaml); {"runAsUser": 0} in auth-svc ' \
           '(apps/auth/common-values.yaml:53). align the services before merging them' in str(info.value)


def test_create_target_refuses_when_the_target_exists_or_a_service_is_unknown():
    with pytest.raises(MigrateError, match="apps/backend/argocd.yaml already exists"):
        run_operation("create-target", created(), **CREATE)
    with pytest.raises(UsageError, match="no Application named 'nope-svc'"):
        run_operation("create-target", FILES, **dict(CREATE, services=["tenant-svc", "nope-svc"]))
    with pytest.raises(UsageError, match="lies in tenant-svc's folder"):
        run_operation("create-target", FILES, **dict(CREATE, folder="apps/tenant/merged"))


def test_create_target_refuses_applications_it_cannot_merge():
    with pytest.raises(MigrateError, match="grading-svc cannot be merged: only single-source Applications"):
        run_operation("create-target", FILES, **dict(CREATE, services=["tenant-svc", "grading-svc"]))


def test_create_target_needs_a_tag_or_a_repository_to_find_one():
    with pytest.raises(MigrateError, match="reads the git history"):
        run_operation("create-target", FILES, **dict(CREATE, image_tag=""))


def test_create_target_carries_middlewares_and_moves_their_references():
    result, _ = run_operation("create-target", traefik_files(), **CREATE)
    manifests = result.changes["apps/backend/manifests/traefik-middlewares.yaml"]
    assert manifests.count("kind: Middleware") == 3  # two strip-prefix, one lumie-cors (identical: once)
    assert manifests.count("namespace: lumie-backend") == 3 and "lumie-tenant" not in manifests
    assert "# from apps/tenant/manifests/traefik-middlewares.yaml, apps/auth/manifests/traefik-middlewares.yaml\n" \
        in manifests
    assert result.changes["apps/backend/kustomization.yaml"].endswith(
        "resources:\n- manifests/traefik-middlewares.yaml\n")
    values = result.changes["apps/backend/common-values.yaml"]
    assert (f"{TRAEFIK}: lumie-backend-tenant-svc-strip-prefix@kubernetescrd,"
            "lumie-backend-lumie-cors@kubernetescrd\n") in values
    assert f"{TRAEFIK}: lumie-backend-auth-svc-strip-prefix@kubernetescrd," in values


def test_carried_services_select_the_target_and_resources_outside_the_folder_stay_listed():
    files = dict(FILES)
    files["apps/tenant/kustomization.yaml"] += "- manifests/headless.yaml\n- ../shared/config.yaml\n"
    files["apps/tenant/manifests/headless.yaml"] = FILES["apps/tenant/manifests/grpc-service.yaml"].replace(
        "tenant-svc-grpc", "tenant-svc-headless")
    files["apps/shared/config.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n"
    result, _ = run_operation("create-target", files, **CREATE)
    headless = result.changes["apps/backend/manifests/headless.yaml"]
    assert "  name: tenant-svc-headless\n  namespace: lumie-backend\n" in headless
    assert headless.count("app.kubernetes.io/name: lumie-backend") == 2
    assert result.changes["apps/backend/kustomization.yaml"].endswith(
        "resources:\n- manifests/headless.yaml\n- ../shared/config.yaml\n")


def test_create_target_refuses_carried_objects_that_differ():
    files = traefik_files()
    path = "apps/auth/manifests/traefik-middlewares.yaml"
    files[path] = files[path].replace("https://lumie.kr", "https://evil.example")
    with pytest.raises(MigrateError, match="Middleware lumie-cors:"):
        run_operation("create-target", files, **CREATE)


GENERATED = {   # an ApplicationSet the root lists makes one Application per folder of sites/
    **FILES,
    "apps/kustomization.yaml": FILES["apps/kustomization.yaml"] + "- sites.yaml\n",
    "apps/sites.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: sites\n  namespace: argocd\n"
        "spec:\n  generators:\n  - git:\n      repoURL: https://github.com/lumie/infra.git\n      revision: HEAD\n"
        "      directories:\n      - path: sites/*\n  template:\n    metadata:\n      name: '{{path.basename}}'\n"
        "    spec:\n      project: default\n      source:\n        repoURL: https://github.com/lumie/infra.git\n"
        "        path: '{{path}}'\n      destination:\n        namespace: '{{path.basename}}'\n"),
    "sites/blog-svc/kustomization.yaml": "resources:\n- service.yaml\n",
    "sites/blog-svc/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: blog-svc\n",
}


def test_a_generated_application_is_refused_naming_what_makes_it_and_the_way_out():
    with pytest.raises(UsageError) as refused:
        run_operation("create-target", GENERATED, **dict(CREATE, services=["tenant-svc", "blog-svc"]))
    assert str(refused.value).startswith("Application 'blog-svc' is made by ApplicationSet argocd/sites "
                                         "(apps/sites.yaml), not written in a file of its own")
    assert "Merge what generates them by hand" in str(refused.value)
