"""What a consolidation merges, and where everything of it goes.

``Consolidation(inv, options)`` selects the merged Applications by name through the
inventory (wherever their folders are) and answers every step's questions: each source
service (Application, kustomize folder, local chart, values file, namespace, files), the
Services they define and what each becomes in the target (the chart's Service -> the
target, ``<svc>-grpc`` -> ``<target>-grpc``, any other keeps its name, all in the target
namespace), whether the target needs gRPC (something outside the merged set still calls a
merged ``-grpc`` Service), the manifests their kustomizations list (gRPC Services, manifests
to carry, files outside the folder to keep referencing) and the target's paths.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Mapping

from ..errors import MigrateError, UsageError
from ..inventory import Inventory
from ..inventory.records import AddressMention, Application, HelmChart, Kustomization, PathRef, Service
from ..playbook import Context, Option
from ..repo.paths import normpath

OPTIONS = {
    "services": Option("Names of the Applications to merge (found wherever their folders are).", default=[],
                       example=["tenant-svc", "auth-svc", "exam-svc"], required=True),
    "target": Option("Name of the new Application, Helm release and Service.", default="",
                     example="lumie-backend", required=True),
    "namespace": Option("Namespace of the target (empty: the target's name).", default="", example="lumie-backend"),
    "folder": Option("Repo folder of the target's files.", default="", example="applications/lumie/backend",
                     required=True),
}


@dataclass(frozen=True)
class Target:
    """The merged Application: its name, namespace and folder."""

    name: str
    namespace: str
    folder: str

    @classmethod
    def from_options(cls, options: Mapping) -> "Target":
        name = str(options["target"]).strip()
        if not name:
            raise UsageError("the target needs a name (--set target=...)")
        return cls(name, str(options.get("namespace") or name), normpath(str(options["folder"])))


@dataclass(frozen=True)
class SourceService:
    """One merged service: its Application, the kustomize folder it deploys, the local chart
    release there, its values file, the namespace it runs in and every file it owns."""

    app: Application
    kustomization: Kustomization
    chart: HelmChart
    values: str
    namespace: str
    files: frozenset[str]

    @property
    def name(self) -> str:
        return self.app.name

    @property
    def folder(self) -> str:
        return self.kustomization.folder

    def relative(self, path: str) -> str:
        return posixpath.relpath(path, self.folder)


@dataclass(frozen=True)
class Resource:
    """A kustomization resource of a source: ``kind`` is ``grpc`` (its gRPC Service),
    ``carry`` (a manifest in its folder, copied into the target) or ``keep`` (a file outside
    its folder, which the target lists too); ``path`` is where the target has it."""

    source: SourceService
    ref: PathRef
    kind: str
    path: str


class Consolidation:
    """The merged services of an inventory and the target they become (see module doc)."""

    def __init__(self, inv: Inventory, options: Mapping, made_by: Callable[[str], str | None] = lambda name: None):
        self.inv = inv
        self._made_by = made_by       # an Application name -> what generates it (no file of its own), if anything
        self.target = Target.from_options(options)
        names = list(options["services"])
        if not names or len(set(names)) != len(names):
            raise UsageError(f"services must name the Applications to merge, each once (got {names})")
        self.sources = [self._source(name) for name in names]
        self.files = frozenset(f for s in self.sources for f in s.files)
        self._check_folder()
        self.renames = self._renames()

    # -- the sources ---------------------------------------------------------------------------
    def _source(self, name: str) -> SourceService:
        apps = [a for a in self.inv.applications if a.name == name]
        if not apps and (maker := self._made_by(name)):
            raise UsageError(f"Application {name!r} is made by {maker}, not written in a file of its own: "
                             "consolidate-backend merges Applications the repository defines one file each. Merge "
                             "what generates them by hand (the generator then makes the merged one), or write them "
                             "as Application files first")
        if not apps:
            known = ", ".join(sorted(a.name for a in self.inv.applications))
            raise UsageError(f"no Application named {name!r} in the repository (Applications: {known})")
        if len(apps) > 1:
            raise MigrateError(f"several Applications are named {name!r}: "
                               f"{', '.join(a.file for a in apps)}", path=apps[0].file, line=apps[0].line)
        app = apps[0]
        kust = self.inv.kustomization(app.source_paths[0]) if len(app.sources) == 1 and app.source_paths else None
        charts = [c for c in kust.helm_charts if c.chart_path] if kust else []
        if kust is None or len(charts) != 1 or len(kust.helm_charts) != 1 or len(charts[0].values_files) != 1:
            raise MigrateError(f"{name} cannot be merged: only single-source Applications whose folder has a "
                               "kustomization inflating one local chart with one values file can",
                               path=app.file, line=app.line)
        chart = charts[0]
        files = frozenset([app.file, *self.inv.files.under(kust.folder)])
        return SourceService(app, kust, chart, chart.values_files[0].path,
                             chart.namespace or kust.namespace or app.dest_namespace or "default", files)

    def _check_folder(self) -> None:
        folder = self.target.folder
        for source in self.sources:
            if folder == source.folder or folder.startswith(source.folder + "/"):
                raise UsageError(f"the target folder {folder} lies in {source.name}'s folder {source.folder}, "
                                 "which retire-sources removes; choose another folder")

    # -- services -------------------------------------------------------------------------------
    @cached_property
    def services(self) -> list[tuple[SourceService, Service]]:
        """Every Service a merged service defines, with its source."""
        by_file = {f: s for s in self.sources for f in s.files}
        return [(by_file[svc.file], svc) for svc in self.inv.services if svc.file in by_file]

    def _renames(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(namespace, name) of each merged Service -> (namespace, name) it has in the target."""
        renames = {}
        for source, svc in self.services:
            renames[(svc.namespace, svc.name)] = (self.target.namespace, self._new_name(source, svc))
        return renames

    def _new_name(self, source: SourceService, svc: Service) -> str:
        if svc.file == source.values:
            return self.target.name
        if self.is_grpc(source, svc):
            return f"{self.target.name}-grpc"
        return svc.name

    def is_grpc(self, source: SourceService, svc: Service) -> bool:
        main = next((s.name for _, s in self.services if s.file == source.values), source.chart.release_name)
        return svc.file != source.values and svc.name == f"{main}-grpc"

    @property
    def peers(self) -> frozenset[tuple[str, str]]:
        """(namespace, name) of every merged Service: a call to one is now in-process."""
        return frozenset(self.renames)

    def grpc_services(self) -> frozenset[tuple[str, str]]:
        return frozenset((svc.namespace, svc.name) for source, svc in self.services if self.is_grpc(source, svc))

    def outside_mentions(self) -> list[AddressMention]:
        """Service addresses written outside the merged services' and the target's files."""
        own = self.files | {self.app_file, self.kustomization_file, self.values_file} | \
            {r.path for r in self.resources if r.kind != "keep"}
        return [m for m in self.inv.address_mentions if m.file not in own]

    def grpc_callers(self) -> list[AddressMention]:
        """Mentions, outside the merged set, of a merged service's gRPC Service."""
        grpc = self.grpc_services()
        return [m for m in self.outside_mentions() if (m.address.namespace, m.address.name) in grpc]

    @cached_property
    def keep_grpc(self) -> bool:
        return bool(self.grpc_callers())

    # -- the target's files -----------------------------------------------------------------------
    @property
    def first(self) -> SourceService:
        return self.sources[0]

    def _in_target(self, source: SourceService, path: str) -> str:
        return normpath(posixpath.join(self.target.folder, source.relative(path)))

    @property
    def app_file(self) -> str:
        return normpath(posixpath.join(self.target.folder, posixpath.basename(self.first.app.file)))

    @property
    def kustomization_file(self) -> str:
        return self._in_target(self.first, self.first.kustomization.file)

    @property
    def values_file(self) -> str:
        return self._in_target(self.first, self.first.values)

    @cached_property
    def resources(self) -> list[Resource]:
        """Every kustomization resource of the sources, classified (see ``Resource``)."""
        return [self._resource(source, ref) for source in self.sources for ref in source.kustomization.resources]

    def _resource(self, source: SourceService, ref: PathRef) -> Resource:
        if not self.inv.files.is_file(ref.path):
            raise MigrateError(f"{source.name} lists {ref.raw}, which is not a file; create-target can only "
                               "carry manifest files", path=ref.file, line=ref.line)
        if not ref.path.startswith(source.folder + "/"):
            return Resource(source, ref, "keep", ref.path)
        services = [(s, svc) for s, svc in self.services if svc.file == ref.path]
        others = [m for m in self.inv.manifests if m.file == ref.path and m.kind != "Service"]
        if services and not others and all(self.is_grpc(s, svc) for s, svc in services):
            return Resource(source, ref, "grpc", self._in_target(source, ref.path))
        return Resource(source, ref, "carry", self._in_target(source, ref.path))

    def grpc_manifest(self) -> Resource | None:
        """The first source's gRPC Service manifest (the model of the target's), if any."""
        return next((r for r in self.resources if r.kind == "grpc"), None)

    def target_paths(self) -> list[str]:
        """Every file create-target writes."""
        paths = [self.app_file, self.kustomization_file, self.values_file]
        grpc = self.grpc_manifest() if self.keep_grpc else None
        paths += [grpc.path] if grpc else []
        return paths + sorted({r.path for r in self.resources if r.kind == "carry"})

    def path_map(self) -> dict[str, str]:
        """Repo path of a merged service's file -> the target's file that takes its place."""
        mapping = {}
        for source in self.sources:
            mapping.update({source.app.file: self.app_file, source.values: self.values_file,
                            source.kustomization.file: self.kustomization_file})
        for resource in self.resources:
            if resource.kind == "carry" or (resource.kind == "grpc" and self.keep_grpc):
                mapping[resource.ref.path] = resource.path
        return mapping


def consolidation_of(ctx: Context, origin: bool = False) -> Consolidation:
    """The consolidation the step's options describe, on the tree of ``ctx`` (or its origin:
    the repository before the run); built once per tree and options for the whole run."""
    tree = ctx.origin if origin else ctx.tree
    key = ("consolidation", id(tree), json.dumps(dict(ctx.options), sort_keys=True, default=str))
    return ctx.analyses.shared(key, lambda: Consolidation(ctx.analyses.inventory(tree), ctx.options,
                                                          lambda name: _made_by(ctx, tree, name)))


def _made_by(ctx: Context, tree, name: str) -> str | None:
    """What generates the Application ``name`` (an ApplicationSet, a chart's template), with its file."""
    view = ctx.analyses.graph(tree).view
    for app in view.apps.values():
        if app.name == name and app.generated_by:
            maker, appset = view.apps.get(app.generated_by), view.appsets.get(app.generated_by)
            where = getattr(maker, "file", None) or getattr(appset, "file", appset) or app.file
            label = maker.name if maker is not None else app.generated_by.partition(":")[2]
            return f"{'Application' if maker is not None else 'ApplicationSet'} {label} ({where})"
    return None
