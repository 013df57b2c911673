"""The playbook engine: plan, verify, commit, revert — with history as the record.

A run = load -> graph -> plan -> for each step: edit in memory -> diff -> verify -> write ->
commit. ``plan`` computes and verifies every step in memory (``verify``) and touches nothing;
``apply.run`` commits them one by one, each commit's diff re-hashed against its trailer;
``revert.rollback`` reverts a run. ``ledger`` writes and reads the commit trailers that are
the only state (``status``: the runs in history); ``lock`` keeps runs one at a time;
``snapshots`` and ``report`` are what a reviewer reads; ``records`` what the engine returns;
``audit`` re-checks the migrate commits of a history after the fact (``migrate verify``).
"""

from .apply import run, verify_commit
from .audit import AuditReport, audit
from .ledger import RunStatus, find_runs, history_report, make_run_id, params_digest, parse_trailers, status
from .plan import plan
from .records import Plan, RollbackResult, RunOptions, RunResult, StepPlan
from .revert import rollback
from .transaction import recover_repo, run_state

__all__ = ["AuditReport", "Plan", "RollbackResult", "RunOptions", "RunResult", "RunStatus", "StepPlan", "audit", "find_runs",
           "history_report", "make_run_id", "params_digest", "parse_trailers", "plan", "recover_repo", "rollback", "run", "run_state", "status",
           "verify_commit"]
