"""An applied run read back from history as the plan it was, for ``migrate report RUN``.

``recorded_run(repo, target)`` finds the run (a run id, or a playbook: its latest run) by its commit
trailers and rebuilds, for every step commit, what a dry run showed: the files and their diff (Secret
values redacted), what Argo CD applies differently (the synced Applications rendered at the commit and
at its parent), and how the graph's problems moved — so the review page and the summary of an applied
run read like those of its dry run. Parameters are recorded only as a digest and are not shown.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import MigrateError
from ..playbook import Analyses, Context, Playbook, Step, load_playbook
from ..repo import git as gitops
from ..repo.git import git_toplevel
from ..repo.tracked import Tree
from .ledger import Run, StepCommit, status
from .objects import object_changes
from .records import Plan, RunResult, StepPlan
from .revert import select_run
from .verify import graph_changes


def _playbook(run: Run, root: Path) -> Playbook:
    """The run's playbook as it is now, or a stand-in naming the recorded steps when it is gone or changed."""
    try:
        book = load_playbook(run.playbook, root)
    except MigrateError:
        book = None
    names = {s.index: s.name for s in run.steps}
    if book is not None and len(book.steps) == run.total and all(book.steps[i - 1].name == n for i, n in names.items()):
        return book
    steps = tuple(Step(names.get(i, f"step-{i}"), names.get(i, f"step-{i}"), "", {}, (), "", 0)
                  for i in range(1, run.total + 1))
    return Playbook(run.playbook, "(the playbook file is gone or its steps changed since this run)", {}, steps, (),
                    "", False)


def _step(step: StepPlan, commit: StepCommit, before: Context, after: Tree, repo) -> None:
    """Fill ``step`` from its commit: files, diffs, objects, graph changes."""
    paths = gitops.commit_files(repo, commit.sha)
    old = gitops.contents_at(repo, commit.sha + "^", paths)
    new = gitops.contents_at(repo, commit.sha, paths)
    message = repo.commit(commit.sha).message
    step.planned, step.commit = True, commit.sha
    step.summary = message.splitlines()[0] if message else ""
    step.changes = new
    step.show(old, new)
    view_before, view_after = before.graph.view, before.analyses.graph(after).view
    if view_before.rendering:
        step.objects = object_changes(view_before, view_after)
    origin = before.origin_graph
    step.graph = graph_changes(origin.problems(), before.graph.problems(baseline=origin),
                               before.analyses.graph(after).problems(baseline=origin))


def recorded_run(repo: Path | str, target: str) -> RunResult:
    """The run ``target`` as a RunResult whose plan is rebuilt from its commits."""
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    found = select_run(status(root), target)
    run = found.run
    commits = sorted(run.steps, key=lambda s: s.index)
    book = _playbook(run, root)
    origin = Tree.from_commit(root, commits[0].sha + "^")
    base = Context(tree=origin, origin=origin, repo=root, playbook=run.playbook, analyses=Analyses(root))
    plan = Plan(book, {}, root, gitops.head_sha(git_repo),
                [StepPlan(i, run.total, spec) for i, spec in enumerate(book.steps, start=1)], run_id=run.run_id)
    plan.pre_existing = base.origin_graph.problems()
    plan.unverified = [r for r in base.origin_graph.unverified() if r.synced]
    plan.blind_spots = base.graph.blind_spots()
    plan.notes.append("parameters are recorded only as a digest (Migrate-Params-Sha256), so they are not shown")
    reverted = {r.revert_of: r.sha for r in run.reverts}
    tree = origin
    for commit in commits:
        after = Tree.from_commit(root, commit.sha)
        _step(plan.steps[commit.index - 1], commit, base.at(tree), after, git_repo)
        if commit.sha in reverted:
            plan.notes.append(f"step {commit.index} {commit.name} was reverted since, by {reverted[commit.sha][:12]}")
        tree = after
    skipped = set().union(*(c.skipped for c in commits))
    for step in plan.steps:
        if step.commit is None and step.index in skipped:
            step.commit = ""
    plan.reverts = {sha: by for sha, by in reverted.items() if any(c.sha == sha for c in commits)}
    plan.stopped = not run.complete
    plan.graph_before, plan.graph_after = base.origin_graph, base.analyses.graph(tree)
    return RunResult(plan, dry_run=False, run_id=run.run_id, commits=[(c.name, c.sha) for c in commits])
