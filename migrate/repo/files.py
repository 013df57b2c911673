"""What the files of a repository are: an index of a Tree's paths, and which files are Helm templates.

``FileIndex``: which files and folders exist, what sits in a folder. ``Tree.is_dir``/``listdir``
scan every path; the inventory asks thousands of such questions on large repos, so it builds
this index once per load.
"""

from __future__ import annotations

import re

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


_TEMPLATE_ACTION = re.compile(r"\{\{-?\s*(?:[.$]|end\b|if\b|else\b|range\b|with\b|define\b|include\b|template\b|"
                              r"toYaml\b|tpl\b|printf\b|\w+\s*\|)|\{%-?\s*\w+")


def looks_like_template(text: str) -> bool:
    """Text with Go-template (``{{ .Values.x }}``, ``{{- if ... }}``) or Jinja (``{% if %}``) actions outside
    quotes somewhere: a template whose output is YAML, not YAML itself (Helm templates without a
    Chart.yaml beside them, Ansible or other generators' templates)."""
    return any(_TEMPLATE_ACTION.search(line) and not _quoted_action(line) for line in text.splitlines())


def is_template_file(tree, path: str) -> bool:
    """``path`` of ``tree`` is text that ``looks_like_template``."""
    try:
        return looks_like_template(tree.read_text(path))
    except (UnicodeDecodeError, OSError):
        return False


def _quoted_action(line: str) -> bool:
    """The line's actions are all inside a quoted scalar (an ApplicationSet's ``name: '{{path.basename}}'``)."""
    stripped = re.sub(r"'[^']*'|\"[^\"]*\"", "", line)
    return "{{" not in stripped and "{%" not in stripped


def is_helm_template(path: str, tree) -> bool:
    """Is ``path`` below the ``templates/`` folder of a Helm chart (a folder holding Chart.yaml)?"""
    parts = path.split("/")
    return any(
        part == "templates" and tree.exists(posixpath.join(*parts[:i], "Chart.yaml") if i else "Chart.yaml")
        for i, part in enumerate(parts[:-1])
    )
