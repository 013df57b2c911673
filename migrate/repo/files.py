"""What the files of a repository are: an index of a Tree's paths, and which files are Helm templates.

``FileIndex``: which files and folders exist, what sits in a folder. ``Tree.is_dir``/``listdir``
scan every path; the inventory asks thousands of such questions on large repos, so it builds
this index once per load.
"""

from __future__ import annotations

import bisect
import posixpath

from .tracked import Tree


class FileIndex:
    """Files and folders of a tree, with fast lookups."""

    def __init__(self, tree: Tree):
        self.paths: list[str] = sorted(tree.paths())
        self.files: frozenset[str] = frozenset(self.paths)
        folders: set[str] = set()
        self._children: dict[str, list[str]] = {}
        for path in self.paths:
            parent = posixpath.dirname(path)
            self._children.setdefault(parent, []).append(path)
            while parent and parent not in folders:
                folders.add(parent)
                parent = posixpath.dirname(parent)
        self.folders: frozenset[str] = frozenset(folders)
        self.top_folders: frozenset[str] = frozenset(p.split("/", 1)[0] for p in folders if p)

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_dir(self, path: str) -> bool:
        return path == "" or path in self.folders

    def exists(self, path: str) -> bool:
        return self.is_file(path) or self.is_dir(path)

    def children(self, folder: str) -> list[str]:
        """Files directly in ``folder``."""
        return self._children.get(folder, [])

    def under(self, folder: str) -> list[str]:
        """Files anywhere below ``folder``."""
        if not folder:
            return list(self.paths)
        prefix = folder + "/"
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix + "\uffff")
        return self.paths[start:end]


def is_helm_template(path: str, tree) -> bool:
    """Is ``path`` below the ``templates/`` folder of a Helm chart (a folder holding Chart.yaml)?"""
    parts = path.split("/")
    return any(
        part == "templates" and tree.exists(posixpath.join(*parts[:i], "Chart.yaml") if i else "Chart.yaml")
        for i, part in enumerate(parts[:-1])
    )
