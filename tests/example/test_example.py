"""The example repository: a deterministic git repo whose content carries every trap of the spec."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from migrate.cli import main
from migrate.errors import MigrateError
from migrate.example import RELEASE_TAG, init_repo

MERGED = {"tenant-svc": "backend", "auth-svc": "backend", "academy-svc": "backend", "admin-svc": "backend",
          "exam-svc": "backend", "content-svc": "backend", "attendance-svc": "backend",
          "billing-svc": "backend", "file-svc": "backend", "ai-svc": "ai"}
WORKERS = ("grading-svc", "report-svc", "analysis-svc")

BROKEN = "docs/runbooks/kong-timeouts.yaml"  # a YAML file no Application deploys, which does not parse
EXPECTED_APPS = {
    ("applications", "applications/application.yaml", "argocd"),
    ("argocd", "applications/argocd/argocd.yaml", "argocd"),
    ("lumie", "applications/lumie/argocd.yaml", "lumie-db"),
    ("lumie-develop", "applications/lumie/develop/argocd.yaml", "lumie-dev"),
    ("frontend", "applications/lumie/frontend/argocd.yaml", "lumie-frontend"),
    ("lumie-docs", "applications/lumie/docs/argocd.yaml", "lumie-docs"),
    ("tekton-ci-cd", "applications/tekton/ci-cd/argocd.yaml", "tekton-pipelines"),
    ("legacy-gateway", "applications/lumie/legacy-gateway/argocd.yaml", "lumie-gateway"),
    ("bootstrap", "bootstrap/application.yaml", "argocd"),
    ("minio", "bootstrap/minio/argocd.yaml", "minio"),
    ("zot", "bootstrap/zot/argocd.yaml", "zot"),
    ("vault", "bootstrap/vault/argocd.yaml", "vault"),
    ("kong", "bootstrap/kong/argocd.yaml", "kong"),
    ("observability", "observability/application.yaml", "argocd"),
    ("prometheus", "observability/prometheus/argocd.yaml", "monitoring"),
    ("grafana", "observability/grafana/argocd.yaml", "monitoring"),
    ("loki", "observability/loki/argocd.yaml", "monitoring"),
    ("platform", "platform/application.yaml", "argocd"),
    ("cert-manager", "platform/cert-manager/argocd.yaml", "cert-manager"),
    ("cnpg", "platform/cnpg/argocd.yaml", "cnpg-system"),
    ("redis", "platform/redis/argocd.yaml", "lumie-cache"),
    ("rabbitmq", "platform/rabbitmq/argocd.yaml", "lumie-event"),
    ("traefik", "platform/traefik/argocd.yaml", "traefik"),
} | {(svc, f"applications/lumie/{group}/{svc}/argocd.yaml", f"lumie-{svc.removesuffix('-svc')}")
     for svc, group in MERGED.items()} | {
    (svc, f"applications/lumie/ai/{svc}/argocd.yaml", f"lumie-{svc.removesuffix('-svc')}") for svc in WORKERS}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def read(repo: Path, path: str) -> str:
    return (repo / path).read_text(encoding="utf-8")


def values_path(svc: str) -> str:
    group = MERGED.get(svc, "ai")
    return f"applications/lumie/{group}/{svc}/common-values.yaml"


def yaml_docs(repo: Path, path: str) -> list:
    return [doc for doc in YAML().load_all(read(repo, path)) if doc is not None]


def applications(repo: Path) -> set[tuple[str, str, str]]:
    found = set()
    for path in git(repo, "ls-files", "*argocd.yaml", "*application.yaml").split():
        for doc in yaml_docs(repo, path):
            if doc.get("kind") == "Application":
                found.add((doc["metadata"]["name"], path, doc["spec"]["destination"]["namespace"]))
    return found


# --- the git repository ------------------------------------------------------------------
def test_same_commits_on_every_init_even_with_a_hostile_git_config(example_repo_master, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = trunk\n[commit]\n\tgpgsign = true\n"
                                     "[core]\n\tautocrlf = true\n[user]\n\tname = Someone Else\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Intruder")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2030-01-01T00:00:00")
    again = tmp_path / "again"
    init_repo(again)
    assert git(again, "rev-parse", "HEAD") == git(example_repo_master, "rev-parse", "HEAD")
    assert git(again, "symbolic-ref", "HEAD").strip() == "refs/heads/main"


def test_working_tree_is_clean_on_branch_main(example_repo_master):
    assert git(example_repo_master, "status", "--porcelain") == ""
    assert git(example_repo_master, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert git(example_repo_master, "branch", "--format=%(refname:short)").split() == ["main"]


def test_history_has_five_korean_authors_over_eight_weeks(example_repo_master):
    log = git(example_repo_master, "log", "--reverse", "--format=%an <%ae>|%at|%ad", "--date=iso").splitlines()
    assert 130 <= len(log) <= 180
    authors = {line.split("|")[0] for line in log}
    assert authors == {"Kim Minjun <minjun.kim@lumie.kr>", "Lee Seoyeon <seoyeon.lee@lumie.kr>",
                       "Park Jihoon <jihoon.park@lumie.kr>", "Choi Yuna <yuna.choi@lumie.kr>",
                       "Jung Hyunwoo <hyunwoo.jung@lumie.kr>"}
    stamps = [int(line.split("|")[1]) for line in log]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert log[0].split("|")[2].startswith("2026-08-03") and log[0].endswith("+0900")
    assert log[-1].split("|")[2] > "2026-09-21"


def test_the_revert_commit_restores_what_it_reverts(example_repo_master):
    repo = example_repo_master
    sha = git(repo, "log", "--grep=^Revert \"", "--format=%H").split()
    assert len(sha) == 1
    body = git(repo, "log", "-1", "--format=%B", sha[0])
    subject, reverted = re.match(r'Revert "(.*)"\n\nThis reverts commit ([0-9a-f]{40})\.', body).groups()
    assert git(repo, "log", "-1", "--format=%s", reverted).strip() == subject
    touched = git(repo, "diff", "--name-only", f"{reverted}^", reverted).split()
    assert touched and git(repo, "diff", f"{reverted}^", sha[0], "--", *touched) == ""


def test_release_commit_puts_all_ten_services_on_the_release_tag(example_repo_master):
    repo = example_repo_master
    assert re.fullmatch(r"[0-9a-f]{8}", RELEASE_TAG)
    release = git(repo, "log", "--grep=^release ", "--format=%H").split()
    assert len(release) == 1
    changed = set(git(repo, "diff", "--name-only", f"{release[0]}^", release[0]).split())
    assert changed == {values_path(svc) for svc in MERGED}
    for svc in MERGED:
        assert f'tag: "{RELEASE_TAG}"' in read(repo, values_path(svc))
    assert len(git(repo, "log", "-S", RELEASE_TAG, "--format=%H").split()) == 1  # never used before


def test_history_has_single_bumps_bursts_and_config_fixes(example_repo_master):
    subjects = git(example_repo_master, "log", "--format=%s").splitlines()
    assert sum(bool(re.fullmatch(r"update [a-z-]+ image to [0-9a-f]{8}", s)) for s in subjects) >= 20
    bursts = [s for s in subjects if re.fullmatch(r"update ([a-z-]+, )+[a-z-]+ images to [0-9a-f]{8}", s)]
    assert len(bursts) >= 5
    fixes = [s for s in subjects if re.match(r"([a-z]+-svc, )+[a-z]+-svc: ", s)]
    assert len(fixes) >= 5
    for needle in ("add exam-svc", "www → non-www", "KongClusterPlugin", "add grading-svc worker"):
        assert any(needle in s for s in subjects), needle


# --- layout and facts -----------------------------------------------------------------------
def test_applications_names_files_and_destinations(example_repo_master):
    assert applications(example_repo_master) == EXPECTED_APPS


def test_every_kustomization_entry_exists_and_legacy_gateway_is_unlisted(example_repo_master):
    repo = example_repo_master
    listed = set()
    for path in git(repo, "ls-files", "*kustomization.yaml").split():
        folder = Path(path).parent
        for resource in yaml_docs(repo, path)[0].get("resources", []):
            assert (repo / folder / resource).is_file(), f"{path}: {resource}"
            listed.add(str(folder / resource))
    assert "applications/application.yaml" in listed
    assert "applications/lumie/legacy-gateway/argocd.yaml" not in listed
    assert not (repo / "applications/lumie/legacy-gateway/manifests").exists()


def test_merged_services_agree_on_every_shared_env_name(example_repo_master):
    values = defaultdict(set)
    for svc in MERGED:
        common = yaml_docs(example_repo_master, values_path(svc))[0]["common"]
        for entry in common["env"]:
            text = re.sub(rf"\b{svc}-(\w+)-secrets\b", r"lumie-backend-\1-secrets", str(entry))
            values[entry["name"]].add(text)
    assert {name for name, variants in values.items() if len(variants) > 1} == set()
    assert "TENANT_SVC_GRPC_HOST" in values and "GRADING_SVC_URL" in values


def test_contract_facts(example_repo_master):
    repo = example_repo_master
    for worker in ("grading-svc", "report-svc"):
        text = read(repo, values_path(worker))
        assert "http://exam-svc.lumie-exam.svc:8080" in text and "http://academy-svc.lumie-academy.svc:8080" in text
    frontend = read(repo, "applications/lumie/frontend/common-values.yaml")
    assert "value: http://auth-svc.lumie-platform.svc:8080" in frontend
    assert "namespace: lumie-dev" in read(repo, "applications/lumie/develop/kustomization.yaml")
    assert "http://tenant-svc.lumie-dev.svc:8080" in read(repo, "applications/lumie/develop/manifests/auth-svc.yaml")
    template = read(repo, "applications/tekton/ci-cd/trigger-template.yaml")
    for svc in [*MERGED, *WORKERS]:
        assert f"  - name: {svc}-values-file\n    default: {values_path(svc)}\n" in template
    vault = {"auth-svc-oauth-secrets": "lumie/oauth", "file-svc-minio-secrets": "infrastructure/minio",
             "ai-svc-openai-secrets": "lumie/openai", "exam-svc-db-secrets": "infrastructure/postgresql",
             "exam-svc-jwt-secrets": "lumie/jwt"}
    for secret, path in vault.items():
        entries = yaml_docs(repo, values_path(secret.split("-secrets")[0].rsplit("-", 1)[0]))[0]["common"]
        assert {(v["destination"]["name"], v["path"], v["mount"]) for v in entries["vaultStaticSecrets"]} \
            >= {(secret, path, "kv")}


def test_ingress_class_is_kong_everywhere_but_grafana_and_a_workers_dashboard(example_repo_master):
    repo = example_repo_master
    files = git(repo, "ls-files", "*.yaml").split()
    traefik = [p for p in files if re.search(r"(ingressClassName|className): traefik", read(repo, p))]
    assert traefik == ["applications/lumie/ai/analysis-svc/manifests/dashboard.yaml", "observability/grafana/helm-values.yaml"]
    legacy = [p for p in files if "kubernetes.io/ingress.class: kong" in read(repo, p)]
    assert {"applications/lumie/frontend/manifests/www-redirect.yaml",
            "bootstrap/minio/manifests/upload-proxy-ingress.yaml"} <= set(legacy)


# --- traps -----------------------------------------------------------------------------------
def test_every_yaml_file_parses_and_helm_templates_hold_go_templates(example_repo_master):
    repo = example_repo_master
    for path in git(repo, "ls-files", "*.yaml").split():
        if "/templates/" not in path and path != BROKEN:
            yaml_docs(repo, path)
    with pytest.raises(Exception, match="expected ',' or ']'"):  # the trap: a half-written runbook
        yaml_docs(repo, BROKEN)
    templates = git(repo, "ls-files", "charts/common/templates").split()
    assert len(templates) == 6 and all("{{" in read(repo, p) for p in templates)
    assert '{{ $ing.className | default "kong" }}' in read(repo, "charts/common/templates/ingress.yaml")
    assert "additionalIngresses" in read(repo, "charts/common/templates/ingress.yaml")


def test_comments_korean_and_blank_line_groups(example_repo_master):
    root = read(example_repo_master, "applications/kustomization.yaml")
    assert "\n\n# 백엔드 마이크로서비스" in root and "\n\n# AI 워커" in root
    assert "# - lumie/legacy-gateway/argocd.yaml" in root
    for path in ("bootstrap/kustomization.yaml", values_path("exam-svc"), "applications/argocd/helm-values.yaml"):
        assert re.search(r"#[^\n]*[\uac00-\ud7a3]", read(example_repo_master, path)), path


def test_both_sequence_styles_and_a_file_mixing_them(example_repo_master):
    repo = example_repo_master
    flush = re.compile(r"^( *)[a-zA-Z]+:\n\1- ", re.M)
    indented = re.compile(r"^( *)[a-zA-Z]+:\n\1  - ", re.M)
    exam, auth = read(repo, values_path("exam-svc")), read(repo, values_path("auth-svc"))
    assert flush.search(exam) and not indented.search(exam)
    assert indented.search(auth) and not flush.search(auth)
    mixed = read(repo, "applications/argocd/helm-values.yaml")
    assert flush.search(mixed) and indented.search(mixed)


def test_scalar_styles_flow_maps_and_missing_final_newline(example_repo_master):
    repo = example_repo_master
    billing = read(repo, values_path("billing-svc"))
    assert re.search(r'\n    tag: "[0-9a-f]{8}"', billing) and "\n    http: 8080\n" in billing
    assert "\n      annotations: {}\n" in billing and "/webhooks/billing" in billing
    assert not read(repo, "bootstrap/kustomization.yaml").endswith("\n")
    assert read(repo, "bootstrap/kustomization.yaml").endswith("- kong/argocd.yaml # sync wave 3 — API 게이트웨이 "
                                                               "(Vault VSO 의존)")


def test_multi_document_files_with_comment_after_separator(example_repo_master):
    repo = example_repo_master
    www = read(repo, "applications/lumie/frontend/manifests/www-redirect.yaml")
    assert "\n--- # www → non-www 리다이렉트\n" in www
    assert [d["kind"] for d in yaml_docs(repo, "applications/lumie/frontend/manifests/www-redirect.yaml")] == \
        ["KongPlugin", "Ingress"]
    assert [d["kind"] for d in yaml_docs(repo, "bootstrap/minio/manifests/upload-proxy-ingress.yaml")] == \
        ["KongPlugin", "Ingress"]
    plugins = yaml_docs(repo, "bootstrap/kong/manifests/cluster-plugins.yaml")
    assert [d["metadata"]["name"] for d in plugins] == ["https-redirect", "lumie-cors", "lumie-jwt",
                                                        "lumie-jwt-claims"]


def test_block_scalars_and_long_lines_with_lua(example_repo_master):
    text = read(example_repo_master, "bootstrap/kong/manifests/cluster-plugins.yaml")
    assert "  access:\n  - |\n    if kong.request.get_forwarded_scheme()" in text
    assert max(len(line) for line in text.splitlines()) > 150
    www = read(example_repo_master, "applications/lumie/frontend/manifests/www-redirect.yaml")
    assert "kong.response.exit(301" in www


def test_values_strings_contain_go_templates(example_repo_master):
    assert """text: '{{ get .Secrets "password" }}'""" in read(example_repo_master, values_path("exam-svc"))


def test_multi_source_single_source_and_directory_include(example_repo_master):
    kong = yaml_docs(example_repo_master, "bootstrap/kong/argocd.yaml")[0]["spec"]
    assert "$values/bootstrap/kong/helm-values.yaml" in kong["sources"][0]["helm"]["valueFiles"]
    assert kong["sources"][1]["ref"] == "values"
    assert kong["sources"][2]["directory"]["include"] == "rbac-*.yaml"
    exam = yaml_docs(example_repo_master, "applications/lumie/backend/exam-svc/argocd.yaml")[0]["spec"]
    assert exam["source"]["path"] == "applications/lumie/backend/exam-svc" and "sources" not in exam
    assert exam["syncPolicy"]["retry"]["limit"] == 5 and exam["revisionHistoryLimit"] == 10


# --- scale and refusals ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scaled_repo(tmp_path_factory) -> Path:
    """The example repository at scale 3 (shared, read-only)."""
    repo = tmp_path_factory.mktemp("scaled") / "lumie-x3"
    init_repo(repo, scale=3)
    return repo


def sizes(repo: Path) -> tuple[int, int, int]:
    """Commits, tracked files and Applications of a repository."""
    return int(git(repo, "rev-list", "--count", "HEAD")), len(git(repo, "ls-files").split()), len(applications(repo))


def test_scale_three_has_three_times_the_services_files_apps_and_commits(example_repo_master, scaled_repo):
    repo = scaled_repo
    assert git(repo, "status", "--porcelain") == ""
    services = [p for p in git(repo, "ls-files", "applications/lumie/backend", "applications/lumie/ai").split()
                if p.endswith("/argocd.yaml")]
    assert len(services) == 3 * 13
    assert "applications/lumie/backend/exam-svc-s03/argocd.yaml" in services
    assert "lumie-exam-s02" in read(repo, "applications/lumie/backend/exam-svc-s02/kustomization.yaml")
    assert "- lumie/backend/exam-svc-s02/argocd.yaml" in read(repo, "applications/kustomization.yaml")
    assert "exam-svc-s03-values-file" in read(repo, "applications/tekton/ci-cd-s03/trigger-template.yaml")
    assert "exam-svc-s03" not in read(repo, "applications/tekton/ci-cd/trigger-template.yaml")
    for base, scaled in zip(sizes(example_repo_master), sizes(repo)):  # commits, files, Applications: ~3x
        assert 2.7 * base <= scaled <= 3.3 * base, (base, scaled)


def copied_apps(c: str) -> set[tuple[str, str, str]]:
    """The Applications of scaled copy ``c`` (``-s02``): every designed one but the applications root and
    legacy-gateway, each in its own folder and namespace (a root's children go to namespace argocd)."""
    apps = {("argocd" + c, f"applications/argocd{c}/argocd.yaml", "argocd" + c),
            ("lumie" + c, f"applications/lumie{c}/argocd.yaml", "lumie-db" + c),
            ("lumie-develop" + c, f"applications/lumie/develop{c}/argocd.yaml", "lumie-dev" + c),
            ("frontend" + c, f"applications/lumie/frontend{c}/argocd.yaml", "lumie-frontend" + c),
            ("tekton-ci-cd" + c, f"applications/tekton/ci-cd{c}/argocd.yaml", "tekton-pipelines" + c)}
    apps |= {(svc + c, values_path(svc).replace(f"/{svc}/common-values.yaml", f"/{svc}{c}/argocd.yaml"),
              f"lumie-{svc.removesuffix('-svc')}{c}") for svc in [*MERGED, *WORKERS]}
    for name, path, namespace in EXPECTED_APPS:
        root, _, rest = path.partition("/")
        if root in ("bootstrap", "platform", "observability"):  # whole roots: bootstrap-s02/, ...
            apps.add((name + c, f"{root}{c}/{rest}", namespace if rest == "application.yaml" else namespace + c))
    return apps


def test_every_copy_has_the_whole_platform_in_its_own_folders_and_namespaces(scaled_repo):
    assert applications(scaled_repo) == EXPECTED_APPS | copied_apps("-s02") | copied_apps("-s03")
    plugins = yaml_docs(scaled_repo, "bootstrap-s02/kong/manifests/cluster-plugins.yaml")
    assert [d["metadata"]["name"] for d in plugins] == ["https-redirect-s02", "lumie-cors-s02", "lumie-jwt-s02",
                                                        "lumie-jwt-claims-s02"]
    exam = read(scaled_repo, "applications/lumie/backend/exam-svc-s02/common-values.yaml")
    assert "lumie-db-rw.lumie-db-s02.svc" in exam and "lumie-cors-s02,lumie-jwt-s02,lumie-jwt-claims-s02" in exam
    root = read(scaled_repo, "applications/kustomization.yaml")
    assert "- lumie/frontend-s03/argocd.yaml" in root and "- lumie-s03/argocd.yaml" in root


def test_scaled_copies_add_no_graph_failure_and_every_yaml_file_round_trips(scaled_repo):
    from migrate.graph import build_graph
    from migrate.inventory import Inventory
    from migrate.repo.doctor import DIFFERS, ERROR, doctor
    from migrate.repo.tracked import Tree

    tree = Tree.from_repo(scaled_repo)
    inventory = Inventory.load(tree)
    assert [e.path for e in inventory.errors] == [BROKEN]  # the designed trap only
    failures = build_graph(inventory).failures()
    assert {(f.kind, f.file, f.target) for f in failures} == {  # only the stale frontend reference, per copy
        ("suspect", f"applications/lumie/frontend{copy}/common-values.yaml",
         f"service:lumie-platform{copy}/auth-svc{copy}") for copy in ("", "-s02", "-s03")}
    assert len(failures) == 3
    report = doctor(tree)
    assert [r.path for r in report.having(ERROR)] == [BROKEN] and report.having(DIFFERS) == []


def test_refuses_a_non_empty_target(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(MigrateError, match="not empty"):
        init_repo(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_cli_creates_into_an_empty_folder_and_refuses_otherwise(tmp_path):
    target = tmp_path / "repo"
    target.mkdir()
    result = CliRunner().invoke(main, ["example", "init", str(target)])
    assert result.exit_code == 0, result.output
    assert "commits by 5 authors" in result.output
    again = CliRunner().invoke(main, ["example", "init", str(target)])
    assert again.exit_code == 1 and "not empty" in again.output
