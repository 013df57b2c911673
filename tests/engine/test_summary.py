"""The verdict first: the summary of plans, runs and rollbacks, the detailed exit codes, errors on stderr
and as JSON, the pager on a terminal (engine.summary, cli)."""

from __future__ import annotations

import json
import os
import pty
import struct
import subprocess
import sys
import termios
import fcntl
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.engine.summary import command, of_plan, short_path, summary_lines


def invoke(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)], catch_exceptions=False)


# --- the summary -------------------------------------------------------------------------------------
def test_short_path_keeps_the_file_name_and_cuts_the_middle():
    path = "applications/lumie/backend/attendance-svc/manifests/grpc-service.yaml"
    assert short_path(path, 200) == path
    short = short_path(path, 48)
    assert short.startswith("applications/…/") and short.endswith("/manifests/grpc-service.yaml")
    assert len(short) <= 48
    assert short_path("a/" + "x" * 80 + ".yaml", 20).endswith("x" * 80 + ".yaml")   # the name is never cut


def test_plan_summary_fits_one_screen_and_names_every_step_its_files_and_the_next_command(cb_result):
    summary = of_plan(cb_result.plan)
    lines = summary_lines(summary)
    assert len(lines) <= 40
    text = "\n".join(lines)
    assert lines[0].startswith("consolidate-backend: 4 steps would change 47 files")
    for step, files in (("create-target", 3), ("register-target", 1), ("rewrite-consumers", 3),
                        ("retire-sources", 40)):
        assert f"/4 {step}: {files} file" in text
    assert "      … and 37 more" in text
    assert lines[-1] == "  next: migrate run consolidate-backend --yes"
    assert summary.verdict == "changes" and summary.exit_code == 2
    assert all(len(line) < 120 for line in lines)


def test_piped_plan_opens_with_the_summary_and_fences_every_diff(planned_example):
    out = invoke(planned_example, "plan", "consolidate-backend").output
    head = out.splitlines()[:20]
    assert head[2].startswith("**consolidate-backend: 4 steps would change 47 files")
    assert f"Next: `migrate run consolidate-backend --repo {planned_example} --yes`" in head
    assert out.count("```diff\n") == 4 and "# 01-create-target.diff" not in out
    assert "(create-target)" not in out                       # no heading repeats the step's name
    assert "`namespace`: empty (default)" in out and "``" not in out.replace("```", "")


def test_refused_plan_says_so_on_stderr_at_the_top_and_the_end_and_proposes_the_flags(planned_example):
    done = subprocess.run([sys.executable, "-m", "migrate", "plan", "drop-kong", "--repo", str(planned_example)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: step 2/3 translate-plugins")]
    assert len(errors) == 2
    assert "Next: `migrate plan drop-kong --accept-loss konghq.com/connect-timeout" in done.stdout
    assert "pending `konghq.com/connect-timeout`" in done.stdout


def test_accepted_losses_are_named_in_the_summary(dk_result, planned_example):
    out = invoke(planned_example, "plan", "drop-kong", "--accept-loss", "lumie-jwt").output
    assert "Losses: accepted `lumie-jwt`; pending `konghq.com/connect-timeout`" in out
    assert "`accept_loss=lumie-jwt`" in out                 # the parameter that differs from its default


# --- exit codes -----------------------------------------------------------------------------------------
MATRIX = [  # (state of the repository, arguments, plain exit code, --detailed-exitcode exit code)
    ("not applied", ["consolidate-backend"], 0, 2),
    ("refused", ["drop-kong"], 1, 1),
    ("usage error", ["no-such-playbook"], 2, 1),
    ("usage error", ["consolidate-backend", "--set", "nope=1"], 2, 1),
]


@pytest.mark.parametrize("verb", [["plan"], ["run", "--dry-run"]])
@pytest.mark.parametrize("state, args, plain, detailed", MATRIX)
def test_exit_code_matrix(planned_example, verb, state, args, plain, detailed):
    assert invoke(planned_example, *verb, *args).exit_code == plain
    assert invoke(planned_example, *verb, *args, "--detailed-exitcode").exit_code == detailed


@pytest.mark.parametrize("verb", [["plan"], ["run", "--dry-run"]])
def test_exit_codes_when_already_applied(applied_master, verb):
    assert invoke(applied_master, *verb, "consolidate-backend").exit_code == 0
    result = invoke(applied_master, *verb, "consolidate-backend", "--detailed-exitcode")
    assert result.exit_code == 0
    assert "already applied (run cb-" in result.output


def test_detailed_exitcode_is_for_a_dry_run_only(planned_example):
    result = invoke(planned_example, "run", "consolidate-backend", "--detailed-exitcode", "--yes")
    assert result.exit_code == 1 and "--detailed-exitcode is for a dry run" in result.output


def test_a_click_usage_error_is_1_with_detailed_exitcode_and_json_on_stdout(planned_example):
    assert invoke(planned_example, "plan", "consolidate-backend", "--format", "pdf").exit_code == 2
    assert invoke(planned_example, "plan", "consolidate-backend", "--format", "pdf",
                  "--detailed-exitcode").exit_code == 1
    result = CliRunner().invoke(main, ["plan", "nope", "--json", "--repo", str(planned_example)])
    data = json.loads(result.stdout)
    assert result.exit_code == 2 and data["exit_code"] == 2 and data["version"] == 1
    assert data["error"]["kind"] == "usage" and "unknown playbook 'nope'" in data["error"]["message"]


def test_json_plan_carries_the_summary(planned_example):
    data = json.loads(invoke(planned_example, "plan", "consolidate-backend", "--json").stdout)
    assert data["version"] == 1 and data["summary"]["verdict"] == "changes"
    assert [s["files"] for s in data["summary"]["steps"]] == [3, 1, 3, 40]
    assert data["summary"]["next"] == f"migrate run consolidate-backend --repo {planned_example} --yes"


def test_help_documents_every_exit_code():
    for verb in ("plan", "run"):
        text = CliRunner().invoke(main, [verb, "--help"]).output
        assert "0 nothing to do" in " ".join(text.split()) and "2 changes would be made" in " ".join(text.split())


# --- run and rollback end with their verdict -------------------------------------------------------------
def test_run_and_rollback_end_with_a_verdict_and_the_next_command(applied_example):
    result = invoke(applied_example, "rollback", "consolidate-backend", "--yes")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    verdicts = [line for line in lines if line.startswith("consolidate-backend: run cb-")]
    assert verdicts and "rolled back — 4 revert commits" in verdicts[0]
    assert lines[-1] == f"  next: git -C {applied_example} push"   # the repository --repo named
    again = invoke(applied_example, "run", "consolidate-backend", "--yes")
    assert again.exit_code == 0
    assert "consolidate-backend: 4 commits made (run cb-" in again.output
    assert f"next: git -C {applied_example} push   (undo: migrate rollback cb-" in again.output


# --- a terminal: colours, the pager --------------------------------------------------------------------------
def _on_terminal(args: list[str], env: dict, rows: int = 40) -> str:
    """Run migrate with its output on a pseudo-terminal of ``rows`` rows; what it printed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "migrate", *args], stdin=follower, stdout=follower,
                            stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_long_plan_on_a_terminal_goes_through_the_pager_and_a_pipe_never_does(planned_example, tmp_path):
    mark = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {mark}\n")
    pager.chmod(0o755)
    env = {**os.environ, "PAGER": str(pager), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    _on_terminal(["plan", "consolidate-backend", "--repo", str(planned_example)], env)
    paged = mark.read_text()
    assert "summary" in paged and "diff of step 4/4 retire-sources" in paged
    assert paged.count("consolidate-backend: 4 steps would change 47 files") == 2   # opens and closes the report
    mark.unlink()
    subprocess.run([sys.executable, "-m", "migrate", "plan", "consolidate-backend", "--repo", str(planned_example)],
                   env=env, capture_output=True, check=True)
    assert not mark.exists()


def test_the_readme_tour_shows_the_real_summary(cb_result):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("$ migrate plan consolidate-backend\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == summary_lines(of_plan(cb_result.plan))


def test_the_next_command_quotes_what_a_shell_would_split(cb_result):
    text = command(cb_result.plan, "plan", ["image_tag={{ .Release.Namespace }}"], "/tmp/my repo")
    assert text == "migrate plan consolidate-backend --set 'image_tag={{ .Release.Namespace }}' --repo '/tmp/my repo'"
