"""migrate: restructure GitOps repositories safely, one verified, reversible step at a time.

The library API (the ``migrate`` command is a thin layer over it)::

    from migrate import plan, run, rollback, status, load_playbook, Inventory, build_graph, Tree

    the_plan = plan("path/to/repo", "consolidate-backend", {"target": "lumie-backend"})
    result = run("path/to/repo", "consolidate-backend", options=RunOptions(dry_run=True))

Subpackages, in pipeline order: ``roundtrip`` (format-preserving YAML), ``repo`` (tracked files,
git, diffs, history), ``inventory`` (typed records of what the repository defines), ``graph``
(the dependency graph), ``playbook`` (the playbook language), ``engine`` (plan, verify, commit,
revert, ledger); the units playbooks compose: ``operations`` (generic), ``consolidation`` and
``ingress`` (playbook packages); ``example`` (the embedded example repository).
"""

from .engine import RunOptions, plan, rollback, run, status
from .graph import DepGraph, build_graph
from .inventory import Inventory
from .playbook import load_playbook
from .repo import Tree
from .version import __version__

__all__ = ["DepGraph", "Inventory", "RunOptions", "Tree", "__version__", "build_graph", "load_playbook", "plan",
           "rollback", "run", "status"]
