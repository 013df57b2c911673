"""Rolling back a run: its commits reverted newest first, one revert commit per step.

``rollback(repo, target)`` reverts run ``target`` (a run id, or a playbook: its latest run not
rolled back) with ``git revert --no-commit`` + a commit carrying ``Migrate-Revert-Of``, then
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


def rollback(repo: Path | str, target: str, *, confirm: Callable[[RunStatus], bool] | None = None,
             progress: Progress | None = None) -> RollbackResult:
    """Revert run ``target`` (a run id, or a playbook: its latest run not rolled back)."""
    progress = progress or (lambda _: None)
    root = git_toplevel(Path(repo))
    git_repo = gitops.open_repo(root)
    gitops.ensure_writable(git_repo)
    with run_lock(git_repo, f"migrate rollback {target}"):
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
        message = commit_message(f'Revert "{subject}"', [f"This reverts commit {step.sha}."],
                                 revert_trailers(run.playbook, run.run_id, step.sha))
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
