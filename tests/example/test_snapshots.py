"""The committed snapshots (snapshots/<playbook>/) are what the playbooks produce on the example
repository today. When this fails, review the change and regenerate on purpose:

    migrate example snapshots --out snapshots [PLAYBOOK...]
"""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.example.snapshots import check_all, drift

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"


def committed() -> list[str]:
    """The shipped playbooks' snapshots (``worked-example/`` is the README's, tests/playbook/test_worked_example.py)."""
    return sorted(p.name for p in SNAPSHOTS.iterdir() if p.is_dir() and p.name != "worked-example")


def test_the_committed_snapshots_have_not_drifted():
    assert "consolidate-backend" in committed()
    assert check_all(SNAPSHOTS, committed()) is None, "snapshots drifted: regenerate with " \
                                                      "`migrate example snapshots --out snapshots`"


def test_check_names_the_file_that_drifted(tmp_path):
    out = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS / "consolidate-backend", out / "consolidate-backend")
    diff = out / "consolidate-backend" / "02-register-target.diff"
    diff.write_text(diff.read_text() + " \n")
    (out / "consolidate-backend" / "05-stale.diff").write_text("")
    result = CliRunner().invoke(main, ["example", "snapshots", "--check", "--out", str(out), "consolidate-backend"])
    assert result.exit_code == 1
    assert f"{out / 'consolidate-backend' / '02-register-target.diff'} differs" in result.output
    diff.write_text(diff.read_text()[:-2])
    assert drift(SNAPSHOTS / "consolidate-backend", out / "consolidate-backend") == "05-stale.diff"


def test_an_unknown_playbook_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["example", "snapshots", "--out", str(tmp_path), "no-such-playbook"])
    assert result.exit_code == 2 and "no shipped playbook 'no-such-playbook'" in result.output
