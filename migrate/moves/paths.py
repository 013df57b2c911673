"""Moving a folder (or a file) of the repository: where every file goes, and every string naming a moved path.

``plan_move(tree, Move(old, new))`` answers the whole edit, in memory:

- each file below ``old`` goes to the same place below ``new`` (a delete and an add of the same
  content: git records it as a rename, ``git log --follow`` follows it);
- every string value of every YAML file that names a moved path is rewritten (``Rewrite``), found by
  looking at every string, not at a fixed list of fields:
  - a repository path (``applications/lumie/ai/x``, ``./…``, ``/…`` and ``$values/…`` forms) anywhere in a
    value: an Application's ``source(s).path``, a git generator's directories, a CI parameter naming a
    values file, a CEL filter matching a path prefix;
  - a relative path that resolves to a moved path, from the file's folder (kustomize ``resources``,
    ``components``, ``patches``, ``valuesFile``…) or, for Helm ``valueFiles``, from the source's path;
  - in a moved file, a relative path to something that does not move (``helmGlobals.chartHome:
    ../../../../charts``, ``- ../../base``): rewritten when the depth changes, so it names the same file;
- what names a moved path but is not a value — a YAML comment, a line of a file that is not YAML (a
  runbook, a script) — is reported (``Mention``), never rewritten.

A relative string counts as a path only when the path it resolves to exists (a file or a folder of the
tree) and it is written like one (a ``/`` in it, or a kustomization's entry, or a values file of a source).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import MigrateError, YamlError
from ..inventory.kustomizations import KUSTOMIZATION_NAMES, PATH_LIST_KEYS
from ..repo.files import is_helm_template
from ..repo.paths import join, normpath
from ..roundtrip import is_yaml_path, line_of, load, set_scalar, substitute
from ..roundtrip.lines import comment_part
from ..roundtrip.nodes import is_map, is_seq

_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
_BOUNDARY_AFTER = r"(?=/|$|[^\w.\-])"


@dataclass(frozen=True)
class Move:
    """``old`` (a repo folder or file) goes to ``new``."""

    old: str
    new: str

    def moved(self, path: str) -> str | None:
        """Where ``path`` goes (None: it stays)."""
        if path == self.old:
            return self.new
        if self.old and path.startswith(self.old + "/"):
            return self.new + path[len(self.old):]
        return None

    def pattern(self) -> re.Pattern:
        """The old path as a repository path inside any string (``./``, ``/`` and ``$ref/`` forms too). A
        one-segment path (``system``) is a word too: inside a string only a path into it counts (``system/x``)."""
        after = _BOUNDARY_AFTER if "/" in self.old else "(?=/)"
        return re.compile(r"(?<![\w.\-/$])((?:\$[\w-]+/|\./|/)?)" + re.escape(self.old) + after)

    def names_whole(self, value: str) -> bool:
        """Is ``value``, as a whole, the old path (``system``, ``./system``, ``system/``)?"""
        return value.strip().removeprefix("./").rstrip("/") == self.old


@dataclass(frozen=True)
class Rewrite:
    """A string value that named a moved path: file (as before the move), line, old and new value, why."""

    path: str
    line: int | None
    old: str
    new: str
    how: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.old} -> {self.new} ({self.how})"


@dataclass(frozen=True)
class Mention:
    """Text that names a moved path but is not a value migrate rewrites (a comment, a line of a runbook)."""

    path: str
    line: int
    text: str
    what: str


@dataclass
class MovePlan:
    changes: dict[str, str | None] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)          # old file -> new file
    rewrites: list[Rewrite] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)


def check_move(tree, move: Move) -> None:
    """MigrateError when ``move`` cannot be made (nothing there, a target taken, a path outside the repo)."""
    if not move.old:
        raise MigrateError("from: give the folder (or file) to move, not the repository's root")
    if not tree.exists(move.old) and not tree.listdir(move.old):
        raise MigrateError("from: no such file or folder in the repository (git tracks nothing there)", path=move.old)
    if not move.new:
        raise MigrateError("to: give where it goes, not the repository's root")
    if move.new == move.old or move.new.startswith(move.old + "/"):
        raise MigrateError(f"to: {move.new} lies inside {move.old}: choose a folder outside it", path=move.new)
    if tree.exists(move.new) and not tree.exists(move.old):
        raise MigrateError("to: a file already has this path; choose a folder that does not exist", path=move.new)
    taken = [p for p in _files(tree, move) if tree.exists(move.moved(p))]
    if taken:
        raise MigrateError(f"to: {len(taken)} file(s) would land on existing ones, e.g. {move.moved(taken[0])}; "
                           f"choose another folder or move those first", path=move.moved(taken[0]))


def _files(tree, move: Move) -> list[str]:
    return [move.old] if tree.exists(move.old) else tree.listdir(move.old)


def plan_move(tree, move: Move, local=None) -> MovePlan:
    """See module doc; ``local(repo_url)``: does a source's repoURL name this repository (its paths are ours)?"""
    check_move(tree, move)
    plan = MovePlan()
    finder = Finder(tree, move, local)
    for path in tree.paths():
        new_path = move.moved(path)
        if new_path is None and not finder.may_name(path):
            continue
        text = _text(tree, path, new_path)
        edited = finder.file(path, text, plan) if text is not None else None
        if new_path is not None:
            plan.moved[path] = new_path
            plan.changes[path] = None
            plan.changes[new_path] = edited if edited is not None else text
        elif edited is not None and edited != text:
            plan.changes[path] = edited
    return plan


def _text(tree, path: str, new_path: str | None) -> str | None:
    try:
        return tree.read_text(path)
    except UnicodeDecodeError:
        if new_path is None:
            return None
        raise MigrateError(f"not UTF-8 text: migrate moves text files only. Move this file with git mv in a commit "
                           f"of its own (to {new_path}), then run again", path=path) from None


class Finder:
    """Finds and rewrites the strings of one tree that name moved paths (see module doc)."""

    def __init__(self, tree, move: Move, local=None):
        self.tree, self.move = tree, move
        self.local = local or (lambda url: True)      # is this repoURL this repository?
        self.pattern = move.pattern()
        self.files = set(tree.paths())
        self.folders = {posixpath.dirname(p) for p in self.files}
        self.folders |= {f for d in list(self.folders) for f in _parents(d)}
        self.needle = posixpath.basename(move.old)

    def _replace(self, match: re.Match) -> str:
        """The new path for a match of the old one; a one-word folder's match only where what follows is a path
        of the tree (``system/values.yaml``) or a pattern (``apps/*``), not ``apps/v1``."""
        if "/" not in self.move.old:
            rest = re.match(r"[\w.\-/*?\[\]]*", match.string[match.end():])[0]
            if rest != "/" and not any(c in rest for c in "*?[") and not self.exists(normpath_or_none(self.move.old + rest)):
                return match.group(0)
        return match.group(1) + self.move.new

    def names(self, key, value: str) -> bool:
        """Does the string ``value`` (at ``key``) name the old path as a repository path?"""
        return key not in ("apiVersion", "kind") and self.pattern.sub(self._replace, value) != value

    def named(self, docs: list[Any]) -> Iterator[tuple[Any, Any, str, bool]]:
        """(container, key, value, another repository's) of the strings of ``docs`` that name the old path (a
        group/version is no path); the last is true in a source of another repository, which ``file`` leaves."""
        for container, key, value, _, _, remote, refs in _strings_in(docs, self.local):
            if key not in ("apiVersion", "kind") and self.names(key, value):
                yield container, key, value, _other_repo(value, remote, refs)

    def may_name(self, path: str) -> bool:
        """A cheap first look: can this file name a moved path at all?"""
        try:
            return self.needle in self.tree.read_text(path)
        except (UnicodeDecodeError, FileNotFoundError):
            return False

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.folders

    # -- one file ------------------------------------------------------------------------------
    def file(self, path: str, text: str, plan: MovePlan) -> str | None:
        """The file's new text (None: not YAML or not parsed, kept as it is); mentions added to ``plan``."""
        if path.lower().endswith(".json"):
            return self._json(path, text, plan)
        if not is_yaml_path(path) or is_helm_template(path, self.tree):
            what = "a line of a Helm template" if is_yaml_path(path) else "a line of a file migrate does not edit (not YAML)"
            self._mentions(path, text, plan, f"{what}: check it")
            return None
        try:
            yf = load(self.tree, path)
            docs = yf.docs
        except YamlError:
            self._mentions(path, text, plan, "a line of a file that is not valid YAML (a template?): check it")
            return None
        kustomization = posixpath.basename(path) in KUSTOMIZATION_NAMES
        changed = False
        for container, key, value, keys, base, remote, refs in _strings_in(docs, self.local):
            if key in ("apiVersion", "kind") or _other_repo(value, remote, refs):
                continue     # a group/version is no path; a path of another repository is that repository's
            new = self.rewrite(value, path, base, kustomization and _kustomize_path(keys), _pathish(keys))
            if new is None:
                continue
            new_value, how = new
            plan.rewrites.append(Rewrite(self.move.moved(path) or path, line_of(container, key), value, new_value, how))
            if how != "repository path" or substitute(container, key, self.pattern, self._replace) is None:
                set_scalar(container, key, new_value)
            changed = True
        out = yf.dump() if changed else text
        self._mentions(path, out, plan, "a comment (not rewritten)", comments_only=True)
        return out

    def rewrite(self, value: str, path: str, base: str | None, path_field: bool,
                pathish: bool = True) -> tuple[str, str] | None:
        """(new value, why) when ``value`` names a moved path (or a relative path whose depth changes);
        ``pathish``: the key says it holds a path (``path``, ``chart-dirs``…), so a one-segment path may be the whole value."""
        new = self.pattern.sub(self._replace, value)
        if new != value:
            return new, "repository path"
        if "/" not in self.move.old and pathish and self.move.names_whole(value):
            return value.replace(self.move.old, self.move.new, 1), "repository path"
        token = value.strip()
        if token != value or not token or _URL.match(token) or token[0] in "$/{~" or any(c.isspace() for c in token):
            return None
        if not ("/" in token or path_field or base is not None):
            return None
        origin = base if base is not None else posixpath.dirname(path)
        target = _resolve(origin, token)
        if target is None or not self.exists(target):
            return None
        new_origin = (self.move.moved(origin) or origin) if base is not None else \
            posixpath.dirname(self.move.moved(path) or path)
        new_target = self.move.moved(target) or target
        if _resolve(new_origin, token) == new_target:
            return None
        relative = posixpath.relpath(new_target or ".", new_origin or ".")
        if token.startswith("./") and not relative.startswith("."):
            relative = "./" + relative
        if token.endswith("/") and not relative.endswith("/"):
            relative += "/"
        how = "relative path" if new_target != target else "relative path, from the file's new folder"
        return relative, how + (" (from the source's path)" if base is not None else "")

    def _json(self, path: str, text: str, plan: MovePlan) -> str | None:
        """A JSON file (a git files generator's config, renovate.json): each string value that names a moved
        path is rewritten in place, token by token, so the rest of the file keeps its layout."""
        try:
            json.loads(text)
        except ValueError:
            self._mentions(path, text, plan, "a line of a file that is not valid JSON: check it")
            return None
        parts, end = [], 0
        for match in _JSON_STRING.finditer(text):
            if match.group(2):      # a key
                continue
            value = json.loads(match.group(1))
            new = self.rewrite(value, path, None, False) if isinstance(value, str) else None
            if new is None:
                continue
            line = text.count("\n", 0, match.start()) + 1
            plan.rewrites.append(Rewrite(self.move.moved(path) or path, line, value, new[0], new[1]))
            parts += [text[end:match.start(1)], json.dumps(new[0], ensure_ascii=False)]
            end = match.end(1)
        return "".join(parts) + text[end:] if parts else text

    def _mentions(self, path: str, text: str, plan: MovePlan, what: str, comments_only: bool = False) -> None:
        relative = posixpath.relpath(self.move.old, posixpath.dirname(path) or ".")
        forms = [self.pattern]
        if not relative.startswith("..") and self.move.moved(path) is None:   # a short name only as a path: "ai/"
            after = _BOUNDARY_AFTER if "/" in relative else "/"
            forms.append(re.compile(r"(?<![\w.\-/$])" + re.escape(relative) + after))
        for number, line in enumerate(text.splitlines(), 1):
            part = comment_part(line) if comments_only else line
            if part and any(form.search(part) for form in forms):
                plan.mentions.append(Mention(self.move.moved(path) or path, number, line.strip(), what))


_JSON_STRING = re.compile(r'("(?:[^"\\]|\\.)*")(\s*:)?')


def _resolve(folder: str, relative: str) -> str | None:
    try:
        return join(folder, relative)
    except MigrateError:
        return None


def _parents(folder: str) -> Iterator[str]:
    while folder:
        folder = posixpath.dirname(folder)
        yield folder


def _strings_in(docs: list[Any], local) -> Iterator[tuple]:
    """(container, key, value, key path, base, remote, local refs) of every string of ``docs``; ``base``: the
    source path Helm ``valueFiles`` are relative to (a source with ``path`` and ``helm``), else None;
    ``remote``: inside a source of another repository; ``local refs``: the ``ref:`` names of the document's
    sources of this repository (``$name/...`` files of other names are another repository's)."""
    for doc in docs:
        refs = frozenset(str(n.get("ref")) for n in _maps(doc) if n.get("ref") and isinstance(n.get("repoURL"), str)
                         and local(n["repoURL"]))
        yield from _walk(doc, (), None, False, refs, local)


def _maps(node: Any) -> Iterator[Any]:
    if is_map(node):
        yield node
        for value in node.values():
            yield from _maps(value)
    elif is_seq(node):
        for value in node:
            yield from _maps(value)


def _walk(node: Any, keys: tuple, source: str | None, remote: bool, refs, local) -> Iterator[tuple]:
    if is_map(node):
        url = node.get("repoURL")
        remote = remote or (isinstance(url, str) and not local(url))
        here = node.get("path") if isinstance(node.get("path"), str) and is_map(node.get("helm")) else None
        for key, value in node.items():
            if isinstance(value, str):
                yield node, key, value, (*keys, key), None, remote, refs
            else:
                yield from _walk(value, (*keys, key), here if key == "helm" else source if key == "valueFiles" else None,
                                 remote, refs, local)
    elif is_seq(node):
        base = normpath_or_none(source) if source is not None and keys[-1:] == ("valueFiles",) else None
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield node, index, value, (*keys, index), base, remote, refs
            else:
                yield from _walk(value, (*keys, index), None, remote, refs, local)


def _other_repo(value: str, remote: bool, refs: frozenset) -> bool:
    """Does ``value`` name a path of another repository: a ``$ref/`` file of a ref that is not ours, or a path of
    a source of another repository (its ``$ours/`` files excepted)?"""
    ref = re.match(r"^\$([\w-]+)/", value)
    if ref:
        return ref.group(1) not in refs and bool(refs or remote)
    return remote


_PATHISH = re.compile(r"path|dir|folder|file|chart|source|resource|component|base|include", re.I)


def _pathish(keys: tuple) -> bool:
    """Does the nearest key name say it holds a path (``path``, ``valueFiles``, ``chart-dirs``…)?"""
    key = next((k for k in reversed(keys) if isinstance(k, str)), "")
    return bool(_PATHISH.search(key))


def _kustomize_path(keys: tuple) -> bool:
    """Does this key path of a kustomization hold a local path (a ``resources`` entry, a ``valuesFile``…)?"""
    return bool(keys) and (keys[0] in PATH_LIST_KEYS or keys[-1] in _PATH_KEYS)


_PATH_KEYS = {"path", "valuesFile", "additionalValuesFiles", "chartHome", "configurations"}


def normpath_or_none(path: str) -> str | None:
    try:
        return normpath(path)
    except MigrateError:
        return None
