"""Snapshots: --snapshot-dir output and approved snapshots (engine.snapshots, engine.verify)."""

from __future__ import annotations

import pytest

from migrate import engine
from migrate.errors import VerificationError
from tests.fixtures.engine import SECRET, cli, git, run_yes, state


def test_snapshot_dir_is_deterministic(repo, tmp_path):
    first, second = tmp_path / "s1", tmp_path / "s2"
    assert cli(repo, "plan", "retire-api", "--snapshot-dir", str(first)).exit_code == 0
    engine.run(repo, "retire-api", options=engine.RunOptions(dry_run=True, snapshot_dir=second))
    names = ["01-repoint-web.diff", "02-unregister.diff", "03-retire.diff", "report.md"]
    assert sorted(p.name for p in first.iterdir()) == names
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    report = (first / "report.md").read_text()
    assert git(repo, "rev-parse", "HEAD")[:12] not in report and "ra-" not in report
    assert SECRET not in "".join((first / n).read_text() for n in names)


# --- approved snapshots --------------------------------------------------------------------------------
def test_approved_snapshots_must_match_byte_for_byte(repo):
    assert cli(repo, "plan", "retire-api", "--update-snapshots").exit_code == 0
    approved = repo / ".migrate" / "snapshots" / "retire-api"
    assert sorted(p.name for p in approved.iterdir()) == [
        "01-repoint-web.diff", "02-unregister.diff", "03-retire.diff", "report.md"]
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "approve snapshots")
    assert "snapshot" in engine.plan(repo, "retire-api").steps[0].passed
    (approved / "02-unregister.diff").write_text((approved / "02-unregister.diff").read_text() + " \n")
    git(repo, "commit", "-qam", "tamper")
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo)
    assert info.value.check == "snapshot"
    assert info.value.path.endswith("02-unregister.diff") and info.value.line == 8
    assert state(repo) == before


def test_snapshots_of_an_applied_playbook_cannot_be_approved(repo):
    run_yes(repo)
    result = cli(repo, "plan", "retire-api", "--update-snapshots")
    assert result.exit_code == 1 and "already applied here" in result.output
    assert not (repo / ".migrate" / "snapshots").exists()


def test_missing_approved_snapshot_fails(repo):
    approved = repo / ".migrate" / "snapshots" / "retire-api"
    approved.mkdir(parents=True)
    (approved / "01-repoint-web.diff").write_text("")
    plan = engine.plan(repo, "retire-api")
    assert plan.error.check == "snapshot" and "01-repoint-web.diff" in plan.error.path
