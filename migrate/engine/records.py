"""What the engine produces: plans of steps, run and rollback results, and the options of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import MigrateError
from ..graph import UNSYNCED
from ..playbook import Playbook, ReportEntry, Step
from ..repo.diffs import FileChange, diff_files, file_changes, sha256
from ..repo.redact import REDACTED
from .ledger import RunStatus

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GraphChanges:
    """How the step moved the graph's problems: ``new`` since the run started (unsynced ones
    are reported, synced ones fail), ``fixed`` by this step, ``pre_existing`` still there, and
    ``carried``: problems a node the run moved had before, now of the node it moved into (reported once,
    never a failure)."""

    new: tuple
    fixed: tuple
    pre_existing: tuple
    carried: tuple = ()

    def to_dict(self) -> dict:
        return {name: [r.to_dict() for r in getattr(self, name)]
                for name in ("new", "fixed", "pre_existing", "carried")}


@dataclass(frozen=True)
class RunOptions:
    """How ``run`` goes about it: a dry run or not; where to write snapshots (``snapshot_dir``);
    whether to (re)write the repo's approved snapshots (dry run only) or to check them."""

    dry_run: bool = False
    snapshot_dir: Path | None = None
    update_snapshots: bool = False
    check_snapshots: bool = True
    no_verify: bool = False     # skip the repository's git hooks (recorded as Migrate-No-Verify)


@dataclass
class StepPlan:
    """One step of a plan: what it changes, its diffs, report, graph changes and checks.

    ``planned`` is False for steps done by the run being resumed (``commit`` names their
    commit, or is "" when they had nothing to change) and for steps after a failing one.
    """

    index: int
    total: int
    step: Step
    planned: bool = False
    summary: str = ""
    details: list[str] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)
    changes: dict[str, str | None] = field(default_factory=dict)
    files: list[FileChange] = field(default_factory=list)
    diff: str = ""
    display_diff: str = ""
    diff_sha256: str = sha256("")
    graph: GraphChanges | None = None
    objects: list | None = None      # ObjectChange: what Argo CD would apply differently (None: not rendered)
    passed: list[str] = field(default_factory=list)
    error: MigrateError | None = None
    commit: str | None = None

    @property
    def name(self) -> str:
        return self.step.name

    def show(self, old: dict[str, str | None], new: dict[str, str | None]) -> None:
        """The step's files, its diff, the diff as shown (Secret values redacted) and the diff's hash, from
        the old and new texts of the paths it changes."""
        self.files = file_changes(old, new)
        self.diff = diff_files(old, new)
        self.display_diff = diff_files(old, new, redact=True)
        self.diff_sha256 = sha256(self.diff)

    def status_text(self) -> str:
        if self.commit:
            return f"already applied in {self.commit[:12]}"
        return "already applied (nothing to change)" if self.commit == "" else "an earlier step failed"

    def graph_text(self) -> list[str]:
        if self.graph is None:
            return []
        return [f"fixed: {r}" for r in self.graph.fixed] + [
            f"{'transitional (a later step of the run must fix it)' if r.kind == UNSYNCED else 'new'}: {r}"
            for r in self.graph.new] + [f"carried (was there before the run, in what this run merged): {r}"
                                        for r in self.graph.carried]

    def to_dict(self) -> dict:
        return {
            "index": self.index, "total": self.total, "name": self.name, "operation": self.step.operation,
            "description": self.step.description, "planned": self.planned, "summary": self.summary,
            "details": self.details, "report": [e.to_dict() for e in self.report],
            "files": [f.to_dict() for f in self.files], "diff": self.display_diff,
            "diff_sha256": self.diff_sha256, "graph": self.graph.to_dict() if self.graph else None,
            "objects": None if self.objects is None else [o.to_dict() for o in self.objects],
            "checks_passed": self.passed, "error": error_dict(self.error), "commit": self.commit,
        }


@dataclass
class Plan:
    """Everything ``run`` would do. ``applied_run`` is set when the playbook is already applied;
    ``run_id`` when an interrupted run is resumed (otherwise a new id is made at apply time).
    ``secret_params`` names the parameters whose value a step writes into a Secret's data:
    they are shown as ``<redacted>``."""

    playbook: Playbook
    params: dict[str, Any]
    repo: Path
    head: str
    steps: list[StepPlan]
    pre_existing: list = field(default_factory=list)
    run_id: str | None = None
    applied_run: "RunStatus | None" = None
    notes: list[str] = field(default_factory=list)
    blind_spots: list[str] = field(default_factory=list)
    unverified: list = field(default_factory=list)        # References that cannot be checked offline (graph)
    carries: dict = field(default_factory=dict)           # node -> node it moved into, over the steps so far
    unsettled: list = field(default_factory=list)         # Unsettled: decisions the user must make (with --set)
    secret_params: set[str] = field(default_factory=set)
    graph_before: Any = None      # DepGraph of the run's origin, and after its last planned step (review pages)
    graph_after: Any = None
    reverts: dict = field(default_factory=dict)    # a recorded run's step commit -> the commit reverting it
    stopped: bool = False                          # a recorded run that stopped before its last step

    @property
    def error(self) -> MigrateError | None:
        return next((s.error for s in self.steps if s.error is not None), None)

    @property
    def pending(self) -> list[StepPlan]:
        """Planned steps that change something (one commit each)."""
        return [s for s in self.steps if s.planned and s.changes]

    def shown_params(self) -> dict[str, Any]:
        """The parameters as reports may show them (values written into Secrets redacted)."""
        return {k: REDACTED if k in self.secret_params else v for k, v in self.params.items()}

    def pre_existing_text(self) -> list[str]:
        return [str(r) for r in self.pre_existing]

    def to_dict(self) -> dict:
        return {
            "playbook": self.playbook.name, "params": self.shown_params(), "head": self.head, "run_id": self.run_id,
            "already_applied": self.applied_run.to_dict() if self.applied_run else None,
            "notes": self.notes, "blind_spots": self.blind_spots, "pre_existing": self.pre_existing_text(),
            "unverified": [str(r) for r in self.unverified],
            "decisions": [setting for u in self.unsettled for setting in u.settings],
            "ok": self.error is None, "error": error_dict(self.error),
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass
class RunResult:
    """What ``run`` did: the plan, the run id and the commits made (step -> sha)."""

    plan: Plan
    dry_run: bool = False
    run_id: str | None = None
    commits: list[tuple[str, str]] = field(default_factory=list)
    snapshots: list[Path] = field(default_factory=list)
    no_verify: bool = False        # the repository's hooks were skipped (--no-verify)

    @property
    def already_applied(self) -> bool:
        return self.plan.applied_run is not None

    def to_dict(self) -> dict:
        return {"dry_run": self.dry_run, "run_id": self.run_id, "already_applied": self.already_applied,
                "no_verify": self.no_verify,
                "commits": [{"step": name, "sha": sha} for name, sha in self.commits],
                "snapshots": [str(p) for p in self.snapshots], "plan": self.plan.to_dict()}


@dataclass
class RollbackResult:
    """What ``rollback`` did: the run, revert commits made (reverted sha -> revert sha) and
    paths it left as later, unrelated commits have them."""

    run: RunStatus
    reverts: list[tuple[str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    already: bool = False

    def to_dict(self) -> dict:
        return {"run": self.run.to_dict(), "already_rolled_back": self.already,
                "reverts": [{"reverted": a, "revert": b} for a, b in self.reverts], "kept": self.kept}


def error_dict(error: MigrateError | None) -> dict | None:
    if error is None:
        return None
    return {"check": getattr(error, "check", None), "message": str(error), "path": error.path,
            "line": error.line}


