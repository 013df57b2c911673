"""The inventory: every file git tracks, parsed once, turned into typed records.

``Inventory.load(tree)`` (``inventory``) reads Argo CD Applications (``applications``) and
kustomizations (``kustomizations``), walks them from the roots to learn which Application
deploys each file in which namespace (``deploys``), then reads what each file defines —
Kubernetes objects (``manifests``, ``routes``, ``workloads``) and Helm values
(``chart_values``) — into ``records``, each with its file and line. ``kinds`` knows the API
groups and which component installs a custom kind; ``addresses`` finds service addresses in
strings; ``extensions`` is what playbook packages tell the model about their components.
"""

from .inventory import Inventory

__all__ = ["Inventory"]
