"""The dependency graph of a repository: what Argo CD would apply, and every reference judged.

``model`` holds ``DepGraph`` (a networkx MultiDiGraph with namespace-qualified node ids, the
roots, what is synced, dependents/dependencies, problems compared against a baseline) and
``Reference``; it is built in stages on a ``store``: ``structure`` (files, Applications,
kustomizations, charts; what is synced; what each file defines), then ``references`` (calls,
secrets, routes, attachments, CRDs, paths, waves — each resolved, external, dangling, suspect
or unsynced). ``views`` renders it as text, JSON, dot or Mermaid.
"""

from .model import DepGraph, Reference, build_graph
from .store import DANGLING, EXTERNAL, PROBLEMS, RESOLVED, STRUCTURE, SUSPECT, UNSYNCED

__all__ = ["DANGLING", "EXTERNAL", "PROBLEMS", "RESOLVED", "STRUCTURE", "SUSPECT", "UNSYNCED", "DepGraph",
           "Reference", "build_graph"]
