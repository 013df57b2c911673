"""The verdict of a plan, a run or a rollback, as a reviewer reads it in ten seconds.

``Summary`` says what would happen (or happened): each step with its files and +/- lines and its
object-level changes, the parameters that differ from the defaults, losses accepted or pending,
the graph's problems before and after, the first failure with its file and line, and the one
next command to type. Every report opens with it (``summary_lines``: plain text for a terminal,
stderr and a confirmation; ``summary_markdown``: the top of ``report.md`` and of a pull-request
comment); ``exit_code`` is the detailed exit code of a dry run (0 nothing to do, 2 changes, 1 refused).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from ..repo.diffs import FileChange
from .records import Plan, RollbackResult, RunResult, StepPlan

CHANGES, NOTHING, REFUSED, APPLIED, ROLLED_BACK = "changes", "nothing-to-do", "refused", "applied", "rolled-back"
EXIT_CODES = {NOTHING: 0, APPLIED: 0, ROLLED_BACK: 0, CHANGES: 2, REFUSED: 1}


def short_path(path: str, width: int = 64) -> str:
    """``path`` shortened from the middle to about ``width`` characters, never losing its file name
    (``applications/…/backend/common-values.yaml``)."""
    if len(path) <= width or "/" not in path:
        return path
    parts = path.split("/")
    head, tail = parts[:1], parts[-1:]
    for part in reversed(parts[1:-1]):
        if len("/".join([*head, "…", part, *tail])) > width:
            break
        tail.insert(0, part)
    return "/".join([*head, "…", *tail]) if len(parts) > len(head) + len(tail) else path


@dataclass(frozen=True)
class StepSummary:
    """One step: ``state`` is changes / no-change / applied / done (by an earlier run) / failed / not-planned."""

    index: int
    total: int
    name: str
    state: str
    files: tuple[FileChange, ...] = ()
    objects: dict | None = None          # {"added": n, "removed": n, "changed": n}; None: not rendered
    commit: str | None = None
    error: str | None = None
    revert: str | None = None            # the commit that reverted it (rollback)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    def to_dict(self) -> dict:
        return {"index": self.index, "total": self.total, "name": self.name, "state": self.state,
                "files": len(self.files), "added": self.added, "removed": self.removed, "objects": self.objects,
                "commit": self.commit, "error": self.error, "revert": self.revert}


@dataclass(frozen=True)
class Summary:
    action: str                                      # plan, run, rollback
    playbook: str
    verdict: str
    headline: str
    parameters: list[tuple[str, str]] | None = field(default_factory=list)   # (name, value) not the defaults
    steps: list[StepSummary] = field(default_factory=list)
    losses_accepted: list[str] = field(default_factory=list)
    losses_pending: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    problems: dict = field(default_factory=dict)     # before, after, new, fixed, unverified, blind_spots
    error: str | None = None
    next: str = ""
    hint: str = ""                                   # what to know about ``next`` (how to undo it...)
    run_id: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict:
        return {"action": self.action, "playbook": self.playbook, "verdict": self.verdict, "headline": self.headline,
                "exit_code": self.exit_code, "run_id": self.run_id,
                "parameters": None if self.parameters is None else {name: value for name, value in self.parameters},
                "steps": [s.to_dict() for s in self.steps],
                "losses": {"accepted": self.losses_accepted, "pending": self.losses_pending},
                "decisions": self.decisions, "problems": self.problems, "error": self.error, "next": self.next,
                "hint": self.hint}


# --- building -------------------------------------------------------------------------------------
def shown_value(value) -> str:
    """A parameter's value as reports show it (lists comma-separated, empty as ``(empty)``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(str, value)) or "(empty)"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items()) or "(empty)"
    return str(value) if value not in ("", None) else "(empty)"


def _changed_params(plan: Plan) -> list[tuple[str, str]] | None:
    """The parameters that differ from the defaults (None: not known — a run read back from history)."""
    if not plan.params and plan.playbook.parameters:
        return None
    shown = plan.shown_params()
    return [(name, shown_value(shown[name])) for name, value in plan.params.items()
            if name in plan.playbook.parameters and value != plan.playbook.parameters[name].default]


def _objects(step: StepPlan) -> dict | None:
    if step.objects is None:
        return None
    counts = {"added": 0, "removed": 0, "changed": 0}
    for change in step.objects:
        counts[change.change] = counts.get(change.change, 0) + 1
    return counts


def _step_state(step: StepPlan, applied: set[str], plan: Plan) -> str:
    if step.error is not None:
        return "failed"
    if step.commit and step.commit in plan.reverts:
        return "was reverted"
    if plan.stopped and step.commit is None:
        return "not-run"
    if step.commit is not None and step.name not in applied:
        return "done"
    if not step.planned:
        return "not-planned"
    if step.name in applied:
        return "applied"
    return "changes" if step.changes else "no-change"


def _step_error(step: StepPlan) -> str | None:
    return None if step.error is None else f"step {step.index}/{step.total} {step.name}: {step.error}"


def _losses(plan: Plan) -> tuple[list[str], list[str]]:
    entries = [e for s in plan.steps for e in s.report if e.kind == "loss" and e.subject]
    accepted = sorted({e.subject for e in entries if e.accepted})
    return accepted, sorted({e.subject for e in entries if not e.accepted} - set(accepted))


def _problems(plan: Plan) -> dict:
    before = {r.key: r for r in plan.pre_existing}
    after = {r.key: r for r in plan.graph_after.problems()} if plan.graph_after is not None else None
    counts = {"before": len(before), "unverified": len(plan.unverified), "blind_spots": len(plan.blind_spots)}
    if after is not None:
        counts.update(after=len(after), new=len(after.keys() - before.keys()), fixed=len(before.keys() - after.keys()))
    return counts


def _assignment(plan: Plan, setting: str) -> list[str]:
    """A ``KEY=VALUE`` setting as command-line arguments: the parameter's own flag when it declares one."""
    key, _, value = setting.partition("=")
    param = plan.playbook.parameters.get(key)
    if param is not None and param.flag:
        return [f"--{param.flag} {shlex.quote(item)}" for item in value.split(",") if item]
    return [f"--set {shlex.quote(setting)}"]


def command(plan: Plan, verb: str, settings: list[str] = (), repo_arg: str | None = None) -> str:
    """``migrate VERB PLAYBOOK`` with the parameters of this plan that differ from the defaults, plus ``settings``."""
    shown = plan.shown_params()
    given = {}
    for name, value in plan.params.items():
        param = plan.playbook.parameters.get(name)
        if param is not None and value != param.default:
            given[name] = shown_value(shown[name]) if not isinstance(value, dict) else value
    for setting in settings:
        key, _, value = setting.partition("=")
        current = plan.params.get(key)
        given[key] = ",".join(dict.fromkeys([*current, *value.split(",")])) if isinstance(current, list) else value
    args = [f"migrate {verb} {plan.playbook.name}"]
    for name, value in given.items():
        if isinstance(value, dict):
            args += [f"--set {shlex.quote(f'{name}.{k}={v}')}" for k, v in value.items()]
        else:
            args += _assignment(plan, f"{name}={value}")
    if repo_arg:
        args.append(f"--repo {shlex.quote(repo_arg)}")
    return " ".join(args)


def _settings_of(plan: Plan) -> list[str]:
    """What would settle the plan's refusal: the decisions' first values, the error's own ``settings``."""
    found = [s.split(" (", 1)[0] for u in plan.unsettled for s in u.settings]
    found += list(getattr(plan.error, "settings", ()) or ())
    return found


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _lines(files) -> str:
    return f"+{sum(f.added for f in files):,} −{sum(f.removed for f in files):,}"


def _all_lines(steps) -> str:
    """The +/− lines of every step (a line two steps change counts in each)."""
    return _lines([f for s in steps for f in s.files])


def of_plan(plan: Plan, repo_arg: str | None = None, result: RunResult | None = None) -> Summary:
    """The summary of a dry run (``result`` None or a dry run) or of an applied run."""
    applied = {name for name, _ in result.commits} if result is not None and not result.dry_run else set()
    steps = [StepSummary(s.index, s.total, s.name, _step_state(s, applied, plan), tuple(s.files), _objects(s),
                         s.commit or (dict(result.commits).get(s.name) if result else None), _step_error(s),
                         plan.reverts.get(s.commit or ""))
             for s in plan.steps]
    accepted, pending = _losses(plan)
    error = next((s.error for s in steps if s.error), None)
    changing = [s for s in steps if s.state in ("changes", "applied")]
    files = list({f.path: f for s in changing for f in s.files}.values())   # a file two steps change counts once
    name = plan.playbook.name
    repo = f" --repo {shlex.quote(repo_arg)}" if repo_arg else ""
    hint = ""
    if error is not None:
        verdict, headline = REFUSED, f"{name}: refused — nothing is written"
        settings = _settings_of(plan)
        next_command = command(plan, "plan", settings, repo_arg)
        hint = ("once you have read what each setting accepts or decides" if settings
                else "after fixing what the failure names")
    elif plan.applied_run is not None:
        run = plan.applied_run.run
        verdict, headline = NOTHING, f"{name}: already applied (run {run.run_id}); nothing to do"
        next_command, hint = f"migrate report {run.run_id}{repo}", f"undo: migrate rollback {run.run_id}{repo}"
    elif applied and plan.reverts and all(s.state == "was reverted" for s in steps if s.commit):
        verdict, headline = ROLLED_BACK, f"{name}: run {result.run_id} was rolled back since; nothing of it is left"
        next_command = "none"
    elif applied:
        run_id = result.run_id
        verdict = APPLIED
        headline = (f"{name}: {_count(len(applied), 'commit')} made (run {run_id}), "
                    f"{_count(len(files), 'file')} changed ({_all_lines(changing)})")
        next_command = f"git -C {shlex.quote(repo_arg)} push" if repo_arg else "git push"
        hint = f"undo: migrate rollback {run_id}{repo}"
        reverted = sum(s.state == "was reverted" for s in steps)
        if reverted:
            headline += f"; {_count(reverted, 'step')} reverted since"
        if plan.stopped:
            headline += f"; it stopped before step {next(s.index for s in steps if s.state == 'not-run')}"
            next_command = command(plan, "run", repo_arg=repo_arg) + " --yes"
            hint = "resumes the run, with the parameters it was started with"
    elif not changing:
        verdict, headline = NOTHING, f"{name}: nothing to change"
        next_command = "none"
    else:
        verdict = CHANGES
        headline = (f"{name}: {_count(len(changing), 'step')} would change {_count(len(files), 'file')} "
                    f"({_all_lines(changing)}); dry run, nothing is written")
        next_command = command(plan, "run", repo_arg=repo_arg) + " --yes"
    return Summary("run" if applied else "plan", name, verdict, headline, _changed_params(plan), steps, accepted,
                   pending, [s for u in plan.unsettled for s in u.settings], _problems(plan), error, next_command,
                   hint, result.run_id if result is not None and applied else plan.run_id)


def of_rollback(result: RollbackResult, repo_arg: str | None = None) -> Summary:
    run = result.run.run
    reverted = dict(result.reverts)
    earlier = {r.revert_of: r.sha for r in run.reverts}
    steps = [StepSummary(s.index, run.total, s.name, "reverted" if s.sha in reverted else "was reverted",
                         commit=s.sha, revert=reverted.get(s.sha) or earlier.get(s.sha))
             for s in sorted(run.steps, key=lambda s: -s.index)]
    if result.already:
        headline = f"{run.playbook}: run {run.run_id} is already rolled back; nothing to do"
    else:
        kept = f"; {_count(len(result.kept), 'later change')} kept" if result.kept else ""
        headline = (f"{run.playbook}: run {run.run_id} rolled back — {_count(len(result.reverts), 'revert commit')}, "
                    f"newest step first; every path it changed is back{kept}")
    return Summary("rollback", run.playbook, NOTHING if result.already else ROLLED_BACK, headline, steps=steps,
                   next="none" if result.already else (f"git -C {shlex.quote(repo_arg)} push" if repo_arg else "git push"),
                   run_id=run.run_id)


# --- rendering ------------------------------------------------------------------------------------
def _objects_text(objects: dict | None) -> str:
    if objects is None:
        return "objects not rendered"
    parts = [f"{mark}{objects[key]}" for mark, key in (("+", "added"), ("−", "removed"), ("~", "changed"))
             if objects.get(key)]
    return "objects " + " ".join(parts) if parts else "same objects"


def _step_head(step: StepSummary) -> str:
    head = f"{step.index}/{step.total} {step.name}"
    if step.state in ("changes", "applied", "failed") and step.files:
        head += f": {_count(len(step.files), 'file')} ({_lines(step.files)}), {_objects_text(step.objects)}"
    elif step.state == "no-change":
        head += ": nothing to change"
    elif step.state in ("reverted", "was reverted"):
        head += f": {step.commit[:12]} {step.state} by {(step.revert or '?')[:12]}"
    elif step.state == "done":
        head += f": done ({step.commit[:12]})" if step.commit else ": done (nothing to change)"
    elif step.state == "not-planned":
        head += ": not planned (an earlier step failed)"
    elif step.state == "not-run":
        head += ": not run yet (the run stopped before it)"
    if step.state == "applied" and step.commit:
        head += f", commit {step.commit[:12]}"
    return head


def _problem_text(problems: dict) -> str:
    if not problems:
        return ""
    text = f"{problems['before']} before the run"
    if "after" in problems:
        text += f", {problems['after']} after ({problems['new']} new, {problems['fixed']} fixed)"
    extra = [f"{problems[k]} {what}" for k, what in (("unverified", "unverified references"),
                                                     ("blind_spots", "blind spots")) if problems.get(k)]
    return text + (f"; {', '.join(extra)} (see the report)" if extra else "")


def _params_text(summary: Summary, form: str) -> str:
    if summary.parameters is None:
        return "not recorded (a run keeps only their digest)"
    return ", ".join(form.format(k, v) for k, v in summary.parameters) or "all defaults"


def summary_lines(summary: Summary, files_per_step: int = 3, width: int = 64) -> list[str]:
    """The summary as plain text (at most a screen: ``files_per_step`` paths per step, shortened from the middle)."""
    lines = [summary.headline]
    if summary.action != "rollback":
        lines.append(f"  parameters: {_params_text(summary, '{}={}')}")
    for step in summary.steps:
        lines.append(f"  step {_step_head(step)}")
        for change in step.files[:files_per_step]:
            lines.append(f"      {change.status} {short_path(change.path, width)}{' (renamed)' if change.source else ''} (+{change.added} −{change.removed})")
        if len(step.files) > files_per_step:
            lines.append(f"      … and {len(step.files) - files_per_step} more")
    if summary.losses_accepted or summary.losses_pending:
        lines.append(f"  losses: accepted {', '.join(summary.losses_accepted) or 'none'}; "
                     f"pending {', '.join(summary.losses_pending) or 'none'}")
    if summary.decisions:
        lines.append(f"  decisions to make: {len(summary.decisions)} (listed in the report)")
    if summary.problems:
        lines.append(f"  problems: {_problem_text(summary.problems)}")
    if summary.error:
        lines.append(f"  FAILED: {summary.error}")
    elif summary.action == "plan" and summary.verdict == CHANGES:
        lines.append("  checks: every step verified")
    lines.append(f"  next: {summary.next}" + (f"   ({summary.hint})" if summary.hint else ""))
    return lines


def md_text(text: str) -> str:
    """``text`` as Markdown text that renders as itself: no HTML, no code span, no table cell break."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "\\`")
            .replace("|", "\\|").replace("\n", " "))


def md_code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds (a longer backtick fence around it)."""
    text = text.replace("\n", " ")
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def summary_markdown(summary: Summary) -> list[str]:
    """The summary as Markdown: the verdict, a table of the steps, losses, problems and the next command
    (every name and message escaped: a pull-request comment renders them as text, never as HTML)."""
    lines = [f"**{md_text(summary.headline)}**", ""]
    if summary.error:
        lines += [f"> **Failed:** {md_text(summary.error)}", ""]
    if summary.action != "rollback":
        params = _params_text(summary, "{}={}") if summary.parameters is None or not summary.parameters else \
            ", ".join(md_code(f"{k}={v}") for k, v in summary.parameters)
        lines += [f"Parameters: {params}", ""]
    lines += ["| step | state | files | lines | objects |", "|---|---|---|---|---|"]
    for s in summary.steps:
        objects = _objects_text(s.objects).removeprefix("objects ") if s.files or s.objects else ""
        lines.append(f"| {s.index}/{s.total} {md_code(s.name).replace('|', chr(92) + '|')} | {s.state} | {len(s.files) or ''} | "
                     f"{_lines(s.files) if s.files else ''} | {objects} |")
    lines.append("")
    if summary.losses_accepted or summary.losses_pending:
        lines += [f"Losses: accepted {', '.join(md_code(x) for x in summary.losses_accepted) or 'none'}; "
                  f"pending {', '.join(md_code(x) for x in summary.losses_pending) or 'none'}", ""]
    if summary.problems:
        lines += [f"Problems: {_problem_text(summary.problems)}", ""]
    return lines + [f"Next: {md_code(summary.next)}" + (f" ({md_text(summary.hint)})" if summary.hint else ""), ""]
