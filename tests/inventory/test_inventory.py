"""The inventory of a small repository: Applications, kustomizations, values, manifests, mentions."""

from __future__ import annotations

import pytest

from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from tests.fixtures.minirepo import FILES, line_of_text


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return Inventory.load(Tree.from_files(FILES))


def one(records, **match):
    found = [r for r in records if all(getattr(r, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


# --- Applications ------------------------------------------------------------------------------------
def test_applications_are_read_with_destination_wave_and_roots(inv):
    assert len(inv.applications) == 12
    kong = inv.application("kong")
    assert (kong.namespace, kong.dest_namespace, kong.sync_wave) == ("argocd", "kong", 1)
    assert kong.sync_wave_line == line_of_text(FILES, kong.file, "sync-wave")
    assert kong.id == "application:argocd/kong"
    assert {a.name for a in inv.applications if a.is_root} == {"applications", "bootstrap"}
    assert inv.application("nope") is None


def test_multi_source_values_refs_resolve_to_repo_paths(inv):
    kong = inv.application("kong")
    chart, ref, rbac, manifests = kong.sources
    assert not chart.local and chart.chart == "ingress"
    assert [v.path for v in chart.value_files] == ["bootstrap/kong/helm-values.yaml"]
    assert chart.value_files[0].raw == "$values/bootstrap/kong/helm-values.yaml"
    assert chart.value_files[0].line == line_of_text(FILES, kong.file, "$values/")
    assert ref.local and ref.ref == "values"
    assert rbac.include == "rbac-*.yaml"
    assert kong.source_paths == ["bootstrap/kong", "bootstrap/kong/manifests"]
    assert kong.value_files == ["bootstrap/kong/helm-values.yaml"]


def test_value_files_include_the_kustomize_helm_chart_values(inv):
    assert inv.application("exam-svc").value_files == ["applications/exam/common-values.yaml"]


def test_a_remote_chart_is_not_a_repo_path(inv):
    redis = inv.application("redis")
    assert redis.source_paths == [] and redis.sources[0].local is False


def test_an_application_without_a_name_is_an_error_and_the_rest_loads():
    files = dict(FILES, **{"x/argocd.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {}\n"})
    inv = Inventory.load(Tree.from_files(files))
    assert [(e.path, e.line) for e in inv.errors] == [("x/argocd.yaml", 1)]
    assert "metadata.name" in inv.errors[0].reason
    assert len(inv.applications) == 12


# --- Kustomizations -------------------------------------------------------------------------------------
def test_kustomization_resources_carry_resolved_paths_and_lines(inv):
    root = inv.kustomization("applications")
    assert [r.path for r in root.resources][:3] == [
        "applications/application.yaml", "applications/exam/argocd.yaml", "applications/grading/argocd.yaml"]
    frontend = one(root.resources, path="applications/frontend/argocd.yaml")
    assert frontend.line == line_of_text(FILES, root.file, "frontend/argocd.yaml")


def test_helm_charts_resolve_chart_home_and_values_file(inv):
    exam = inv.kustomization("applications/exam")
    (chart,) = exam.helm_charts
    assert chart.chart_path == "charts/common"
    assert (chart.release_name, chart.namespace) == ("exam-svc", "lumie-exam")
    assert [v.path for v in chart.values_files] == ["applications/exam/common-values.yaml"]


def test_a_kustomization_path_leaving_the_repo_is_an_error():
    files = dict(FILES, **{"applications/dev/kustomization.yaml": "resources:\n- ../../../../etc/passwd\n"})
    inv = Inventory.load(Tree.from_files(files))
    assert [(e.path, e.line) for e in inv.errors] == [("applications/dev/kustomization.yaml", 2)]
    assert "leaves the repository" in inv.errors[0].reason


# --- values of the local common chart ----------------------------------------------------------------------
def test_common_values_define_workload_service_routes_and_secrets(inv):
    path = "applications/exam/common-values.yaml"
    workload = one(inv.workloads, name="exam-svc")
    assert (workload.namespace, workload.file, workload.line) == ("lumie-exam", path, 3)
    service = one(inv.services, name="exam-svc")
    assert service.namespace == "lumie-exam" and set(service.ports) == {8080, 9090}
    route = one(inv.routes, path="/api/exam")
    assert (route.host, route.service, route.class_name, route.attached("konghq.com/plugins")) == (
        "api.lumie.kr", "exam-svc", "kong", ("lumie-cors", "lumie-jwt"))
    assert route.class_line is None  # the class comes from the chart's default
    assert route.annotation_line("konghq.com/plugins") == line_of_text(FILES, path, "konghq.com/plugins")
    webhook = one(inv.routes, path="/webhooks/exam")
    assert webhook.owner == "values:additionalIngresses[webhook]" and webhook.class_line is not None
    secret = one(inv.secrets, name="exam-svc-db-secrets")
    assert (secret.vault_mount, secret.vault_path) == ("kv", "infrastructure/postgresql")


def test_common_values_namespace_comes_from_the_helm_chart_entry(inv):
    assert one(inv.workloads, name="frontend").namespace == "lumie-frontend"


def test_env_values_secret_refs_and_service_addresses(inv):
    path = "applications/exam/common-values.yaml"
    workload = one(inv.workloads, name="exam-svc")
    assert [e.name for e in workload.env] == ["DB_HOST", "DB_PASSWORD", "REDIS_HOST", "GRADING_SVC_URL"]
    (use,) = workload.secrets
    assert (use.name, use.via, use.line) == ("exam-svc-db-secrets", "DB_PASSWORD",
                                             line_of_text(FILES, path, "name: exam-svc-db-secrets"))
    hosts = [(c.address.host, c.address.port, c.line) for c in workload.calls]
    assert hosts[-1] == ("grading-svc.lumie-grading.svc", 8000, line_of_text(FILES, path, "grading-svc.lumie"))
    grading = one(inv.workloads, name="grading-svc")
    assert [c.address.host for c in grading.calls] == ["exam-svc.lumie-exam.svc", "exam-svc-grpc.lumie-exam.svc"]


def test_the_chart_defaults_file_defines_nothing(inv):
    assert not [r for r in inv.workloads + inv.services if r.file.startswith("charts/")]
    assert inv.values_file("charts/common/values.yaml").common


def test_service_monitor_of_values_is_a_custom_object(inv):
    assert one(inv.objects, kind="ServiceMonitor").namespace == "lumie-exam"


# --- plain manifests ----------------------------------------------------------------------------------------
def test_manifest_without_namespace_takes_the_kustomization_namespace(inv):
    assert one(inv.services, name="auth-svc").namespace == "lumie-dev"
    assert one(inv.workloads, name="auth-svc").namespace == "lumie-dev"


def test_manifest_without_namespace_takes_the_deploying_application_namespace(inv):
    assert one(inv.services, name="exam-svc-grpc").namespace == "lumie-exam"
    assert one(inv.attachables, name="www-redirect").namespace == "lumie-frontend"


def test_ingress_with_legacy_class_annotation(inv):
    route = one(inv.routes, host="dev.lumie.kr")
    assert (route.class_name, route.service, route.port, route.namespace) == ("kong", "auth-svc", 8080, "lumie-dev")
    assert route.class_line == line_of_text(FILES, route.file, "ingress.class")


def test_kong_plugins_cnpg_services_and_secret_sources(inv):
    assert one(inv.attachables, name="lumie-cors").id == "plugin:lumie-cors"
    assert one(inv.attachables, name="www-redirect").id == "plugin:lumie-frontend/www-redirect"
    assert {(s.name, s.made_by) for s in inv.services if s.origin == "producer"} == {
        ("lumie-db-rw", "Cluster/lumie-db"), ("lumie-db-ro", "Cluster/lumie-db"), ("lumie-db-r", "Cluster/lumie-db")}
    assert one(inv.secrets, name="dev-env").kind == "Secret"
    assert one(inv.workloads, name="auth-svc").secrets[0].via == "envFrom"


def test_multi_document_manifest_lines(inv):
    path = "applications/frontend/manifests/ingress.yaml"
    assert [(m.kind, m.line, m.doc) for m in inv.manifests if m.file == path] == [
        ("KongPlugin", 1, 0), ("Ingress", 7, 1)]


def test_directory_include_glob_limits_what_is_deployed(inv):
    assert inv.contexts["bootstrap/kong/rbac-configmap.yaml"].namespace == "kong"
    assert "bootstrap/kong/other.yaml" not in inv.contexts


# --- third-party values --------------------------------------------------------------------------------------
def test_third_party_values_ingress_blocks():
    files = dict(FILES, **{
        "bootstrap/vault/helm-values.yaml": """\
server:
  ingress:
    enabled: true
    ingressClassName: kong
    annotations:
      konghq.com/read-timeout: "600000"
    hosts:
    - host: vault.lumie.kr
      paths: [/]
ui:
  ingress:
    enabled: false
    className: kong
    hosts: [ignored.lumie.kr]
""",
        "bootstrap/grafana-values.yaml": "ingress:\n  className: traefik\n  hosts:\n  - grafana.lumie.kr\n  path: /\n",
    })
    inv = Inventory.load(Tree.from_files(files))
    vault = one(inv.routes, host="vault.lumie.kr")
    assert (vault.class_name, vault.class_line, vault.service, vault.namespace) == ("kong", 4, None, "vault")
    assert vault.owner == "values:server.ingress"
    assert one(inv.routes, host="grafana.lumie.kr").class_name == "traefik"
    assert not [r for r in inv.routes if r.host == "ignored.lumie.kr"]


# --- strings naming repo paths and services ------------------------------------------------------------------
def test_repo_paths_in_strings_are_mentions_with_lines(inv):
    path = "applications/tekton/ci-cd/trigger-template.yaml"
    mentions = [(m.path, m.line) for m in inv.path_mentions if m.file == path]
    assert mentions == [("applications/exam/common-values.yaml", 8),
                        ("applications/grading/common-values.yaml", line_of_text(FILES, path, "yq -i"))]


def test_service_addresses_anywhere_are_mentions(inv):
    hosts = {m.address.host for m in inv.address_mentions}
    assert {"auth-svc.lumie-platform.svc", "tenant-svc.lumie-dev.svc"} <= hosts
    assert "kubernetes.default.svc" not in hosts  # Application documents are not scanned


# --- errors, helm templates ----------------------------------------------------------------------------------
def test_malformed_yaml_is_recorded_and_the_rest_loads():
    files = dict(FILES, **{"applications/dev/ingress.yaml": "apiVersion: v1\nkind: [Ingress\nmetadata:\n"})
    inv = Inventory.load(Tree.from_files(files))
    (error,) = inv.errors
    assert error.path == "applications/dev/ingress.yaml" and error.line >= 2
    assert str(error).startswith("applications/dev/ingress.yaml:")
    assert one(inv.services, name="auth-svc")
    assert not [r for r in inv.routes if r.host == "dev.lumie.kr"]


def test_helm_templates_are_never_parsed(inv):
    assert not inv.errors
    assert inv.docs("charts/common/templates/deployment.yaml") == []


def test_loads_from_a_real_repository(tmp_path):
    from tests.fixtures.minirepo import git_repo
    inv = Inventory.load(Tree.from_repo(git_repo(tmp_path / "repo", FILES)))
    assert len(inv.applications) == 12 and not inv.errors


# --- a step's after-state: only what changed is read again --------------------------------------------
def _everything(inventory: Inventory) -> list:
    return [inventory.manifests, inventory.workloads, inventory.services, inventory.routes, inventory.secrets,
            inventory.attachables, inventory.objects, inventory.values_files, inventory.path_mentions,
            inventory.address_mentions]


def test_an_after_state_reuses_the_records_of_unchanged_files_and_equals_a_fresh_load(monkeypatch):
    from migrate.inventory import inventory as module
    before = Inventory.load(Tree.from_files(FILES))
    edited = FILES["applications/dev/auth-svc.yaml"].replace("name: auth-svc\nspec", "name: login-svc\nspec", 1)
    after_tree = Tree.from_files(FILES).with_changes({"applications/dev/auth-svc.yaml": edited})
    after = Inventory.load(after_tree)
    monkeypatch.setattr(module, "_MEMO", module.OrderedDict())          # nothing remembered: read it all
    fresh = Inventory.load(after_tree)
    assert _everything(after) == _everything(fresh)
    assert {w.name for w in after.workloads} - {w.name for w in before.workloads} == {"login-svc"}
    unchanged = [w for w in after.workloads if w.file != "applications/dev/auth-svc.yaml"]
    assert unchanged and all(any(w is old for old in before.workloads) for w in unchanged)


def test_a_file_is_read_again_when_how_it_is_deployed_changes():
    kustomization = "applications/dev/kustomization.yaml"
    Inventory.load(Tree.from_files(FILES))
    after = Inventory.load(Tree.from_files(FILES).with_changes(
        {kustomization: FILES[kustomization].replace("namespace: lumie-dev", "namespace: lumie-moved")}))
    moved = [w for w in after.workloads if w.file == "applications/dev/auth-svc.yaml"]
    assert moved and {w.namespace for w in moved} == {"lumie-moved"}


@pytest.mark.parametrize("source", ["minirepo", "example"])
def test_loading_only_the_applications_reads_them_as_the_whole_load_does(source, example_repo_master):
    """``history`` parses only kustomizations and files that say ``Application``: the same Applications
    (their value files from kustomize helmCharts included) and the same deploy contexts."""
    tree = Tree.from_files(FILES) if source == "minirepo" else Tree.from_repo(example_repo_master)
    whole, only = Inventory.load(tree), Inventory.load_applications(tree)
    assert [(a.id, a.file, a.value_files, a.source_paths) for a in only.applications] == \
        [(a.id, a.file, a.value_files, a.source_paths) for a in whole.applications]
    assert any(a.value_files for a in only.applications)
    assert only.contexts == whole.contexts and only.self_urls == whole.self_urls
    assert not only.services and len(only._docs) < len(whole._docs)


def test_an_application_read_once_per_content_is_a_fresh_record_in_each_state():
    """Applications are read once per file content, but each load sets fields of its own records (a second
    Application of the same name, the values files it deploys): one state's must never leak into another's."""
    twin = "applications/grading/twin.yaml"
    with_twin = Tree.from_files({**FILES, twin: FILES["applications/exam/argocd.yaml"]})
    kustomization = "applications/kustomization.yaml"
    listed = with_twin.with_changes({kustomization: FILES[kustomization] + f"- {twin.split('/', 1)[1]}\n"})
    doubled = Inventory.load(listed)
    alone = Inventory.load(listed.with_changes({"applications/exam/argocd.yaml": None}))   # the twin is the only one
    again = Inventory.load(listed)
    (first, second) = [a for a in doubled.applications if a.name == "exam-svc"]
    assert (first.same_name_as, second.same_name_as) == (None, first.file)
    assert [(a.file, a.same_name_as) for a in alone.applications if a.name == "exam-svc"] == [(twin, None)]
    assert [a.same_name_as for a in again.applications if a.name == "exam-svc"] == [None, first.file]
    kong = [a for a in (doubled, alone, again) for a in a.applications if a.name == "kong"]
    assert all(a.value_files == kong[0].value_files for a in kong) and kong[0].value_files
    assert len({id(a.value_files) for a in kong}) == 3
