"""Kill a real ``migrate run`` / ``migrate rollback`` and check that the next plain invocation recovers.

Used by the kill tests (``tests/engine/test_kills.py``) and ``bench/reliability.py``. A *case* copies
a prepared repository, plants the user's untracked and ignored files, runs the command in a
subprocess that is killed with SIGKILL — at a named fault point (``MIGRATE_FAULT``, see
``migrate.engine.transaction``) or after a delay — then runs the same command again without any
fault and checks: it succeeds; the tree at HEAD is the one an uninterrupted run reaches; every
commit the run added verifies (its diff hashes to its trailer), so nothing unverified is reachable
from the branch; the planted files are byte-identical; ``git fsck`` is clean.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .engine import verify_commit
from .engine.ledger import DIFF, trailers_of
from .repo.git import open_repo

FAULT_POINTS = ("journal", "tree", "commit-object", "write", "ref", "index")
PLANTED = {"notes/untracked-todo.txt": b"the user's own notes\n", "local.secret": b"ignored by .git/info/exclude\n"}


@dataclass
class Outcome:
    """How one kill ended."""

    case: str
    killed: bool            # the process died of SIGKILL (False: it finished before the kill)
    recovered: bool         # the next plain invocation reached the expected tree, all checks passed
    bytes_lost: int         # bytes of the planted user files that changed or vanished
    detail: str = ""


def migrate_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "migrate", *args]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def prepare_copy(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    for path, data in PLANTED.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(data)
    (dest / ".git" / "info").mkdir(exist_ok=True)
    with open(dest / ".git" / "info" / "exclude", "a") as exclude:
        exclude.write("local.secret\n")
    return dest


def run_case(template: Path, work: Path, args: list[str], expected_tree: str, *, fault: str | None = None,
             delay: float | None = None, name: str = "") -> Outcome:
    """Kill ``migrate <args>`` once (at ``fault`` = ``point:n``, or after ``delay`` seconds), then run it
    again plainly and check the result (see module doc)."""
    repo = prepare_copy(template, work)
    start = git(repo, "rev-parse", "HEAD")
    env = {**os.environ, **({"MIGRATE_FAULT": fault} if fault else {})}
    process = subprocess.Popen(migrate_command(*args, "--repo", str(repo)), env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if delay is not None:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    code = process.wait()
    killed = code == -signal.SIGKILL
    again = subprocess.run(migrate_command(*args, "--repo", str(repo)), capture_output=True, text=True)
    problems = []
    if again.returncode != 0:
        problems.append(f"the next run failed ({again.returncode}): {(again.stderr or again.stdout).strip()[-400:]}")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    if tree != expected_tree:
        problems.append(f"HEAD's tree is {tree[:12]}, an uninterrupted run gives {expected_tree[:12]}")
    problems += _unverified(repo, start)
    status = git(repo, "status", "--porcelain", "--untracked-files=no")
    if status:
        problems.append(f"the work tree is not clean: {status[:200]}")
    fsck = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=repo, capture_output=True, text=True)
    if fsck.returncode != 0:
        problems.append(f"git fsck: {fsck.stderr.strip()[:200]}")
    lost = sum(len(data) for path, data in PLANTED.items()
               if not (repo / path).is_file() or (repo / path).read_bytes() != data)
    shutil.rmtree(repo, ignore_errors=True)
    return Outcome(name or (fault or f"delay {delay:.2f}s"), killed, not problems and lost == 0, lost,
                   "; ".join(problems))


def _unverified(repo: Path, start: str) -> list[str]:
    """Step commits since ``start`` whose diff does not hash to their trailer (reverts have none)."""
    git_repo = open_repo(repo)
    bad = []
    for sha in git(repo, "rev-list", f"{start}..HEAD").split():
        planned = (trailers_of(repo, sha).get(DIFF) or [None])[0]
        if planned is None:
            continue
        try:
            verify_commit(git_repo, sha, planned)
        except Exception as exc:  # noqa: BLE001 — a report, not a crash
            bad.append(f"unverified commit {sha[:12]} on the branch: {exc}")
    return bad


def expected_tree(template: Path, work: Path, args: list[str]) -> str:
    """HEAD's tree after an uninterrupted ``migrate <args>`` on a copy of ``template``."""
    repo = prepare_copy(template, work)
    done = subprocess.run(migrate_command(*args, "--repo", str(repo)), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"uninterrupted run failed: {done.stderr or done.stdout}")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    shutil.rmtree(repo, ignore_errors=True)
    return tree


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start
