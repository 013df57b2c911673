"""A tree on disk for the tools: every tracked file of a ``Tree`` (edits included) in a temporary folder.

kustomize and Helm read files; a step is rendered before anything is written, so the tree they
read is written out here: unedited files of a working tree are hard links (no copy), edited and
committed ones are written. Every kustomization is instrumented with
``buildMetadata: [originAnnotations]``, so each object kustomize renders says which file it came
from (the annotation is removed from the rendered objects). The folder lives as long as the
``Workspace``; one per tree state, shared by every render of it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

from ..inventory.kustomizations import is_kustomization_file
from ..repo.tracked import Tree
from ..roundtrip import YamlFile
from ..roundtrip.nodes import is_map

ORIGIN = "config.kubernetes.io/origin"


class Workspace:
    """The files of ``tree`` under ``root`` (written on first use)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._dir: tempfile.TemporaryDirectory | None = None
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        with self._lock:
            if self._dir is None:
                self._dir = tempfile.TemporaryDirectory(prefix="migrate-render-")
                weakref.finalize(self, self._dir.cleanup)
                self._write(Path(self._dir.name))
        return Path(self._dir.name)

    def path(self, repo_path: str) -> Path:
        return self.root / repo_path if repo_path else self.root

    def _write(self, root: Path) -> None:
        for path in self.tree.paths():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if is_kustomization_file(path):
                target.write_bytes(instrumented(self.tree.read_bytes(path)))
                continue
            source = self.tree.working_file(path)
            if source is not None:
                try:
                    os.link(source, target)
                    continue
                except OSError:
                    pass   # another file system: copy
                shutil.copyfile(source, target)
            else:
                target.write_bytes(self.tree.read_bytes(path))


def instrumented(data: bytes) -> bytes:
    """A kustomization that asks kustomize to annotate every object with its origin."""
    try:
        text = data.decode("utf-8")
        doc = YamlFile.parse(text).docs[0]
    except (UnicodeDecodeError, IndexError, Exception):  # noqa: BLE001  (kustomize will report the file itself)
        return data
    if not is_map(doc):
        return data
    options = doc.get("buildMetadata")
    if isinstance(options, list) and "originAnnotations" in [str(o) for o in options]:
        return data
    if options is None:
        return (text + ("" if text.endswith("\n") or not text else "\n") + "buildMetadata: [originAnnotations]\n"
                ).encode("utf-8")
    yf = YamlFile.parse(text)
    listed = yf.docs[0]["buildMetadata"]
    if isinstance(listed, list):
        listed.append("originAnnotations")
    return yf.dump().encode("utf-8")
