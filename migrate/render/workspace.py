"""A tree on disk for the tools: every tracked file of a ``Tree`` (edits included) in a temporary folder.

kustomize and Helm read files; a step is rendered before anything is written, so the tree they
read is written out here: unedited files of a working tree are hard links (no copy), edited and
committed ones are written. Every kustomization is instrumented with
``buildMetadata: [originAnnotations]``, so each object kustomize renders says which file it came
from (the annotation is removed from the rendered objects), and loses the ``helmCharts`` entries
whose chart is not vendored (``unvendored``): kustomize would try to pull them and fail the whole
build; the rest renders, and the chart is named as not rendered. The folder lives as long as the
``Workspace``; one per tree state, shared by every render of it. ``aliases`` (folder -> repo folder)
are written twice: a chart vendored at ``<chartHome>/<name>`` is also where kustomize looks for it
when the entry sets a repo and a version (``<chartHome>/<name>-<version>/<name>``).
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

import yaml

from ..inventory.kustomizations import is_kustomization_file
from ..repo.tracked import Tree

ORIGIN = "config.kubernetes.io/origin"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)     # libyaml when PyYAML has it: the same data, faster
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Workspace:
    """The files of ``tree`` under ``root`` (written on first use)."""

    def __init__(self, tree: Tree, unvendored: dict[str, set[str]] | None = None,
                 aliases: dict[str, str] | None = None) -> None:
        self.tree = tree
        self.unvendored = unvendored or {}
        self.aliases = aliases or {}
        self._dir: tempfile.TemporaryDirectory | None = None
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        """The tree's files (written on first use)."""
        with self._lock:
            tree = self._folder() / "tree"
            if not tree.is_dir():
                tree.mkdir()
                self._write(tree)
        return tree

    @property
    def scratch(self) -> Path:
        """A folder of the tools' own inputs (a chart copied with stand-ins), removed with the workspace."""
        with self._lock:
            scratch = self._folder() / "scratch"
            scratch.mkdir(exist_ok=True)
        return scratch

    def _folder(self) -> Path:
        """The workspace's temporary folder (the caller holds the lock)."""
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="migrate-render-")
            weakref.finalize(self, self._dir.cleanup)
        return Path(self._dir.name)

    def path(self, repo_path: str) -> Path:
        return self.root / repo_path if repo_path else self.root

    def _write(self, root: Path) -> None:
        made: set[Path] = set()
        for path in self.tree.paths():
            self._put(root, path, path, made)
            for alias, folder in self.aliases.items():
                if path.startswith(folder + "/"):
                    self._put(root, path, alias + path[len(folder):], made)

    def _put(self, root: Path, path: str, at: str, made: set[Path]) -> None:
        target = root / at
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if is_kustomization_file(path):
            target.write_bytes(instrumented(self.tree.read_bytes(path), frozenset(self.unvendored.get(path, ()))))
            return
        source = self.tree.working_file(path)
        if source is not None:
            try:
                os.link(source, target)
                return
            except OSError:
                pass   # another file system: copy
            shutil.copyfile(source, target)
        else:
            target.write_bytes(self.tree.read_bytes(path))


@functools.lru_cache(maxsize=4096)      # every tree state of a run writes its kustomizations again
def instrumented(data: bytes, drop_charts: frozenset[str] = frozenset()) -> bytes:
    """A kustomization that asks kustomize to annotate every object with its origin, without the
    ``helmCharts`` entries named in ``drop_charts`` (the copy is for kustomize only: its layout
    does not matter, the repository's file keeps its own)."""
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError):
        return data   # kustomize reports the file itself
    if not isinstance(doc, dict):
        return data
    if drop_charts and isinstance(doc.get("helmCharts"), list):
        doc["helmCharts"] = [c for c in doc["helmCharts"] if not (isinstance(c, dict) and str(c.get("name")) in drop_charts)]
    options = doc.get("buildMetadata")
    options = list(options) if isinstance(options, list) else []
    if "originAnnotations" not in options:
        doc["buildMetadata"] = [*options, "originAnnotations"]
    return yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True).encode("utf-8")
