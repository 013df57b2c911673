"""Snapshots: each step's displayed diff as ``NN-<step>.diff`` plus ``report.md``.

Everything written here is deterministic (no dates, no run ids, no commit hashes of the
run itself, stable order) so a snapshot folder can be committed and compared byte for byte.
Approved snapshots live in the target repository under ``.migrate/snapshots/<playbook>/``;
when that folder exists, every step's diff must equal its file (see ``verify``).
``render_report(plan)`` is also the plain-text summary the CLI prints before the diffs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Plan, StepPlan

APPROVED_DIR = ".migrate/snapshots"
REPORT = "report.md"
_SNAPSHOT_FILE = re.compile(r"^\d\d-[a-z0-9-]+\.diff$")


def snapshot_name(index: int, step: str) -> str:
    return f"{index:02d}-{step}.diff"


def approved_folder(repo: Path, playbook: str) -> Path:
    return Path(repo) / APPROVED_DIR / playbook


def approved_diff(folder: Path, index: int, step: str) -> str | None:
    path = Path(folder) / snapshot_name(index, step)
    return path.read_bytes().decode("utf-8") if path.is_file() else None


def write_snapshots(folder: Path, plan: "Plan") -> list[Path]:
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


# --- the report --------------------------------------------------------------------------
def render_plan(plan: "Plan") -> str:
    """The report followed by every planned step's displayed diff (what a dry run prints)."""
    parts = [render_report(plan)]
    for step in plan.steps:
        if step.planned:
            diff = step.display_diff or "(no change)\n"
            parts.append(f"\n# {snapshot_name(step.index, step.name)}\n{diff}")
    return "".join(parts)


def render_report(plan: "Plan") -> str:
    """The reviewer's summary of a plan (Markdown, deterministic)."""
    book = plan.playbook
    lines = [f"# Playbook `{book.name}`", "", book.description.strip(), "", "## Parameters", ""]
    shown = plan.shown_params()
    for name, value in plan.params.items():
        origin = "default" if value == book.parameters[name].default else "set"
        lines.append(f"- `{name}` = `{_value(shown[name])}` ({origin})")
    lines += ["", *_notes(plan), "## Problems that were there before the run", ""]
    lines += [f"- {text}" for text in plan.pre_existing_text()] or ["- none"]
    lines += [""]
    for step in plan.steps:
        lines += _step_section(step)
    return "\n".join(lines).rstrip("\n") + "\n"


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return ", ".join(value) if isinstance(value, list) else str(value)


def _notes(plan: "Plan") -> list[str]:
    return [line for note in plan.notes for line in (f"> {note}", "")]


def _step_section(step: "StepPlan") -> list[str]:
    head = f"## Step {step.index}/{step.total} `{step.name}` ({step.step.operation})"
    lines = [head, ""]
    if step.step.description:
        lines += [step.step.description.strip(), ""]
    if not step.planned:
        return lines + [f"Not planned: {step.status_text()}.", ""]
    lines += [f"**{step.summary}**" if step.summary else "**(no summary)**", ""]
    lines += _listing("Files", [f"{c.status} `{c.path}` (+{c.added} -{c.removed})" for c in step.files]
                      or ["nothing to change"])
    lines += _listing("Details", step.details)
    lines += _listing("Report", [str(entry) for entry in step.report])
    lines += _listing("Graph", step.graph_text())
    if step.error is not None:
        lines += [f"**Verification failed:** {step.error}", ""]
    else:
        lines += [f"Checks passed: {', '.join(step.passed) or 'none'}.", ""]
    lines += [f"Diff: `{snapshot_name(step.index, step.name)}`", ""]
    return lines


def _listing(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    return [f"{title}:", "", *(f"- {item}" for item in items), ""]
