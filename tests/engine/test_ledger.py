"""The run ledger: trailers read with git's own parser, runs found in history (engine.ledger)."""

from __future__ import annotations

import pytest

from migrate.engine.ledger import find_runs, parse_trailers
from tests.fixtures.history import revert_message, step_message

# --- trailers and runs -----------------------------------------------------------------




# --- CLI -------------------------------------------------------------------------------------




def run_cli(*args: str):
    from click.testing import CliRunner

    from migrate.cli import main

    return CliRunner().invoke(main, ["history", *args], catch_exceptions=False)


def test_parse_trailers_reads_the_last_paragraph():
    message = step_message(2, 4, "register-target") + "Signed-off-by: A <a@x>\n  continued\n"
    trailers = parse_trailers(message)
    assert trailers["Migrate-Step"] == ["2/4 register-target"]
    assert trailers["Migrate-Diff-Sha256"] == ["ab" * 32]
    assert trailers["Signed-off-by"] == ["A <a@x> continued"]


@pytest.mark.parametrize("message", [
    "Migrate-Run: x",                                  # a subject is never a trailer
    "subject\n\nMigrate-Run: x\nnot a trailer line",   # the whole last paragraph must be trailers
    "subject\n\nMigrate-Run: x\n\nplain body",         # trailers must come last
])
def test_parse_trailers_is_strict(message):
    assert parse_trailers(message) == {}


def test_find_runs_reads_steps_in_order(history_repo):
    history_repo.commit("unrelated", {"a.txt": "1\n"})
    shas = [history_repo.commit(step_message(i, 3, n), {f"s{i}.txt": "x\n"})
            for i, n in enumerate(["create-target", "register-target", "rewrite-consumers"], 1)]
    history_repo.commit("Migrate-Run: in a subject only", {"b.txt": "1\n"})
    [run] = find_runs(history_repo.root)
    assert (run.playbook, run.run_id, run.total) == ("consolidate-backend", "cb-1", 3)
    assert [(s.sha, s.index, s.name) for s in run.steps] == list(zip(shas, [1, 2, 3], [
        "create-target", "register-target", "rewrite-consumers"]))
    assert run.steps[0].diff_sha256 == "ab" * 32
    assert run.complete and not run.rolled_back
    assert run.last_step.name == "rewrite-consumers"


def test_an_interrupted_run_is_not_complete(history_repo):
    history_repo.commit(step_message(1, 4, "create-target"), {"a.txt": "1\n"})
    history_repo.commit(step_message(2, 4, "register-target"), {"b.txt": "1\n"})
    [run] = find_runs(history_repo.root)
    assert not run.complete
    assert (run.last_step.index, run.total) == (2, 4)


def test_runs_are_told_apart_by_run_id_oldest_first(history_repo):
    history_repo.commit(step_message(1, 1, "switch", run="dk-1", playbook="drop-kong"), {"a.txt": "1\n"})
    history_repo.commit(step_message(1, 1, "create-target", run="cb-1"), {"b.txt": "1\n"})
    history_repo.commit(step_message(1, 1, "switch", run="dk-2", playbook="drop-kong"), {"c.txt": "1\n"})
    assert [(r.playbook, r.run_id) for r in find_runs(history_repo.root)] == [
        ("drop-kong", "dk-1"), ("consolidate-backend", "cb-1"), ("drop-kong", "dk-2")]


def test_a_run_rolled_back_by_migrate(history_repo):
    one = history_repo.commit(step_message(1, 2, "create-target"), {"a.txt": "1\n"})
    two = history_repo.commit(step_message(2, 2, "register-target"), {"b.txt": "1\n"})
    back_two = history_repo.commit(revert_message(two), {"b.txt": None})
    [run] = find_runs(history_repo.root)
    assert not run.rolled_back
    assert [(r.sha, r.revert_of) for r in run.reverts] == [(back_two, two)]
    history_repo.commit(revert_message(one), {"a.txt": None})
    [run] = find_runs(history_repo.root)
    assert run.rolled_back and run.complete


def test_a_plain_git_revert_by_hand_counts(history_repo):
    step = history_repo.commit(step_message(1, 1, "create-target"), {"a.txt": "1\n"})
    history_repo.git("revert", "--no-edit", step)
    [run] = find_runs(history_repo.root)
    assert run.rolled_back
    assert run.reverts[0].revert_of == step


def test_a_revert_of_an_unrelated_commit_is_ignored(history_repo):
    other = history_repo.commit("plain change", {"a.txt": "1\n"})
    history_repo.commit(step_message(1, 1, "create-target"), {"b.txt": "1\n"})
    history_repo.git("revert", "--no-edit", other)
    [run] = find_runs(history_repo.root)
    assert run.reverts == [] and not run.rolled_back


def test_no_runs_in_a_plain_history(history_repo):
    history_repo.commit("plain change", {"a.txt": "1\n"})
    assert find_runs(history_repo.root) == []


def test_example_has_no_migrate_runs(example_repo_master):
    assert find_runs(example_repo_master) == []


def test_cli_prints_a_row_per_app_and_the_runs(small):
    history_repo, shas = small
    result = run_cli("--repo", str(history_repo.root))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    exam = next(line for line in lines if line.lstrip().startswith("exam-svc"))
    assert exam.split()[1:3] == ["2", "1"]                           # commits, authors
    assert "release 22222222" in exam
    assert exam.split()[-2:] == ["1", "22222222"]                    # one bump (creation is none), last tag
    run = next(line for line in lines if "consolidate-backend" in line)
    assert run.split()[1:4] == ["cb-1", "1/2", "partial"]
    assert shas["step"][:8] in run
    assert "\x1b[" not in result.output and "─" not in result.output   # plain text when not a terminal
