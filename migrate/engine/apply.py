"""Applying a plan: one verified commit per step.

``run`` plans, asks ``confirm(plan)``, then writes and commits the steps one by one: only the
step's paths are staged, the message carries the ledger's trailers, and the commit's own diff
is recomputed and must hash to its ``Migrate-Diff-Sha256`` trailer (the "verified diff"). A
step that has nothing to change makes no commit; the run's last commit lists such steps in
``Migrate-Skipped`` trailers so that history shows the run complete. Each step is a transaction
(``transaction``): the branch moves only to a verified commit, the user's index is left alone, the
repository's hooks run unless ``no_verify``, and a killed step is recovered by the next invocation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

import git

from ..errors import RepoError, UsageError, VerificationError
from ..playbook import Playbook
from ..repo import git as gitops
from ..repo.diffs import diff_files, sha256
from ..repo.git import git_toplevel
from .ledger import commit_message, make_run_id, params_digest, step_trailers, trailers_of, DIFF, NO_VERIFY
from .lock import record_run, run_lock
from .plan import plan
from .records import Plan, Progress, RunOptions, RunResult, StepPlan
from .snapshots import approved_folder, write_snapshots
from .transaction import commit_step, recover


def run(repo: Path | str, playbook: Playbook | str, params: Mapping[str, Any] | None = None,
        options: RunOptions = RunOptions(), *, confirm: Callable[[Plan], bool] | None = None,
        progress: Progress | None = None) -> RunResult:
    """Plan and (unless ``options.dry_run``) apply ``playbook``: one verified commit per step.

    ``confirm(plan)`` is asked before anything is written (None: apply without asking);
    ``options.update_snapshots`` (dry run only) rewrites the repo's approved snapshots.
    """
    if options.update_snapshots and not options.dry_run:
        raise UsageError("--update-snapshots only works with --dry-run (it approves what the plan shows)")
    root = git_toplevel(Path(repo))
    if options.dry_run:
        the_plan = plan(root, playbook, params, check_snapshots=options.check_snapshots and not options.update_snapshots,
                        progress=progress)
        return RunResult(the_plan, dry_run=True,
                         snapshots=_snapshots(the_plan, options.snapshot_dir, options.update_snapshots))
    git_repo = gitops.open_repo(root)
    with run_lock(git_repo, f"migrate run {getattr(playbook, 'name', playbook)}", note=progress):
        for message in recover(git_repo):
            (progress or (lambda _: None))(f"recovered: {message}")
        gitops.ensure_writable(git_repo)
        the_plan = plan(root, playbook, params, check_snapshots=options.check_snapshots, progress=progress)
        result = RunResult(the_plan, snapshots=_snapshots(the_plan, options.snapshot_dir, False),
                           no_verify=options.no_verify)
        if the_plan.applied_run is not None:
            return result
        if the_plan.error is not None:
            raise the_plan.error
        result.run_id = the_plan.run_id or make_run_id(the_plan.playbook.name)
        record_run(git_repo, result.run_id)
        if not the_plan.pending:
            return result
        if confirm is not None and not confirm(the_plan):
            raise RepoError("not applied: the plan was not confirmed")
        _apply(git_repo, the_plan, result, progress or (lambda _: None), options.no_verify)
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


def _apply(git_repo: git.Repo, the_plan: Plan, result: RunResult, progress: Progress, no_verify: bool) -> None:
    if gitops.head_sha(git_repo) != the_plan.head:
        raise RepoError("HEAD moved while the plan was being confirmed; run again")
    gitops.ensure_writable(git_repo)
    pending = the_plan.pending
    skipped = [s for s in the_plan.steps if s.planned and not s.changes]
    for step in pending:
        progress(f"applying step {step.index}/{step.total} {step.name}")
        trailers = _trailers(the_plan, step, result.run_id, skipped if step is pending[-1] else [])
        trailers += [(NO_VERIFY, "true")] if no_verify else []
        step.commit = _commit_step(git_repo, step, trailers, no_verify)
        result.commits.append((step.name, step.commit))
        progress(f"committed step {step.index}/{step.total} {step.name}: {step.commit[:12]}")


def _trailers(the_plan: Plan, step: StepPlan, run_id: str, skipped: list[StepPlan]) -> list[tuple[str, str]]:
    return step_trailers(the_plan.playbook.name, step.index, step.total, step.name, run_id, step.diff_sha256,
                         params_digest(the_plan.params), [(s.index, s.total, s.name) for s in skipped])


def _commit_step(git_repo: git.Repo, step: StepPlan, trailers: list[tuple[str, str]], no_verify: bool) -> str:
    """One step as a transaction (``transaction.commit_step``): its commit is verified before the branch
    moves to it; the sha."""
    tracked = set(git_repo.git.ls_files("-z").split("\0"))
    gitops.ensure_safe_to_write(git_repo, step.changes, tracked)
    body = [*step.details, *([""] if step.details and step.report else []), *map(str, step.report)]
    message = commit_message(step.summary or f"{step.name}", body, trailers)
    return commit_step(git_repo, step.changes, message, what=f"step {step.index}/{step.total} {step.name}",
                       verify=lambda sha: verify_commit(git_repo, sha, step.diff_sha256), no_verify=no_verify)


def commit_diff(git_repo: git.Repo, sha: str, *, redact: bool = False) -> str:
    """A commit's diff against its first parent, computed from the commit itself the way a step's diff
    is (``redact``: as a step displays it, Secret values hidden)."""
    commit = git_repo.commit(sha)
    paths = gitops.commit_files(git_repo, sha)
    parent = commit.parents[0].hexsha if commit.parents else None
    old = gitops.contents_at(git_repo, parent, paths) if parent else dict.fromkeys(paths)
    return diff_files(old, gitops.contents_at(git_repo, sha, paths), redact=redact)


def commit_diff_sha256(git_repo: git.Repo, sha: str) -> str:
    """What a step commit's ``Migrate-Diff-Sha256`` must be: the hash of its diff, recomputed from the commit."""
    return sha256(commit_diff(git_repo, sha))


def verify_commit(git_repo: git.Repo, sha: str, planned_sha256: str) -> str:
    """Recompute a step commit's diff from the commit itself; its hash must equal the trailer
    (and the plan's). Returns the hash."""
    trailer = (trailers_of(git_repo.working_tree_dir, sha).get(DIFF) or [""])[0]
    actual = commit_diff_sha256(git_repo, sha)
    if actual != trailer or actual != planned_sha256:
        raise VerificationError("verified-diff", f"commit {sha[:12]}'s diff hashes to {actual}, "
                                f"its trailer says {trailer or 'nothing'} and the plan {planned_sha256}")
    return actual


