"""The inventory: every file git tracks, parsed once, turned into typed records.

``Inventory.load(tree)`` reads a ``Tree`` in three passes:

1. parse every YAML file (never Helm templates); a file that does not parse is recorded
   in ``errors`` and the rest loads;
2. read Applications and Kustomizations, then walk them from the App-of-Apps roots to
   learn which Application deploys each file, in which namespace (``deploys``);
3. read what each file defines (``manifests``, ``chart_values``): workloads, services, routes,
   secrets, attachables, custom objects, plus repo paths and service addresses written in any string.

Records are in ``records``; all carry file + 1-based line.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections import OrderedDict
from typing import Any, Callable

from ..errors import MigrateError, YamlError
from ..progress import counting
from ..repo.config import RepoConfig
from ..repo.files import FileIndex, is_helm_template, is_template_file
from ..repo.git import remote_urls
from ..repo.tracked import Tree
from ..roundtrip import is_yaml_path, read_docs
from ..roundtrip.pack import pack_for
from ..roundtrip.nodes import as_map, is_map, is_seq, line_in_string, node_line, text, walk_strings
from . import kept
from .addresses import find_service_addresses
from .applications import appset_repo_urls, is_application, read_application, repo_url_key, self_repo_urls
from .chart_values import values_records
from .deploys import DeployContext, DeployWalk
from .kustomizations import is_kustomization_file, read_kustomization
from .manifests import manifest_records
from .producers import Producers
from .records import (AddressMention, Application, ApplicationSet, Attachable, CustomObject, Kustomization,
                      Manifest, ParseProblem, PathMention, Route, SecretSource, Service, ValuesFile, Workload)

_NO_CONTEXT = DeployContext(None, None)


class Inventory:
    """Everything the repository defines, as typed records (see module doc)."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.files = FileIndex(tree)
        self.errors: list[ParseProblem] = []
        self.warnings: list[ParseProblem] = []   # what the YAML library warned of (a reused anchor...)
        self.templates: list[str] = []           # YAML-named files that are templates (they do not parse)
        self.config = RepoConfig.load(tree)
        self.producers = Producers.shipped().with_config(self.config.producers)
        self.applications: list[Application] = []
        self.application_sets: list[ApplicationSet] = []
        self.self_urls: set[str] = set()
        self.kustomizations: list[Kustomization] = []
        self.values_files: list[ValuesFile] = []
        self.manifests: list[Manifest] = []
        self.workloads: list[Workload] = []
        self.services: list[Service] = []
        self.routes: list[Route] = []
        self.secrets: list[SecretSource] = []
        self.attachables: list[Attachable] = []
        self.objects: list[CustomObject] = []
        self.path_mentions: list[PathMention] = []
        self.address_mentions: list[AddressMention] = []
        self.contexts: dict[str, DeployContext] = {}   # path -> how it is deployed (files reached)
        self._docs: dict[str, list[Any]] = {}
        self._values_by_path: dict[str, ValuesFile] = {}
        self._kust_index: tuple[dict[str, Kustomization], dict[str, list[Kustomization]]] | None = None
        self._sinks = {Manifest: self.manifests, Workload: self.workloads, Service: self.services,
                       Route: self.routes, SecretSource: self.secrets, Attachable: self.attachables,
                       CustomObject: self.objects}

    @classmethod
    def load(cls, tree: Tree) -> "Inventory":
        """Read every tracked file of ``tree``. Never raises for a bad file (see ``errors``)."""
        inv = cls(tree)
        inv._parse_all()
        inv._read_deployers()
        walk = inv._walk()
        inv.contexts = walk.contexts
        path_re = _path_pattern(inv.files.top_folders)
        settings = (repr(inv.config.producers), path_re.pattern if path_re is not None else None)
        for path, docs in inv._docs.items():
            inv._take(inv._file_records(path, docs, walk, path_re, settings))
        pack_for(tree.root, "records").flush(inv.files.paths)   # the first load of a process: for the next run
        return inv

    @classmethod
    def load_applications(cls, tree: Tree) -> "Inventory":
        """The Applications, ApplicationSets and kustomizations, and what deploys each file (what ``history``
        asks): only kustomization files and files whose bytes say ``Application`` are parsed, no file is
        read for records (the other lists stay empty)."""
        inv = cls(tree)
        key = kept.applications_key(tree)
        if kept.restore(inv, key):     # the same content, remotes and code as a run before: what it found
            return inv
        parsed = inv._parse_all(lambda path: is_kustomization_file(path) or _may_hold_application(tree, path))
        inv._read_deployers()
        inv.contexts = inv._walk().contexts
        kept.keep(inv, key, parsed)
        return inv

    # -- lookups ------------------------------------------------------------------------
    def application(self, name: str) -> Application | None:
        """The Application named ``name`` (first one, if several namespaces use the name)."""
        return next((a for a in self.applications if a.name == name), None)

    def kustomization(self, folder: str) -> Kustomization | None:
        """The (first) kustomization of ``folder``."""
        return self._kustomization_index()[1].get(folder, [None])[0]

    def kustomization_file(self, path: str) -> Kustomization | None:
        """The kustomization read from file ``path``."""
        return self._kustomization_index()[0].get(path)

    def kustomizations_of(self, folder: str) -> list[Kustomization]:
        return self._kustomization_index()[1].get(folder, [])

    def _kustomization_index(self) -> tuple[dict[str, Kustomization], dict[str, list[Kustomization]]]:
        if self._kust_index is None:
            by_folder: dict[str, list[Kustomization]] = {}
            for kust in self.kustomizations:
                by_folder.setdefault(kust.folder, []).append(kust)
            self._kust_index = ({k.file: k for k in self.kustomizations}, by_folder)
        return self._kust_index

    def values_file(self, path: str) -> ValuesFile | None:
        return self._values_by_path.get(path)

    def docs(self, path: str) -> list[Any]:
        """The parsed documents of a YAML file (empty if it did not parse or is not YAML)."""
        return self._docs.get(path, [])

    # -- pass 1: parse ------------------------------------------------------------------
    def _parse_all(self, wanted: Callable[[str], bool] | None = None) -> list[str]:
        """Parse every YAML file (that is ``wanted``); the paths read."""
        paths = [p for p in self.files.paths if is_yaml_path(p) and not is_helm_template(p, self.tree)
                 and (wanted is None or wanted(p))]
        with counting("reading YAML files", len(paths)) as advance:
            for path in paths:
                advance()
                self._parse(path)
        pack_for(self.tree.root).flush(self.files.paths)   # the first load of a process: kept for the next run
        return paths

    def _parse(self, path: str) -> None:
        try:
            parsed = read_docs(self.tree, path)
        except YamlError as exc:
            if is_template_file(self.tree, path):
                self.templates.append(path)       # a template's output is YAML, not the file itself
            else:
                self.errors.append(ParseProblem(path, exc.line or 1, _reason(exc)))
            return
        self._docs[path] = parsed.docs   # shared with the parse cache: read, never edit
        self.warnings += [ParseProblem(path, line, text) for line, text in parsed.warnings]

    # -- pass 2: what deploys what --------------------------------------------------------
    def _read_deployers(self) -> None:
        for path, docs in self._docs.items():
            doc = next((d for d in docs if is_map(d)), None)
            if is_kustomization_file(path) and doc is not None:
                self._read_record(self.kustomizations, self._kustomization_of, doc, path)
        patches = _patch_only(self.kustomizations)   # merged into what they patch: never an Application of their own
        app_docs = [(path, i, doc) for path, docs in self._docs.items() if path not in patches
                    for i, doc in enumerate(docs) if is_application(doc)]
        guessed = self_repo_urls((doc for _, _, doc in app_docs), self.files)
        guessed |= appset_repo_urls((d for docs in self._docs.values() for d in docs if is_map(d)
                                     and d.get("kind") == "ApplicationSet"), self.files)
        known = {repo_url_key(url) for url in (*remote_urls(self.tree.root), *self.config.repo_urls)}
        # a URL the remotes or the config name settles it: another repository whose paths happen to exist here is not ours
        self_urls = known if known & guessed else guessed | known
        self.self_urls = self_urls
        urls = frozenset(self_urls)
        for path, i, doc in app_docs:
            self._read_record(self.applications, self._application, doc, path, i, urls)
        first: dict[tuple[str, str], Application] = {}
        for app in self.applications:      # Argo CD keeps one Application per name: the others stay distinct
            earlier = first.setdefault((app.namespace, app.name), app)
            if earlier is not app:
                app.same_name_as = earlier.file
        first_sets: dict[tuple[str, str], ApplicationSet] = {}
        for path, docs in self._docs.items():
            for i, doc in enumerate(docs):
                if path not in patches and is_map(doc) and doc.get("kind") == "ApplicationSet" and \
                        str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
                    meta = as_map(doc.get("metadata"))
                    appset = ApplicationSet(text(meta.get("name")) or f"(unnamed, {path})",
                                            text(meta.get("namespace")) or "argocd", path, node_line(doc), i)
                    earlier_set = first_sets.setdefault((appset.namespace, appset.name), appset)
                    if earlier_set is not appset:     # one object per name in a cluster, as for Applications
                        appset = dataclasses.replace(appset, same_name_as=earlier_set.file)
                    self.application_sets.append(appset)

    def _application(self, doc: Any, path: str, index: int, self_urls: frozenset[str]) -> Application:
        """``read_application``, once per file content, document and repository URLs (a step's after-state
        reads again only the Applications it changed); a fresh record each time: a load sets its fields."""
        key = (path, self.tree.digest(path), index, self_urls)
        read = _APPS.get(key)
        if read is None:
            read = _APPS[key] = read_application(doc, path, index, set(self_urls))
            if len(_APPS) > _MEMO_SIZE:
                _APPS.popitem(last=False)
        return dataclasses.replace(read, value_files=[])

    def _kustomization_of(self, doc: Any, path: str) -> Kustomization:
        """``read_kustomization``, once per file content (a record nothing edits: shared by the states of a run)."""
        key = (path, self.tree.digest(path))
        read = _KUSTOMIZATIONS.get(key)
        if read is None:
            read = _KUSTOMIZATIONS[key] = read_kustomization(doc, path)
            if len(_KUSTOMIZATIONS) > _MEMO_SIZE:
                _KUSTOMIZATIONS.popitem(last=False)
        return read

    def _read_record(self, into: list, reader: Callable[..., Any], doc: Any, path: str, *args: Any) -> None:
        """Append ``reader(doc, path, *args)`` to ``into``; a MigrateError becomes a ParseProblem."""
        try:
            into.append(reader(doc, path, *args))
        except MigrateError as exc:
            self.errors.append(ParseProblem(exc.path or path, exc.line or node_line(doc), _reason(exc)))

    def _walk(self) -> DeployWalk:
        return DeployWalk(self.applications, {k.folder: k for k in self.kustomizations}, self.files,
                          self._apps_by_file()).run()

    def _apps_by_file(self) -> dict[str, list[Application]]:
        by_file: dict[str, list[Application]] = {}
        for app in self.applications:
            by_file.setdefault(app.file, []).append(app)
        return by_file

    # -- pass 3: what each file defines --------------------------------------------------
    def _file_records(self, path: str, docs: list[Any], walk: DeployWalk, path_re: re.Pattern | None,
                      settings: tuple) -> "_FileRecords":
        """What ``path`` defines and mentions: read once per content, deploy context and settings (a step's
        after-state reads again only the files it changed, or whose context it changed)."""
        ctx, values_ctx = walk.contexts.get(path, _NO_CONTEXT), walk.values.get(path)
        chart = (values_ctx or ctx).chart
        defaults = posixpath.join(chart, "values.yaml") if chart else None
        key = (path, self.tree.digest(path), ctx, values_ctx,
               self.tree.digest(defaults) if defaults in self._docs else None, settings)
        found = _MEMO.get(key)
        if found is None:
            kept_records = pack_for(self.tree.root, "records")    # what an earlier run read under the same key
            found = kept_records.get(path, key)
            if found is None:
                found = _FileRecords()
                if not is_kustomization_file(path):
                    if posixpath.basename(path) != "Chart.yaml":
                        self._read_objects(found, path, docs, ctx, values_ctx)
                    _read_mentions(found, path, docs, path_re)
                kept_records.put(path, key, self.tree.read_text(path), found)
            _MEMO[key] = found
            if len(_MEMO) > _MEMO_SIZE:
                _MEMO.popitem(last=False)
        return found

    def _take(self, found: "_FileRecords") -> None:
        for record in found.records:
            self._sinks[type(record)].append(record)
        if found.values is not None and found.values.file not in self._values_by_path:
            self._values_by_path[found.values.file] = found.values
            self.values_files.append(found.values)
        self.path_mentions += found.paths
        self.address_mentions += found.addresses

    def _read_objects(self, into: "_FileRecords", path: str, docs: list[Any], ctx: DeployContext,
                      values_ctx: DeployContext | None) -> None:
        for i, doc in enumerate(docs):
            if not is_map(doc) or is_application(doc):
                continue
            if "kind" in doc and "apiVersion" in doc:
                for obj in _list_items(doc):
                    into.records += manifest_records(obj, path, i, ctx.namespace, ctx.forced, self.producers)
            elif values_ctx or is_map(doc.get("common")) or "values" in posixpath.basename(path):
                how = values_ctx or ctx
                if into.values is None:
                    into.values = ValuesFile(path, how.namespace or "default", how.chart, is_map(doc.get("common")))
                into.records += values_records(doc, path, how.namespace, how.release, self._chart_defaults(how.chart))

    def _chart_defaults(self, chart: str | None) -> Any:
        """The first document of a local chart's own ``values.yaml`` (empty if none)."""
        docs = self._docs.get(posixpath.join(chart, "values.yaml"), []) if chart else []
        return as_map(docs[0]) if docs else {}


class _FileRecords:
    """What one file defines (records) and mentions (repo paths, service addresses): never edited once read."""

    __slots__ = ("records", "values", "paths", "addresses")

    def __init__(self) -> None:
        self.records: list[Any] = []
        self.values: ValuesFile | None = None
        self.paths: list[PathMention] = []
        self.addresses: list[AddressMention] = []


_MEMO: "OrderedDict[tuple, _FileRecords]" = OrderedDict()   # (path, digest, contexts, settings) -> its records
_MEMO_SIZE = 200_000
_APPS: "OrderedDict[tuple, Application]" = OrderedDict()   # (path, digest, document, self URLs) -> as read
_KUSTOMIZATIONS: "OrderedDict[tuple, Kustomization]" = OrderedDict()   # (path, digest) -> its record


def _read_mentions(into: _FileRecords, path: str, docs: list[Any], path_re: re.Pattern | None) -> None:
    """Repo paths and service addresses written in any string of the file."""
    for doc in docs:
        if not is_map(doc) or is_application(doc):
            continue
        for value, line, block in walk_strings(doc, node_line(doc)):
            if path_re is not None and ".y" in value:
                into.paths += [PathMention(m[1], path, line_in_string(value, m.start(), line, block))
                               for m in path_re.finditer(value)]
            into.addresses += [AddressMention(a, path, line_in_string(value, a.start, line, block))
                               for a in find_service_addresses(value)]


def _may_hold_application(tree: Tree, path: str) -> bool:
    """Whether ``path``'s bytes say ``Application`` (an unreadable file: parsed, so its error is reported)."""
    try:
        return b"Application" in tree.read_bytes(path)
    except OSError:
        return True


def _list_items(doc: Any) -> list[Any]:
    """The objects of a ``kind: List`` document (kubectl and Argo CD apply each item), else [doc]."""
    if doc.get("kind") == "List" and is_seq(doc.get("items")):
        return [item for item in doc["items"] if is_map(item) and "kind" in item]
    return [doc]


def _reason(exc: MigrateError) -> str:
    """The message of an error, without the path:line prefix ``str()`` adds."""
    return str(exc.args[0]) if exc.args else str(exc)


def _path_pattern(top_folders: frozenset[str]) -> re.Pattern | None:
    """Regex of a repo path of tracked-file shape: ``<top folder>/.../<name>.yaml``."""
    if not top_folders:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(top_folders, key=lambda f: (-len(f), f)))
    return re.compile(rf"(?<![\w./$-])((?:{alternatives})/[\w./-]*\.ya?ml)(?![\w.-])")


def _patch_only(kustomizations: list[Kustomization]) -> set[str]:
    """The files kustomizations list only as patches (``patches``, ``patchesStrategicMerge``...): an Application
    in one is a partial one kustomize merges into the Application it patches, not one Argo CD applies."""
    patches, other = set(), set()
    for kustomization in kustomizations:
        for ref in kustomization.resources:
            (patches if ref.role == "patch" else other).add(ref.path)
    return patches - other
