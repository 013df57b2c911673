"""Rolling back a run: its commits reverted newest first, one revert commit per step.

``rollback(repo, target)`` reverts run ``target`` (a run id, or a playbook: its latest run not
rolled back), each step as ``git revert`` would (a three-way merge per file) committed as one
transaction (``transaction.commit_step``) carrying ``Migrate-Revert-Of``, then
checks that every path the run touched is back to its pre-run content (later unrelated
commits are kept and reported). A conflict aborts and leaves the repository as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import git

from ..errors import RepoError, UsageError, VerificationError
from ..repo import git as gitops
from ..repo.git import git_toplevel
from .ledger import Run, RunStatus, commit_message, revert_trailers, status
from .lock import run_lock
from .records import Progress, RollbackResult
from .transaction import commit_step, recover


def rollback(repo: Path | str, target: str, *, confirm: Callable[[RunStatus], bool] | None = None,
             progress: Progress | None = None, no_verify: bool = False) -> RollbackResult:
    """Revert run ``target`` (a run id, or a playbook: its latest run not rolled back)."""
    progress = progress or (lambda _: None)
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    with run_lock(git_repo, f"migrate rollback {target}", note=progress):
        for message in recover(git_repo):
            progress(f"recovered: {message}")
        gitops.ensure_writable(git_repo)
        runs = status(root)
        found = select_run(runs, target)
        result = RollbackResult(found, already=found.run.rolled_back)
        if result.already:
            return result
        if confirm is not None and not confirm(found):
            raise RepoError("not rolled back: the rollback was not confirmed")
        start = gitops.head_sha(git_repo)
        try:
            _revert_all(git_repo, found.run, result, progress, runs, no_verify)
            result.kept = _check_restored(git_repo, found.run, result)
        except BaseException:
            ours = {revert for _, revert in result.reverts}
            since = git_repo.git.rev_list(f"{start}..HEAD").split()
            if since and set(since) <= ours:
                gitops.reset_keep(git_repo, start)     # only this rollback's own revert commits leave the branch
            raise
    result.run = select_run(status(root), found.run.run_id)
    return result


def select_run(runs: list[RunStatus], target: str) -> RunStatus:
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
                runs: list[RunStatus], no_verify: bool) -> None:
    reverted = {r.revert_of for r in run.reverts}
    for step in sorted(run.steps, key=lambda s: s.index, reverse=True):
        if step.sha in reverted:
            continue
        progress(f"reverting step {step.index}/{step.total} {step.name} ({step.sha[:12]})")
        changes = revert_changes(git_repo, step.sha)
        if changes is None:
            raise RepoError(f"reverting step {step.index} {step.name} ({step.sha[:12]}) conflicts with later "
                            f"changes; nothing was rolled back. {_conflict_hint(git_repo, step.sha, run, runs)}")
        subject = git_repo.commit(step.sha).summary
        message = commit_message(f'Revert "{subject}"', [f"This reverts commit {step.sha}."],
                                 revert_trailers(run.playbook, run.run_id, step.sha))
        sha = commit_step(git_repo, changes, message, what=f"rollback of step {step.index}/{step.total} {step.name}",
                          no_verify=no_verify)
        result.reverts.append((step.sha, sha))


def revert_changes(git_repo: git.Repo, sha: str, onto: str = "HEAD") -> dict[str, str | None] | None:
    """What reverting commit ``sha`` on ``onto`` writes, per path (``git revert``'s three-way merge of each
    file: ours = ``onto``, base = the commit, theirs = its parent); None if a path conflicts."""
    paths = gitops.commit_files(git_repo, sha)
    base, theirs = gitops.contents_at(git_repo, sha, paths), gitops.contents_at(git_repo, f"{sha}^", paths)
    ours = gitops.contents_at(git_repo, onto, paths)
    changes: dict[str, str | None] = {}
    for path in paths:
        if ours[path] == base[path]:
            changes[path] = theirs[path]
        elif ours[path] == theirs[path]:
            continue
        elif None in (ours[path], base[path], theirs[path]):
            return None
        else:
            merged = gitops.merge_texts(git_repo, ours[path], base[path], theirs[path])
            if merged is None:
                return None
            changes[path] = merged
    return changes


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
