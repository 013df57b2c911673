"""A step as a transaction: nothing unverified is ever reachable from the branch.

``commit_step`` builds the step's commit from its own blobs in a temporary index
(``GIT_INDEX_FILE``), so whatever the user staged stays staged and never enters a step; runs the
repository's ``pre-commit``, ``prepare-commit-msg`` and ``commit-msg`` hooks as git would (unless
``no_verify``) and refuses the step, naming the hook, if one fails or changes the content or the
message; verifies the commit object; writes the step's files; and only then moves the branch with
a compare-and-swap ``git update-ref REF NEW OLD``. The real index is touched only for the step's
own paths, after the branch moved.

Before it touches anything it writes a journal (``.git/migrate/journal.json``: the branch, the
commit before, the commit after once made, and each path's blob before and after). ``recover``
reads it on the next invocation: if the branch still points at the commit before, the step did not
land and the files it wrote (byte-checked against the journal) are put back; if the branch points at
the new commit, the work tree and index are brought forward. A file whose bytes are neither is the
user's and is left alone. Stale ``index.lock`` and branch ``.lock`` files younger than the journal
belong to the killed run and are removed.

``MIGRATE_FAULT=<point>[:<n>]`` (testing) kills the process with SIGKILL the n-th time (default 1st)
it reaches ``point``: ``journal`` (journal written), ``tree`` (commit tree built), ``commit-object``
(commit made, branch not moved), ``write`` (after the first file written), ``ref`` (branch moved, journal
not yet removed),
``index`` (the real index has the step's blobs, the branch has not moved).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import git

from ..errors import RepoError, VerificationError
from .safepoint import signals_deferred
from ..repo import git as gitops
from ..repo.diffs import renames
from .lock import holder, is_held, run_lock

JOURNAL = "migrate/journal.json"
FAULT_ENV = "MIGRATE_FAULT"
_hits: dict[str, int] = {}


def fault(point: str) -> None:
    """Fault injection for the kill tests: SIGKILL at the configured point (see module doc)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != point:
        return
    _hits[point] = _hits.get(point, 0) + 1
    if _hits[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


EXECUTABLE = "100755"     # git's mode of an executable file


@dataclass
class Journal:
    """What a step in flight is doing, written before it touches anything."""

    what: str                      # "run <playbook> step k/n" or "rollback ..."
    branch: str                    # refs/heads/...
    old: str                       # the branch's commit before the step
    paths: dict[str, list[str | None]] = field(default_factory=dict)   # path -> [blob before, blob after]
    new: str | None = None         # the step's commit, once made
    started: float = 0.0
    executable: list[str] = field(default_factory=list)   # new paths moved from an executable file: they stay one
    touched: float = 0.0           # when it began to touch git's own index and branch

    @staticmethod
    def path(repo: git.Repo) -> Path:
        return Path(repo.git_dir) / JOURNAL

    def save(self, repo: git.Repo) -> None:
        target = self.path(repo)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_text(json.dumps(asdict(self), indent=1) + "\n")
        os.replace(partial, target)

    @classmethod
    def load(cls, repo: git.Repo) -> "Journal | None":
        try:
            return cls(**json.loads(cls.path(repo).read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as exc:
            raise RepoError(f"the run journal {cls.path(repo)} is unreadable ({exc}); move it away if no run is "
                            "in progress") from None

    def remove(self, repo: git.Repo) -> None:
        self.path(repo).unlink(missing_ok=True)


# --- git plumbing ---------------------------------------------------------------------------------
def _run(repo: git.Repo, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None,
         check: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(["git", *args], cwd=repo.working_tree_dir, env=full_env, input=stdin,
                          capture_output=True)
    if check and done.returncode != 0:
        message = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise RepoError(f"git {args[0]} failed: {message}")
    return done


def blob_of(repo: git.Repo, data: bytes, write: bool = False) -> str:
    args = ["hash-object", "--stdin", *(["-w"] if write else [])]
    return _run(repo, *args, stdin=data).stdout.decode().strip()


def _blob_at(repo: git.Repo, rev: str, path: str) -> tuple[str, str] | None:
    """(mode, blob) of ``path`` in ``rev``, or None."""
    out = _run(repo, "ls-tree", "-z", rev, "--", f":(literal){path}").stdout.decode()
    entry = out.split("\0")[0]
    if not entry:
        return None
    meta, _, _ = entry.partition("\t")
    mode, _, sha = meta.split(" ")
    return mode, sha


def _disk_blob(repo: git.Repo, path: str) -> str | None:
    target = Path(repo.working_tree_dir) / path
    if target.is_symlink() or not target.is_file():
        return None if not target.exists() and not target.is_symlink() else "?"
    return blob_of(repo, target.read_bytes())


def _hook(repo: git.Repo, name: str) -> Path | None:
    path = Path(repo.working_tree_dir) / _run(repo, "rev-parse", "--git-path", f"hooks/{name}").stdout.decode().strip()
    return path if path.is_file() and os.access(path, os.X_OK) else None


# --- the transaction ------------------------------------------------------------------------------
def commit_step(repo: git.Repo, changes: Mapping[str, str | None], message: str, *, what: str,
                verify: Callable[[str], None] | None = None, no_verify: bool = False) -> str:
    """Commit ``changes`` (path -> text, None = delete) on top of HEAD as one transaction; the sha."""
    if repo.head.is_detached:
        raise RepoError("HEAD is detached: check out a branch first (each step becomes a commit on it)")
    branch = repo.active_branch.path
    old = gitops.head_sha(repo)
    paths = sorted(changes)
    _ensure_paths_clean(repo, paths)
    gitops.ensure_safe_to_write(repo, changes, set(repo.git.ls_files("-z").split("\0")))
    entries = {p: _blob_at(repo, old, p) for p in paths}
    before = {p: (entry[1] if entry else None) for p, entry in entries.items()}
    after = {p: (blob_of(repo, text.encode("utf-8"), write=True) if text is not None else None)
             for p, text in changes.items()}
    journal = Journal(what, branch, old, {p: [before[p], after[p]] for p in paths}, started=time.time(),
                      executable=_executable(repo, entries, changes))
    with signals_deferred():   # Ctrl-C and SIGTERM wait until the step has landed or been refused: a safe point
        return _transaction(repo, journal, changes, message, verify, no_verify)


def _transaction(repo: git.Repo, journal: Journal, changes: Mapping[str, str | None], message: str,
                 verify: Callable[[str], None] | None, no_verify: bool) -> str:
    journal.save(repo)
    fault("journal")
    try:
        new = _verified_commit(repo, journal, changes, message, verify, no_verify)
    except BaseException:
        journal.remove(repo)          # nothing was written, the branch did not move
        raise
    try:
        _ensure_paths_clean(repo, sorted(changes))   # again: the hooks took time, the user may have edited
    except BaseException:
        journal.remove(repo)
        raise
    journal.touched = time.time()
    journal.save(repo)
    try:
        _write(repo, changes, journal.executable)
        _set_index(repo, journal, 1, sorted(changes))   # the real index has the step's blobs before the branch moves
        fault("index")
        _run(repo, "update-ref", "-m", f"migrate: {journal.what}", journal.branch, new, journal.old)
    except BaseException:
        recover(repo)                 # the branch did not move: put back the files written so far
        raise
    fault("ref")
    _sync_index(repo, sorted(changes))           # refreshes the entries' stat data (git reset -- paths)
    if not no_verify and (post := _hook(repo, "post-commit")):
        subprocess.run([str(post)], cwd=repo.working_tree_dir, capture_output=True)
    journal.remove(repo)
    return new


def _verified_commit(repo: git.Repo, journal: Journal, changes: Mapping[str, str | None], message: str,
                     verify: Callable[[str], None] | None, no_verify: bool) -> str:
    """The step's commit object, built in a temporary index, hooks run, verified; not on any branch."""
    old = journal.old
    index = Path(repo.git_dir) / "migrate" / f"index-{os.getpid()}"
    try:
        env = {"GIT_INDEX_FILE": str(index)}
        _run(repo, "read-tree", old, env=env)
        _set_index(repo, journal, 1, sorted(changes), env)
        tree = _run(repo, "write-tree", env=env).stdout.decode().strip()
        fault("tree")
        if not no_verify:
            message = _run_hooks(repo, env, tree, message)
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=".msg", encoding="utf-8") as msg:
            msg.write(message)
        try:
            new = _run(repo, "commit-tree", tree, "-p", old, "-F", msg.name).stdout.decode().strip()
        finally:
            os.unlink(msg.name)
    finally:
        index.unlink(missing_ok=True)
    journal.new = new
    journal.save(repo)
    fault("commit-object")
    if verify is not None:
        verify(new)
    return new


def _ensure_paths_clean(repo: git.Repo, paths: list[str]) -> None:
    """The step's own paths must be as HEAD has them (in the index and on disk): never overwrite a
    user's edit made while the run was going."""
    if not paths:
        return
    out = _run(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no", "--", *(f":(literal){p}" for p in paths),
               env={"GIT_OPTIONAL_LOCKS": "0"}).stdout.decode()
    dirty = sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})
    if dirty:
        raise RepoError("a file this step writes was changed while the run was going; commit or stash it, "
                        "then run again", path=dirty[0])


def _executable(repo: git.Repo, entries: Mapping[str, tuple[str, str] | None],
                changes: Mapping[str, str | None]) -> list[str]:
    """The new paths whose file was moved (as the diffs pair renames) from an executable one: a script a step
    moves keeps its executable bit."""
    scripts = {p: _run(repo, "cat-file", "blob", entry[1]).stdout.decode("utf-8", "replace")
               for p, entry in entries.items() if entry and entry[0] == EXECUTABLE and changes[p] is None}
    if not scripts:
        return []
    added = {p: text for p, text in changes.items() if entries[p] is None or text is None}
    return sorted(new for new, old in renames(scripts, added).items() if old in scripts)


def _write(repo: git.Repo, changes: Mapping[str, str | None], executable: list[str]) -> None:
    for n, (path, text) in enumerate(sorted(changes.items())):
        gitops.write_files(repo, {path: text})
        if path in executable:     # executable where it is readable
            mode = (target := Path(repo.working_tree_dir) / path).stat().st_mode
            target.chmod(mode | (mode & 0o444) >> 2)
        if n == 0:
            fault("write")


def _set_index(repo: git.Repo, journal: Journal, side: int, paths: list[str],
               env: Mapping[str, str] | None = None) -> None:
    """Index entries of ``paths`` set to their blobs before (``side`` 0) or after (1) the step — in the
    real index, or in the one ``env`` names (``GIT_INDEX_FILE``); nothing else in it changes."""
    for path in paths:
        blob = journal.paths[path][side]
        if blob is None:
            _run(repo, "update-index", "--force-remove", "--", path, env=env)
        elif side == 1 and path in journal.executable:
            _run(repo, "update-index", "--add", "--cacheinfo", f"{EXECUTABLE},{blob},{path}", env=env)
        else:
            mode = (_blob_at(repo, journal.old, path) or ("100644", ""))[0]
            _run(repo, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=env)


def _sync_index(repo: git.Repo, paths: list[str]) -> None:
    """The real index entries of ``paths`` become HEAD's (nothing else in the index changes)."""
    if paths:
        _run(repo, "reset", "-q", "HEAD", "--", *(f":(literal){p}" for p in paths))


def _run_hooks(repo: git.Repo, env: Mapping[str, str], tree: str, message: str) -> str:
    """pre-commit, prepare-commit-msg, commit-msg, as git runs them; a failure or a change refuses."""
    hook_env = {**os.environ, **env}
    if (pre := _hook(repo, "pre-commit")):
        done = subprocess.run([str(pre)], cwd=repo.working_tree_dir, env=hook_env, capture_output=True)
        if done.returncode != 0:
            raise _hook_refusal("pre-commit", pre, done, "rejected the step")
        if _run(repo, "write-tree", env=env).stdout.decode().strip() != tree:
            raise _hook_refusal("pre-commit", pre, done, "changed the step's content")
    for name, extra in (("prepare-commit-msg", ["message"]), ("commit-msg", [])):
        hook = _hook(repo, name)
        if hook is None:
            continue
        with tempfile.NamedTemporaryFile("w", delete=False, suffix=".msg", encoding="utf-8") as msg:
            msg.write(message)
        try:
            done = subprocess.run([str(hook), msg.name, *extra], cwd=repo.working_tree_dir, env=hook_env,
                                  capture_output=True)
            changed = Path(msg.name).read_text(encoding="utf-8") != message
        finally:
            os.unlink(msg.name)
        if done.returncode != 0:
            raise _hook_refusal(name, hook, done, "rejected the step's commit message")
        if changed:
            raise _hook_refusal(name, hook, done, "changed the step's commit message (its trailers are the run's "
                                                  "record)")
    return message


def _hook_refusal(name: str, hook: Path, done: subprocess.CompletedProcess, what: str) -> VerificationError:
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    return VerificationError("hooks", f"the {name} hook ({hook}) {what}; nothing was committed"
                             + (f". It said: {said[:400]}" if said else "")
                             + ". Fix the hook, or pass --no-verify to skip the repository's hooks "
                               "(recorded in the commit as Migrate-No-Verify)")


# --- recovery -------------------------------------------------------------------------------------
def recover(repo: git.Repo) -> list[str]:
    """Finish or undo the step a killed run left in flight (see module doc); what was done."""
    journal = Journal.load(repo)
    if journal is None:
        return []
    current = _run(repo, "symbolic-ref", "-q", "HEAD", check=False).stdout.decode().strip()
    if current != journal.branch:
        return [f"a step was left in flight on {journal.branch} ({journal.what}), but {current or 'a detached HEAD'} "
                f"is checked out: check out {journal.branch.removeprefix('refs/heads/')} and run `migrate recover`"]
    head = _run(repo, "rev-parse", "--verify", "-q", journal.branch, check=False).stdout.decode().strip()
    messages = _remove_stale_locks(repo, journal)
    if journal.new and head == journal.new:
        side, where = 1, f"the interrupted step ({journal.what}) had landed as {head[:12]}: its files are brought up to date"
    elif head == journal.old:
        side, where = 0, f"the interrupted step ({journal.what}) had not landed: its files are put back"
    else:    # the branch moved on (someone committed since): the step did not land; put back what it wrote
        side, where = 0, (f"the interrupted step ({journal.what}) had not landed and {journal.branch} moved on since: "
                          "the files it wrote are put back")
    messages.append(where)
    kept = []
    for path, blobs in sorted(journal.paths.items()):
        want, other = blobs[side], blobs[1 - side]
        now = _disk_blob(repo, path)
        if now == want:
            continue
        if now != other:
            kept.append(path)
            continue
        gitops.write_files(repo, {path: _blob_text(repo, want)})
    if side == 1:
        _sync_index(repo, [p for p in journal.paths if p not in kept])
    else:
        _set_index(repo, journal, 0, [p for p in journal.paths if p not in kept])
    for leftover in (Path(repo.git_dir) / "migrate").glob("index-*"):
        leftover.unlink(missing_ok=True)
    if kept:
        messages.append("left as they are (changed by someone else since): " + ", ".join(kept))
    journal.remove(repo)
    return messages


def _blob_text(repo: git.Repo, blob: str | None) -> str | None:
    return None if blob is None else _run(repo, "cat-file", "blob", blob).stdout.decode("utf-8")


def _remove_stale_locks(repo: git.Repo, journal: Journal) -> list[str]:
    """git's own lock files a killed run left (younger than its journal)."""
    git_dir = Path(repo.git_dir)
    removed = []
    for lock in (git_dir / "index.lock", git_dir / f"{journal.branch}.lock"):
        try:   # made while the killed run touched git's files (a later one is someone else's, live)
            if journal.touched and journal.touched - 1 <= lock.stat().st_mtime <= journal.touched + 5:
                lock.unlink()
                removed.append(f"removed {lock.relative_to(git_dir.parent) if git_dir.parent in lock.parents else lock}, "
                               "left by the interrupted run")
        except FileNotFoundError:
            continue
    return removed


# --- the commands' view ---------------------------------------------------------------------------
def recover_repo(repo: Path | str) -> list[str]:
    """``migrate recover``: take the run lock and recover what a killed run left in flight."""
    git_repo = gitops.open_repo(gitops.git_toplevel(Path(repo)))
    with run_lock(git_repo, "migrate recover"):
        return recover(git_repo)


def run_state(repo: Path | str) -> list[str]:
    """What ``migrate status`` says of the run lock and of a step left in flight."""
    git_repo = gitops.open_repo(gitops.git_toplevel(Path(repo)))
    lines = []
    who = holder(git_repo) or {}
    if is_held(git_repo):
        lines.append(f"a run holds the lock: pid {who.get('pid', '?')} on {who.get('host', '?')} since "
                     f"{who.get('started', '?')} ({who.get('what', '?')}{', run ' + who['run'] if who.get('run') else ''})")
    elif who:
        lines.append(f"the lock was left by a run that is gone (pid {who.get('pid', '?')}, {who.get('what', '?')}); "
                     "the next run takes it over")
    journal = Journal.load(git_repo)
    if journal is not None and not is_held(git_repo):
        lines.append(f"a step was left in flight ({journal.what}): the next `migrate run`/`rollback` recovers it, "
                     "or run `migrate recover`")
    return lines
