"""Which Application deploys each file, and in which namespace.

Starting from the App-of-Apps roots (then every other Application, so unsynced ones get a
context too), follow each Application's local sources: a folder with a kustomization
renders its resources and helmCharts, a folder with a ``Chart.yaml`` is a local chart, any
other folder is a directory of manifests (``directory.include``/``exclude``/``recurse``).
A file reached by several Applications keeps the first context found.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import deque
from dataclasses import dataclass, replace

from ..repo.files import FileIndex
from .records import Application, Kustomization, Source


# Files an Argo CD directory source applies.
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class DeployContext:
    """How a file is deployed."""

    namespace: str | None            # default namespace of what the file defines
    app: str | None                  # id of the deploying Application
    chart: str | None = None         # values files: local chart folder or remote chart name
    release: str | None = None       # values files: Helm release name (kustomize helmCharts)
    forced: bool = False             # a kustomization's ``namespace:`` replaces the objects' own


def _expand_braces(pattern: str) -> list[str]:
    """``*.{yaml,yml}`` -> ``["*.yaml", "*.yml"]`` (Argo CD globs allow braces)."""
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    return [x for alt in m[1].split(",") for x in _expand_braces(pattern[:m.start()] + alt + pattern[m.end():])]


def glob_matches(pattern: str | None, relative: str) -> bool:
    """Does an Argo CD directory glob match a file (by relative path or by name)?"""
    if not pattern:
        return False
    name = posixpath.basename(relative)
    return any(fnmatch.fnmatchcase(relative, p) or fnmatch.fnmatchcase(name, p) for p in _expand_braces(pattern))


def directory_files(files: FileIndex, src: Source) -> list[str]:
    """The manifests a directory source applies (``recurse``, ``include`` glob)."""
    folder = src.path or ""
    paths = files.under(folder) if src.recurse else files.children(folder)
    return [p for p in paths if p.endswith(MANIFEST_SUFFIXES)
            and (not src.include or glob_matches(src.include, p[len(folder) + 1:] if folder else p))]


class DeployWalk:
    """Walk Applications -> folders/kustomizations/charts -> files, recording contexts."""

    def __init__(self, applications: list[Application], kustomizations: dict[str, Kustomization],
                 files: FileIndex, apps_in_file: dict[str, list[Application]]):
        self.applications = applications
        self.kustomizations = kustomizations
        self.files = files
        self.apps_in_file = apps_in_file
        self.contexts: dict[str, DeployContext] = {}        # every file reached
        self.values: dict[str, DeployContext] = {}          # values files, with their chart
        self._queue: deque[Application] = deque()
        self._done: set[str] = set()

    def run(self) -> "DeployWalk":
        roots = [a for a in self.applications if a.is_root]
        for app in roots + [a for a in self.applications if not a.is_root]:
            self._queue.append(app)
            while self._queue:
                self._application(self._queue.popleft())
        return self

    # -- one Application ----------------------------------------------------------------
    def _application(self, app: Application) -> None:
        if app.id in self._done:
            return
        self._done.add(app.id)
        ctx = DeployContext(app.dest_namespace, app.id)
        for src in app.sources:
            for ref in src.value_files:
                self._values(ref.path, replace(ctx, chart=src.chart or src.path, release=src.release_name or app.name),
                             app)
            if src.path is not None:
                self._folder(src.path, ctx, src, app)

    def _folder(self, folder: str, ctx: DeployContext, src: Source, app: Application) -> None:
        if folder in self.kustomizations:
            self._kustomization(self.kustomizations[folder], ctx, app, set())
        elif self.files.is_file(posixpath.join(folder, "Chart.yaml")):
            self._chart(folder, ctx)
        else:
            for path in directory_files(self.files, src):
                self._file(path, ctx)

    def _kustomization(self, kust: Kustomization, ctx: DeployContext, app: Application, seen: set[str]) -> None:
        if kust.folder in seen:
            return
        seen.add(kust.folder)
        self._file(kust.file, ctx)
        # kustomize sets `namespace:` on every object; an outer overlay's wins over its bases'.
        kctx = replace(ctx, namespace=kust.namespace, forced=True) if kust.namespace and not ctx.forced else ctx
        for ref in kust.resources:
            if ref.path in self.kustomizations:
                self._kustomization(self.kustomizations[ref.path], kctx, app, seen)
            elif self.files.is_file(ref.path):
                self._file(ref.path, kctx)
        for chart in kust.helm_charts:
            hctx = DeployContext(chart.namespace or kctx.namespace, app.id, chart.chart_path or chart.name,
                           chart.release_name or chart.name)
            for ref in chart.values_files:
                self._values(ref.path, hctx, app)
            if chart.chart_path:
                self._chart(chart.chart_path, hctx)

    def _chart(self, folder: str, ctx: DeployContext) -> None:
        """A local chart: its own values.yaml holds the defaults (of no release)."""
        self._values(posixpath.join(folder, "values.yaml"), replace(ctx, chart=folder, release=None), None)

    # -- files ------------------------------------------------------------------------------
    def _values(self, path: str, ctx: DeployContext, app: Application | None) -> None:
        if not self.files.is_file(path):
            return
        if app is not None and path not in app.value_files:
            app.value_files.append(path)
        self.values.setdefault(path, ctx)
        self._file(path, ctx)

    def _file(self, path: str, ctx: DeployContext) -> None:
        if path in self.contexts:
            return
        self.contexts[path] = ctx
        self._queue.extend(self.apps_in_file.get(path, ()))
