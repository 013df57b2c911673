"""The run lock: one ``migrate run`` or ``rollback`` at a time per repository.

The lock is an OS file lock (``filelock``: ``flock`` on ``.git/migrate.lock``), so it is held
exactly as long as the process lives: a run killed in any way (even ``SIGKILL``) releases it
with its process, and the next run takes it without anyone deleting a file. Who holds it
(pid, host, start time, what it does, the run id once known) is written beside it, ``.git/migrate.lock.json``, so a
refusal can say which run is busy.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import filelock
import git

from ..errors import RepoError

LOCK_NAME = "migrate.lock"
HOLDER_NAME = "migrate.lock.json"


def lock_paths(repo: git.Repo) -> tuple[Path, Path]:
    git_dir = Path(repo.git_dir)
    return git_dir / LOCK_NAME, git_dir / HOLDER_NAME


def holder(repo: git.Repo) -> dict | None:
    """Who holds (or last held) the lock, as recorded beside it."""
    try:
        return json.loads(lock_paths(repo)[1].read_text())
    except (OSError, ValueError):
        return None


def is_held(repo: git.Repo) -> bool:
    """Is a live process holding the lock right now?"""
    lock = filelock.FileLock(lock_paths(repo)[0], is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        return True
    lock.release()
    return False


def record_run(repo: git.Repo, run_id: str) -> None:
    """Add the run id to the lock's record once the plan knows it."""
    who = holder(repo)
    if who is not None:
        lock_paths(repo)[1].write_text(json.dumps({**who, "run": run_id}) + "\n")


def takeover_note(repo: git.Repo) -> str | None:
    """What to say when taking the lock over from a run that died without releasing its record."""
    who = holder(repo)
    if not who:
        return None
    return (f"took over the run lock left by pid {who.get('pid', '?')} on {who.get('host', '?')} "
            f"({who.get('what', '?')}, since {who.get('started', '?')}): its process is gone")


@contextmanager
def run_lock(repo: git.Repo, what: str, note=None) -> Iterator[Path]:
    """Hold the repository's run lock for the duration of a run or rollback; ``note(text)`` is told when a
    dead run's lock is taken over."""
    path, info = lock_paths(repo)
    lock = filelock.FileLock(path, is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        who = holder(repo) or {}
        since = f" since {who['started']}" if who.get("started") else ""
        raise RepoError(f"another migrate run holds the lock {path} (pid {who.get('pid', '?')} on "
                        f"{who.get('host', '?')}{since}: {who.get('what', '?')}); wait for it to finish") from None
    stale = takeover_note(repo)
    if stale and note is not None:
        note(stale)
    try:
        info.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}) + "\n")
        yield path
    finally:
        info.unlink(missing_ok=True)
        lock.release()
