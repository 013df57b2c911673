"""`migrate history` on the command line."""

from __future__ import annotations

import json
import subprocess

# --- trailers and runs -----------------------------------------------------------------


# --- CLI -------------------------------------------------------------------------------------




def run_cli(*args: str):
    from click.testing import CliRunner

    from migrate.cli import main

    return CliRunner().invoke(main, ["history", *args], catch_exceptions=False)


def test_cli_json(small):
    history_repo, shas = small
    data = json.loads(run_cli("--repo", str(history_repo.root), "--json", "--coupling").output)
    assert [a["app"] for a in data["apps"]] == ["auth-svc", "exam-svc"]
    assert data["apps"][0]["authors"] == {"Bob": 1, "Alice": 1}
    assert data["coupling"] == [{"apps": ["auth-svc", "exam-svc"], "commits": 1}]
    assert data["coupling_left_out"] == 0
    assert [s["sha"] for r in data["runs"] for s in r["steps"]] == [shas["step"]]
    assert data["commits_total"] == 4


def test_cli_one_app_lists_its_commits_and_tag_bumps(small):
    history_repo, _ = small
    result = run_cli("--repo", str(history_repo.root), "--app", "auth-svc", "--coupling")
    assert result.exit_code == 0, result.output
    assert "add auth-svc" in result.output and "add exam-svc" not in result.output
    assert any(line.split()[-2:] == ["11111111", "22222222"] for line in result.output.splitlines())
    assert any(line.split()[-3:] == ["auth-svc", "exam-svc", "1"] for line in result.output.splitlines())


def test_cli_unknown_app_is_a_usage_error(small):
    history_repo, _ = small
    result = run_cli("--repo", str(history_repo.root), "--app", "nope")
    assert result.exit_code == 2
    assert "no application named 'nope'" in result.output


def test_cli_outside_a_repository(tmp_path):
    result = run_cli("--repo", str(tmp_path))
    assert result.exit_code == 1
    assert "not a git repository" in result.output
    assert "Traceback" not in result.output


def test_cli_tables_print_brackets_literally(example_repo):
    """Commit subjects such as `[skip ci]` are text, not rich markup."""
    values = example_repo / "applications/lumie/backend/exam-svc/common-values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 2", "replicaCount: 3"))
    subprocess.run(["git", "commit", "-qam", "exam-svc: scale up [skip ci]"], cwd=example_repo, check=True)
    result = run_cli("--repo", str(example_repo))
    exam = next(line for line in result.output.splitlines() if line.lstrip().startswith("exam-svc"))
    assert "scale up [skip ci]" in exam
