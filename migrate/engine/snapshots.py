"""Snapshots: each step's displayed diff as ``NN-<step>.diff`` plus ``report.md``.

Everything written here is deterministic (no dates, no run ids, no commit hashes of the
run itself, stable order) so a snapshot folder can be committed and compared byte for byte.
Approved snapshots live in the target repository under ``.migrate/snapshots/<playbook>/``;
when that folder exists, every step's diff must equal its file (see ``verify``).
The report itself is ``report.render_report``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .records import Plan
from .report import render_report, snapshot_name

APPROVED_DIR = ".migrate/snapshots"
REPORT = "report.md"
_SNAPSHOT_FILE = re.compile(r"^\d\d-[a-z0-9-]+\.diff$")


def approved_folder(repo: Path, playbook: str) -> Path:
    return Path(repo) / APPROVED_DIR / playbook


def approved_diff(folder: Path, index: int, step: str) -> str | None:
    path = Path(folder) / snapshot_name(index, step)
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def write_snapshots(folder: Path, plan: Plan) -> list[Path]:
    """Write every planned step's displayed diff and ``report.md`` into ``folder``;
    earlier ``NN-*.diff`` files that the plan no longer produces are removed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {snapshot_name(s.index, s.name): s.display_diff for s in plan.steps if s.planned}
    files[REPORT] = render_report(plan)
    for stale in folder.iterdir():
        if _SNAPSHOT_FILE.match(stale.name) and stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    return [folder / name for name in sorted(files)]
