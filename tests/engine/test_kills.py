"""Kill tests: a real ``migrate run`` / ``migrate rollback`` of both shipped playbooks on the example
repository, killed with SIGKILL inside a step at every fault point (``MIGRATE_FAULT``) and after a
delay; the next plain invocation must reach the tree an uninterrupted run reaches, with every commit
verified, the user's untracked and ignored files untouched and ``git fsck`` clean (``migrate.faults``).
``bench/reliability.py`` runs the whole matrix (every step of every playbook)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from migrate.faults import FAULT_POINTS, expected_tree, git, migrate_command, run_case

LOSSES = "konghq.com/connect-timeout,konghq.com/read-timeout,lumie-jwt,lumie-jwt-claims,upload-size-limit"
RUNS = {
    "consolidate-backend": (["run", "consolidate-backend", "--yes"], 2),
    "drop-kong": (["run", "drop-kong", "--yes", "--set", f"accept_loss={LOSSES}"], 3),
}
OUTCOMES: list = []


@pytest.fixture(scope="module")
def expected(example_repo_master, tmp_path_factory):
    work = tmp_path_factory.mktemp("expected")
    return {name: expected_tree(example_repo_master, work / name, args) for name, (args, _) in RUNS.items()}


@pytest.fixture(scope="module")
def consolidated(example_repo_master, tmp_path_factory):
    """The example after an uninterrupted consolidate-backend run (what a rollback starts from)."""
    repo = tmp_path_factory.mktemp("consolidated") / "repo"
    shutil.copytree(example_repo_master, repo, symlinks=True)
    subprocess.run(migrate_command(*RUNS["consolidate-backend"][0], "--repo", str(repo)), check=True,
                   capture_output=True)
    return repo


@pytest.mark.parametrize("point", FAULT_POINTS)
@pytest.mark.parametrize("playbook", sorted(RUNS))
def test_a_run_killed_inside_a_step_is_finished_by_the_next_plain_run(example_repo_master, expected, tmp_path,
                                                                       playbook, point):
    args, step = RUNS[playbook]
    outcome = run_case(example_repo_master, tmp_path / "repo", args, expected[playbook], fault=f"{point}:{step}",
                       name=f"{playbook} {point}:{step}")
    OUTCOMES.append(outcome)
    assert outcome.killed and outcome.recovered, outcome.detail
    assert outcome.bytes_lost == 0


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_rollback_killed_inside_a_revert_is_finished_by_the_next_plain_rollback(example_repo_master,
                                                                                   consolidated, tmp_path, point):
    before = git(example_repo_master, "rev-parse", "HEAD^{tree}")
    outcome = run_case(consolidated, tmp_path / "repo", ["rollback", "consolidate-backend", "--yes"], before,
                       fault=f"{point}:1", name=f"rollback consolidate-backend {point}:1")
    OUTCOMES.append(outcome)
    assert outcome.killed and outcome.recovered, outcome.detail


@pytest.mark.parametrize("delay", [2.5, 4.0])
def test_a_run_killed_after_a_delay_is_finished_by_the_next_plain_run(example_repo_master, expected, tmp_path, delay):
    args, _ = RUNS["consolidate-backend"]
    outcome = run_case(example_repo_master, tmp_path / "repo", args, expected["consolidate-backend"], delay=delay)
    OUTCOMES.append(outcome)
    assert outcome.recovered, outcome.detail


def test_zz_print_the_kill_figures(capsys):
    with capsys.disabled():
        killed = sum(o.killed for o in OUTCOMES)
        print(f"\nkill tests: {len(OUTCOMES)} cases, {killed} killed, "
              f"{sum(o.recovered for o in OUTCOMES)} recovered, {sum(o.bytes_lost for o in OUTCOMES)} bytes lost")
