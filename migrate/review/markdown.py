"""The plan as a pull-request comment: the summary, then each step with its diff in a fenced block.

Diffs longer than ``COLLAPSE`` lines are collapsed in ``<details>``. GitHub refuses a comment longer
than 65,536 characters: when the whole text would be longer, the largest diffs are left out one by one
(each says so, with its size and where to read it: the review page, or ``migrate plan``) until it fits;
the summary and the step sections stay; if that is still too long (a huge value in an object change), the
text is cut there with a note pointing at the review page.
"""

from __future__ import annotations

from ..engine.records import Plan, StepPlan
from ..engine.report import fenced
from ..engine.summary import Summary, md_code, md_text, summary_markdown

GITHUB_LIMIT = 65_536
COLLAPSE = 40


def _step(step: StepPlan) -> list[str]:
    head = f"### Step {step.index}/{step.total} {md_code(step.name)}"
    if not step.planned:
        return [head, "", f"Not planned: {md_text(step.status_text())}.", ""]
    lines = [head, "", md_text(step.summary or "(no summary)"), ""]
    if step.error is not None:
        lines += [f"> **Verification failed:** {md_text(str(step.error))}", ""]
    losses = [e for e in step.report if e.kind == "loss"]
    if losses:
        lines += ["Losses:", "", *(f"- {'✅ accepted' if e.accepted else '❌ pending'} {md_code(e.subject or '')} "
                                   f"({md_text(e.location())})" for e in losses), ""]
    if step.objects:
        shown = [f"- {md_code(str(c) if len(str(c)) < 160 else str(c)[:157] + '...')}" for c in step.objects[:12]]
        more = [f"- … and {len(step.objects) - 12} more (see the review page)"] if len(step.objects) > 12 else []
        lines += ["<details><summary>Objects Argo CD would apply differently "
                  f"({len(step.objects)})</summary>", "", *shown, *more, "", "</details>", ""]
    return lines


def _diff(step: StepPlan, omitted: bool) -> list[str]:
    if not step.planned or not step.display_diff:
        return []
    files = len(step.files)
    size = f"{files} file(s), +{sum(f.added for f in step.files)} −{sum(f.removed for f in step.files)}"
    if omitted:
        return [f"_Diff of {size} ({len(step.display_diff):,} characters) left out to fit GitHub's "
                f"{GITHUB_LIMIT:,}-character comment limit: read it on the review page (`--html FILE`) or with "
                "`migrate plan`._", ""]
    block = fenced(step.display_diff)
    if step.display_diff.count("\n") <= COLLAPSE:
        return [block]
    return [f"<details><summary>Diff ({size})</summary>", "", block, "</details>", ""]


def pull_request_markdown(plan: Plan, summary: Summary, limit: int = GITHUB_LIMIT) -> str:
    """The comment for a pull request: at most ``limit`` characters."""
    omitted: set[int] = set()
    while True:
        lines = [f"## migrate: `{plan.playbook.name}`", "", *summary_markdown(summary)]
        for step in plan.steps:
            lines += [*_step(step), *_diff(step, step.index in omitted)]
        text = "\n".join(lines).rstrip("\n") + "\n"
        left = [s for s in plan.steps if s.planned and s.display_diff and s.index not in omitted]
        if len(text) <= limit or not left:
            break
        omitted.add(max(left, key=lambda s: len(s.display_diff)).index)
    if len(text) > limit:
        cut = "\n\n_… cut to fit GitHub's comment limit: the review page has everything._\n"
        text = text[:limit - len(cut)] + cut
    return text
