"""The dependency graph: nodes, edges with file + line, what is synced, queries and problems."""

from __future__ import annotations

import subprocess

import pytest

from migrate.errors import UsageError
from migrate.graph import DepGraph, build_graph
from migrate.graph.model import Reference
from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from tests.fixtures.minirepo import FILES, FRONTEND_VALUES, line_of_text

EXAM = "applications/lumie/backend/exam-svc"
FRONTEND = "applications/lumie/frontend/common-values.yaml"


def graph_of(files: dict[str, str]) -> DepGraph:
    return build_graph(Inventory.load(Tree.from_files(files)))


def changed(changes: dict[str, str | None]) -> DepGraph:
    """The mini repo's graph after replacing (text) or removing (None) files."""
    return build_graph(Inventory.load(Tree.from_files(FILES).with_changes(changes)))


@pytest.fixture(scope="module")
def g() -> DepGraph:
    return graph_of(FILES)


def edge(graph: DepGraph, source: str, target: str, kind: str) -> dict:
    found = [d for d in graph.g.get_edge_data(source, target, default={}).values() if d["kind"] == kind]
    assert len(found) == 1, (source, target, kind, graph.g.get_edge_data(source, target))
    return found[0]


def failures(graph: DepGraph, **kw) -> set[tuple]:
    return {(p.kind, p.edge, p.target, p.file) for p in graph.failures(**kw)}


# --- structure ---------------------------------------------------------------------------------------
def test_app_of_apps_chain_with_file_and_line(g):
    d = edge(g, "kustomization:applications", "file:applications/exam/argocd.yaml", "includes")
    assert (d["file"], d["line"]) == ("applications/kustomization.yaml", 6)
    edge(g, "file:applications/exam/argocd.yaml", "application:argocd/exam-svc", "includes")
    d = edge(g, "application:argocd/exam-svc", "kustomization:applications/exam", "deploys")
    assert d["line"] == line_of_text(FILES, "applications/exam/argocd.yaml", "path:")
    d = edge(g, "kustomization:applications/exam", "values:applications/exam/common-values.yaml", "renders")
    assert d["line"] == line_of_text(FILES, "applications/exam/kustomization.yaml", "valuesFile")
    edge(g, "kustomization:applications/exam", "chart:charts/common", "renders")


def test_multi_source_app_deploys_values_and_folders(g):
    edge(g, "application:argocd/kong", "values:bootstrap/kong/helm-values.yaml", "deploys")
    edge(g, "application:argocd/kong", "folder:bootstrap/kong/manifests", "deploys")
    edge(g, "folder:bootstrap/kong", "file:bootstrap/kong/rbac-configmap.yaml", "renders")
    assert not g.g.has_edge("folder:bootstrap/kong", "file:bootstrap/kong/other.yaml")


def test_roots_and_synced_applications(g):
    assert sorted(g.roots) == ["application:argocd/applications", "application:argocd/bootstrap"]
    assert g.unsynced_applications() == {"legacy-gateway"}
    assert "kong" in g.synced_applications() and "exam-svc" in g.synced_applications()
    assert g.is_synced("workload:lumie-exam/exam-svc")
    assert not g.is_synced("file:bootstrap/kong/other.yaml")


def test_definitions_and_references(g):
    d = edge(g, "values:applications/exam/common-values.yaml", "workload:lumie-exam/exam-svc", "defines")
    assert d["line"] == 3
    calls = edge(g, "workload:lumie-grading/grading-svc", "service:lumie-exam/exam-svc", "calls")
    assert (calls["status"], calls["file"], calls["line"]) == (
        "resolved", "applications/grading/common-values.yaml",
        line_of_text(FILES, "applications/grading/common-values.yaml", "exam-svc.lumie-exam"))
    edge(g, "workload:lumie-grading/grading-svc", "service:lumie-exam/exam-svc-grpc", "calls")  # .cluster.local
    edge(g, "workload:lumie-exam/exam-svc", "secret:lumie-exam/exam-svc-db-secrets", "reads-secret")
    edge(g, "secret:lumie-exam/exam-svc-db-secrets", "vault:kv/infrastructure/postgresql", "syncs-from")
    edge(g, "route:api.lumie.kr/api/exam", "service:lumie-exam/exam-svc", "routes-to")
    edge(g, "route:api.lumie.kr/api/exam", "plugin:lumie-jwt", "uses-plugin")
    edge(g, "route:www.lumie.kr/", "plugin:lumie-frontend/www-redirect", "uses-plugin")
    edge(g, "route:api.lumie.kr/api/exam", "ingressclass:kong", "served-by")
    edge(g, "ingressclass:kong", "component:kong", "served-by")
    edge(g, "component:kong", "application:argocd/kong", "installed-by")
    edge(g, "plugin:lumie-frontend/www-redirect", "component:kong", "needs-crd")
    edge(g, "secret:lumie-exam/exam-svc-db-secrets", "component:vault", "needs-crd")
    d = edge(g, "file:applications/tekton/ci-cd/trigger-template.yaml",
             "values:applications/exam/common-values.yaml", "references-path")
    assert (d["status"], d["line"]) == ("resolved", 8)


def test_same_named_services_resolve_in_their_own_namespace(g):
    edge(g, "workload:lumie-dev/auth-svc", "service:lumie-dev/tenant-svc", "calls")
    edge(g, "route:dev.lumie.kr/auth", "service:lumie-dev/auth-svc", "routes-to")
    edge(g, "workload:lumie-dev/auth-svc", "secret:lumie-dev/dev-env", "reads-secret")


def test_a_call_into_a_namespace_a_remote_chart_deploys_to_is_unverified_with_why(g):
    d = edge(g, "workload:lumie-exam/exam-svc", "service:lumie-cache/redis", "calls")
    assert (d["status"], d["reason"]) == ("unverified", "Application redis deploys to lumie-cache what migrate cannot "
                                                        "render: not rendered: remote chart "
                                                        "https://charts.bitnami.com/bitnami/redis 19.0.0")
    assert "service:lumie-cache/redis" in {r.target for r in g.unverified()}
    assert not any(p.target == "service:lumie-cache/redis" for p in g.problems())
    assert edge(g, "workload:lumie-exam/exam-svc", "service:lumie-db/lumie-db-rw", "calls")["status"] == "resolved"


def test_references_made_at_one_line_are_ordered_whatever_order_the_graph_holds_them_in():
    # the workloads of one chart reference a missing secret at one line (the Application's): their order in the
    # report must not be the graph's, which string hashing changes from one run to the next
    refs = [Reference("unverified", "reads-secret", f"workload:argocd/{name}", "secret:argocd/redis", "app.yaml", 6,
                      "a hook may make it", True) for name in ("server", "repo-server", "controller")]
    orders = {tuple(r.source for r in sorted(order, key=Reference.sort_key)) for order in (refs, refs[::-1])}
    assert orders == {("workload:argocd/controller", "workload:argocd/repo-server", "workload:argocd/server")}


def test_sync_waves_order_siblings(g):
    edge(g, "application:argocd/vault", "application:argocd/kong", "wave-before")
    edge(g, "application:argocd/bootstrap", "application:argocd/applications", "wave-before")
    assert "application:argocd/vault" in g.dependencies("application:argocd/kong", transitive=False)


# --- queries -----------------------------------------------------------------------------------------
def test_dependents_and_dependencies(g):
    dependents = g.dependents("service:lumie-exam/exam-svc")
    assert {"workload:lumie-grading/grading-svc", "route:api.lumie.kr/api/exam",
            "application:argocd/grading-svc"} <= dependents
    assert g.dependents("service:lumie-exam/exam-svc", transitive=False) == {
        "workload:lumie-grading/grading-svc", "route:api.lumie.kr/api/exam", "route:api.lumie.kr/webhooks/exam",
        "values:applications/exam/common-values.yaml"}
    needs = g.dependencies("application:argocd/frontend")
    assert {"component:kong", "application:argocd/kong", "plugin:lumie-frontend/www-redirect"} <= needs
    with pytest.raises(UsageError):
        g.dependents("service:nowhere/x")


def test_resolve_accepts_names_paths_and_ids(g):
    assert g.resolve("exam-svc") == "application:argocd/exam-svc"
    assert g.resolve("applications/exam/common-values.yaml") == "values:applications/exam/common-values.yaml"
    assert g.resolve("applications/exam/") == "kustomization:applications/exam"
    assert g.resolve("service:lumie-dev/auth-svc") == "service:lumie-dev/auth-svc"
    assert g.resolve("dev-env") == "secret:lumie-dev/dev-env"
    with pytest.raises(UsageError, match="ambiguous"):
        g.resolve("auth-svc")
    with pytest.raises(UsageError, match="no node"):
        g.resolve("nothing-like-this")


# --- problems ----------------------------------------------------------------------------------------
def test_only_the_stale_namespace_fails_and_legacy_is_not_synced(g):
    problems = g.problems()
    assert [(p.kind, p.edge, p.source, p.target, p.file, p.line, p.synced) for p in problems] == [
        ("suspect", "calls", "workload:lumie-frontend/frontend", "service:lumie-platform/auth-svc", FRONTEND_VALUES,
         line_of_text(FILES, FRONTEND_VALUES, "lumie-platform"), True),
        ("dangling", "deploys", "application:argocd/legacy-gateway", "folder:applications/legacy/app",
         "applications/legacy/argocd.yaml", line_of_text(FILES, "applications/legacy/argocd.yaml", "path:"), False),
    ]
    assert "lumie-dev" in problems[0].reason
    assert [p.is_failure for p in problems] == [True, False]


def test_reference_keys_ignore_line_numbers(g):
    shifted = changed({FRONTEND_VALUES: "# moved down\n\n" + FILES[FRONTEND_VALUES]})
    (before,), (after,) = g.failures(), shifted.failures()
    assert before.key == after.key and after.line == before.line + 2
    assert before.key == ("suspect", "calls", "workload:lumie-frontend/frontend", "service:lumie-platform/auth-svc")


def test_missing_kustomization_resource_and_values_file_dangle():
    broken = changed({"applications/grading/argocd.yaml": None, "applications/exam/common-values.yaml": None})
    found = failures(broken)
    assert ("dangling", "includes", "file:applications/grading/argocd.yaml", "applications/kustomization.yaml") in found
    assert ("dangling", "renders", "values:applications/exam/common-values.yaml",
            "applications/exam/kustomization.yaml") in found
    assert ("dangling", "references-path", "values:applications/exam/common-values.yaml",
            "applications/tekton/ci-cd/trigger-template.yaml") in found


def test_missing_service_in_a_namespace_with_services_dangles():
    values = FILES["applications/grading/common-values.yaml"].replace("exam-svc.lumie-exam", "exam-api.lumie-exam")
    found = failures(changed({"applications/grading/common-values.yaml": values}))
    assert ("dangling", "calls", "service:lumie-exam/exam-api", "applications/grading/common-values.yaml") in found


def test_removed_service_in_a_still_deployed_namespace_dangles():
    after = changed({"applications/exam/manifests/grpc-service.yaml": None,
                     "applications/exam/common-values.yaml": None})
    assert ("dangling", "calls", "service:lumie-exam/exam-svc", "applications/grading/common-values.yaml") \
        in failures(after)


def test_removed_app_dangles_against_a_baseline(g):
    removed = {path: None for path in FILES if path.startswith("applications/exam/")}
    kustomization = FILES["applications/kustomization.yaml"].replace("  - exam/argocd.yaml\n", "")
    after = changed({**removed, "applications/kustomization.yaml": kustomization})
    lost = ("dangling", "calls", "service:lumie-exam/exam-svc", "applications/grading/common-values.yaml")
    assert lost not in failures(after)  # the repo deploys nothing to lumie-exam now: the address looks external
    assert lost in failures(after, baseline=g)
    (problem,) = [p for p in after.failures(baseline=g) if p.target == "service:lumie-exam/exam-svc"]
    assert "existed before" in problem.reason


def test_missing_secret_plugin_and_middleware_dangle():
    values = FILES["applications/exam/common-values.yaml"].replace(
        "destination:\n      name: exam-svc-db-secrets", "destination:\n      name: other")
    values = values.replace("lumie-cors,lumie-jwt", "lumie-cors,lumie-jwt,lumie-nope")
    ingress = FILES["applications/dev/ingress.yaml"].replace(
        "    kubernetes.io/ingress.class: kong\n",
        "    kubernetes.io/ingress.class: kong\n"
        "    traefik.ingress.kubernetes.io/router.middlewares: lumie-dev-strip@kubernetescrd\n")
    found = failures(changed({"applications/exam/common-values.yaml": values, "applications/dev/ingress.yaml": ingress}))
    assert ("dangling", "reads-secret", "secret:lumie-exam/exam-svc-db-secrets",
            "applications/exam/common-values.yaml") in found
    assert ("dangling", "uses-plugin", "plugin:lumie-exam/lumie-nope", "applications/exam/common-values.yaml") in found
    assert ("dangling", "uses-plugin", "middleware:lumie-dev/strip", "applications/dev/ingress.yaml") in found


def test_middleware_found_by_namespace_and_name():
    middleware = ("apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: strip\n"
                  "spec:\n  stripPrefix:\n    prefixes: [/auth]\n")
    ingress = FILES["applications/dev/ingress.yaml"].replace(
        "  annotations:\n", "  annotations:\n"
        "    traefik.ingress.kubernetes.io/router.middlewares: lumie-dev-strip@kubernetescrd\n")
    kustomization = FILES["applications/dev/kustomization.yaml"] + "- strip.yaml\n"
    graph = changed({"applications/dev/strip.yaml": middleware, "applications/dev/ingress.yaml": ingress,
                     "applications/dev/kustomization.yaml": kustomization})
    assert edge(graph, "route:dev.lumie.kr/auth", "middleware:lumie-dev/strip", "uses-plugin")["status"] == "resolved"


def test_unregistered_component_makes_its_users_dangle():
    graph = changed({"bootstrap/kustomization.yaml": "resources:\n- vault/argocd.yaml\n"})
    assert "kong" in graph.unsynced_applications()
    found = failures(graph)
    assert ("dangling", "served-by", "ingressclass:kong", "applications/dev/ingress.yaml") in found
    assert ("dangling", "needs-crd", "component:kong", "applications/frontend/manifests/ingress.yaml") in found
    # kong's own folder, kept for reference: nothing applies its objects, so they need no CRD
    assert not [p for p in graph.problems() if p.file == "bootstrap/kong/manifests/cluster-plugins.yaml"]


def test_problems_are_sorted_and_deterministic(g):
    again = graph_of(FILES)
    assert [p.to_dict() for p in again.problems()] == [p.to_dict() for p in g.problems()]


# --- the example repository (acceptance) --------------------------------------------------------------------
@pytest.fixture(scope="module")
def example(example_repo_master) -> DepGraph:
    return build_graph(Inventory.load(Tree.from_repo(example_repo_master)))


def test_example_has_exactly_one_failure_the_stale_frontend_reference(example, example_repo_master):
    (problem,) = example.failures()
    line = line_in(example_repo_master, FRONTEND, "auth-svc.lumie-platform.svc")
    assert (problem.kind, problem.edge, problem.file, problem.line) == ("suspect", "calls", FRONTEND, line)
    assert problem.target == "service:lumie-platform/auth-svc"
    assert [e.path for e in example.inv.errors] == ["docs/runbooks/kong-timeouts.yaml"]  # nothing deploys it


def test_example_legacy_gateway_is_the_only_unsynced_app(example):
    assert example.unsynced_applications() == {"legacy-gateway"}
    assert len(example.synced_applications()) == len(example.inv.applications) - 1
    legacy = [p for p in example.problems() if not p.synced]
    assert legacy and all("legacy-gateway" in p.file for p in legacy)


def test_example_dev_services_resolve_in_lumie_dev(example):
    calls = {(u, v) for u, v, d in example.edges("calls") if u.startswith("workload:lumie-dev/")}
    assert ("workload:lumie-dev/auth-svc", "service:lumie-dev/tenant-svc") in calls
    routes = {v for u, v, d in example.edges("routes-to") if u.startswith("route:dev.lumie.kr")}
    assert routes == {"service:lumie-dev/auth-svc", "service:lumie-dev/tenant-svc"}


def test_example_dependents_of_exam_svc_include_the_workers(example):
    dependents = example.dependents("service:lumie-exam/exam-svc")
    assert {"workload:lumie-grading/grading-svc", "workload:lumie-report/report-svc"} <= dependents


def test_example_with_a_service_folder_removed(example_repo, example):
    subprocess.run(["git", "rm", "-q", "-r", f"{EXAM}/"], cwd=example_repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "remove exam-svc"],
                   cwd=example_repo, check=True)
    after = build_graph(Inventory.load(Tree.from_repo(example_repo)))
    before = {p.key for p in example.failures()}
    new = [p for p in after.failures(baseline=example) if p.key not in before]
    found = {(p.edge, p.target.partition(":")[2], p.file, p.line) for p in new}
    assert ("includes", f"{EXAM}/argocd.yaml", "applications/kustomization.yaml",
            line_in(example_repo, "applications/kustomization.yaml", "backend/exam-svc/argocd.yaml")) in found
    tekton = "applications/tekton/ci-cd/trigger-template.yaml"
    assert ("references-path", f"{EXAM}/common-values.yaml", tekton,
            line_in(example_repo, tekton, "exam-svc/common-values.yaml")) in found
    grading = "applications/lumie/ai/grading-svc/common-values.yaml"
    assert ("calls", "lumie-exam/exam-svc", grading, line_in(example_repo, grading, "exam-svc.lumie-exam")) in found
    assert all(p.kind == "dangling" for p in new)


def line_in(repo, path: str, needle: str) -> int:
    text = (repo / path).read_text(encoding="utf-8")
    return next(i for i, s in enumerate(text.splitlines(), 1) if needle in s)


def test_a_call_to_a_service_nothing_syncs_any_more_is_unsynced_not_resolved(example_repo_master):
    """Unregistering grading-svc (its folder kept) leaves exam-svc calling a dead URL once Argo CD
    prunes it; grading-svc's own calls, made in files nothing syncs, are not problems."""
    from migrate.graph import build_graph
    from migrate.inventory import Inventory
    from migrate.repo.tracked import Tree

    tree = Tree.from_repo(example_repo_master)
    kustomization = tree.read_text("applications/kustomization.yaml")
    after = tree.with_changes({"applications/kustomization.yaml":
                               kustomization.replace("- lumie/ai/grading-svc/argocd.yaml\n", "")})
    problems = build_graph(Inventory.load(after)).problems()
    unsynced = [(p.source, p.target, p.file, p.synced) for p in problems if p.kind == "unsynced"]
    assert unsynced == [("workload:lumie-exam/exam-svc", "service:lumie-grading/grading-svc",
                         "applications/lumie/backend/exam-svc/common-values.yaml", True)]
    assert not [p for p in problems if p.source == "workload:lumie-grading/grading-svc"]


def test_example_backend_call_to_an_operator_made_service_resolves_to_its_producer(example, example_repo_master):
    """attendance-svc calls lumie-db-pooler, a Service only CloudNativePG makes (from the Pooler resource)."""
    pooler = line_in(example_repo_master, "applications/lumie/manifests/pooler.yaml", "apiVersion:")
    (call,) = [r for r in example.references() if r.target == "service:lumie-db/lumie-db-pooler"]
    assert call.kind == "resolved"
    assert call.reason == f"made by Pooler/lumie-db-pooler (applications/lumie/manifests/pooler.yaml:{pooler})"
