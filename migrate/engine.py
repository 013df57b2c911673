"""The playbook engine as a library: ``plan``, ``run``, ``rollback``, ``status``.

A run = load -> graph -> plan -> for each step: edit in memory -> diff -> verify -> write ->
commit. ``plan`` does everything up to "verify" for every step, each step on the in-memory
result of the previous ones, and touches nothing. ``run`` plans, asks ``confirm(plan)``,
then writes and commits the steps one by one: only the step's paths are staged, the
message carries the ``Migrate-*`` trailers, and the commit's own diff is recomputed and
must hash to its ``Migrate-Diff-Sha256`` trailer (the "verified diff"). A step that has
nothing to change makes no commit; the run's last commit lists such steps in
``Migrate-Skipped`` trailers so that history shows the run complete.

Runs are found in history by their trailers: re-running an applied playbook does nothing;
a run interrupted after step k resumes at step k+1 with the same run id, its origin being
the parent of its first commit. ``rollback`` reverts a run's commits newest first, one
revert commit per step, and checks that every path is back to its pre-run content.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import git

from . import gitops
from .context import Analyses, Context, ReportEntry
from .diffs import REDACTED, FileChange, diff_files, file_changes, secret_values_written, sha256
from .errors import MigrateError, RepoError, UsageError, VerificationError, YamlError
from .graphrefs import UNSYNCED
from .history import Run, find_runs, parse_trailers
from .operations.base import CHECKS, OPERATIONS, IntentCheck
from .playbook import CheckUse, Playbook, Step, load_playbook, referenced, substitute
from .snapshots import approved_folder, write_snapshots
from .tree import Tree, git_toplevel, normpath
from .verify import (GraphChanges, check_declared, check_graph, check_intents, check_parses, check_run_end,
                     check_snapshot, graph_changes)

Progress = Callable[[str], None]
SKIPPED = "Migrate-Skipped"


# --- records ----------------------------------------------------------------------------
@dataclass
class StepPlan:
    """One step of a plan: what it changes, its diffs, report, graph changes and checks.

    ``planned`` is False for steps done by the run being resumed (``commit`` names their
    commit, or is "" when they had nothing to change) and for steps after a failing one.
    """

    index: int
    total: int
    step: Step
    planned: bool = False
    summary: str = ""
    details: list[str] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)
    changes: dict[str, str | None] = field(default_factory=dict)
    files: list[FileChange] = field(default_factory=list)
    diff: str = ""
    display_diff: str = ""
    diff_sha256: str = sha256("")
    graph: GraphChanges | None = None
    passed: list[str] = field(default_factory=list)
    error: MigrateError | None = None
    commit: str | None = None

    @property
    def name(self) -> str:
        return self.step.name

    def status_text(self) -> str:
        if self.commit:
            return f"already applied in {self.commit[:12]}"
        return "already applied (nothing to change)" if self.commit == "" else "an earlier step failed"

    def graph_text(self) -> list[str]:
        if self.graph is None:
            return []
        return [f"fixed: {r}" for r in self.graph.fixed] + [
            f"{'transitional (a later step of the run must fix it)' if r.kind == UNSYNCED else 'new'}: {r}"
            for r in self.graph.new]

    def to_dict(self) -> dict:
        return {
            "index": self.index, "total": self.total, "name": self.name, "operation": self.step.operation,
            "description": self.step.description, "planned": self.planned, "summary": self.summary,
            "details": self.details, "report": [e.to_dict() for e in self.report],
            "files": [f.to_dict() for f in self.files], "diff": self.display_diff,
            "diff_sha256": self.diff_sha256, "graph": self.graph.to_dict() if self.graph else None,
            "checks_passed": self.passed, "error": _error_dict(self.error), "commit": self.commit,
        }


@dataclass
class Plan:
    """Everything ``run`` would do. ``applied_run`` is set when the playbook is already applied;
    ``run_id`` when an interrupted run is resumed (otherwise a new id is made at apply time).
    ``secret_params`` names the parameters whose value a step writes into a Secret's data:
    they are shown as ``<redacted>``."""

    playbook: Playbook
    params: dict[str, Any]
    repo: Path
    head: str
    steps: list[StepPlan]
    pre_existing: list = field(default_factory=list)
    run_id: str | None = None
    applied_run: "RunStatus | None" = None
    notes: list[str] = field(default_factory=list)
    secret_params: set[str] = field(default_factory=set)

    @property
    def error(self) -> MigrateError | None:
        return next((s.error for s in self.steps if s.error is not None), None)

    @property
    def pending(self) -> list[StepPlan]:
        """Planned steps that change something (one commit each)."""
        return [s for s in self.steps if s.planned and s.changes]

    def shown_params(self) -> dict[str, Any]:
        """The parameters as reports may show them (values written into Secrets redacted)."""
        return {k: REDACTED if k in self.secret_params else v for k, v in self.params.items()}

    def pre_existing_text(self) -> list[str]:
        return [str(r) for r in self.pre_existing]

    def to_dict(self) -> dict:
        return {
            "playbook": self.playbook.name, "params": self.shown_params(), "head": self.head, "run_id": self.run_id,
            "already_applied": self.applied_run.to_dict() if self.applied_run else None,
            "notes": self.notes, "pre_existing": self.pre_existing_text(),
            "ok": self.error is None, "error": _error_dict(self.error),
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass
class RunStatus:
    """A run found in history plus the steps its last commit records as skipped."""

    run: Run
    skipped: frozenset[int] = frozenset()

    @property
    def complete(self) -> bool:
        done = {s.index for s in self.run.steps} | self.skipped
        return bool(self.run.steps) and done >= set(range(1, self.run.total + 1))

    @property
    def state(self) -> str:
        if self.run.rolled_back:
            return "rolled back"
        if self.run.reverts:
            return "partly reverted"
        return "complete" if self.complete else "incomplete"

    @property
    def last_commit(self) -> str:
        return self.run.last_step.sha

    def to_dict(self) -> dict:
        return {**self.run.to_dict(), "complete": self.complete, "state": self.state,
                "skipped": sorted(self.skipped)}


@dataclass
class RunResult:
    """What ``run`` did: the plan, the run id and the commits made (step -> sha)."""

    plan: Plan
    dry_run: bool = False
    run_id: str | None = None
    commits: list[tuple[str, str]] = field(default_factory=list)
    snapshots: list[Path] = field(default_factory=list)

    @property
    def already_applied(self) -> bool:
        return self.plan.applied_run is not None

    def to_dict(self) -> dict:
        return {"dry_run": self.dry_run, "run_id": self.run_id, "already_applied": self.already_applied,
                "commits": [{"step": name, "sha": sha} for name, sha in self.commits],
                "snapshots": [str(p) for p in self.snapshots], "plan": self.plan.to_dict()}


@dataclass
class RollbackResult:
    """What ``rollback`` did: the run, revert commits made (reverted sha -> revert sha) and
    paths it left as later, unrelated commits have them."""

    run: RunStatus
    reverts: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    already: bool = False

    def to_dict(self) -> dict:
        return {"run": self.run.to_dict(), "already_rolled_back": self.already,
                "reverts": [{"reverted": a, "revert": b} for a, b in self.reverts], "kept": self.kept}


def _error_dict(error: MigrateError | None) -> dict | None:
    if error is None:
        return None
    return {"check": getattr(error, "check", None), "message": str(error), "path": error.path,
            "line": error.line}


# --- status ----------------------------------------------------------------------------------
def status(repo: Path | str = ".") -> list[RunStatus]:
    """Runs recorded in the history of HEAD, oldest first."""
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    return [RunStatus(run, _skipped(git_repo, run)) for run in find_runs(root)]


def _skipped(git_repo: git.Repo, run: Run) -> frozenset[int]:
    message = git_repo.commit(run.last_step.sha).message if run.steps else ""
    values = parse_trailers(message).get(SKIPPED, [])
    return frozenset(int(v.split("/")[0]) for v in values if v.split("/")[0].isdigit())


def params_digest(values: Mapping[str, Any]) -> str:
    """The ``Migrate-Params-Sha256`` of resolved parameters: which run is "the same run" again
    (a hash, so that no parameter value is ever written into history)."""
    return sha256(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str))


def _previous_run(runs: list[RunStatus], playbook: str, digest: str) -> RunStatus | None:
    """The run this plan repeats or resumes: the latest live run of ``playbook`` with the same
    parameters. A second wave with other parameters is a new run; but an unfinished run with
    other parameters must be resumed or rolled back first."""
    mine = [r for r in runs if r.run.playbook == playbook]
    same = [r for r in mine if r.run.params_sha256 in (None, digest)]
    latest = mine[-1] if mine else None
    if latest is not None and latest not in same and not latest.complete and not latest.run.rolled_back:
        raise RepoError(f"run {latest.run.run_id} of {playbook} stopped after step {latest.run.last_step.index} "
                        f"of {latest.run.total} with other parameters: run it again with the same --set values "
                        f"to resume it, or `migrate rollback {latest.run.run_id}` first")
    return same[-1] if same else None


# --- plan ----------------------------------------------------------------------------------
def plan(repo: Path | str, playbook: Playbook | str, params: Mapping[str, Any] | None = None, *,
         check_snapshots: bool = True, progress: Progress | None = None) -> Plan:
    """Plan every remaining step of ``playbook`` on an in-memory copy; write nothing."""
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    book = load_playbook(playbook, root) if isinstance(playbook, str) else playbook
    values = book.resolve(params)
    the_plan = Plan(book, values, root, gitops.head_sha(git_repo),
                    [StepPlan(i, len(book.steps), s) for i, s in enumerate(book.steps, start=1)])
    previous = _previous_run(status(root), book.name, params_digest(values))
    origin = _resume_point(the_plan, previous)
    if the_plan.applied_run is None:
        _note_dirty(the_plan, git_repo)
        _plan_steps(the_plan, origin, check_snapshots, progress or (lambda _: None))
    return the_plan


def _resume_point(the_plan: Plan, previous: RunStatus | None) -> Tree:
    """The origin tree of the run; marks steps done by an interrupted run (or the whole
    playbook as applied)."""
    root = the_plan.repo
    if previous is None or previous.run.rolled_back:
        return Tree.from_repo(root)
    run = previous.run
    if previous.complete:
        the_plan.applied_run = previous
        _mark_done(the_plan, run, run.total)
        the_plan.notes.append(f"already applied at {previous.last_commit[:12]} (run {run.run_id})"
                              + _reverted_note(previous))
        return Tree.from_repo(root)
    if run.reverts:
        raise RepoError(f"run {run.run_id} of {run.playbook} stopped after step {run.last_step.index} and "
                        f"was partly reverted since; finish undoing it with `migrate rollback {run.run_id}`")
    names = [s.name for s in the_plan.playbook.steps]
    if run.total != len(names) or any(names[s.index - 1] != s.name for s in run.steps if s.index <= len(names)):
        raise RepoError(f"run {run.run_id} stopped after step {run.last_step.index} of {run.total}, but the "
                        f"playbook's steps changed since ({', '.join(names)}); roll it back with "
                        f"`migrate rollback {run.run_id}` first")
    the_plan.run_id = run.run_id
    _mark_done(the_plan, run, run.last_step.index)
    the_plan.notes.append(f"resuming run {run.run_id}: steps 1-{run.last_step.index} are already "
                          f"committed (last {run.last_step.sha[:12]})")
    return Tree.from_commit(root, run.steps[0].sha + "^")


def _mark_done(the_plan: Plan, run: Run, last: int) -> None:
    """Steps 1..last were done by ``run``: their commit, or "" when they changed nothing."""
    commits = {s.index: s.sha for s in run.steps}
    for step in the_plan.steps[:last]:
        step.commit = commits.get(step.index, "")


def _reverted_note(previous: RunStatus) -> str:
    reverted = {r.revert_of: r.sha for r in previous.run.reverts}
    steps = [f"step {s.index} {s.name} reverted by {reverted[s.sha][:12]}"
             for s in previous.run.steps if s.sha in reverted]
    return f"; {', '.join(steps)}" if steps else ""


def _note_dirty(the_plan: Plan, git_repo: git.Repo) -> None:
    dirty = gitops.dirty_paths(git_repo)
    if dirty:
        the_plan.notes.append("planned on uncommitted changes in: " + ", ".join(dirty))


def _plan_steps(the_plan: Plan, origin: Tree, check_snapshots: bool, progress: Progress) -> None:
    book = the_plan.playbook
    resuming = any(step.commit is not None for step in the_plan.steps)
    # A fresh run starts from its origin: one Tree, so its inventory and graph are built once.
    tree = Tree.from_repo(the_plan.repo) if resuming else origin
    base = Context(tree=tree, origin=origin, repo=the_plan.repo, params=the_plan.params,
                   playbook=book.name, analyses=Analyses(the_plan.repo))
    progress("building the dependency graph")
    _refuse_unparsed(base)
    the_plan.notes += base.inventory.blind_spots()
    the_plan.pre_existing = base.origin_graph.problems()
    snapshots = approved_folder(the_plan.repo, book.name) if check_snapshots else None
    for step in the_plan.steps:
        if step.commit is not None:
            continue
        progress(f"planning step {step.index}/{step.total} {step.name}")
        tree = _plan_step(step, base.at(tree, step=step.name), the_plan, snapshots)
        if step.error is not None:
            return
    _refuse_left_unsynced(the_plan, base, tree)


def _refuse_left_unsynced(the_plan: Plan, base: Context, final: Tree) -> None:
    """The run-end graph check (``verify.check_run_end``); the last planned step carries a failure."""
    planned = [s for s in the_plan.steps if s.planned]
    if not planned:
        return
    try:
        check_run_end(the_plan.pre_existing, base.analyses.graph(final).problems(baseline=base.origin_graph))
    except VerificationError as error:
        planned[-1].error = error


def _refuse_unparsed(ctx: Context) -> None:
    """A file that does not parse hides its references from the graph, so verification could not
    be trusted: refuse to plan, naming every such file (the same list `migrate doctor` gives)."""
    errors = ctx.inventory.errors
    if errors:
        first = errors[0]
        others = "".join(f"; {e}" for e in errors[1:])
        raise YamlError(f"{first.reason}{others} — fix the YAML before planning (`migrate doctor` lists "
                        "every file that does not parse)", path=first.path, line=first.line)


def _plan_step(step: StepPlan, ctx: Context, the_plan: Plan, snapshots: Path | None) -> Tree:
    """Compute and verify one step on ``ctx.tree``; the tree after it."""
    spec, params = step.step, the_plan.params
    operation_class = OPERATIONS.get(spec.operation, path=spec.path, line=spec.line)
    options = operation_class.bind(substitute(spec.options, params, path=spec.path, line=spec.line),
                                   path=spec.path, line=spec.line)
    ctx = ctx.at(ctx.tree, options=options)
    step.planned = True
    try:
        operation = operation_class()
        declared = {normpath(p) for p in operation.declare(ctx)}
        result = operation.apply(ctx)
        _record(step, ctx, result)
        the_plan.secret_params |= _secret_params(spec, params, ctx.tree, step.changes)
        after = ctx.tree.with_changes(step.changes) if step.changes else ctx.tree
        _verify(step, ctx, after, declared, the_plan, snapshots, result.checks)
        return after
    except UsageError:
        raise
    except MigrateError as error:
        step.error = error
        return ctx.tree


def _record(step: StepPlan, ctx: Context, result) -> None:
    """Keep the result's real changes (no-op entries dropped), its diffs and its report."""
    tree = ctx.tree
    old = {normpath(p): tree.read_text(p) if tree.exists(p) else None for p in result.changes}
    new = {normpath(p): t for p, t in result.changes.items()}
    step.changes = {p: t for p, t in new.items() if old[p] != t}
    old = {p: old[p] for p in step.changes}
    step.summary, step.details = result.summary.strip(), list(result.details)
    step.report = [*result.report, *ctx.report.entries]
    step.files = file_changes(old, step.changes)
    step.diff = diff_files(old, step.changes)
    step.display_diff = diff_files(old, step.changes, redact=True)
    step.diff_sha256 = sha256(step.diff)


def _secret_params(spec: Step, params: Mapping[str, Any], tree: Tree, changes: Mapping[str, str | None]) -> set[str]:
    """The parameters the step refers to whose value ends up inside a Secret value it writes."""
    written = [value for path, text in changes.items()
               for value in secret_values_written(tree.read_text(path) if tree.exists(path) else None, text)]
    return {name for name in referenced(spec.options) & set(params)
            if any(part and part in value for part in _strings(params[name]) for value in written)}


def _strings(value: Any) -> list[str]:
    """A parameter value's strings (itself, a list's items or a mapping's values)."""
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def _verify(step: StepPlan, ctx: Context, after: Tree, declared: set[str], the_plan: Plan,
            snapshots: Path | None, own_checks: list[IntentCheck]) -> None:
    check_parses(after, step.changes)
    check_declared(declared, step.changes)
    step.passed += ["yaml-parses", "declared-paths"]
    origin = ctx.origin_graph
    step.graph = graph_changes(the_plan.pre_existing, ctx.graph.problems(baseline=origin),
                               ctx.analyses.graph(after).problems(baseline=origin))
    check_graph(step.graph)
    step.passed.append("no-new-dangling")
    uses = [*the_plan.playbook.checks, *step.step.checks]
    checks = [_intent(use, the_plan.params) for use in uses] + list(own_checks)
    step.passed += check_intents(ctx.at(after), checks)
    if snapshots is not None and snapshots.is_dir():
        check_snapshot(snapshots, step.index, step.name, step.display_diff)
        step.passed.append("snapshot")


def _intent(use: CheckUse, params: Mapping[str, Any]) -> IntentCheck:
    """A playbook's named check, bound to its options, as an IntentCheck."""
    check_class = CHECKS.get(use.check, path=use.path, line=use.line)
    options = check_class.bind(substitute(use.options, params, path=use.path, line=use.line),
                               path=use.path, line=use.line)
    instance = check_class()
    return IntentCheck(use.check, lambda ctx: instance.check(ctx.at(ctx.tree, options=options)))


# --- run -------------------------------------------------------------------------------------
def run(repo: Path | str, playbook: Playbook | str, params: Mapping[str, Any] | None = None, *,
        dry_run: bool = False, snapshot_dir: Path | str | None = None, update_snapshots: bool = False,
        confirm: Callable[[Plan], bool] | None = None, progress: Progress | None = None) -> RunResult:
    """Plan and (unless ``dry_run``) apply ``playbook``: one verified commit per step.

    ``confirm(plan)`` is asked before anything is written (None: apply without asking);
    ``update_snapshots`` (dry run only) rewrites the repo's approved snapshots.
    """
    if update_snapshots and not dry_run:
        raise UsageError("--update-snapshots only works with --dry-run (it approves what the plan shows)")
    root = git_toplevel(Path(repo))
    if dry_run:
        the_plan = plan(root, playbook, params, check_snapshots=not update_snapshots, progress=progress)
        return RunResult(the_plan, dry_run=True, snapshots=_snapshots(the_plan, snapshot_dir, update_snapshots))
    git_repo = gitops.open_repo(root)
    gitops.ensure_writable(git_repo)
    with gitops.run_lock(git_repo, f"migrate run {getattr(playbook, 'name', playbook)}"):
        the_plan = plan(root, playbook, params, progress=progress)
        result = RunResult(the_plan, snapshots=_snapshots(the_plan, snapshot_dir, False))
        if the_plan.applied_run is not None:
            return result
        if the_plan.error is not None:
            raise the_plan.error
        result.run_id = the_plan.run_id or make_run_id(the_plan.playbook.name)
        if not the_plan.pending:
            return result
        if confirm is not None and not confirm(the_plan):
            raise RepoError("not applied: the plan was not confirmed")
        _apply(git_repo, the_plan, result, progress or (lambda _: None))
    return result


def _snapshots(the_plan: Plan, snapshot_dir, update: bool) -> list[Path]:
    written = []
    if update:
        if the_plan.error is not None:
            raise the_plan.error
        done = [s.name for s in the_plan.steps if not s.planned]
        if done:
            raise RepoError(f"cannot approve snapshots of {the_plan.playbook.name}: steps {', '.join(done)} are "
                            "already applied here; update them on a repository where the playbook has not run")
        written += write_snapshots(approved_folder(the_plan.repo, the_plan.playbook.name), the_plan)
    if snapshot_dir is not None:
        written += write_snapshots(Path(snapshot_dir), the_plan)
    return written


def make_run_id(playbook: str, now: datetime | None = None) -> str:
    """``<initials>-<UTC timestamp>-<6 hex>``, e.g. ``cb-20261125T203000-1a2b3c``."""
    initials = "".join(word[0] for word in playbook.split("-") if word)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
    return f"{initials}-{stamp}-{secrets.token_hex(3)}"


def _apply(git_repo: git.Repo, the_plan: Plan, result: RunResult, progress: Progress) -> None:
    if gitops.head_sha(git_repo) != the_plan.head:
        raise RepoError("HEAD moved while the plan was being confirmed; run again")
    gitops.ensure_writable(git_repo)
    pending = the_plan.pending
    skipped = [s for s in the_plan.steps if s.planned and not s.changes]
    for step in pending:
        progress(f"applying step {step.index}/{step.total} {step.name}")
        trailers = _trailers(the_plan, step, result.run_id, skipped if step is pending[-1] else [])
        step.commit = _commit_step(git_repo, step, trailers)
        result.commits.append((step.name, step.commit))
        progress(f"committed step {step.index}/{step.total} {step.name}: {step.commit[:12]}")


def _trailers(the_plan: Plan, step: StepPlan, run_id: str, skipped: list[StepPlan]) -> list[tuple[str, str]]:
    return [("Migrate-Playbook", the_plan.playbook.name), ("Migrate-Step", f"{step.index}/{step.total} {step.name}"),
            ("Migrate-Run", run_id), ("Migrate-Diff-Sha256", step.diff_sha256),
            ("Migrate-Params-Sha256", params_digest(the_plan.params)),
            *((SKIPPED, f"{s.index}/{s.total} {s.name}") for s in skipped)]


def _commit_step(git_repo: git.Repo, step: StepPlan, trailers: list[tuple[str, str]]) -> str:
    """Write, stage and commit one step, then verify the commit's own diff; the sha."""
    tracked = set(git_repo.git.ls_files("-z").split("\0"))
    gitops.ensure_safe_to_write(git_repo, step.changes, tracked)
    body = [*step.details, *([""] if step.details and step.report else []), *map(str, step.report)]
    message = gitops.commit_message(step.summary or f"{step.name}", body, trailers)
    try:
        gitops.write_files(git_repo, step.changes)
        sha = gitops.commit(git_repo, step.changes, message)
    except BaseException:
        gitops.undo_uncommitted(git_repo, step.changes)
        raise
    try:
        verify_commit(git_repo, sha, step.diff_sha256)
    except VerificationError:
        gitops.reset_keep(git_repo, f"{sha}^")
        raise
    return sha


def verify_commit(git_repo: git.Repo, sha: str, planned_sha256: str) -> str:
    """Recompute a step commit's diff from the commit itself; its hash must equal the trailer
    (and the plan's). Returns the hash."""
    commit = git_repo.commit(sha)
    trailer = (parse_trailers(commit.message).get("Migrate-Diff-Sha256") or [""])[0]
    paths = gitops.commit_files(git_repo, sha)
    parent = commit.parents[0].hexsha if commit.parents else None
    old = gitops.contents_at(git_repo, parent, paths) if parent else dict.fromkeys(paths)
    actual = sha256(diff_files(old, gitops.contents_at(git_repo, sha, paths)))
    if actual != trailer or actual != planned_sha256:
        raise VerificationError("verified-diff", f"commit {sha[:12]}'s diff hashes to {actual}, "
                                f"its trailer says {trailer or 'nothing'} and the plan {planned_sha256}")
    return actual


# --- rollback ----------------------------------------------------------------------------------
def rollback(repo: Path | str, target: str, *, confirm: Callable[[RunStatus], bool] | None = None,
             progress: Progress | None = None) -> RollbackResult:
    """Revert run ``target`` (a run id, or a playbook: its latest run not rolled back)."""
    progress = progress or (lambda _: None)
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    gitops.ensure_writable(git_repo)
    with gitops.run_lock(git_repo, f"migrate rollback {target}"):
        runs = status(root)
        found = _select_run(runs, target)
        result = RollbackResult(found, already=found.run.rolled_back)
        if result.already:
            return result
        if confirm is not None and not confirm(found):
            raise RepoError("not rolled back: the rollback was not confirmed")
        start = gitops.head_sha(git_repo)
        try:
            _revert_all(git_repo, found.run, result, progress, runs)
            result.kept = _check_restored(git_repo, found.run, result)
        except BaseException:
            gitops.abort_revert(git_repo, start)
            raise
    result.run = _select_run(status(root), found.run.run_id)
    return result


def _select_run(runs: list[RunStatus], target: str) -> RunStatus:
    by_id = next((r for r in runs if r.run.run_id == target), None)
    if by_id is not None:
        return by_id
    candidates = [r for r in runs if r.run.playbook == target]
    if not candidates:
        known = ", ".join(sorted({r.run.playbook for r in runs} | {r.run.run_id for r in runs})) or "none"
        raise UsageError(f"no run of {target!r} in the history of HEAD (playbooks and run ids: {known})")
    live = [r for r in candidates if not r.run.rolled_back]
    return (live or candidates)[-1]


def _revert_all(git_repo: git.Repo, run: Run, result: RollbackResult, progress: Progress,
                runs: list[RunStatus]) -> None:
    reverted = {r.revert_of for r in run.reverts}
    for step in sorted(run.steps, key=lambda s: s.index, reverse=True):
        if step.sha in reverted:
            continue
        progress(f"reverting step {step.index}/{step.total} {step.name} ({step.sha[:12]})")
        if not gitops.revert_no_commit(git_repo, step.sha):
            raise RepoError(f"reverting step {step.index} {step.name} ({step.sha[:12]}) conflicts with later "
                            f"changes; nothing was rolled back. {_conflict_hint(git_repo, step.sha, run, runs)}")
        subject = git_repo.commit(step.sha).summary
        message = gitops.commit_message(
            f'Revert "{subject}"', [f"This reverts commit {step.sha}."],
            [("Migrate-Playbook", run.playbook), ("Migrate-Run", run.run_id), ("Migrate-Revert-Of", step.sha)])
        sha = gitops.commit(git_repo, gitops.commit_files(git_repo, step.sha), message, allow_empty=True)
        result.reverts.append((step.sha, sha))


def _conflict_hint(git_repo: git.Repo, sha: str, run: Run, runs: list[RunStatus]) -> str:
    """What to do about a conflicting revert: roll back the later runs that changed the same
    files first, or revert by hand."""
    paths = gitops.commit_files(git_repo, sha)
    later = set(git_repo.git.log("--format=%H", f"{sha}..HEAD", "--", *paths).split()) if paths else set()
    blocking = [r.run.run_id for r in runs if r.run.run_id != run.run_id and not r.run.rolled_back
                and any(s.sha in later for s in r.run.steps)]
    if blocking:
        return ("Later migrate runs changed the same files: roll them back first ("
                + ", ".join(f"`migrate rollback {r}`" for r in reversed(blocking)) + ").")
    return "Resolve by hand with `git revert`."


def _check_restored(git_repo: git.Repo, run: Run, result: RollbackResult) -> list[str]:
    """Every path the run touched is as before the run, unless a later unrelated commit
    changed it (then it is listed, and left as that commit has it)."""
    first = min(run.steps, key=lambda s: s.index).sha
    ours = {s.sha for s in run.steps} | {r.sha for r in run.reverts} | {b for _, b in result.reverts}
    paths = sorted({p for s in run.steps for p in gitops.commit_files(git_repo, s.sha)})
    before = gitops.contents_at(git_repo, f"{first}^", paths)
    now = gitops.contents_at(git_repo, "HEAD", paths)
    kept = []
    for path in paths:
        if before[path] == now[path]:
            continue
        later = [sha for sha in git_repo.git.log("--format=%H", f"{first}^..HEAD", "--", path).split()
                 if sha not in ours]
        if not later:
            raise VerificationError("rollback-restored", "the path is not back to its content before the run",
                                    path=path)
        kept.append(f"{path} (changed since by {', '.join(s[:12] for s in later)})")
    return kept
