"""One Application rendered as Argo CD's repo server renders it: every source, then the destination namespace.

For each source of the Application (``spec.source`` or each of ``spec.sources``):

- a ``ref:`` source without path or chart only provides ``$ref/...`` value files;
- a source of another repository is not rendered: a remote chart (``not rendered: remote chart X``)
  or a remote path is named, never silently passed;
- a local path is rendered by its type, as Argo CD detects it: ``helm``/``kustomize``/``directory``/
  ``plugin`` in the source, else a ``kustomization.yaml`` (kustomize), a ``Chart.yaml`` (Helm) or a
  directory of manifests (``recurse``, ``include``/``exclude`` globs; jsonnet and config-management
  plugins are named as not rendered);
- kustomize: ``kubectl kustomize`` with the configured build options (``--enable-helm``), a
  remote base named as not rendered; Helm: the chart with ``valueFiles`` (``$ref/`` files,
  ``/``-rooted ones, globs), ``values``/``valuesObject``, ``parameters``, ``releaseName`` (default:
  the Application's name), ``helm.namespace`` (default: the destination namespace).

Objects without a namespace then take the destination namespace (cluster-scoped kinds excepted).
Every object keeps its provenance (``provenance``). ``inputs`` are the repo files the render reads:
they key the render cache, so a step re-renders only the Applications whose inputs it changed.
"""

from __future__ import annotations

import fnmatch
import os
import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from ..inventory import Inventory
from ..inventory.deploys import MANIFEST_SUFFIXES, glob_matches
from ..inventory.kustomizations import KUSTOMIZATION_NAMES, chart_home_of
from ..inventory.records import Application, Source
from ..repo.paths import join
from ..roundtrip import plain
from ..roundtrip.nodes import as_map, as_seq, is_map, text
from . import batch, helm, kustomize
from .manifests import OfflineError, RenderError, load_manifests
from .provenance import Locator, RenderedObject
from .standins import local_dependency_folders, needs_missing, override_namespaces, with_standins


@dataclass(frozen=True)
class Settings:
    """How Argo CD renders, as the repository config says (``render:`` of ``.migrate/config.yaml``)."""

    build_options: str = "--enable-helm"
    kube_version: str = "1.31.0"
    api_versions: tuple[str, ...] = ()

    def key(self) -> str:
        return json.dumps([self.build_options, self.kube_version, list(self.api_versions)])


@dataclass
class AppRender:
    """What one Application renders to; ``unrendered`` names the parts that could not be rendered
    (and why); ``error`` a failure that stopped the render."""

    app: str
    objects: list[RenderedObject] = field(default_factory=list)
    unrendered: list[str] = field(default_factory=list)
    error: str | None = None
    inputs: frozenset[str] = frozenset()
    seconds: float = 0.0               # spent rendering (0 when the cache had it), for bench/
    offline: bool = False              # the error is what rendering offline cannot reach (see OfflineError)
    unseen_namespaces: list[str] = field(default_factory=list)   # beside its destination, where the unrendered deploys

    @property
    def rendered(self) -> bool:
        return self.error is None

    @property
    def complete(self) -> bool:
        return self.error is None and not self.unrendered


@dataclass
class Raw:
    """A source's render before provenance: documents with how to locate them (cacheable)."""

    docs: list[tuple[dict, str, str | None]] = field(default_factory=list)   # (doc, via, origin)
    unrendered: list[str] = field(default_factory=list)
    unseen_namespaces: list[str] = field(default_factory=list)   # where what is not rendered would deploy


_GLOB = re.compile(r"[*?\[]")
# A render depends on migrate's own rendering code too: a changed renderer never reads older entries.
_CODE = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))).hexdigest()


class SourceRenderer:
    """Renders the sources of Applications of one tree state (see module doc)."""

    def __init__(self, inventory: Inventory, settings: Settings, tools, workspace, helm_server=None):
        self.inv = inventory
        self.settings = settings
        self.tools = tools
        self.workspace = workspace
        self.server = helm_server
        self.files = inventory.files
        self.prebuilt: dict[str, list] = {}     # folder -> its kustomize build, made in a batch (prebuild)
        self.kustomizations = {k.folder: k for k in inventory.kustomizations}
        self.locator = Locator(inventory)

    # -- inputs (what a render reads) ------------------------------------------------------------------
    def inputs(self, app: Application) -> frozenset[str]:
        """The repo files rendering ``app`` reads (its render is cached by their content)."""
        paths: set[str] = set()
        for src in app.sources:
            if src.local and src.path is not None and self.files.is_dir(src.path):
                paths.update(ref.path for ref in src.value_files if self.files.is_file(ref.path))
                kind = self.kind(src)
                if kind == "kustomize":
                    paths |= self._kustomize_inputs(src.path, set())
                elif kind == "helm":
                    paths |= self._chart_inputs(src.path)
                elif kind == "directory":
                    paths.update(self.directory_files(src))
        return frozenset(paths)

    def _kustomize_inputs(self, folder: str, seen: set[str]) -> set[str]:
        """A kustomization's files: the files beside it, what it lists (recursively), its charts and values."""
        if folder in seen:
            return set()
        seen.add(folder)
        paths = set(self.files.children(folder))
        kust = self.kustomizations.get(folder)
        for ref in kust.resources if kust else ():
            if ref.path in self.kustomizations:
                paths |= self._kustomize_inputs(ref.path, seen)
            elif self.files.is_file(ref.path):
                paths.add(ref.path)
            elif self.files.is_dir(ref.path):
                paths.update(self.files.under(ref.path))
        for chart in kust.helm_charts if kust else ():
            paths.update(ref.path for ref in chart.values_files if self.files.is_file(ref.path))
            for vendored in chart.vendored(chart_home_of(kust)):
                paths |= self._chart_inputs(vendored)
        return paths

    def _chart_inputs(self, folder: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """A chart's files and those of its ``file://`` dependencies (``helm dependency build`` packages them)."""
        paths = set(self.files.under(folder))
        chart = join(folder, "Chart.yaml")
        if self.files.is_file(chart) and "file://" in (text_ := self.inv.tree.read_text(chart)):
            for local in local_dependency_folders(folder, text_):
                if local not in seen and self.files.is_dir(local):
                    paths |= self._chart_inputs(local, seen | {folder})
        return paths

    # -- one Application --------------------------------------------------------------------------
    def kind(self, src: Source) -> str:
        """The source type Argo CD would use for a local path."""
        spec = src.spec
        for explicit in ("plugin", "helm", "kustomize", "directory"):
            if explicit in spec and not (explicit == "helm" and not self._has_chart(src.path)
                                         and self._has_kustomization(src.path)):
                return explicit
        if self._has_kustomization(src.path):
            return "kustomize"
        if self._has_chart(src.path):
            return "helm"
        return "directory"

    def _has_kustomization(self, folder: str | None) -> bool:
        return folder is not None and any(self.files.is_file(join(folder, n)) for n in KUSTOMIZATION_NAMES)

    def _has_chart(self, folder: str | None) -> bool:
        return folder is not None and self.files.is_file(join(folder, "Chart.yaml"))

    def raw(self, app: Application) -> tuple[list[Raw], str | None]:
        """Each source's render (before provenance); RenderError (OfflineError: what is out of reach
        offline) for what stopped it, naming the source of a multi-source Application."""
        out: list[Raw] = []
        for index, src in enumerate(app.sources):
            try:
                out.append(self._source(app, index, src))
            except RenderError as exc:
                if len(app.sources) > 1:
                    raise type(exc)(f"source {index + 1}: {exc.args[0]}") from None
                raise
        return out, None

    def _source(self, app: Application, index: int, src: Source) -> Raw:
        raw = Raw()
        if src.ref and src.path is None and not src.chart and src.local:
            return raw                                   # values only
        if not src.local:
            what = f"remote chart {src.repo_url.rstrip('/')}/{src.chart}" if src.chart else \
                f"external: deploys from another repository, {src.repo_url} (path {src.spec.get('path') or '.'})"
            version = f" {src.target_revision}" if src.chart and src.target_revision else ""
            raw.unrendered.append(f"not rendered: {what}{version}")
            return raw
        if src.path is None:
            if src.chart:
                raw.unrendered.append(f"not rendered: chart {src.chart} of this repository's Helm repository")
            return raw
        if not self.files.is_dir(src.path):
            raise RenderError(f"the source path {src.path} does not exist")
        kind = self.kind(src)
        if kind == "plugin":
            name = text(as_map(src.spec.get("plugin")).get("name")) or "unnamed"
            raw.unrendered.append(f"not rendered: config management plugin {name} ({src.path})")
            return raw
        if kind == "kustomize":
            return self._kustomize(app, src, raw)
        if kind == "helm":
            return self._helm(app, src, raw)
        return self._directory(src, raw)

    # -- directory ----------------------------------------------------------------------------------
    def directory_files(self, src: Source) -> list[str]:
        """The files a directory source applies (recurse, include, exclude; Argo CD's globs)."""
        folder = src.path or ""
        directory = as_map(src.spec.get("directory"))
        paths = self.files.under(folder) if directory.get("recurse") else self.files.children(folder)
        include, exclude = text(directory.get("include")), text(directory.get("exclude"))
        chosen = []
        for path in paths:
            relative = path[len(folder) + 1:] if folder else path
            if not path.endswith((*MANIFEST_SUFFIXES, ".jsonnet")):
                continue
            if exclude and glob_matches(exclude, relative):
                continue
            if include and not glob_matches(include, relative):
                continue
            chosen.append(path)
        return chosen

    def _directory(self, src: Source, raw: Raw) -> Raw:
        for path in self.directory_files(src):
            if path.endswith(".jsonnet"):
                raw.unrendered.append(f"not rendered: jsonnet {path}")
                continue
            problem = next((e for e in self.inv.errors if e.path == path), None)
            if problem is not None:
                raise RenderError(f"{path}:{problem.line} does not parse ({problem.reason})")
            for doc_index, doc in enumerate(self.inv.docs(path)):
                if is_map(doc) and "kind" in doc and "apiVersion" in doc:
                    raw.docs.append((plain(doc), "directory", f"{path}#{doc_index}"))
        return raw

    # -- kustomize ----------------------------------------------------------------------------------
    def _kustomize(self, app: Application, src: Source, raw: Raw) -> Raw:
        remote = self._remote_bases(src.path, set())
        if remote:
            raise OfflineError(f"the kustomization uses remote bases, which cannot be fetched offline: "
                              f"{', '.join(remote)}")
        for chart, home in self._unvendored_charts(src.path, set()):
            raw.unrendered.append(f"not rendered: remote chart {chart.repo}/{chart.name} (kustomize helmCharts of "
                                  f"{home}, not vendored under its chartHome)")
        if as_map(src.spec.get("kustomize")):
            raw.unrendered.append("the Application's kustomize options (namePrefix, images...) are not applied: "
                                  "migrate renders the kustomization as it is in the repository")
        try:
            objects = self.prebuilt[src.path] if src.path in self.prebuilt else \
                self._build(self.workspace.path(src.path))
        except RenderError as exc:
            missing = [f"{c.repo}/{c.name}" for c, _ in self._unvendored_charts(src.path, set())]
            if missing:
                raise OfflineError(f"remote chart {', '.join(missing)} is not vendored, and without it the kustomization "
                                  f"does not build ({exc.args[0]})") from None
            raise
        for doc, origin in objects:
            if origin.helm:
                raw.docs.append((doc, "kustomize-helm", join(src.path, origin.path or "kustomization.yaml")))
            else:
                raw.docs.append((doc, "kustomize", join(src.path, origin.path) if origin.path else None))
        return raw

    def _build(self, folder: Path) -> list:
        return kustomize.build(folder, tools=self.tools,
                               helm_command=self.tools.helm_binary or (self.server.command if self.server else None),
                               helm_env=self.server.env if self.server and not self.tools.helm_binary else None,
                               build_options=self.settings.build_options, kube_version=self.settings.kube_version,
                               api_versions=self.settings.api_versions)

    def prebuild(self, apps: Iterable[Application]) -> None:
        """Build the kustomize folders of ``apps`` many to a process (``batch``); their renders read them."""
        folders = sorted({src.path for app in apps for src in app.sources
                          if src.local and src.path is not None and src.path not in self.prebuilt
                          and self.files.is_dir(src.path) and self.kind(src) == "kustomize"
                          and not self._remote_bases(src.path, set())})
        if len(folders) < 4 or os.environ.get("MIGRATE_RENDER_BATCH") == "0" or \
                "--reorder" in self.settings.build_options:     # an order of the user's: each folder alone
            return
        cores = os.cpu_count() or 2
        size = max(2, min(100, -(-len(folders) // (2 * cores))))
        chunks = [folders[i:i + size] for i in range(0, len(folders), size)]
        with ThreadPoolExecutor(max_workers=cores) as pool:
            for built in pool.map(lambda chunk: batch.build_many(self.workspace.root, chunk, self._build,
                                                                 self._sort_options), chunks):
                self.prebuilt.update(built)

    def _sort_options(self, folder: str):
        kust = self.kustomizations.get(folder)
        docs = self.inv.docs(kust.file) if kust else []
        return plain(docs[0].get("sortOptions")) if docs and is_map(docs[0]) else None

    def _remote_bases(self, folder: str, seen: set[str]) -> list[str]:
        if folder in seen or folder not in self.kustomizations:
            return []
        seen.add(folder)
        kust = self.kustomizations[folder]
        found = list(kust.remote_resources)
        for ref in kust.resources:
            found += self._remote_bases(ref.path, seen)
        return found

    def _unvendored_charts(self, folder: str, seen: set[str]) -> list:
        if folder in seen or folder not in self.kustomizations:
            return []
        seen.add(folder)
        kust = self.kustomizations[folder]
        home = chart_home_of(kust)
        found = [(chart, kust.file) for chart in kust.helm_charts
                 if not any(self.files.is_dir(f) for f in chart.vendored(home))]
        for ref in kust.resources:
            found += self._unvendored_charts(ref.path, seen)
        return found

    # -- helm -------------------------------------------------------------------------------------------
    def _helm(self, app: Application, src: Source, raw: Raw) -> Raw:
        spec = as_map(src.spec.get("helm"))
        files = self._value_files(app, src, spec, raw)
        inline = spec.get("valuesObject") if is_map(spec.get("valuesObject")) else None
        if inline is None and isinstance(spec.get("values"), str) and spec["values"].strip():
            inline = helm.load_yaml(spec["values"]) or None
            if inline is not None and not is_map(inline):
                raise RenderError("helm.values is not a mapping")
        parameters = [p for p in as_seq(spec.get("parameters")) if is_map(p)]
        sets = [f"{p.get('name')}={_escape(str(p.get('value', '')))}" for p in parameters if not p.get("forceString")]
        strings = [f"{p.get('name')}={_escape(str(p.get('value', '')))}" for p in parameters if p.get("forceString")]
        if as_seq(spec.get("fileParameters")):
            raw.unrendered.append("helm.fileParameters are not applied")
        values = helm.compose_values([self.workspace.path(f) for f in files], inline, sets, strings, tools=self.tools)
        release = text(spec.get("releaseName")) or app.name
        namespace = text(spec.get("namespace")) or app.dest_namespace or "default"
        own = self.workspace.path(src.path)
        chart_dir, missing = with_standins(own, self.workspace.scratch)
        raw.unrendered += missing
        raw.unseen_namespaces += override_namespaces(own, values) if missing else []
        try:
            documents = helm.render_chart(
                chart_dir, values, release, namespace, tools=self.tools,
                kube_version=text(spec.get("kubeVersion")) or self.settings.kube_version,
                api_versions=[str(v) for v in as_seq(spec.get("apiVersions"))] or self.settings.api_versions,
                include_crds=not spec.get("skipCrds"), skip_tests=bool(spec.get("skipTests")))
        except RenderError as exc:
            if chart_dir != own and needs_missing(str(exc)):
                helm.check_offline(own)   # the chart needs what a missing dependency defines: that is why
            raise
        for template, text_ in documents:
            for doc in load_manifests(text_, f"{src.path}: {template}"):
                raw.docs.append((doc, "helm", _template_path(src.path, template)))
        return raw

    def _value_files(self, app: Application, src: Source, spec: Mapping, raw: Raw) -> list[str]:
        """The local value files of a Helm source, in order (globs expanded, missing ones refused)."""
        out: list[str] = []
        explicit = {ref.path for ref in src.value_files if not _GLOB.search(ref.path)}
        for ref in src.value_files:
            if _GLOB.search(ref.path):
                matches = sorted(p for p in self.files.paths if fnmatch.fnmatchcase(p, ref.path))
                out += [m for m in matches if m not in explicit and m not in out]
                if not matches and not spec.get("ignoreMissingValueFiles"):
                    raise RenderError(f"the value file glob {ref.raw} matches no file")
            elif self.files.is_file(ref.path):
                out.append(ref.path)
            elif not spec.get("ignoreMissingValueFiles"):
                raise RenderError(f"the value file {ref.raw} ({ref.path}) does not exist")
        for remote in src.remote_value_files:
            raw.unrendered.append(f"value file {remote} is in another repository: rendered without it")
        return out

    def locate(self, app: Application, raws: list[Raw]) -> list[RenderedObject]:
        """Every rendered document with its provenance, destination namespace applied."""
        return self.locator.locate(app, raws)


def _escape(value: str) -> str:
    """Argo CD's cleanSetParameters: commas escaped unless the value is a {list}."""
    return value if value.startswith("{") and value.endswith("}") else re.sub(r"(?<!\\),", r"\\,", value)


def _template_path(chart: str, template: str) -> str:
    """``common/templates/x.yaml`` (as Helm names it) as a repo path below the chart folder."""
    parts = template.split("/")
    return join(chart, "/".join(parts[1:])) if len(parts) > 1 else join(chart, template)



def cache_key(settings: Settings, tools, app: Application, inputs: Iterable[str], tree) -> str:
    """What a render depends on: the tools, the settings, the Application's sources and destination,
    and the content of every input file."""
    digest = hashlib.sha256()
    digest.update(json.dumps(["render-v1", _CODE, tools.helm_label, tools.kubectl, settings.key(), app.name,
                              app.dest_namespace, [s.spec for s in app.sources],
                              [bool(s.local) for s in app.sources]], sort_keys=True, default=str).encode())
    for path in sorted(inputs):
        digest.update(path.encode() + b"\0" + tree.digest(path))
    return digest.hexdigest()
