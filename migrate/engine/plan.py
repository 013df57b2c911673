"""Planning a run: every remaining step computed and verified in memory, each on the previous one's result.

``plan(repo, playbook, params)`` finds where the playbook stands in history (already applied,
an interrupted run to resume, or a new run), builds the origin's inventory and graph once,
then for each step: binds the operation's options, lets it ``prepare`` its edit on the tree
of the previous step, records the diffs, and verifies (``verify``). Nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import git

from ..errors import MigrateError, RepoError, UsageError, VerificationError, YamlError
from ..playbook import (CHECKS, OPERATIONS, Analyses, CheckUse, Context, IntentCheck, Playbook, Step, Unsettled,
                        load_playbook)
from ..playbook.parameters import referenced, substitute
from ..repo import git as gitops
from ..repo.diffs import whitespace_changes
from ..repo.git import git_toplevel
from ..repo.paths import normpath
from ..repo.redact import secret_values_written
from ..repo.tracked import Tree
from ..roundtrip.lines import keep_line_endings
from .ledger import Run, RunStatus, params_digest, status
from .objects import ObjectRule, check_intended, check_schemas, object_changes
from .records import Plan, Progress, StepPlan
from .snapshots import approved_folder
from .verify import (check_declared, check_graph, check_intents, check_parses, check_run_end, check_snapshot,
                     check_yamllint, graph_changes)


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
    the_plan.blind_spots = base.graph.blind_spots()
    the_plan.notes += [f"{w}" for w in base.inventory.warnings]
    the_plan.pre_existing = base.origin_graph.problems()
    the_plan.unverified = [r for r in base.origin_graph.unverified() if r.synced]
    snapshots = approved_folder(the_plan.repo, book.name) if check_snapshots else None
    for step in the_plan.steps:
        if step.commit is not None:
            continue
        progress(f"planning step {step.index}/{step.total} {step.name}")
        before, tree = tree, _plan_step(step, base.at(tree, step=step.name), the_plan, snapshots)
        if before is not tree and before is not origin and before is not base.tree:
            base.analyses.forget(before)     # no later step or check reads a state the run moved past
        if step.error is not None and not (isinstance(step.error, Unsettled) and step.error.provisional):
            break
    the_plan.graph_before, the_plan.graph_after = base.origin_graph, base.at(tree).graph
    _refuse_unparsed(the_plan, base)
    if all(step.error is None or isinstance(step.error, Unsettled) for step in the_plan.steps):
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


def _refuse_unparsed(the_plan: Plan, ctx: Context) -> None:
    """A file that does not parse hides what it defines from the graph. It blocks the run (naming
    every such file, as `migrate doctor` does) when the run edits it or an Application the run edits
    reads it: the verification could not be trusted there. Anywhere else it is a named blind spot."""
    changed = {path for step in the_plan.steps for path in step.changes}
    touched = _applications_of(ctx, changed)
    blocking = [e for e in ctx.inventory.errors if e.path in changed or _applications_of(ctx, {e.path}) & touched]
    the_plan.blind_spots += [f"{e}: does not parse, so what it defines is not in the graph (no Application this run "
                             "edits reads it)" for e in ctx.inventory.errors if e not in blocking]
    if blocking:
        first = blocking[0]
        others = "".join(f"; {e}" for e in blocking[1:])
        raise YamlError(f"{first.reason}{others} — an Application this run edits reads it: fix the YAML before "
                        "planning (`migrate doctor` lists every file that does not parse)", path=first.path,
                        line=first.line)


def _applications_of(ctx: Context, paths: set[str]) -> set[str]:
    """The Applications that read any of ``paths``: deploy them (source model) or render from them."""
    apps = {c.app for p in paths if (c := ctx.inventory.contexts.get(p)) is not None and c.app}
    view = ctx.origin_graph.view
    apps |= {app_id for app_id, render in view.renders.items() if render.inputs & paths}
    folders = {p.rsplit("/", 1)[0] for p in paths if "/" in p}
    apps |= {a.id for a in ctx.inventory.applications if set(a.source_paths) & folders}
    return apps


def _plan_step(step: StepPlan, ctx: Context, the_plan: Plan, snapshots: Path | None) -> Tree:
    """Compute and verify one step on ``ctx.tree``; the tree after it."""
    spec, params = step.step, the_plan.params
    operation_class = OPERATIONS.get(spec.operation, path=spec.path, line=spec.line)
    options = operation_class.bind(substitute(spec.options, params, path=spec.path, line=spec.line),
                                   path=spec.path, line=spec.line)
    ctx = ctx.at(ctx.tree, options=options)
    step.planned = True
    try:
        try:
            result = operation_class().prepare(ctx)
        except Unsettled as unsettled:       # decisions to make: plan on with the provisional result, if any
            the_plan.unsettled.append(unsettled)
            if unsettled.provisional is None:
                raise
            step.error = unsettled
            _record(step, ctx, unsettled.provisional)
            return ctx.tree.with_changes(step.changes) if step.changes else ctx.tree
        declared = {normpath(p) for p in result.declared}
        _record(step, ctx, result)
        the_plan.carries.update(result.carries)
        the_plan.secret_params |= _secret_params(spec, params, ctx.tree, step.changes)
        after = ctx.tree.with_changes(step.changes) if step.changes else ctx.tree
        _verify(step, ctx, after, declared, the_plan, snapshots, result)
        return after
    except UsageError:
        raise
    except MigrateError as error:
        step.error = error
        return ctx.tree


def _text_of(tree: Tree, path: str) -> str:
    """A file the step changes, as text; one that is not UTF-8 (an image in a folder being removed) is a
    refusal the user can act on, not a traceback."""
    try:
        return tree.read_text(path)
    except UnicodeDecodeError:
        raise MigrateError("this step would change or delete it, but it is not UTF-8 text: migrate cannot show "
                           "or verify that change — move it out of the way (or remove it) in a commit of your own, "
                           "then plan again", path=path) from None


def _record(step: StepPlan, ctx: Context, result) -> None:
    """Keep the result's real changes (no-op entries dropped), its diffs and its report."""
    tree = ctx.tree
    old = {normpath(p): _text_of(tree, p) if tree.exists(p) else None for p in result.changes}
    new = {normpath(p): keep_line_endings(old[normpath(p)], t) for p, t in result.changes.items()}
    step.changes = {p: t for p, t in new.items() if old[p] != t}
    old = {p: old[p] for p in step.changes}
    step.summary, step.details = result.summary.strip(), list(result.details)
    step.details += [f"whitespace only: {change}" for change in whitespace_changes(old, step.changes)]
    step.report = [*result.report, *ctx.report.entries]
    step.show(old, step.changes)


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
            snapshots: Path | None, result) -> None:
    """Every check of the step; a failure carries the operation's advice for that check, if it has some."""
    try:
        _checks(step, ctx, after, declared, the_plan, snapshots, result)
    except VerificationError as exc:
        advice = result.advice.get(exc.check)
        if not advice:
            raise
        message = str(exc.args[0]).removeprefix(f"[{exc.check}] ")
        raise VerificationError(exc.check, f"{message}. {advice}", path=exc.path, line=exc.line,
                                settings=exc.settings) from None


def _checks(step: StepPlan, ctx: Context, after: Tree, declared: set[str], the_plan: Plan,
            snapshots: Path | None, result) -> None:
    check_parses(after, step.changes)
    check_declared(declared, step.changes)
    step.passed += ["yaml-parses", "declared-paths"]
    origin = ctx.origin_graph
    step.graph = graph_changes(the_plan.pre_existing, ctx.graph.problems(baseline=origin),
                               ctx.analyses.graph(after).problems(baseline=origin), the_plan.carries)
    check_graph(step.graph)
    step.passed.append("no-new-dangling")
    check_yamllint(ctx.tree, after, step.changes)
    _verify_objects(step, ctx, after, the_plan, result.objects)
    uses = [*the_plan.playbook.checks, *step.step.checks]
    checks = [_intent(use, the_plan.params) for use in uses] + list(result.checks)
    step.passed += check_intents(ctx.at(after), checks)
    if snapshots is not None and snapshots.is_dir():
        check_snapshot(snapshots, step.index, step.name, step.display_diff)
        step.passed.append("snapshot")


def _verify_objects(step: StepPlan, ctx: Context, after: Tree, the_plan: Plan, own: Iterable = ()) -> None:
    """The step's object changes (what Argo CD would apply before and after it) are the declared ones (by the
    step's ``objects:``, and ``own``: the rules its operation adds), and the objects it adds or changes in
    Kubernetes' own groups are valid."""
    before_view, after_view = ctx.graph.view, ctx.analyses.graph(after).view
    if not before_view.rendering:
        return
    step.objects = object_changes(before_view, after_view)
    spec = step.step
    rules = [ObjectRule.of(substitute(dict(raw), the_plan.params, path=spec.path, line=spec.line))
             for raw in spec.objects] + [ObjectRule.of(dict(raw)) for raw in own]
    check_intended(step.objects, rules)
    step.passed.append("object-changes")
    check_schemas(step.objects, after_view, ctx.inventory.config.kube_version)
    step.passed.append("kubernetes-schema")


def _intent(use: CheckUse, params: Mapping[str, Any]) -> IntentCheck:
    """A playbook's named check, bound to its options, as an IntentCheck."""
    check_class = CHECKS.get(use.check, path=use.path, line=use.line)
    options = check_class.bind(substitute(use.options, params, path=use.path, line=use.line),
                               path=use.path, line=use.line)
    instance = check_class()
    return IntentCheck(use.check, lambda ctx: instance.check(ctx.at(ctx.tree, options=options)))


