"""Typed records the inventory makes from a repository's files.

Every record names the file and the 1-based line it comes from. Namespaces are always
resolved (metadata, values, kustomization or deploying Application; ``default`` when
nothing says). Paths are repo-relative POSIX paths, already resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .addresses import ServiceAddress


@dataclass(frozen=True)
class ParseProblem:
    """A file (or part of one) the inventory could not read."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class PathRef:
    """A reference from a file to a repo path (a kustomization resource, a values file...)."""

    path: str          # resolved repo path
    raw: str           # as written
    role: str          # resource, component, patch, values, source, chart...
    file: str
    line: int


# --- Argo CD and Kustomize: what deploys what ------------------------------------------
@dataclass
class Source:
    """One source of an Application (``spec.source`` or an item of ``spec.sources``)."""

    repo_url: str
    local: bool                      # this repository (so its paths are repo paths)
    path: str | None                 # resolved repo folder, when local and set
    path_line: int | None            # line of ``path:``
    chart: str | None                # remote chart name
    ref: str | None                  # ``ref: values`` name
    release_name: str | None         # helm.releaseName
    target_revision: str | None
    value_files: list[PathRef]       # local helm value files, resolved
    remote_value_files: list[str]    # value files living in another repository
    include: str | None              # ``directory.include`` glob
    recurse: bool
    line: int
    spec: Mapping[str, Any] = field(default_factory=dict)   # the source as written (plain data)


@dataclass
class Application:
    """An Argo CD Application document."""

    name: str
    namespace: str                   # the Argo CD namespace the Application lives in
    dest_namespace: str | None
    project: str | None
    file: str
    line: int
    doc: int                         # index of the YAML document in its file
    sources: list[Source]
    sync_wave: int | None
    sync_wave_line: int | None
    value_files: list[str] = field(default_factory=list)  # every values file it deploys (incl. kustomize helmCharts)
    generated_by: str | None = None  # the ApplicationSet or Application that renders it (no file of its own)
    same_name_as: str | None = None  # the file of an earlier Application with the same namespace and name
    creates_namespace: bool = False  # syncOptions CreateNamespace=true: Argo CD creates its destination namespace

    @property
    def id(self) -> str:
        """``application:<namespace>/<name>``; a second one of that name keeps its own: ``...@<file>``."""
        base = f"application:{self.namespace}/{self.name}"
        if not self.same_name_as:
            return base
        return f"{base}@{self.file}" + (f"#{self.doc}" if self.same_name_as == self.file else "")

    @property
    def source_paths(self) -> list[str]:
        """The repo folders it deploys."""
        return [s.path for s in self.sources if s.local and s.path is not None]

    @property
    def is_root(self) -> bool:
        """An App-of-Apps root: an Application in a top-level ``<dir>/application.yaml``."""
        parts = self.file.split("/")
        return len(parts) == 2 and parts[1] == "application.yaml"


@dataclass(frozen=True)
class ApplicationSet:
    """An Argo CD ApplicationSet document."""

    name: str
    namespace: str
    file: str
    line: int
    doc: int
    same_name_as: str | None = None  # the file of an earlier ApplicationSet of this namespace and name

    @property
    def id(self) -> str:
        """``applicationset:<namespace>/<name>``; a second one of that name keeps its own: ``...@<file>``."""
        base = f"applicationset:{self.namespace}/{self.name}"
        if not self.same_name_as:
            return base
        return f"{base}@{self.file}" + (f"#{self.doc}" if self.same_name_as == self.file else "")


@dataclass
class HelmChart:
    """A ``helmCharts`` entry of a kustomization."""

    name: str
    repo: str | None                 # None = a local chart under chartHome
    chart_path: str | None           # resolved local chart folder
    release_name: str | None
    namespace: str | None
    values_files: list[PathRef]      # valuesFile + additionalValuesFiles, resolved
    line: int
    version: str | None = None

    def vendored(self, chart_home: str) -> list[str]:
        """The folders where kustomize looks for this chart before pulling it (``<home>/<name>``, and
        ``<home>/<name>-<version>/<name>`` when both repo and version are set)."""
        folders = [f"{chart_home}/{self.name}".lstrip("/")]
        if self.repo and self.version:
            folders.append(f"{chart_home}/{self.name}-{self.version}/{self.name}".lstrip("/"))
        return folders


@dataclass
class Kustomization:
    """A ``kustomization.yaml``: the paths it renders and the charts it inflates."""

    folder: str
    file: str
    line: int
    namespace: str | None
    resources: list[PathRef]         # resources, components, patches, generators: local paths
    remote_resources: list[str]
    helm_charts: list[HelmChart]
    chart_home: str | None

    @property
    def id(self) -> str:
        return f"kustomization:{self.folder}"


# --- objects that run, serve, route and hold secrets -----------------------------------
@dataclass(frozen=True)
class EnvVar:
    """One environment variable of a workload."""

    name: str
    value: str | None
    secret: str | None               # valueFrom.secretKeyRef.name
    key: str | None
    file: str
    line: int


@dataclass(frozen=True)
class SecretUse:
    """A workload reading a secret (secretKeyRef, envFrom.secretRef, a secret volume)."""

    name: str
    via: str                         # env var name, "envFrom", "volume"
    file: str
    line: int
    optional: bool = False           # ``optional: true``: the pod starts without it


@dataclass(frozen=True)
class Call:
    """A service address a workload's env names."""

    address: ServiceAddress
    env: str
    file: str
    line: int


@dataclass
class Workload:
    """Something that runs: a Deployment/StatefulSet... manifest, or a local-chart release."""

    namespace: str
    name: str
    kind: str                        # Deployment, StatefulSet, ..., or "values" for the local chart
    file: str
    line: int
    env: list[EnvVar] = field(default_factory=list)
    secrets: list[SecretUse] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"workload:{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Service:
    """A Service: manifest, local-chart release, or made by an operator's object (``producers``)."""

    namespace: str
    name: str
    ports: tuple[int | str, ...]
    origin: str                      # "manifest", "values", "producer"
    file: str
    line: int
    made_by: str | None = None       # the producer: "<Kind>/<name>" of the object whose controller makes it

    @property
    def id(self) -> str:
        return f"service:{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Route:
    """One (host, path) an Ingress, a Gateway API route or an ingress block of a values file exposes."""

    host: str
    path: str
    namespace: str
    service: str | None              # backend service name (same namespace); None = chart-made
    port: int | str | None
    class_name: str | None
    class_line: int | None
    attachments: tuple[tuple[str, tuple[str, ...]], ...]   # (annotation, the references it lists), per style
    annotations: tuple[tuple[str, str], ...]
    annotation_lines: tuple[tuple[str, int], ...]
    owner: str                       # "Ingress/<name>", "HTTPRoute/<name>", "values:ingress"...
    file: str
    line: int
    backend_namespace: str | None = None          # a Gateway API backendRef's own namespace
    parents: tuple[tuple[str, str, int], ...] = ()  # Gateway API parentRefs: (namespace, Gateway name, line)

    @property
    def id(self) -> str:
        return f"route:{self.host}{self.path}"

    def annotation_line(self, key: str) -> int:
        """Line of annotation ``key`` (the route's own line if it has none)."""
        return dict(self.annotation_lines).get(key, self.line)

    def attached(self, annotation: str) -> tuple[str, ...]:
        """The references attachment annotation ``annotation`` lists (empty if it has none)."""
        return dict(self.attachments).get(annotation, ())


ANY_NAMESPACE = "*"   # a SecretSource of every namespace a policy matches


@dataclass(frozen=True)
class SecretSource:
    """Something that produces a Secret: VaultStaticSecret, Secret, CNPG Cluster, ExternalSecret...; in namespace
    ``ANY_NAMESPACE`` when it makes it in every namespace it matches (a Kyverno generate rule)."""

    namespace: str
    name: str
    kind: str
    vault_mount: str | None
    vault_path: str | None
    file: str
    line: int

    @property
    def id(self) -> str:
        return f"secret:{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Attachable:
    """An object that attaches to routes through an annotation: an ingress controller's plugin or
    middleware (its kinds are registered by extension packages, see ``inventory.extensions``)."""

    kind: str
    namespace: str | None            # None for a cluster-wide kind
    name: str
    type: str | None                 # what it does (a plugin's name, a middleware's spec key...)
    node_kind: str                   # its graph node kind
    file: str
    line: int

    @property
    def id(self) -> str:
        prefix = self.node_kind
        return f"{prefix}:{self.namespace}/{self.name}" if self.namespace else f"{prefix}:{self.name}"


@dataclass(frozen=True)
class CustomObject:
    """An object of a custom kind (served by a CRD), from a manifest or a local-chart feature."""

    api_version: str
    kind: str
    namespace: str
    name: str
    file: str
    line: int
    node: str | None = None          # the attachable/secret node it also is, if any

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def id(self) -> str:
        """Its graph node: the attachable/secret it is, else ``object:<Kind>/<ns>/<name>``."""
        return self.node or f"object:{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object document of a plain manifest file."""

    api_version: str
    kind: str
    name: str
    namespace: str
    file: str
    line: int
    doc: int


@dataclass
class ValuesFile:
    """A Helm values file: of the local common chart (``common:`` key) or of a third-party chart."""

    file: str
    namespace: str
    chart: str | None                # local chart folder, remote chart name, or None if unknown
    common: bool                     # values of the local common chart
    line: int = 1


@dataclass(frozen=True)
class PathMention:
    """A string value naming a repo file (``applications/lumie/.../common-values.yaml``)."""

    path: str
    file: str
    line: int


@dataclass(frozen=True)
class AddressMention:
    """A service address written anywhere in a parsed file (any string value)."""

    address: ServiceAddress
    file: str
    line: int
