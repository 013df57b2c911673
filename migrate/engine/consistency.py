"""The ``trailers`` check of ``migrate verify``: a history's migrate commits, read oldest first, make runs.

A ``Record`` is one commit of the history that carries migrate's trailers (or reverts a commit), read
with git's trailer parsing. ``run_facts`` goes through them in order, as the ledger folds them into
runs (``ledger.fold_runs``), and says of each migrate commit what is wrong with its trailers, which
step it is (or reverts), where its run started (the origin the planner judged the graph against) and
whether it ends the run or its rollback (where the run-end graph check applies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..repo.history import Commit
from .ledger import DIFF, KEYS, PARAMS, PLAYBOOK, REVERT_OF, RUN, SKIPPED, STEP, STEP_VALUE, Run, StepCommit

REQUIRED = (PLAYBOOK, STEP, RUN, DIFF, PARAMS)
_STRAY = re.compile(rf"^(?:{'|'.join(KEYS)})\s*:", re.MULTILINE)
_REVERT_LINE = re.compile(rf"^{REVERT_OF}\s*:", re.MULTILINE)
_RESTORE = ("restore the trailers migrate wrote (the run's other commits and `migrate status` show them), or "
            "remove the Migrate-* trailers if it is not a migration")
_COPIED = ("the run's commits were reordered, cherry-picked or copied: revert this commit (then `migrate run` or "
           "`migrate rollback` again), or remove its Migrate-* trailers if it is not a migration")


@dataclass
class Record:
    """A commit that migrate made or that reverts one: the commit, its first and other parents, its trailers
    (as git parses them) and its raw message."""

    commit: Commit
    parents: list[str]
    trailers: dict[str, list[str]]
    message: str

    @property
    def sha(self) -> str:
        return self.commit.sha

    def value(self, key: str) -> str | None:
        return self.trailers[key][0] if self.trailers.get(key) else None

    @property
    def stray(self) -> bool:
        """Migrate-* lines in the message, none of which git reads as a trailer."""
        return not any(k in self.trailers for k in KEYS) and bool(_STRAY.search(self.message))

    @property
    def is_migrate(self) -> bool:
        return any(k in self.trailers for k in KEYS) or self.stray

    @property
    def kind(self) -> str:
        return "revert" if REVERT_OF in self.trailers or _REVERT_LINE.search(self.message) else "step"


@dataclass
class RecordFacts:
    """What the history says of one migrate commit (see module doc); ``ends`` is True when nothing says a
    later commit of the run may still fix what it leaves."""

    problems: list[str] = field(default_factory=list)
    step: StepCommit | None = None
    origin: str | None = None
    ends: bool = True


def label(step: StepCommit) -> str:
    """``k/n name``, as Migrate-Step records it."""
    return f"{step.index}/{step.total} {step.name}"


def run_facts(records: list[Record], runs: list[Run]) -> dict[str, RecordFacts]:
    """The facts of every migrate commit of ``records`` (oldest first; ``runs``: them folded by the ledger)."""
    reader = _Reader(records, runs)
    return {r.sha: reader.facts(r) for r in records if r.is_migrate}


class _Reader:
    def __init__(self, records: list[Record], runs: list[Run]):
        self.position = {r.sha: i for i, r in enumerate(records)}
        self.records = {r.sha: r for r in records}
        self.runs = {r.run_id: r for r in runs}
        self.seen: dict[str, list[Record]] = {}      # run id -> its step commits so far

    def facts(self, record: Record) -> RecordFacts:
        if record.stray:
            return RecordFacts([f"its Migrate-* lines are not the message's trailers (git reads none: a line after "
                                f"them, or no blank line before them), so migrate does not see a migration: {_RESTORE}"])
        return self._step(record) if record.kind == "step" else self._revert(record)

    def _before(self, sha: str, record: Record, inclusive: bool = False) -> bool:
        here, there = self.position[record.sha], self.position.get(sha, len(self.position))
        return there <= here if inclusive else there < here

    def _origin(self, run: Run) -> str | None:
        first = self.records.get(run.steps[0].sha) if run.steps else None
        return first.parents[0] if first is not None and first.parents else None

    # -- step commits --------------------------------------------------------------------------
    def _step(self, record: Record) -> RecordFacts:
        problems = _counts(record, REQUIRED, "a step commit")
        value = record.value(STEP)
        match = STEP_VALUE.match(value or "")
        if value and not match:
            problems.append(f"its {STEP} is {value!r}, not '<index>/<total> <name>': {_RESTORE}")
        if match:
            problems += _step_numbers(record, int(match["index"]), int(match["total"]))
        run_id = record.value(RUN)
        if run_id:
            earlier = self.seen.setdefault(run_id, [])
            problems += _agrees(record, earlier, run_id)
            earlier.append(record)
        run = self.runs.get(run_id or "")
        step = next((s for s in run.steps if s.sha == record.sha), None) if run else None
        if run is None or step is None:
            return RecordFacts(problems)
        done = {s.index for s in run.steps if self._before(s.sha, record, inclusive=True)} | step.skipped
        ends = step.index >= step.total or done >= set(range(1, step.total + 1))
        return RecordFacts(problems, step, self._origin(run), ends)

    # -- revert commits ------------------------------------------------------------------------
    def _revert(self, record: Record) -> RecordFacts:
        problems = _counts(record, (PLAYBOOK, RUN, REVERT_OF), "a revert commit")
        both = [key for key in (STEP, DIFF) if key in record.trailers]
        if both:
            problems.append(f"it carries {' and '.join(both)} as well as {REVERT_OF}: a migrate commit is a step or "
                            f"a revert, not both: {_RESTORE}")
        target, run_id = record.value(REVERT_OF), record.value(RUN)
        run = self.runs.get(run_id or "")
        steps = [s for s in run.steps if s.sha.startswith(target) and self._before(s.sha, record)] \
            if run is not None and target else []
        if not steps:
            if target:
                owner = next((r.run_id for r in self.runs.values() for s in r.steps
                              if s.sha.startswith(target) and r.run_id != run_id), None)
                of = f"a step of run {owner}, not of {run_id}" if owner else f"no earlier step commit of run {run_id}"
                problems.append(f"its {REVERT_OF} {target[:12]} is {of}: {_RESTORE}")
            return RecordFacts(problems)
        step = steps[0]
        if record.value(PLAYBOOK) and record.value(PLAYBOOK) != run.playbook:
            problems.append(f"its {PLAYBOOK} {record.value(PLAYBOOK)!r} is not its run's ({run.playbook!r}): {_RESTORE}")
        already = next((r for r in run.reverts if r.revert_of == step.sha and self._before(r.sha, record)), None)
        if already is not None:
            problems.append(f"step {label(step)} ({step.sha[:12]}) was already reverted by {already.sha[:12]}: "
                            f"{_COPIED}")
        reverted = {r.revert_of for r in run.reverts if self._before(r.sha, record, inclusive=True)}
        ends = all(s.sha in reverted for s in run.steps if self._before(s.sha, record))
        return RecordFacts(problems, step, self._origin(run), ends)


def _counts(record: Record, keys: tuple[str, ...], what: str) -> list[str]:
    """Each of ``keys`` is a trailer of ``record``, once."""
    missing = [key for key in keys if not record.trailers.get(key)]
    problems = [f"it has {len(record.trailers[key])} {key} trailers, where {what} of migrate has one: {_RESTORE}"
                for key in keys if len(record.trailers.get(key, [])) > 1]
    if missing:
        names = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        problems.insert(0, f"it has no {names} trailer{'s' if len(missing) > 1 else ''}, which {what} of migrate "
                           f"always has ({', '.join(keys)}): {_RESTORE}")
    return problems


def _step_numbers(record: Record, index: int, total: int) -> list[str]:
    problems = []
    if not 1 <= index <= total:
        problems.append(f"it is step {index} of {total}: a step's index is between 1 and its run's total: {_RESTORE}")
    for value in record.trailers.get(SKIPPED, []):
        skipped = STEP_VALUE.match(value)
        if skipped is None or int(skipped["total"]) != total or not 1 <= int(skipped["index"]) <= total:
            problems.append(f"its {SKIPPED} {value!r} is no step of a run of {total}: {_RESTORE}")
    return problems


def _agrees(record: Record, earlier: list[Record], run_id: str) -> list[str]:
    """The run's earlier commits and this one agree on playbook, total and parameters; its index is new and
    higher than theirs."""
    if not earlier:
        return []
    first, problems = earlier[0], []
    mine = STEP_VALUE.match(record.value(STEP) or "")
    theirs = STEP_VALUE.match(first.value(STEP) or "")
    facts = [(PLAYBOOK, record.value(PLAYBOOK), first.value(PLAYBOOK)), (PARAMS, record.value(PARAMS), first.value(PARAMS)),
             ("total of " + STEP, mine and mine["total"], theirs and theirs["total"])]
    for what, value, expected in facts:
        if value and expected and value != expected:
            problems.append(f"its {what} {value!r} differs from {expected!r} in {first.sha[:12]}, the first commit of "
                            f"run {run_id}: {_COPIED}")
    if mine is None:
        return problems
    index = int(mine["index"])
    indices = [(int(m["index"]), r) for r in earlier if (m := STEP_VALUE.match(r.value(STEP) or ""))]
    same = next((r for i, r in indices if i == index), None)
    if same is not None:
        problems.append(f"step {index} of run {run_id} was already committed by {same.sha[:12]}: {_COPIED}")
    elif indices and index < max(i for i, _ in indices):
        top, by = max(indices, key=lambda pair: pair[0])
        problems.append(f"step {index} comes after step {top} ({by.sha[:12]}) of run {run_id}, and a run commits "
                        f"its steps in order: {_COPIED}")
    return problems
