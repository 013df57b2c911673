"""The reviewer's report of a plan (Markdown, deterministic), and the plan as a dry run prints it.

``render_report(plan)`` is what ``report.md`` of a snapshot holds and what the CLI prints
before the diffs; ``render_plan(plan)`` is the report followed by every planned step's diff.
"""

from __future__ import annotations

import re

from .records import Plan, StepPlan
from .summary import Summary, of_plan, summary_markdown


def snapshot_name(index: int, step: str) -> str:
    """The file name of a step's diff: ``NN-<step>.diff``."""
    return f"{index:02d}-{step}.diff"


def render_plan(plan: Plan, summary: Summary | None = None) -> str:
    """The report followed by every planned step's displayed diff, fenced (what a dry run prints)."""
    parts = [render_report(plan, summary, diffs_below=True)]
    for step in plan.steps:
        if step.planned:
            parts.append(f"\n## Diff of step {step.index}/{step.total} `{step.name}`\n\n{fenced(step.display_diff)}")
    return "".join(parts)


def fenced(diff: str) -> str:
    """A diff as a fenced ``diff`` block (a fence longer than any backtick run inside it)."""
    if not diff:
        return "(no change)\n"
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", diff)), default=0))
    return f"{fence}diff\n{diff}{'' if diff.endswith(chr(10)) else chr(10)}{fence}\n"


def render_report(plan: Plan, summary: Summary | None = None, diffs_below: bool = False, head: bool = True) -> str:
    """The reviewer's report of a plan (Markdown, deterministic): the summary first, then the details; each
    step names its diff file of a snapshot folder (``diffs_below``: the diffs follow the report instead)."""
    book = plan.playbook
    lines = [f"# Playbook `{book.name}`", "", *(summary_markdown(summary or of_plan(plan)) if head else []),
             f"From {book.origin}.", "", book.description.strip(), "", "## Parameters", ""]
    shown = plan.shown_params()
    for name, value in plan.params.items():
        origin = "default" if value == book.parameters[name].default else "set"
        text = _value(shown[name])
        lines.append(f"- `{name}` = `{text}` ({origin})" if text else f"- `{name}`: empty ({origin})")
    lines += ["", *_notes(plan), *_decisions(plan), "## Problems that were there before the run", ""]
    lines += [f"- {text}" for text in plan.pre_existing_text()] or ["- none"]
    lines += [""]
    if plan.blind_spots:
        lines += ["## What the graph cannot see (not rendered, so not checked)", ""]
        lines += [f"- {text}" for text in plan.blind_spots] + [""]
    if plan.unverified:
        lines += [f"## Unverified references ({len(plan.unverified)}: into what the graph cannot see; never a failure)",
                  ""]
        lines += [f"- {r}" for r in plan.unverified] + [""]
    for step in plan.steps:
        lines += _step_section(step, diffs_below)
    return "\n".join(lines).rstrip("\n") + "\n"


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return ", ".join(value) if isinstance(value, list) else str(value)


def _decisions(plan: Plan) -> list[str]:
    """What only the user can decide, each with the parameter that settles it (nothing is applied before)."""
    settings = [setting for unsettled in plan.unsettled for setting in unsettled.settings]
    if not settings:
        return []
    return ["## Decisions to make before anything is applied", "",
            "Settle each with `--set`, or put them in a YAML file for `--params FILE` (reviewed with the pull "
            "request); the steps below are planned with the first value of each until then.", "",
            *[f"- `{s.split(' (', 1)[0]}` — {s.split(' (', 1)[1].rstrip(')')}" if " (" in s else f"- `{s}`"
              for s in settings], ""]


def _notes(plan: Plan) -> list[str]:
    return [line for note in plan.notes for line in (f"> {note}", "")]


def _step_section(step: StepPlan, diffs_below: bool) -> list[str]:
    head = f"## Step {step.index}/{step.total} `{step.name}`"
    if step.step.operation != step.name:
        head += f" — operation `{step.step.operation}`"
    lines = [head, ""]
    if step.step.description:
        lines += [step.step.description.strip(), ""]
    if not step.planned:
        return lines + [f"Not planned: {step.status_text()}.", ""]
    lines += [f"**{step.summary}**" if step.summary else "**(no summary)**", ""]
    lines += _listing("Files", [f"{c.status} `{c.path}`{f' (from `{c.source}`)' if c.source else ''} (+{c.added} -{c.removed})" for c in step.files]
                      or ["nothing to change"])
    lines += _listing("Details", step.details)
    lines += _listing("Report", [str(entry) for entry in step.report])
    lines += _listing("Graph", step.graph_text())
    if step.objects == [] and step.error is None:
        lines += ["Objects: Argo CD would apply the same objects as before this step.", ""]
    lines += _listing("Objects (what Argo CD would apply differently)", _objects(step))
    if step.error is not None:
        lines += [f"**Verification failed:** {step.error}", ""]
    else:
        lines += [f"Checks passed: {', '.join(step.passed) or 'none'}.", ""]
    lines += ["Diff: at the end of this report." if diffs_below else f"Diff: `{snapshot_name(step.index, step.name)}`", ""]
    return lines


def _objects(step: StepPlan) -> list[str]:
    """The step's object changes, those of one Application that arrive or leave whole in one line."""
    lines, whole = [], {}
    for change in step.objects or ():
        if change.change in ("added", "removed"):
            whole.setdefault((change.change, change.app), []).append(change)
        else:
            lines.append(str(change))
    for (change, app), items in sorted(whole.items()):
        verb = "arrive" if change == "added" else "leave"
        shown = ", ".join(c.label for c in items)
        lines.append(f"{'+' if change == 'added' else '-'} {len(items)} object(s) of application {app} {verb}: {shown}")
    return lines


def _listing(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    return [f"{title}:", "", *(f"- {item}" for item in items), ""]
