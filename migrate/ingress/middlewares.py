"""Where a new Traefik Middleware goes, the text that holds it, and the Middlewares a repo has.

A Middleware lives in the app that deploys the Ingress using it (``placement``):

- the Ingress's file (a manifest, or the values file of a chart) is rendered by a kustomization:
  ``<kustomization folder>/<middleware_file>``, added to that kustomization's ``resources``;
- the app has a directory source (a multi-source app's manifests folder; the one holding the
  Ingress first): the same file name in that folder, which Argo CD applies as it is (its
  ``include`` glob must match);
- otherwise (an app made of a remote chart and its values only) there is nowhere to put it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Iterable

from ..inventory import Inventory
from ..inventory.deploys import directory_files, glob_matches
from ..repo.paths import join, normpath
from ..roundtrip import plain
from ..roundtrip.fresh import Layout
from ..roundtrip.nodes import dig, text
from .controllers import MIDDLEWARE_KIND
from .translators import Middleware


@dataclass(frozen=True)
class Placement:
    """The manifest file that holds an app's new Middlewares, and the kustomization that must list it."""

    file: str
    kustomization: str | None = None
    entry: str | None = None


def placement(inv: Inventory, site_file: str, middleware_file: str) -> Placement | None:
    """Where Middlewares used by an Ingress of ``site_file`` go (None: nowhere in this repo)."""
    for kust in inv.kustomizations:
        listed = [r.path for r in kust.resources] + [v.path for c in kust.helm_charts for v in c.values_files]
        if site_file in listed:
            return Placement(join(kust.folder, middleware_file), kust.file, normpath(middleware_file))
    context = inv.contexts.get(site_file)
    app = next((a for a in inv.applications if context and a.id == context.app), None)
    folders = [s for s in (app.sources if app else ()) if _is_directory(inv, s.path)]
    folders.sort(key=lambda s: site_file not in directory_files(inv.files, s))   # the Ingress's own folder first
    name = posixpath.basename(middleware_file)
    return next((Placement(join(s.path, name)) for s in folders if not s.include or glob_matches(s.include, name)),
                None)


def _is_directory(inv: Inventory, folder: str | None) -> bool:
    """A folder Argo CD applies as plain manifests (not a kustomization, not a chart)."""
    return folder is not None and inv.kustomization(folder) is None and not inv.files.is_file(
        join(folder, "Chart.yaml"))


# --- the text ---------------------------------------------------------------------------------
def documents_text(middlewares: Iterable[Middleware], layout: Layout) -> str:
    """YAML documents of ``middlewares`` in ``layout``, each after a comment naming what it replaces."""
    return "---\n".join(f"# replaces {m.replaces}\n{layout.dump(m.document())}" for m in middlewares)


def file_text(existing: str | None, middlewares: list[Middleware], header: str, layout: Layout) -> str:
    """A new Middlewares file (``header`` comment first), or ``existing`` with the documents appended."""
    docs = documents_text(middlewares, layout)
    if existing is None:
        return f"# {header}\n{docs}"
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + "---\n" + docs


# --- what a repo has ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Existing:
    """A Middleware the repository defines."""

    spec: Any
    file: str
    line: int


def existing_middlewares(inv: Inventory) -> dict[tuple[str, str], Existing]:
    """(namespace, name) -> the Middleware the repo defines (plain spec, file, line)."""
    found = {}
    for record in (p for p in inv.attachables if p.kind == MIDDLEWARE_KIND):
        doc = next((d for d in inv.docs(record.file) if text(dig(d, "kind")) == MIDDLEWARE_KIND
                    and text(dig(d, "metadata", "name")) == record.name), None)
        found[(record.namespace, record.name)] = Existing(plain(dig(doc, "spec")), record.file, record.line)
    return found
