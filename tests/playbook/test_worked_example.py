"""The README's worked example (a playbook of shipped operations) on the example repository, and
``migrate new-playbook``'s skeleton: files written, listed, its own test passing, nothing overwritten.

The worked example's snapshot is ``snapshots/worked-example/retire-docs/``; after a reviewed change,
regenerate it with ``MIGRATE_REGENERATE=1 python -m pytest tests/playbook/test_worked_example.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.example.snapshots import drift

TOP = Path(__file__).resolve().parents[2]
SNAPSHOT = TOP / "snapshots" / "worked-example" / "retire-docs"


def worked_example() -> str:
    text = (TOP / "README.md").read_text(encoding="utf-8")
    return re.search(r"<!-- worked-example: retire-docs -->\n```yaml\n(.*?)```\n<!-- /worked-example -->", text, re.S)[1]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def test_the_readmes_worked_example_plans_its_snapshot_applies_and_rolls_back(example_repo, tmp_path):
    folder = example_repo / ".migrate" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "retire-docs.yaml").write_text(worked_example(), encoding="utf-8")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "add the retire-docs playbook")
    out = tmp_path / "snapshot"
    planned = cli(example_repo, "run", "retire-docs", "--dry-run", "--snapshot-dir", str(out))
    assert planned.exit_code == 0, planned.output
    if os.environ.get("MIGRATE_REGENERATE"):
        shutil.rmtree(SNAPSHOT, ignore_errors=True)
        shutil.copytree(out, SNAPSHOT)
    assert drift(SNAPSHOT, out) is None, f"the worked example drifted from {SNAPSHOT}: {drift(SNAPSHOT, out)}"
    applied = cli(example_repo, "run", "retire-docs", "--yes")
    assert applied.exit_code == 0, applied.output
    assert not (example_repo / "applications/lumie/docs").exists()
    assert "lumie/docs/argocd.yaml" not in (example_repo / "applications/kustomization.yaml").read_text()
    assert cli(example_repo, "rollback", "retire-docs", "--yes").exit_code == 0
    assert (example_repo / "applications/lumie/docs/argocd.yaml").exists()


def test_new_playbook_writes_a_skeleton_that_lists_plans_and_tests_and_never_overwrites(example_repo):
    made = cli(example_repo, "new-playbook", "bump-web")
    assert made.exit_code == 0, made.output
    assert made.output.splitlines()[:3] == ["wrote .migrate/playbooks/bump-web.yaml",
                                            "wrote .migrate/tests/test_bump_web.py",
                                            "wrote .migrate/playbooks/playbook.schema.json"]
    playbook = (example_repo / ".migrate/playbooks/bump-web.yaml").read_text()
    assert playbook.startswith("# yaml-language-server: $schema=playbook.schema.json\n")
    assert "bump-web" in cli(example_repo, "list").output
    tested = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             ".migrate/tests/test_bump_web.py"], cwd=example_repo, capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    again = cli(example_repo, "new-playbook", "bump-web")
    assert again.exit_code == 2 and "exists already: choose another name" in again.output
    assert cli(example_repo, "new-playbook", "Bad_Name").exit_code == 2
