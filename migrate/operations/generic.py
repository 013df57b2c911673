"""Reusable operations and checks any playbook can compose.

Operations:
- ``set-value``: set one key of a YAML file (quoting style kept, via yamlio);
- ``edit-kustomization-resources``: remove and/or add entries of a kustomization's
  ``resources:`` list, keeping comments sensible;
- ``remove-paths``: delete files and folders (``enabled: false`` skips it, e.g. ``--set prune=false``).

Checks:
- ``unchanged``: the given files/folders are byte-identical to before the run;
- ``not-synced``: none of the given Applications is reachable from a root App-of-Apps.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..context import Context
from ..diffs import REDACTED, split_lines
from ..errors import MigrateError, YamlError
from ..tree import join, normpath
from ..yamlio import YamlFile, insert, line_of, load, set_scalar
from .base import Check, Finding, Operation, Option, StepResult, register_check, register_operation


# --- set-value ------------------------------------------------------------------------------
_KEY_PART = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|\[(\d+)\]|([^.\[\]"']+))\s*(\.|(?=\[)|$)""")


def parse_key_path(key: str | list) -> list[str | int]:
    """``spec.source.helm.valueFiles[0]`` or ``metadata.annotations."a.b/c"`` -> keys and indices.
    A list is taken as the path itself (ints are sequence indices)."""
    if isinstance(key, list):
        return list(key)
    parts, pos = [], 0
    while pos < len(key):
        match = _KEY_PART.match(key, pos)
        if not match or match.end() == pos:
            raise MigrateError(f"bad key path {key!r} near {key[pos:]!r}")
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        index = match.group(3)
        parts.append(int(index) if index is not None else quoted if quoted is not None else match.group(4))
        pos = match.end()
    return parts


def _yaml(ctx: Context, path: str) -> YamlFile:
    if not ctx.tree.exists(path):
        raise MigrateError("no such file in the repository", path=path)
    return load(ctx.tree, path)


@register_operation
class SetValue(Operation):
    name = "set-value"
    description = "Set one key of a YAML file, keeping its quoting style, comments and layout."
    options = {
        "file": Option("The YAML file to edit (repo path).", example="applications/lumie/backend/exam-svc/common-values.yaml",
                       required=True),
        "key": Option("Key path: dotted, [n] for list items, quotes for keys with dots.",
                      example='image.tag or metadata.annotations."argocd.argoproj.io/sync-wave"', required=True,
                      type=(str, list)),
        "value": Option("The new value (string, number, boolean...).", example="1a2b3c4d", required=True,
                        type=object),
        "document": Option("Which document of the file (0 = the first).", default=0, example=1),
        "create": Option("Add the last key if it is missing (its parent must exist).", default=False),
    }

    def declare(self, ctx: Context) -> set[str]:
        return {normpath(ctx.options["file"])}

    def apply(self, ctx: Context) -> StepResult:
        path, keys = normpath(ctx.options["file"]), parse_key_path(ctx.options["key"])
        yf = _yaml(ctx, path)
        container, last = self._parent(yf, keys, path, ctx.options)
        value, shown = ctx.options["value"], ctx.options["key"]
        secret = _is_secret_value(yf.docs[ctx.options["document"]], keys)
        if _has(container, last) and container[last] == value:
            return StepResult({}, f"{shown} in {path} is already {_show(value, secret)}")
        if _has(container, last):
            old = container[last]
            line = line_of(container, last)
            set_scalar(container, last, value)
        elif ctx.options["create"] and isinstance(container, dict):
            old, line = None, line_of(container)
            insert(container, len(container), value, key=last)
        else:
            raise MigrateError(f"key {shown!r} is missing (pass create: true to add it)", path=path)
        where = f"{path}:{line}" if line else path
        return StepResult({path: yf.dump()}, f"Set {shown} to {_show(value, secret)} in {path}",
                          details=[f"{where}: {shown}: {_show(old, secret)} -> {_show(value, secret)}"])

    @staticmethod
    def _parent(yf: YamlFile, keys: list, path: str, options) -> tuple[Any, str | int]:
        index = options["document"]
        if not 0 <= index < len(yf.docs):
            raise MigrateError(f"the file has {len(yf.docs)} document(s), no document {index}", path=path)
        node = yf.docs[index]
        for depth, key in enumerate(keys[:-1]):
            if not _has(node, key):
                raise MigrateError(f"key {'.'.join(map(str, keys[:depth + 1]))!r} is missing",
                                   path=path, line=line_of(node) if hasattr(node, "lc") else None)
            node = node[key]
        if not keys or not isinstance(node, (dict, list)):
            raise MigrateError(f"key path {options['key']!r} does not lead into a mapping or list", path=path)
        return node, keys[-1]


def _is_secret_value(doc: Any, keys: list) -> bool:
    """Does the key path lead into a Secret's ``data``/``stringData`` (never shown)?"""
    return isinstance(doc, dict) and doc.get("kind") == "Secret" and bool(keys) and keys[0] in ("data", "stringData")


def _show(value: Any, secret: bool) -> str:
    return REDACTED if secret else repr(value)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container)


# --- edit-kustomization-resources -------------------------------------------------------------
_ITEM_PREFIX = re.compile(r"^(\s*-\s+)")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@+=~-]*$")


def _kustomization_path(ctx: Context, given: str) -> str:
    path = normpath(given)
    if ctx.tree.exists(path):
        return path
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if ctx.tree.exists(join(path, name)):
            return join(path, name)
    raise MigrateError("no kustomization file here", path=path)


@register_operation
class EditKustomizationResources(Operation):
    name = "edit-kustomization-resources"
    description = ("Remove and/or add entries of a kustomization's resources list; a removed entry's "
                   "comment goes with it, a group heading goes when its group is empty.")
    options = {
        "file": Option("The kustomization file, or its folder.", example="bootstrap/kustomization.yaml",
                       required=True),
        "remove": Option("Entries to remove, as written in the list.", default=[], example=["kong/argocd.yaml"]),
        "add": Option("Entries to add (where the first removed entry was, else after `after`, else at "
                      "the end).", default=[], example=["lumie/backend/argocd.yaml"]),
        "after": Option("Insert the added entries after this entry.", default="", example="traefik/argocd.yaml"),
        "missing_ok": Option("Do not fail when an entry to remove is not listed.", default=False),
    }

    def declare(self, ctx: Context) -> set[str]:
        return {_kustomization_path(ctx, ctx.options["file"])}

    def apply(self, ctx: Context) -> StepResult:
        path = _kustomization_path(ctx, ctx.options["file"])
        text = ctx.tree.read_text(path)
        edit = _ResourceEdit(path, text, _yaml(ctx, path))
        removed = edit.remove(ctx.options["remove"], ctx.options["missing_ok"])
        added = edit.add(ctx.options["add"], ctx.options["after"])
        new_text = edit.text()
        edit.check(new_text)
        details = [f"{path}: - {entry}" for entry in removed] + [f"{path}: + {entry}" for entry in added]
        what = "; ".join(part for part in (_phrase("remove", removed), _phrase("add", added)) if part)
        return StepResult({path: new_text} if new_text != text else {},
                          f"{path}: {what or 'resources already as wanted'}", details=details)


def _phrase(verb: str, entries: list[str]) -> str:
    return f"{verb} {', '.join(entries)}" if entries else ""


class _ResourceEdit:
    """Line-level edit of a kustomization's block ``resources:`` list.

    The list region runs from the line after ``resources:`` to its last item. A *heading* is a
    run of comment lines; it heads the items after it up to the next blank line or heading.
    Removing every item of a group removes its heading and one blank line that separated it.
    """

    def __init__(self, path: str, text: str, yf: YamlFile):
        self.path, self.original = path, text
        self.lines = [line if line.endswith("\n") else line + "\n" for line in split_lines(text)]
        doc = yf.docs[0] if yf.docs else None
        seq = doc.get("resources") if isinstance(doc, dict) else None
        if seq is not None and not (isinstance(seq, list) and (not seq or line_of(seq, 0))):
            raise MigrateError("resources is not a block list", path=path, line=line_of(doc, "resources"))
        self.entries = [str(v) for v in seq or []]
        self.expected = list(self.entries)
        self.key_line = line_of(doc, "resources") - 1 if seq is not None else None
        self.item_at = {line_of(seq, i) - 1: i for i in range(len(self.entries))}
        self.gone: set[int] = set()          # line indices to drop
        self.inserts: dict[int, list[str]] = {}   # line index -> lines inserted after it

    def remove(self, entries: list[str], missing_ok: bool) -> list[str]:
        done = []
        for entry in entries:
            if entry not in self.expected:
                if missing_ok:
                    continue
                raise MigrateError(f"{entry!r} is not listed in resources (listed: {', '.join(self.entries)})",
                                   path=self.path)
            self.expected.remove(entry)
            index = self.entries.index(entry)
            self.gone.add(next(line for line, i in self.item_at.items() if i == index))
            done.append(entry)
        return done

    def _drop_empty_groups(self) -> None:
        groups = self._groups()
        for n, (heading, items, blank) in enumerate(groups):
            if not items or not set(items) <= self.gone or any(i in self.inserts for i in items):
                continue
            self.gone.update(heading)
            if blank is not None:
                self.gone.add(blank)
            elif n + 1 < len(groups) and groups[n + 1][2] is not None:
                self.gone.add(groups[n + 1][2])  # the first group went: no blank line at the top

    def _groups(self) -> list[tuple[list[int], list[int], int | None]]:
        """(heading lines, item lines, blank line before it or None) per group, in order."""
        if not self.item_at:
            return []
        groups, heading, items, blank = [], [], [], None
        for i in range(self.key_line + 1, max(self.item_at) + 1):
            stripped = self.lines[i].strip()
            if i in self.item_at:
                items.append(i)
            elif not stripped and (heading or items):
                groups.append((heading, items, blank))
                heading, items, blank = [], [], i
            elif not stripped:
                blank = i
            elif items:
                groups.append((heading, items, blank))
                heading, items, blank = [i], [], None
            else:
                heading.append(i)
        groups.append((heading, items, blank))
        return groups

    def add(self, entries: list[str], after: str) -> list[str]:
        new = [e for e in entries if e not in self.expected]
        if not new:
            return []
        anchor, position = self._anchor(after)
        prefix = _ITEM_PREFIX.match(self.lines[anchor]).group(1) if anchor in self.item_at else "- "
        if self.key_line is None:
            self.inserts.setdefault(len(self.lines) - 1, []).append("resources:\n")
            anchor = len(self.lines) - 1
        self.inserts.setdefault(anchor, []).extend(f"{prefix}{_scalar(e)}\n" for e in new)
        self.expected[position:position] = new
        return new

    def _anchor(self, after: str) -> tuple[int, int]:
        """(line to insert after, position in the list) for added entries."""
        if after:
            if after not in self.expected:
                raise MigrateError(f"cannot add after {after!r}: it is not listed", path=self.path)
            index = self.entries.index(after)
            return self._line_of_item(index), self.expected.index(after) + 1
        removed = sorted(self.item_at[line] for line in self.gone if line in self.item_at)
        if removed:
            line = self._line_of_item(removed[0])
            return line, sum(1 for e in self.entries[:removed[0]] if e in self.expected)
        if self.item_at:
            return max(self.item_at), len(self.expected)
        return (self.key_line if self.key_line is not None else len(self.lines) - 1), len(self.expected)

    def _line_of_item(self, index: int) -> int:
        return next(line for line, i in self.item_at.items() if i == index)

    def text(self) -> str:
        self._drop_empty_groups()
        if not self.expected and self.key_line is not None:  # an empty list stays a list
            self.gone.add(self.key_line)
            self.inserts[self.key_line] = [self.lines[self.key_line].replace("resources:", "resources: []", 1)]
        out = []
        for i, line in enumerate(self.lines):
            if i not in self.gone:
                out.append(line)
            out.extend(self.inserts.get(i, []))
        text = "".join(out)
        return text if self.original.endswith("\n") or not text.endswith("\n") else text[:-1]

    def check(self, text: str) -> None:
        """The edited file must parse and list exactly the expected entries."""
        try:
            doc = YamlFile.parse(text, path=self.path).docs[0]
        except YamlError as exc:
            raise MigrateError(f"editing resources would break the file: {exc.args[0]}", path=self.path) from None
        listed = [str(v) for v in (doc.get("resources") or [])]
        if listed != self.expected:
            raise MigrateError(f"could not edit this resources layout (got {listed}, wanted {self.expected})",
                               path=self.path)


def _scalar(entry: str) -> str:
    if _PLAIN_SAFE.match(entry):
        return entry
    return '"' + entry.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- remove-paths ------------------------------------------------------------------------------
@register_operation
class RemovePaths(Operation):
    name = "remove-paths"
    description = "Delete files and whole folders (everything git tracks below them)."
    options = {
        "paths": Option("Files or folders to delete.", default=[], example=["applications/lumie/backend/exam-svc"],
                        required=True),
        "enabled": Option("false: do nothing (lets a playbook make the step optional).", default=True),
        "missing_ok": Option("Do not fail when a path does not exist.", default=False),
    }

    def declare(self, ctx: Context) -> set[str]:
        return {normpath(p) for p in ctx.options["paths"]} if ctx.options["enabled"] else set()

    def apply(self, ctx: Context) -> StepResult:
        if not ctx.options["enabled"]:
            return StepResult({}, "skipped (enabled: false)")
        changes, details = {}, []
        for given in ctx.options["paths"]:
            path = normpath(given)
            files = [path] if ctx.tree.exists(path) else ctx.tree.listdir(path) if path else []
            if not files and not ctx.options["missing_ok"]:
                raise MigrateError("nothing to remove: no such file or folder", path=path)
            changes.update(dict.fromkeys(files))
            details.append(f"remove {path}{'/' if files != [path] else ''} ({len(files)} file(s))")
        return StepResult(changes, f"Remove {', '.join(normpath(p) for p in ctx.options['paths'])}",
                          details=details)


# --- checks ------------------------------------------------------------------------------------
@register_check
class Unchanged(Check):
    name = "unchanged"
    description = "The given files and folders are byte-identical to what they were before the run."
    options = {"paths": Option("Files or folders that must not change.", default=[], example=["bootstrap/kong"],
                               required=True)}

    def check(self, ctx: Context) -> Iterable[Finding]:
        for given in map(normpath, ctx.options["paths"]):
            before, after = _files_under(ctx.origin, given), _files_under(ctx.tree, given)
            for path in sorted(before.keys() | after.keys()):
                if before.get(path) != after.get(path):
                    yield Finding(f"changed, but the playbook says {given} stays untouched", path=path)


def _files_under(tree, path: str) -> dict[str, str]:
    files = [path] if tree.exists(path) else tree.listdir(path) if path else tree.paths()
    return {p: tree.read_text(p) for p in files}


@register_check
class NotSynced(Check):
    name = "not-synced"
    description = "None of the given Applications is reachable from a root App-of-Apps."
    options = {"applications": Option("Application names.", default=[], example=["exam-svc"], required=True)}

    def check(self, ctx: Context) -> Iterable[Finding]:
        synced = ctx.graph.synced_applications()
        for name in ctx.options["applications"]:
            if name in synced:
                app = ctx.inventory.application(name)
                yield Finding(f"Application {name} is still synced from a root",
                              path=getattr(app, "file", None), line=getattr(app, "line", None))
