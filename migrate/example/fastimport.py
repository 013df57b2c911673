"""Writes recorded commits into a new git repository with ``git fast-import``.

Deterministic by construction: author and committer identities and dates come from the
commits, the branch is fixed, and git runs without the user's global/system config (no
signing, no hooks, no templates). A revert's message gets the real sha of the commit it
reverts through fast-import's ``get-mark`` command, in the same import.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import MigrateError
from .recorder import REVERTED_SHA, Commit, Person

BRANCH = "main"


def git_env() -> dict[str, str]:
    """The environment for our git calls: no user/system config, no inherited GIT_* redirections."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    return env


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; its stdout, or MigrateError with git's message."""
    proc = subprocess.run(["git", *args], cwd=repo, env=git_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise MigrateError(f"git {' '.join(args)} failed: {proc.stderr.strip()}", path=str(repo))
    return proc.stdout


def create_repository(repo: Path, commits: list[Commit]) -> str:
    """``git init`` + fast-import of ``commits`` on ``main`` + clean checkout; returns the HEAD sha."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet", "--template=", f"--initial-branch={BRANCH}")
    _import(repo, commits)
    git(repo, "reset", "--quiet", "--hard", BRANCH)
    return git(repo, "rev-parse", "HEAD").strip()


def _import(repo: Path, commits: list[Commit]) -> None:
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=repo, env=git_env(),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for mark, commit in enumerate(commits, 1):
                message = commit.message
                if commit.reverts is not None:
                    message = message.replace(REVERTED_SHA, _sha_of_mark(proc, commit.reverts + 1))
                proc.stdin.write(_commit_command(mark, commit, message))
            proc.stdin.write(b"done\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass
        if proc.wait() != 0:
            errors.seek(0)
            raise MigrateError(f"git fast-import failed: {errors.read().decode(errors='replace').strip()}",
                               path=str(repo))


def _sha_of_mark(proc: subprocess.Popen, mark: int) -> str:
    proc.stdin.write(f"get-mark :{mark}\n".encode())
    proc.stdin.flush()
    return proc.stdout.readline().decode().strip()


def _ident(person: Person, when: int) -> str:
    return f"{person.name} <{person.email}> {when} +0900"


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _commit_command(mark: int, commit: Commit, message: str) -> bytes:
    ident = _ident(commit.author, commit.when)
    parts = [f"commit refs/heads/{BRANCH}\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n".encode(),
             _data(message.encode("utf-8"))]
    if mark > 1:
        parts.append(f"from :{mark - 1}\n".encode())
    for path, text in sorted(commit.changes.items()):
        if text is None:
            parts.append(f"D {path}\n".encode("utf-8"))
        else:
            parts.append(f"M 100644 inline {path}\n".encode("utf-8") + _data(text.encode("utf-8")))
    parts.append(b"\n")
    return b"".join(parts)
