"""`migrate doctor`: round-trip report over the YAML files git tracks."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.inventory import Inventory
from migrate.repo import doctor as doctor_module
from migrate.repo.doctor import DIFFERS, ERROR, OK, SKIPPED, doctor
from migrate.repo.tracked import Tree

DATA = Path(__file__).parents[1] / "data" / "yaml"


def git_repo(path: Path, files: dict[str, str]) -> Path:
    """A git repository at ``path`` with ``files`` committed."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(text.encode("utf-8"))
    commit(path, "files")
    return path


def commit(path: Path, message: str) -> None:
    run = lambda *args: subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)  # noqa: E731
    if not (path / ".git").exists():
        run("init", "-q", "-b", "main")
    run("add", "-A")
    run("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message)


def test_report_lists_every_yaml_file_with_its_verdict(tmp_path):
    repo = git_repo(tmp_path / "repo", {
        "good.yaml": (DATA / "mixed-sequences.yaml").read_text(encoding="utf-8"),
        "odd.yaml": (DATA / "complex-key.yaml").read_text(encoding="utf-8"),
        "spaced.yaml": (DATA / "odd-spacing.yaml").read_text(encoding="utf-8"),   # trailing spaces, `[ a , b ]`
        "bad.yml": "a: 1\nb: 2\n  c: 3\n",
        "chart/Chart.yaml": "name: chart\n",
        "chart/templates/deploy.yaml": "replicas: {{ .Values.replicas }}\n",
        "README.md": "not yaml\n",
    })
    report = doctor(Tree.from_repo(repo))
    verdicts = {f.path: f.status for f in report.files}
    assert verdicts == {"bad.yml": ERROR, "chart/Chart.yaml": OK, "chart/templates/deploy.yaml": SKIPPED,
                        "good.yaml": OK, "odd.yaml": DIFFERS, "spaced.yaml": OK}
    odd = report.having(DIFFERS)[0]
    assert (odd.line, odd.original, odd.emitted) == (2, "? [a, b]", "[a, b]: 1")
    bad = report.having(ERROR)[0]
    assert bad.line == 3 and bad.reason
    assert report.exit_code == 1


def test_a_file_whose_lines_end_in_tabs_round_trips_it_is_no_parse_error(tmp_path):
    """argoproj/argocd-example-apps has one: Argo CD's YAML reads it, doctor called it unparsable (ruamel)."""
    repo = git_repo(tmp_path / "repo", {"k/cm.yaml": "apiVersion: v1\t\nkind: ConfigMap\t\nmetadata:\n  name: x\n",
                                        "k/kustomization.yaml": "resources: [cm.yaml]\n"})
    report = doctor(Tree.from_repo(repo))
    assert {f.path: f.status for f in report.files} == {"k/cm.yaml": OK, "k/kustomization.yaml": OK}
    assert report.exit_code == 0
    inv = Inventory.load(Tree.from_repo(repo))          # the graph reads it too (libyaml accepts the tabs)
    assert [(m.kind, m.name) for m in inv.manifests if m.file == "k/cm.yaml"] == [("ConfigMap", "x")]


RUNBOOK = "docs/runbooks/kong-timeouts.yaml"  # the example repo's unparsable file


def test_cli_on_example_repo_names_only_its_half_written_runbook(example_repo):
    result = CliRunner().invoke(main, ["doctor", "--repo", str(example_repo)])
    assert result.exit_code == 1, result.output  # the example's trap: a YAML file that does not parse
    assert "reproduced byte for byte" in result.output
    assert "1 do not parse" in result.output and f"error    {RUNBOOK}:6:" in result.output
    data = json.loads(CliRunner().invoke(main, ["doctor", "--repo", str(example_repo), "--json"]).output)
    assert data["counts"]["error"] == 1 and data["counts"]["skipped"] >= 1
    assert all(f["status"] in (OK, SKIPPED) for f in data["files"] if f["path"] != RUNBOOK)


def test_cli_fails_on_a_committed_broken_file(example_repo):
    (example_repo / "applications" / "broken.yaml").write_text("kind: ConfigMap\ndata: {a: 1\n", encoding="utf-8")
    commit(example_repo, "add a broken file")
    result = CliRunner().invoke(main, ["doctor", "--repo", str(example_repo)])
    assert result.exit_code == 1
    assert "error    applications/broken.yaml:3:" in result.output
    data = json.loads(CliRunner().invoke(main, ["doctor", "--repo", str(example_repo), "--json"]).output)
    assert [f["path"] for f in data["files"] if f["status"] == ERROR] == ["applications/broken.yaml", RUNBOOK]


def test_cli_outside_a_git_repository_says_so(tmp_path):
    shutil.copy(DATA / "anchors.yaml", tmp_path / "anchors.yaml")
    result = CliRunner().invoke(main, ["doctor", "--repo", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a git repository" in result.output
    assert isinstance(result.exception, SystemExit)


DOCTOR_FILES = {
    "good.yaml": (DATA / "mixed-sequences.yaml").read_text(encoding="utf-8"),
    "odd.yaml": (DATA / "complex-key.yaml").read_text(encoding="utf-8"),
    "bad.yml": "a: 1\nb: 2\n  c: 3\n",
    "secret-odd.yaml": "? [a, b]\n: {password: hunter2}\n",
}


def test_verdicts_are_kept_so_a_later_run_checks_only_changed_files(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo", DOCTOR_FILES)
    first = doctor(Tree.from_repo(repo))
    checked: list[str] = []
    real = doctor_module.verdict_of
    monkeypatch.setattr(doctor_module, "verdict_of", lambda item: checked.append(item[0]) or real(item))
    (repo / "good.yaml").write_text("a: [1, 2]\n")
    second = doctor(Tree.from_repo(repo))
    # the edited file, and the difference whose lines may quote a secret (never kept on disk)
    assert sorted(checked) == ["good.yaml", "secret-odd.yaml"]
    assert [f for f in second.files if f.path != "good.yaml"] == [f for f in first.files if f.path != "good.yaml"]


def test_many_files_are_checked_across_processes_with_the_same_verdicts(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_PARSE_CACHE", "0")
    repo = git_repo(tmp_path / "repo", {**DOCTOR_FILES, **{f"many/{n}.yaml": f"n: {n}\n" for n in range(20)}})
    serial = doctor(Tree.from_repo(repo))
    monkeypatch.setattr(doctor_module, "PARALLEL_FROM", 2)
    assert doctor(Tree.from_repo(repo)) == serial
