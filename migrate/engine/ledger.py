"""The run ledger: what a run records in its commits' trailers, and reading it back.

Commit trailers are the only state of ``migrate``: no database, no state file. A step commit
carries ``Migrate-Playbook``, ``Migrate-Step: <k>/<n> <name>``, ``Migrate-Run``,
``Migrate-Diff-Sha256``, ``Migrate-Params-Sha256`` (and, on a run's last commit,
``Migrate-Skipped`` for steps that had nothing to change); a rollback's revert commit carries
``Migrate-Revert-Of``. This module writes them (``step_trailers``, ``revert_trailers``,
``commit_message``) and reads them back with git's own trailer parsing (``git log
--format=%(trailers)``, ``git interpret-trailers --parse``) into ``Run`` records:
``find_runs`` and ``status``. A plain ``git revert`` of a step counts as reverting it.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import RepoError
from ..repo.diffs import sha256
from ..repo.git import git_log, git_toplevel, open_repo
from ..repo.history import FIELD, HEADER, RECORD, Commit, history_report as app_history_report, parse_header

PLAYBOOK, STEP, RUN, DIFF, PARAMS = ("Migrate-Playbook", "Migrate-Step", "Migrate-Run", "Migrate-Diff-Sha256",
                                     "Migrate-Params-Sha256")
SKIPPED, REVERT_OF = "Migrate-Skipped", "Migrate-Revert-Of"
NO_VERIFY = "Migrate-No-Verify"   # the run skipped the repository's git hooks (--no-verify)
KEYS = (PLAYBOOK, STEP, RUN, DIFF, PARAMS, SKIPPED, REVERT_OF, NO_VERIFY)   # every trailer migrate writes
STEP_VALUE = re.compile(r"^(?P<index>\d+)/(?P<total>\d+)\s+(?P<name>\S+)$")   # Migrate-Step's value
_REVERTS_BODY = re.compile(r"^This reverts commit (?P<sha>[0-9a-f]{7,64})", re.MULTILINE)


# --- writing -----------------------------------------------------------------------------------
def step_trailers(playbook: str, index: int, total: int, step: str, run_id: str, diff_sha256: str,
                  params_sha256: str, skipped: Iterable[tuple[int, int, str]] = ()) -> list[tuple[str, str]]:
    """The trailers of one step's commit (``skipped``: (index, total, name) of steps with nothing to do)."""
    return [(PLAYBOOK, playbook), (STEP, f"{index}/{total} {step}"), (RUN, run_id), (DIFF, diff_sha256),
            (PARAMS, params_sha256), *((SKIPPED, f"{i}/{n} {name}") for i, n, name in skipped)]


def revert_trailers(playbook: str, run_id: str, reverted: str) -> list[tuple[str, str]]:
    return [(PLAYBOOK, playbook), (RUN, run_id), (REVERT_OF, reverted)]


def commit_message(summary: str, details: Iterable[str], trailers: Iterable[tuple[str, str]]) -> str:
    """``summary`` (one line), blank, details, blank, ``Key: value`` trailers."""
    subject = " ".join(summary.split())
    body = "\n".join(line.rstrip() for line in details).strip("\n")
    tail = "\n".join(f"{key}: {value}" for key, value in trailers)
    return "\n\n".join(part for part in (subject, body, tail) if part) + "\n"


def params_digest(values: Mapping[str, Any]) -> str:
    """The ``Migrate-Params-Sha256`` of resolved parameters: which run is "the same run" again
    (a hash, so that no parameter value is ever written into history)."""
    return sha256(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str))


def make_run_id(playbook: str, now: datetime | None = None) -> str:
    """``<initials>-<UTC timestamp>-<6 hex>``, e.g. ``cb-20261125T203000-1a2b3c``."""
    initials = "".join(word[0] for word in playbook.split("-") if word)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S")
    return f"{initials}-{stamp}-{secrets.token_hex(3)}"


# --- reading: git's trailer parsing ------------------------------------------------------------------
def trailer_lines(text: str) -> dict[str, list[str]]:
    """``Key: value`` lines (as git prints parsed, unfolded trailers) -> key -> values."""
    trailers: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            trailers.setdefault(key.strip(), []).append(value.strip())
    return trailers


def parse_trailers(message: str) -> dict[str, list[str]]:
    """The trailers of a commit message, as git parses them (``git interpret-trailers --parse``):
    the last paragraph, when it is made of trailers, after at least one other paragraph."""
    proc = subprocess.run(["git", "interpret-trailers", "--parse"], input=message, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RepoError(f"git interpret-trailers failed: {proc.stderr.strip()}")
    return trailer_lines(proc.stdout)


def trailers_of(repo_root: Path | str, sha: str) -> dict[str, list[str]]:
    """The trailers of commit ``sha``, as git parses them."""
    repo = open_repo(repo_root)
    return trailer_lines(repo.git.log("-1", "--format=%(trailers:only,unfold)", sha))


def _first(trailers: dict[str, list[str]], key: str) -> str | None:
    return trailers[key][0] if trailers.get(key) else None


# --- runs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepCommit:
    """A commit made by one step of a run (``Migrate-Step: <index>/<total> <name>``)."""

    sha: str
    index: int
    total: int
    name: str
    diff_sha256: str | None
    date: datetime
    params_sha256: str | None = None   # ``Migrate-Params-Sha256``: which parameters the run had
    skipped: frozenset[int] = frozenset()   # ``Migrate-Skipped``: steps with nothing to change

    def to_dict(self) -> dict:
        return {"sha": self.sha, "index": self.index, "total": self.total, "name": self.name,
                "diff_sha256": self.diff_sha256, "date": self.date.isoformat(),
                "params_sha256": self.params_sha256}


@dataclass(frozen=True)
class RevertCommit:
    """A commit that reverted ``revert_of`` (by ``migrate rollback`` or a plain ``git revert``)."""

    sha: str
    revert_of: str
    date: datetime

    def to_dict(self) -> dict:
        return {"sha": self.sha, "revert_of": self.revert_of, "date": self.date.isoformat()}


@dataclass
class Run:
    """One run of a playbook, as its commits record it: steps and reverts, oldest first."""

    playbook: str
    run_id: str
    steps: list[StepCommit] = field(default_factory=list)
    reverts: list[RevertCommit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return max((s.total for s in self.steps), default=0)

    @property
    def complete(self) -> bool:
        """Every step 1..total has a commit."""
        return bool(self.steps) and {s.index for s in self.steps} >= set(range(1, self.total + 1))

    @property
    def rolled_back(self) -> bool:
        """Every step commit has been reverted."""
        reverted = {r.revert_of for r in self.reverts}
        return bool(self.steps) and all(s.sha in reverted for s in self.steps)

    @property
    def params_sha256(self) -> str | None:
        """The hash of the run's resolved parameters (None: recorded before runs carried it)."""
        return next((s.params_sha256 for s in self.steps if s.params_sha256), None)

    @property
    def last_step(self) -> StepCommit | None:
        """The step with the highest index (where an interrupted run resumes after)."""
        return max(self.steps, key=lambda s: s.index, default=None)

    def to_dict(self) -> dict:
        return {"playbook": self.playbook, "run_id": self.run_id, "total": self.total,
                "complete": self.complete, "rolled_back": self.rolled_back,
                "steps": [s.to_dict() for s in self.steps], "reverts": [r.to_dict() for r in self.reverts]}


class _RunCollector:
    """Folds migrate commits, oldest first, into runs."""

    def __init__(self):
        self.runs: dict[str, Run] = {}
        self._step_owner: dict[str, Run] = {}

    def add(self, commit: Commit, trailers: dict[str, list[str]], body: str) -> None:
        reverted = _first(trailers, REVERT_OF) or _reverted_in_body(body)
        if reverted:
            self._add_revert(commit, reverted, _first(trailers, RUN))
        else:
            self._add_step(commit, trailers)

    def _add_step(self, commit: Commit, trailers: dict[str, list[str]]) -> None:
        run_id, playbook = _first(trailers, RUN), _first(trailers, PLAYBOOK)
        step = STEP_VALUE.match(_first(trailers, STEP) or "")
        if not (run_id and playbook and step):
            return
        run = self.runs.setdefault(run_id, Run(playbook, run_id))
        run.steps.append(StepCommit(commit.sha, int(step["index"]), int(step["total"]), step["name"],
                                    _first(trailers, DIFF), commit.date, _first(trailers, PARAMS),
                                    frozenset(_skipped_indices(trailers))))
        self._step_owner[commit.sha] = run

    def _add_revert(self, commit: Commit, reverted: str, run_id: str | None) -> None:
        target = next((sha for sha in self._step_owner if sha.startswith(reverted)), reverted)
        run = self.runs.get(run_id or "") or self._step_owner.get(target)
        if run is not None:
            run.reverts.append(RevertCommit(commit.sha, target, commit.date))


def _reverted_in_body(message: str) -> str | None:
    match = _REVERTS_BODY.search(message)
    return match["sha"] if match else None


def _skipped_indices(trailers: dict[str, list[str]]) -> list[int]:
    values = trailers.get(SKIPPED, [])
    return [int(v.split("/")[0]) for v in values if v.split("/")[0].isdigit()]


def find_runs(repo_root: Path | str) -> list[Run]:
    """Earlier migrate runs recorded in the history of HEAD, oldest first."""
    repo = open_repo(repo_root)
    out = git_log(repo, "-E", f"--grep=^({RUN}|{REVERT_OF}):", "--grep=^This reverts commit",
                  f"--format={HEADER}{FIELD}%(trailers:only,unfold){FIELD}%b")
    records = []
    for record in out.split(RECORD)[1:]:
        *header, trailers, body = record.split(FIELD, 5)
        records.append((parse_header(FIELD.join(header)), trailer_lines(trailers), body))
    return fold_runs(records)


def fold_runs(commits: Iterable[tuple[Commit, dict[str, list[str]], str]]) -> list[Run]:
    """Migrate commits, oldest first (each: the commit, its trailers, its body), folded into runs."""
    collector = _RunCollector()
    for commit, trailers, body in commits:
        collector.add(commit, trailers, body)
    return list(collector.runs.values())


@dataclass
class RunStatus:
    """A run found in history plus the steps its last commit records as skipped."""

    run: Run
    skipped: frozenset[int] = frozenset()

    @property
    def complete(self) -> bool:
        done = {s.index for s in self.run.steps} | self.skipped
        return bool(self.run.steps) and done >= set(range(1, self.run.total + 1))

    @property
    def state(self) -> str:
        if self.run.rolled_back:
            return "rolled back"
        if self.run.reverts:
            return "partly reverted"
        return "complete" if self.complete else "incomplete"

    @property
    def last_commit(self) -> str:
        return self.run.last_step.sha

    def to_dict(self) -> dict:
        return {**self.run.to_dict(), "complete": self.complete, "state": self.state,
                "skipped": sorted(self.skipped)}


def status(repo: Path | str = ".") -> list[RunStatus]:
    """Runs recorded in the history of HEAD, oldest first."""
    root = git_toplevel(Path(repo))
    return [RunStatus(run, run.last_step.skipped if run.steps else frozenset()) for run in find_runs(root)]


def history_report(repo_root: Path | str, inventory, app: str | None = None, coupling: bool = False) -> dict:
    """What ``migrate history`` prints: per application (``repo.history``), plus the earlier runs."""
    data = app_history_report(repo_root, inventory.applications, app=app, coupling=coupling)
    data["runs"] = [r.to_dict() for r in find_runs(repo_root)]
    return data
