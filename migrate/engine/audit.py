"""Auditing migrate commits after the fact: ``migrate verify [RANGE]``, a guard for CI.

``audit(repo, rev_range)`` re-checks every commit of a ``git rev-list`` range that carries migrate's
trailers (step commits and rollback reverts), with the engine's own code, so that a hand-edited
"migration" cannot pass for one. Per commit:

- ``trailers``: a step carries Migrate-Playbook, -Step ``k/n name``, -Run, -Diff-Sha256 and
  -Params-Sha256, once each; the commits of one run agree on playbook, total and parameters, its
  step indices only increase (none twice, none above the total); a revert's Migrate-Revert-Of
  names an earlier step of its run, not reverted yet; Migrate-* lines git does not read as
  trailers are named too;
- ``verified-diff``: the commit's diff against its first parent hashes to its Migrate-Diff-Sha256
  (``apply.commit_diff_sha256``, what ``run`` checked when it made the commit);
- ``revert-diff``: a revert writes exactly what reverting its step onto its parent writes
  (``revert.revert_changes``, what ``rollback`` committed);
- ``no-new-dangling``: the graph at the commit has no new synced problem against its parent, judged
  the way the planner does (``verify.graph_changes``/``check_graph`` against the run's origin; a
  reference to a service nothing syncs any more may live until the run, or its rollback, ends,
  where ``check_run_end`` applies; a new node inheriting a problem the run started with carries it);
- ``snapshot``: when the parent's tree has approved snapshots of the playbook, the commit's
  displayed diff equals its ``NN-<step>.diff`` (``verify.check_snapshot``).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import MigrateError, UsageError, VerificationError
from ..graph import DepGraph, build_graph
from ..inventory import Inventory
from ..repo import git as gitops
from ..repo.git import git_toplevel
from ..repo.history import FIELD, HEADER, RECORD, parse_header
from ..repo.tracked import Tree
from .apply import commit_diff, commit_diff_sha256
from .consistency import Record, RecordFacts, label, run_facts
from .ledger import DIFF, KEYS, PLAYBOOK, RUN, STEP, StepCommit, fold_runs, trailer_lines
from .records import GraphChanges
from .report import snapshot_name
from .revert import revert_changes
from .snapshots import APPROVED_DIR
from .verify import check_graph, check_run_end, check_snapshot, graph_changes

TRAILERS, VERIFIED_DIFF, REVERT_DIFF, GRAPH, SNAPSHOT = ("trailers", "verified-diff", "revert-diff",
                                                         "no-new-dangling", "snapshot")
_EDITED = ("it was edited after migrate made it: revert it and re-run the playbook, or remove the Migrate-* "
           "trailers if it is not a migration")
_NOT_ROLLBACK = ("it is not what `migrate rollback` writes: revert it and roll the run back with `migrate rollback`, "
                 "or remove the Migrate-* trailers if it is not a rollback")
_REFUSED = ("migrate refuses a step that does this, so this is not what a verified run committed: fix the reference "
            "(`migrate graph --dangling` lists it), or revert the commit and re-run the playbook")
_UNAPPROVED = ("the change is not the one approved in .migrate/snapshots: revert it and re-run the playbook (or, if "
               "the new diff is intended, approve it with `migrate run P --dry-run --update-snapshots`)")
_FORMAT = f"{HEADER}{FIELD}%P{FIELD}%(trailers:only,unfold){FIELD}%B"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a migrate commit: the check, what to do, and the file and line if there is one."""

    check: str
    message: str
    path: str | None = None
    line: int | None = None

    def to_dict(self) -> dict:
        return {"check": self.check, "message": self.message, "path": self.path, "line": self.line}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.path and self.line else f"{self.path}: " if self.path else ""
        return f"[{self.check}] {where}{self.message}"


@dataclass
class AuditedCommit:
    """A migrate commit of the range and its problems (none: it checks out). ``step``: ``k/n name`` as
    recorded (a revert: the step it reverts, when that is known)."""

    sha: str
    subject: str
    kind: str                     # step | revert
    playbook: str | None
    run: str | None
    step: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def title(self) -> str:
        what = f"step {self.step or '?'}" if self.kind == "step" else f"revert of step {self.step or '?'}"
        return f"{self.sha[:12]} {self.subject} ({self.playbook or '?'} {what})"

    def to_dict(self) -> dict:
        return {"sha": self.sha, "subject": self.subject, "playbook": self.playbook, "run": self.run,
                "step": self.step, "kind": self.kind, "problems": [p.to_dict() for p in self.problems]}


@dataclass
class AuditReport:
    """What ``migrate verify`` found: the migrate commits of ``range`` (oldest first), each checked;
    ``scanned``: how many commits the range has."""

    range: str
    commits: list[AuditedCommit]
    scanned: int = 0

    @property
    def problems(self) -> int:
        return sum(len(c.problems) for c in self.commits)

    @property
    def ok(self) -> bool:
        return self.problems == 0

    def verdict(self) -> str:
        if not self.commits:
            return f"no migrate commit in {self.range} ({self.scanned} commit(s)): nothing to verify"
        if self.ok:
            return f"{len(self.commits)} migrate commit(s) in {self.range} verified"
        failed = sum(1 for c in self.commits if not c.ok)
        return f"{self.problems} problem(s) in {failed} migrate commit(s) (of {len(self.commits)} in {self.range})"

    def to_dict(self) -> dict:
        return {"range": self.range, "commits": [c.to_dict() for c in self.commits], "problems": self.problems,
                "ok": self.ok}


Progress = Callable[[str], None]


def audit(repo: Path | str = ".", rev_range: str | None = None, *, progress: Progress | None = None) -> AuditReport:
    """Re-check every migrate commit of ``rev_range`` (anything ``git rev-list`` takes; default: the
    history of HEAD). Raises UsageError for a range git cannot resolve."""
    root = git_toplevel(Path(repo))
    text = "HEAD" if rev_range is None else rev_range
    shas = _rev_list(root, text)
    records = _records(root, shas)
    runs = fold_runs((r.commit, r.trailers, r.message) for r in records)
    facts = run_facts(records, runs)
    auditor = _Auditor(root)
    commits = []
    in_range = set(shas)
    for record in records:
        if record.sha in in_range and record.is_migrate:
            (progress or (lambda _: None))(f"checking {record.sha[:12]} {record.commit.subject}")
            commits.append(auditor.check(record, facts[record.sha]))
    return AuditReport(text, commits, len(shas))


def _rev_list(root: Path, text: str) -> list[str]:
    proc = subprocess.run(["git", "rev-list", "--end-of-options", text, "--"], cwd=root, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        lines = [line.removeprefix("fatal: ") for line in proc.stderr.splitlines() if line.strip()]
        raise UsageError(f"cannot resolve the revision range {text!r}: {lines[0] if lines else 'git rev-list failed'}")
    return proc.stdout.split()


def _records(root: Path, shas: list[str]) -> list[Record]:
    """The migrate commits (and reverts of commits) of the history of ``shas``, oldest first."""
    if not shas:
        return []
    proc = subprocess.run(["git", "log", "--stdin", "--reverse", "--topo-order", "--no-renames", "-E",
                           f"--grep=^({'|'.join(KEYS)})[[:space:]]*:", "--grep=^This reverts commit", f"--format={_FORMAT}"],
                          cwd=root, capture_output=True, input="\n".join(shas) + "\n", text=True)
    if proc.returncode != 0:
        raise MigrateError(f"git log failed in {root}: {proc.stderr.strip()}")
    records = []
    for raw in proc.stdout.split(RECORD)[1:]:
        *header, parents, trailers, message = raw.split(FIELD, 6)
        records.append(Record(parse_header(FIELD.join(header)), parents.split(), trailer_lines(trailers),
                               message))
    return records


class _Auditor:
    """Checks one migrate commit at a time; graphs are built once per commit."""

    def __init__(self, root: Path):
        self.root = root
        self.git = gitops.open_repo(root)
        self._trees: dict[str, Tree] = {}
        self._graphs: dict[str, DepGraph] = {}

    def check(self, record: Record, facts: RecordFacts) -> AuditedCommit:
        reverted = label(facts.step) if facts.step is not None else None
        audited = AuditedCommit(record.sha, record.commit.subject, record.kind, record.value(PLAYBOOK),
                                record.value(RUN), record.value(STEP) if record.kind == "step" else reverted)
        audited.problems += [Problem(TRAILERS, message) for message in facts.problems]
        if record.stray:
            return audited
        if len(record.parents) != 1:
            audited.problems.append(Problem(TRAILERS, f"a migrate commit has exactly one parent; this one has "
                                                      f"{len(record.parents)}: {_EDITED}"))
            return audited
        if record.kind == "step":
            audited.problems += self._step_content(record, facts)
        elif facts.step is not None:
            audited.problems += self._revert_content(record, facts.step)
        audited.problems += self._graph(record, facts)
        return audited

    # -- diffs ---------------------------------------------------------------------------------
    def _step_content(self, record: Record, facts: RecordFacts) -> list[Problem]:
        recorded = record.value(DIFF)
        try:
            actual = commit_diff_sha256(self.git, record.sha)
            shown = commit_diff(self.git, record.sha, redact=True)
        except UnicodeDecodeError:
            return [Problem(VERIFIED_DIFF, f"it changes a file that is not UTF-8 text, which migrate never does: "
                                           f"{_EDITED}")]
        problems = []
        if recorded and actual != recorded:
            problems.append(Problem(VERIFIED_DIFF, f"this commit's diff hashes to {actual[:12]}…, not to its "
                                                   f"{DIFF} {recorded[:12]}…: {_EDITED}"))
        if facts.step is not None:
            problems += self._snapshot(record, facts.step, shown)
        return problems

    def _snapshot(self, record: Record, step: StepCommit, shown: str) -> list[Problem]:
        playbook = record.value(PLAYBOOK)
        folder = f"{APPROVED_DIR}/{playbook}"
        parent = self._tree(record.parents[0])
        if not playbook or not parent.is_dir(folder):
            return []
        name = snapshot_name(step.index, step.name)
        with tempfile.TemporaryDirectory(prefix="migrate-verify-") as tmp:
            local = Path(tmp) / folder
            local.mkdir(parents=True)
            if parent.exists(f"{folder}/{name}"):
                (local / name).write_bytes(parent.read_bytes(f"{folder}/{name}"))
            try:
                check_snapshot(local, step.index, step.name, shown)
            except VerificationError as error:
                message = error.args[0].removeprefix(f"[{error.check}] ").replace(f"{tmp}/", "")
                message = re.sub(r" \([^()]*\)$", "", message)   # the planner's advice is for a dry run
                return [Problem(SNAPSHOT, f"{message}: {_UNAPPROVED}", f"{folder}/{name}", error.line)]
        return []

    def _revert_content(self, record: Record, step: StepCommit) -> list[Problem]:
        parent = record.parents[0]
        try:
            expected = revert_changes(self.git, step.sha, onto=parent)
            changed = set(gitops.commit_files(self.git, record.sha))
            paths = changed | set(expected or {})
            before, after = gitops.contents_at(self.git, parent, paths), gitops.contents_at(self.git, record.sha, paths)
        except UnicodeDecodeError:
            return [Problem(REVERT_DIFF, f"it changes a file that is not UTF-8 text: {_NOT_ROLLBACK}")]
        if expected is None:
            return [Problem(REVERT_DIFF, f"reverting {step.sha[:12]} onto this commit's parent conflicts, and "
                                         f"`migrate rollback` never commits a conflict: {_NOT_ROLLBACK}")]
        wanted = {p: text for p, text in expected.items() if text != before[p]}
        problems = []
        for path in sorted(paths):
            if path not in wanted and path in changed:
                problems.append(Problem(REVERT_DIFF, f"it changes a file reverting {step.sha[:12]} does not "
                                                     f"change: {_NOT_ROLLBACK}", path))
            elif path in wanted and after[path] != wanted[path]:
                what = "does not restore" if path not in changed else "is not as reverting it leaves"
                problems.append(Problem(REVERT_DIFF, f"the file {what} it after reverting {step.sha[:12]}: "
                                                     f"{_NOT_ROLLBACK}", path, _first_difference(after[path],
                                                                                                 wanted[path])))
        return problems

    # -- the graph -----------------------------------------------------------------------------
    def _graph(self, record: Record, facts: RecordFacts) -> list[Problem]:
        try:
            origin = self._graph_at(facts.origin or record.parents[0])
            parent, after_graph = self._graph_at(record.parents[0]), self._graph_at(record.sha)
        except MigrateError as error:
            return [Problem(GRAPH, f"the graph could not be built: {error}")]
        pre = origin.problems()
        before, after = parent.problems(baseline=origin), after_graph.problems(baseline=origin)
        changes = graph_changes(pre, before, after, _inherited(pre, before, after, parent))
        known = {r.key for r in before}
        problems = [_refusal(check_graph, GraphChanges((ref,), (), ())) for ref in changes.new if ref.key not in known]
        if facts.ends:
            problems += [_refusal(check_run_end, pre, [ref]) for ref in after]
        return [p for p in problems if p is not None]

    def _tree(self, sha: str) -> Tree:
        if sha not in self._trees:
            self._trees[sha] = Tree.from_commit(self.root, sha)
        return self._trees[sha]

    def _graph_at(self, sha: str) -> DepGraph:
        if sha not in self._graphs:
            self._graphs[sha] = build_graph(Inventory.load(self._tree(sha)))
        return self._graphs[sha]


def _inherited(pre: list, before: list, after: list, parent: DepGraph) -> dict[str, str]:
    """``graph_changes``' carries, seen from the commits: a node this commit made that has a problem one of the
    run's origin had (same kind, edge and target) carries it (a merged service's call, in its new home)."""
    old = {r.key for r in before} | {r.key for r in pre}
    carries = {}
    for ref in after:
        if ref.key in old or (ref.source in parent.g and not parent.g.nodes[ref.source].get("missing")):
            continue
        for origin in pre:
            if (origin.kind, origin.edge, origin.target) == (ref.kind, ref.edge, ref.target):
                carries.setdefault(origin.source, ref.source)
    return carries


def _refusal(check, *args) -> Problem | None:
    """The planner's graph check on one reference, as a Problem (None: it passes)."""
    try:
        check(*args)
    except VerificationError as error:
        message = error.args[0].removeprefix(f"[{error.check}] ")
        return Problem(error.check, f"{message}: {_REFUSED}", error.path, error.line)
    return None


def _first_difference(a: str | None, b: str | None) -> int | None:
    if a is None or b is None:
        return None
    pairs = list(zip(a.splitlines(keepends=True), b.splitlines(keepends=True)))
    return next((n for n, (x, y) in enumerate(pairs, start=1) if x != y), len(pairs) + 1)
