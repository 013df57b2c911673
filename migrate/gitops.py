"""Git write operations of the engine and the safety checks that guard them (GitPython).

Everything that changes the target repository goes through here: writing a step's files,
staging exactly those paths, committing, reverting, and undoing a half-done step. The
checks refuse what would make a run unsafe: a dirty working tree (the paths are listed),
a detached HEAD, an operation in progress (merge, revert, rebase), a second concurrent run
(``.git/migrate.lock``) and an untracked file where a step would create one.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import git

from .errors import RepoError
from .history import open_repo  # noqa: F401  (re-exported: the engine opens repos through gitops)
from .tree import cat_file_batch, normpath

LOCK_NAME = "migrate.lock"
_IN_PROGRESS = ("MERGE_HEAD", "REVERT_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply")


def _git(repo: git.Repo, command: str, *args: str, **kwargs) -> str:
    """Run ``git <command> <args>``; a failure becomes a RepoError carrying git's message."""
    try:
        return getattr(repo.git, command.replace("-", "_"))(*args, **kwargs)
    except git.GitCommandError as exc:
        message = (exc.stderr or exc.stdout or str(exc)).strip().removeprefix("stderr: ").strip("'")
        raise RepoError(f"git {command} failed: {message}") from None


def _literal(paths: Iterable[str]) -> list[str]:
    return [f":(literal){normpath(p)}" for p in paths]


# --- safety checks -----------------------------------------------------------------------
def dirty_paths(repo: git.Repo) -> list[str]:
    """Tracked paths with staged or unstaged changes (untracked files are not dirt)."""
    # GIT_OPTIONAL_LOCKS=0: a read must not refresh (rewrite) .git/index, even in a dry run.
    entries = iter(_git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no",
                        env={"GIT_OPTIONAL_LOCKS": "0"}).split("\0"))
    paths = []
    for entry in entries:
        if len(entry) > 3:
            paths.append(entry[3:])
            if entry[0] in "RC":
                next(entries, None)  # a rename's or copy's source path follows
    return sorted(paths)


def ensure_writable(repo: git.Repo) -> None:
    """Refuse to write unless HEAD is a branch, nothing is in progress and the tree is clean."""
    if repo.head.is_detached:
        raise RepoError(f"HEAD is detached at {repo.head.commit.hexsha[:12]}: check out a branch first "
                        "(each step becomes a commit on it)")
    busy = [name for name in _IN_PROGRESS if (Path(repo.git_dir) / name).exists()]
    if busy:
        raise RepoError(f"a git operation is in progress ({', '.join(busy)}): finish or abort it first")
    dirty = dirty_paths(repo)
    if dirty:
        listed = "\n  ".join(dirty[:20]) + ("\n  ..." if len(dirty) > 20 else "")
        raise RepoError(f"the working tree has uncommitted changes; commit or stash them first:\n  {listed}")


def ensure_safe_to_write(repo: git.Repo, changes: Mapping[str, str | None], tracked: set[str]) -> None:
    """Refuse, before anything is written, a path that leaves the repository through a symbolic
    link, and a file the step creates that already exists on disk untracked (never clobber)."""
    root = Path(repo.working_tree_dir)
    for path, text in sorted(changes.items()):
        _inside(root, path, writing=text is not None)
        if text is not None and path not in tracked and (root / path).exists():
            raise RepoError("an untracked file is in the way of a file this step creates; move it away",
                            path=path)


@contextmanager
def run_lock(repo: git.Repo, what: str) -> Iterator[Path]:
    """Hold ``.git/migrate.lock`` for the duration of a run or rollback (removed even on errors)."""
    lock = Path(repo.git_dir) / LOCK_NAME
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        holder = lock.read_text(errors="replace").strip() if lock.exists() else "?"
        raise RepoError(f"another migrate run holds the lock {lock} ({holder}); if none is running, "
                        "delete that file") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(f"pid {os.getpid()}: {what}\n")
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)


# --- reading ----------------------------------------------------------------------------
def head_sha(repo: git.Repo) -> str:
    return repo.head.commit.hexsha


def contents_at(repo: git.Repo, rev: str, paths: Iterable[str]) -> dict[str, str | None]:
    """Text of ``paths`` in commit ``rev`` (None where the path does not exist there)."""
    paths = sorted(set(paths))
    blobs = cat_file_batch(Path(repo.working_tree_dir), [f"{rev}:{p}" for p in paths])
    return {p: b.decode("utf-8") if b is not None else None for p, b in zip(paths, blobs)}


def commit_files(repo: git.Repo, sha: str) -> list[str]:
    """Paths a commit changed (against its first parent), sorted."""
    out = _git(repo, "diff-tree", "--no-commit-id", "-r", "-z", "--name-only", "--no-renames", "--root", sha)
    return sorted(p for p in out.split("\0") if p)


# --- writing ----------------------------------------------------------------------------
def write_files(repo: git.Repo, changes: Mapping[str, str | None]) -> None:
    """Write new texts (bytes exactly, utf-8) and delete removed files (and emptied folders)."""
    root = Path(repo.working_tree_dir)
    for path, text in sorted(changes.items()):
        target = _inside(root, path, writing=text is not None)
        if text is None:
            target.unlink(missing_ok=True)
            _remove_empty_parents(root, target.parent)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))


def _inside(root: Path, path: str, writing: bool) -> Path:
    """``root / path``, refusing a path that leaves the repository through a symbolic link."""
    target = root / normpath(path)
    real_root, parent = root.resolve(), target.parent.resolve()
    if (parent != real_root and real_root not in parent.parents) or (writing and target.is_symlink()):
        raise RepoError("refusing to write through a symbolic link", path=path)
    return target


def _remove_empty_parents(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def commit_message(summary: str, details: Iterable[str], trailers: Iterable[tuple[str, str]]) -> str:
    """``summary`` (one line), blank, details, blank, ``Key: value`` trailers."""
    subject = " ".join(summary.split())
    body = "\n".join(line.rstrip() for line in details).strip("\n")
    tail = "\n".join(f"{key}: {value}" for key, value in trailers)
    return "\n\n".join(part for part in (subject, body, tail) if part) + "\n"


def commit(repo: git.Repo, paths: Iterable[str], message: str, *, allow_empty: bool = False) -> str:
    """Stage exactly ``paths`` (additions, edits, deletions) and commit them; the new sha.

    Hooks are skipped (``--no-verify``): the engine has verified the step, and the commit
    must hold exactly the verified content.
    """
    paths = list(paths)
    # A path in neither the work tree nor the index is already staged as deleted (e.g. by
    # `git revert --no-commit` of a commit that added it); `git add` would reject it.
    indexed = set(_git(repo, "ls-files", "-z", "--", *_literal(paths)).split("\0")) if paths else set()
    present = [p for p in paths if normpath(p) in indexed or (Path(repo.working_tree_dir) / normpath(p)).exists()]
    if present:
        _git(repo, "add", "-A", "--", *_literal(present))
    empty = ("--allow-empty",) if allow_empty else ()
    _git(repo, "commit", "-q", "--no-verify", "--cleanup=verbatim", *empty, "-m", message)
    return head_sha(repo)


def undo_uncommitted(repo: git.Repo, changes: Mapping[str, str | None]) -> None:
    """Put ``changes``' paths back as HEAD has them (unstage; restore or delete the files)."""
    paths = sorted(changes)
    _git(repo, "reset", "-q", "HEAD", "--", *_literal(paths))
    at_head = contents_at(repo, "HEAD", paths)
    write_files(repo, at_head)


def reset_keep(repo: git.Repo, sha: str) -> None:
    """Move the branch back to ``sha``, updating the files that differ (``git reset --keep``)."""
    _git(repo, "reset", "-q", "--keep", sha)


def revert_no_commit(repo: git.Repo, sha: str) -> bool:
    """``git revert --no-commit <sha>``; False when it conflicts (the caller aborts)."""
    try:
        repo.git.revert("--no-commit", sha)
    except git.GitCommandError:
        return False
    return True


def abort_revert(repo: git.Repo, start: str) -> None:
    """Drop a conflicted revert and every commit made since ``start``: the repository as it was."""
    try:
        repo.git.revert("--abort")
    except git.GitCommandError:
        pass
    _git(repo, "reset", "-q", "--hard", start)
