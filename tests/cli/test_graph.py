"""`migrate graph` on real git repositories, through click's CliRunner."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from migrate.cli import main
from tests.fixtures.minirepo import FILES, FRONTEND_VALUES, git_repo, line_of_text


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return git_repo(tmp_path_factory.mktemp("mini") / "repo", FILES)


def run(*args: str):
    return CliRunner().invoke(main, ["graph", *args], catch_exceptions=False)


def test_text_is_the_app_of_apps_tree(repo):
    result = run("--repo", str(repo))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "applications -> argocd  (applications/application.yaml)" in lines
    assert "bootstrap -> argocd wave -1  (bootstrap/application.yaml)" in lines
    grading = next(i for i, line in enumerate(lines) if "grading-svc -> lumie-grading" in line)
    assert "calls    exam-svc-grpc.lumie-exam, exam-svc.lumie-exam" in lines[grading + 1]
    assert any("routes   api.lumie.kr/api/exam [kong: lumie-cors,lumie-jwt]" in line for line in lines)
    assert any("calls    auth-svc.lumie-platform (suspect)" in line for line in lines)
    assert lines[-2:] == ["not synced (no root reaches them):",
                          "  legacy-gateway -> legacy  (applications/legacy/argocd.yaml)"]


def test_dangling_lists_labelled_problems_with_file_and_line_and_exits_1(repo):
    result = run("--repo", str(repo), "--dangling")
    assert result.exit_code == 1  # like a linter: a broken reference is there
    line = line_of_text(FILES, FRONTEND_VALUES, "lumie-platform")
    assert result.stdout.startswith("1 problem(s):\n")
    assert f"  {FRONTEND_VALUES}:{line}  [suspect] calls workload:lumie-frontend/frontend" in result.output
    assert "[dangling, not synced] deploys application:argocd/legacy-gateway" in result.output


def test_dangling_says_on_stdout_which_unreadable_file_fails_it(tmp_path):
    """A kustomization whose path leaves the repository: exit 1 with "0 problem(s)" and the reason only on
    stderr left a CI log without its cause."""
    files = {"dev/kustomization.yaml": "resources: [../../base]\n", "dev/cm.yaml": "kind: ConfigMap\n"}
    result = run("--repo", str(git_repo(tmp_path / "repo", files)), "--dangling")
    assert result.exit_code == 1
    assert "1 file(s) migrate could not read" in result.stdout
    assert "  dev/kustomization.yaml:1  path leaves the repository: 'dev/../../base'" in result.stdout


def test_an_untracked_config_is_named_as_not_read(tmp_path):
    """A config written but not yet added had no effect and nothing said so (a user's clusters were ignored)."""
    folder = git_repo(tmp_path / "repo", {"dev/cm.yaml": "kind: ConfigMap\n"})
    (folder / ".migrate").mkdir()
    (folder / ".migrate" / "config.yaml").write_text("roots: [root]\n")
    result = CliRunner().invoke(main, ["graph", "--repo", str(folder), "--dangling"], catch_exceptions=False)
    assert "note: .migrate/config.yaml: not read, git does not track it" in result.stderr
    subprocess.run(["git", "add", ".migrate/config.yaml"], cwd=folder, check=True)
    result = CliRunner().invoke(main, ["graph", "--repo", str(folder), "--dangling"], catch_exceptions=False)
    assert "not read, git does not track it" not in result.stderr


def test_dangling_as_json(repo):
    result = run("--repo", str(repo), "--dangling", "--json")
    data = json.loads(result.stdout)
    assert [(p["kind"], p["file"]) for p in data["problems"]] == [("suspect", FRONTEND_VALUES)]
    assert [p["source"] for p in data["not_synced"]] == ["application:argocd/legacy-gateway"]
    assert [a["name"] for a in data["unsynced_applications"]] == ["legacy-gateway"]


def test_json_graph_has_nodes_edges_with_lines(repo):
    data = json.loads(run("--repo", str(repo), "--format", "json").stdout)
    ids = {n["id"] for n in data["nodes"]}
    assert {"application:argocd/exam-svc", "service:lumie-dev/auth-svc", "component:kong"} <= ids
    calls = [e for e in data["edges"] if e["kind"] == "calls" and e["source"] == "workload:lumie-grading/grading-svc"]
    assert {(e["target"], e["status"]) for e in calls} == {
        ("service:lumie-exam/exam-svc", "resolved"), ("service:lumie-exam/exam-svc-grpc", "resolved")}
    assert all(e["file"] == "applications/grading/common-values.yaml" and e["line"] > 0 for e in calls)


def test_focus_on_a_bare_app_name(repo):
    result = run("--repo", str(repo), "--focus", "grading-svc")
    assert result.exit_code == 0
    assert result.stdout.startswith("application:argocd/grading-svc  (synced, applications/grading/argocd.yaml:1)")
    assert "service         lumie-exam/exam-svc, lumie-exam/exam-svc-grpc" in result.output


def test_focus_as_mermaid_and_dot(repo):
    mermaid = run("--repo", str(repo), "--focus", "service:lumie-exam/exam-svc", "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart LR\n")
    assert '["workload:lumie-grading/grading-svc"]' in mermaid and "-->|calls|" in mermaid
    assert "service:lumie-dev/auth-svc" not in mermaid
    dot = run("--repo", str(repo), "--format", "dot", "--focus", "frontend").stdout
    assert dot.startswith("digraph migrate {")
    assert '"workload:lumie-frontend/frontend" -> "service:lumie-platform/auth-svc" [label="calls", color=orange];' in dot


def test_unknown_focus_is_a_usage_error(repo):
    result = run("--repo", str(repo), "--focus", "no-such-thing")
    assert result.exit_code == 2 and "no node 'no-such-thing'" in result.output


def test_not_a_git_folder(tmp_path):
    result = run("--repo", str(tmp_path))
    assert result.exit_code == 1 and "not a git repository" in result.output


def test_empty_repository(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run("--repo", str(tmp_path))
    assert result.exit_code == 1 and "tracks no files" in result.output


def test_repository_without_applications(tmp_path):
    result = run("--repo", str(git_repo(tmp_path / "r", {"README.md": "# nothing\n"})))
    assert result.exit_code == 0 and result.stdout == "no Applications in this repository\n"


def test_malformed_yaml_is_a_warning_and_the_rest_shows(tmp_path):
    files = dict(FILES, **{"applications/dev/ingress.yaml": "apiVersion: v1\nkind: [Ingress\n"})
    result = CliRunner().invoke(main, ["graph", "--repo", str(git_repo(tmp_path / "r", files))])
    assert result.exit_code == 0
    assert "warning: applications/dev/ingress.yaml:" in result.output
    assert "grading-svc -> lumie-grading" in result.output


def test_example_repository_reports_only_the_stale_frontend_reference(example_repo_master):
    result = run("--repo", str(example_repo_master), "--dangling")
    assert result.exit_code == 1
    text = (example_repo_master / "applications/lumie/frontend/common-values.yaml").read_text(encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "auth-svc.lumie-platform.svc" in s)
    assert result.stdout.startswith(
        f"1 problem(s):\n  applications/lumie/frontend/common-values.yaml:{line}  [suspect] calls ")
    assert "legacy-gateway" in result.output.split("not synced (reported, not failures)")[1]


def test_dangling_exits_0_when_nothing_is_broken_and_1_when_a_file_does_not_parse(tmp_path):
    fixed = FILES[FRONTEND_VALUES].replace("auth-svc.lumie-platform.svc", "auth-svc.lumie-dev.svc")
    clean = dict(FILES, **{FRONTEND_VALUES: fixed})
    result = run("--repo", str(git_repo(tmp_path / "clean", clean)), "--dangling")
    assert result.exit_code == 0, result.output
    assert "legacy-gateway" in result.output  # not-synced ones are still listed, but do not count
    broken = dict(clean, **{"applications/dev/ingress.yaml": "apiVersion: v1\nkind: [Ingress\n"})
    result = CliRunner().invoke(main, ["graph", "--dangling", "--repo", str(git_repo(tmp_path / "broken", broken))])
    assert result.exit_code == 1 and "warning: applications/dev/ingress.yaml:" in result.output


APPLICATION_SET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: services
  namespace: argocd
spec:
  generators:
  - git:
      repoURL: https://example.com/other/services.git
      directories:
      - path: services/*
  template:
    metadata:
      name: '{{path.basename}}'
"""


def test_a_generator_over_another_repository_is_named_as_a_blind_spot(tmp_path):
    files = dict(FILES, **{"applications/appset.yaml": APPLICATION_SET})
    result = run("--repo", str(git_repo(tmp_path / "r", files)))
    assert ("note: applications/appset.yaml:8: ApplicationSet services: git generator over https://example.com/other/services.git, another "
            "repository: what it generates is not in the graph") in result.stderr
