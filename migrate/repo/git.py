"""Git reads and writes of a repository (git's CLI through GitPython), and the checks that guard writes.

Everything that changes the target repository goes through here: writing files, staging
exactly some paths, committing, reverting, undoing a half-done step. The checks refuse what
would make a write unsafe: a dirty working tree (the paths are listed), a detached HEAD, an
operation in progress (merge, revert, rebase) and an untracked file where a file is created.
Reads: the top of a work tree, blobs of commits in one batch, files a commit changed.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import git

from ..errors import MigrateError, RepoError
from .paths import normpath

_IN_PROGRESS = ("MERGE_HEAD", "REVERT_HEAD", "CHERRY_PICK_HEAD", "rebase-merge", "rebase-apply")


# --- opening -----------------------------------------------------------------------------
def git_toplevel(root: Path) -> Path:
    root = Path(root)
    if not root.exists():
        raise RepoError(f"no such folder: {root}")
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RepoError(f"not a git repository: {root} (run `git init` or pass --repo DIR)")
    return Path(proc.stdout.strip())


def remote_urls(root: Path | None) -> list[str]:
    """The fetch URLs of a repository's git remotes (none for a folder that is not a repository)."""
    if root is None:
        return []
    proc = subprocess.run(["git", "config", "--get-regexp", r"^remote\..*\.url$"], cwd=root, capture_output=True,
                          text=True)
    return [line.split(" ", 1)[1].strip() for line in proc.stdout.splitlines() if " " in line]


def index_blobs(root: Path) -> dict[str, str] | None:
    """``path -> blob id`` from the index, for the tracked files whose working-tree content git
    says is the index's (``git diff-files``; an assume-unchanged or skip-worktree entry is left out: git
    does not look at it). None when git cannot answer. Nothing is written (no index refresh)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    runs = [subprocess.run(["git", *args], cwd=root, capture_output=True, env=env)
            for args in (("ls-files", "-s", "-v", "-z"), ("diff-files", "--name-only", "-z"))]
    if any(run.returncode != 0 for run in runs):
        return None
    changed = set(runs[1].stdout.decode("utf-8", "surrogateescape").split("\0"))
    blobs = {}
    for entry in runs[0].stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        fields = meta.split(" ")
        if len(fields) == 4 and fields[0] == "H" and fields[3] == "0" and path not in changed:
            blobs[path] = fields[2]
    return blobs


def cat_file_batch(root: Path, objects: list[str]) -> list[bytes | None]:
    """Contents of git objects (blob ids or ``<rev>:<path>``) in one ``git cat-file --batch``
    call, in order; None for a missing object."""
    if not objects:
        return []
    if any("\n" in o for o in objects):
        raise MigrateError("a path with a newline cannot be read from git history")
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True,
                          input="".join(f"{o}\n" for o in objects).encode("utf-8"))
    if proc.returncode != 0:
        raise RepoError(f"git cat-file failed in {root}: {proc.stderr.decode(errors='replace').strip()}")
    out, pos, blobs = proc.stdout, 0, []
    for _ in objects:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if header[-1] == b"missing" or len(header) != 3:
            blobs.append(None)
            pos = end + 1
            continue
        size = int(header[2])
        blobs.append(out[end + 1:end + 1 + size])
        pos = end + 1 + size + 1
    return blobs


def open_repo(repo_root: Path | str) -> git.Repo:
    """The git repository at (or above) ``repo_root``, with at least one commit."""
    try:
        repo = git.Repo(repo_root, search_parent_directories=True)
    except git.NoSuchPathError:
        raise RepoError(f"no such folder: {repo_root}") from None
    except git.InvalidGitRepositoryError:
        raise RepoError(f"not a git repository: {repo_root} (run `git init` or pass --repo DIR)") from None
    if repo.bare:
        raise RepoError(f"{repo_root} is a bare repository; pass the folder of a work tree")
    if not repo.head.is_valid():
        raise RepoError(f"the repository at {repo.working_tree_dir} has no commits yet")
    return repo


def git_log(repo: git.Repo, *args: str) -> str:
    """``git log HEAD --reverse --no-renames <args>`` (oldest first)."""
    try:
        return repo.git.log("HEAD", "--reverse", "--no-renames", *args)
    except git.GitCommandError as exc:
        raise RepoError(f"git log failed in {repo.working_tree_dir}: {exc.stderr.strip()}") from None


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


def merge_texts(repo: git.Repo, ours: str, base: str, theirs: str) -> str | None:
    """``git merge-file`` of three texts: the merge, or None when it conflicts."""
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            files.append(str(path))
        done = subprocess.run(["git", "merge-file", "-p", "-q", *files], capture_output=True)
    return done.stdout.decode("utf-8") if done.returncode == 0 else None


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
