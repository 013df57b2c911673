"""Local charts installed by hand: the root of a repository that has no root Application file.

``helm install``, ``helm template . | kubectl apply -f -`` or ``argocd app create apps --path apps``
leave no Application in the repository pointing at the chart that makes all the others. Such a chart
is a folder with ``Chart.yaml`` whose templates emit Applications or ApplicationSets (or that depends on
argo-helm's ``argocd-apps``, which makes them from its values) and that nothing
of the repository deploys (no Application's source, not a subchart under ``charts/``). Each becomes an
Application of that folder with its default ``values.yaml``, in namespace ``argocd``.
"""

from __future__ import annotations

import posixpath
import re

from ..inventory import Inventory
from ..inventory.applications import read_application
from ..inventory.records import Application
from ..roundtrip.nodes import as_seq, is_map
from .standins import is_argocd_apps

EMITS = re.compile(r"^\s*kind:\s*[\"']?(Application|ApplicationSet)[\"']?\s*$", re.M)
THIS_REPOSITORY = "(this repository)"


def hand_installed_charts(inv: Inventory, used: set[str]) -> list[Application]:
    """An Application for each local chart of Applications that no folder in ``used`` (the source paths
    of the Applications found so far) is."""
    out = []
    for chart in inv.files.paths:
        folder = posixpath.dirname(chart)
        if posixpath.basename(chart) != "Chart.yaml" or folder in used or _subchart(inv, folder):
            continue
        prefix = f"{folder}/templates/" if folder else "templates/"
        texts = (_text(inv, p) for p in inv.files.paths if p.startswith(prefix))
        if not _depends_on_argocd_apps(inv, chart) and not any(EMITS.search(t) and "argoproj.io/" in t for t in texts):
            continue
        doc = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
               "metadata": {"name": f"(chart {folder or '.'})", "namespace": "argocd"},
               "spec": {"project": "default",
                        "destination": {"server": "https://kubernetes.default.svc", "namespace": "argocd"},
                        "source": {"repoURL": THIS_REPOSITORY, "path": folder or "."}}}
        out.append(read_application(doc, chart, 0, inv.self_urls | {THIS_REPOSITORY}))
    return out


def _subchart(inv: Inventory, folder: str) -> bool:
    """Whether ``folder`` lies in the ``charts/`` of a chart (a dependency vendored there, rendered with it);
    a repository's top-level ``charts/`` folder of charts is not that."""
    parts = folder.split("/")
    return any(part == "charts" and inv.files.is_file("/".join([*parts[:i], "Chart.yaml"]))
               for i, part in enumerate(parts))


def _depends_on_argocd_apps(inv: Inventory, chart: str) -> bool:
    """Whether the chart depends on argo-helm's ``argocd-apps`` (Applications from values), in its Chart.yaml
    or, a v1 chart, its requirements.yaml."""
    for listing in (chart, posixpath.join(posixpath.dirname(chart), "requirements.yaml")):
        meta = next(iter(inv.docs(listing)), None) if inv.files.is_file(listing) else None
        deps = meta.get("dependencies") if is_map(meta) else None
        if any(is_map(d) and is_argocd_apps(d) for d in as_seq(deps)):
            return True
    return False


def _text(inv: Inventory, path: str) -> str:
    try:
        return inv.tree.read_text(path)
    except UnicodeDecodeError:       # not text: it emits nothing migrate can read
        return ""
