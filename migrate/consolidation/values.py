"""Merge the merged services' ``common:`` values into the target's: ``merge_values``.

Every key under ``common:`` (in first-appearance order over the services) goes through one
rule (``parts``, ``env``, ``resources``, ``ingress``): ``name``/``namespace`` become the target's,
``replicaCount`` the largest, ``image`` one image, ``ports`` one number per port (gRPC only
when needed), ``env``+``envFrom`` the env rule, ``resources`` summed, ``healthCheck`` the
probe rule, ``ingress``+``additionalIngresses`` the ingress rule, ``vaultStaticSecrets`` the
secrets rule; any other key must be identical in every service (a service that does not
set it has the chart's default). The result carries, per key, the notes of its rule and
a comment for the new file, plus dropped env entries, resolutions and conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .env import Dropped, Resolved, merge_env, merge_env_from, merge_vault_secrets
from .ingress import IngressBlock, merge_ingresses, move_attachment_refs
from .parts import MISSING, Conflict, Merged, Part, Where, merge_identical, merge_max, restyle, union_order
from .resources import merge_image, merge_ports, merge_probes, sum_resources

_PAIRED = {"envFrom": "env", "additionalIngresses": "ingress"}   # merged together with their partner


@dataclass(frozen=True)
class ServiceValues:
    """One merged service's ``common:`` values (plain data) and where each key/item is."""

    service: str
    namespace: str
    file: str
    common: Mapping
    lines: Mapping[str, int] = field(default_factory=dict)                       # key -> line
    item_lines: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)  # list key -> item lines

    def where(self, key: str | None = None, index: int | None = None) -> Where:
        line = self.lines.get(key) if key else None
        if key and index is not None:
            items = self.item_lines.get(key, ())
            line = items[index] if index < len(items) and items[index] else line
        return Where(self.service, self.file, line)

    def parts(self, key: str) -> list[Part]:
        """Each item of list ``key`` as a Part (empty if not a list)."""
        items = self.common.get(key)
        return [Part(self.where(key, i), item) for i, item in enumerate(items)] if isinstance(items, list) else []


@dataclass(frozen=True)
class Settings:
    """What the merge needs besides the values: the target, the image tag (and where it comes
    from), whether gRPC stays,
    the merged services' Services (namespace, name), env resolutions, the chart's defaults
    (its ``common:``) and, per service, the names of the attachables (a controller's plugins or
    middlewares) carried into the target."""

    target: str
    namespace: str
    tag: str
    tag_origin: str = "given"
    keep_grpc: bool = False
    peers: frozenset[tuple[str, str]] = frozenset()
    resolutions: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping = field(default_factory=dict)
    attachables: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass
class MergedValues:
    """The target's ``common:`` and how it came about."""

    common: dict = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)   # (key, note with numbers)
    comments: dict[str, str] = field(default_factory=dict)       # key -> comment for the new file
    dropped: list[Dropped] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def take(self, key: str, merged: Merged, comment: str = "") -> None:
        """Record a rule's result for ``key`` (MISSING values are left out)."""
        if merged.value is not MISSING:
            self.common[key] = merged.value
        self.notes += [(key, note) for note in merged.notes]
        self.conflicts += merged.conflicts
        if comment:
            self.comments[key] = comment


Rule = Callable[[str, list[ServiceValues], Settings, MergedValues], None]


def merge_values(values: list[ServiceValues], settings: Settings) -> MergedValues:
    """The target's ``common:`` from the services' (see module doc)."""
    out = MergedValues()
    keys = union_order(list(v.common) for v in values)
    for key in keys:
        partner = _PAIRED.get(key)
        if partner in keys:
            continue
        _RULES.get(key, _identical)(key, values, settings, out)
    return out


def _values(key: str, values: list[ServiceValues], default: Any = MISSING) -> list[Part]:
    return [Part(v.where(key), v.common.get(key, default)) for v in values]


def _identity(key: str, values, settings: Settings, out: MergedValues) -> None:
    first = next((v.common[key] for v in values if key in v.common), None)
    own = settings.target if key == "name" else settings.namespace
    out.take(key, Merged(restyle(own, first)))


def _identical(key: str, values, settings: Settings, out: MergedValues) -> None:
    out.take(key, merge_identical(key, _values(key, values, settings.defaults.get(key, MISSING))))


def _replicas(key: str, values, settings: Settings, out: MergedValues) -> None:
    out.take(key, merge_max(key, _values(key, values)), "migrate: the largest replicaCount of the merged services")


def _image(key: str, values, settings: Settings, out: MergedValues) -> None:
    merged = merge_image(_values(key, values), settings.target, settings.tag)
    merged.notes = [f"{note} (tag: {settings.tag_origin})" for note in merged.notes]
    out.take(key, merged, f"migrate: one image for the merged services, tag {settings.tag}")


def _ports(key: str, values, settings: Settings, out: MergedValues) -> None:
    merged = merge_ports(_values(key, values), lambda name: name != "grpc" or settings.keep_grpc)
    dropped = "" if settings.keep_grpc or not any("grpc" in (v.common.get(key) or {}) for v in values) else \
        "migrate: no grpc port: nothing outside the merged services calls them over gRPC any more"
    out.take(key, merged, dropped)


def _env(key: str, values, settings: Settings, out: MergedValues) -> None:
    parts = [part for v in values for part in v.parts("env")]
    merged = merge_env(parts, settings.peers, settings.target, settings.resolutions)
    merged.notes.append(f"env: {len(merged.value)} names from {len(parts)} entries of {len(values)} services; "
                        f"{len(merged.dropped)} entries dropped (calls between merged services); "
                        f"{len(merged.resolved)} set by --set env.NAME")
    if any("env" in v.common for v in values):
        out.take("env", merged, f"migrate: env of the merged services by name, secrets renamed "
                                f"{settings.target}-*; calls between them dropped (now in-process)")
    out.dropped, out.resolved, out.unknown = merged.dropped, merged.resolved, merged.unknown
    if any("envFrom" in v.common for v in values):
        out.take("envFrom", merge_env_from([p for v in values for p in v.parts("envFrom")], settings.target))


def _resources(key: str, values, settings: Settings, out: MergedValues) -> None:
    out.take(key, sum_resources(_values(key, values)),
             "migrate: the sum of the merged services' requests and limits")


def _probes(key: str, values, settings: Settings, out: MergedValues) -> None:
    out.take(key, merge_probes(_values(key, values)), "migrate: the merged services' probes, longest delays")


def _ingress(key: str, values, settings: Settings, out: MergedValues) -> None:
    default_class = (settings.defaults.get("ingress") or {}).get("className")
    merged = merge_ingresses(_blocks(values, settings), default_class)
    if merged.value is MISSING and any("ingress" in v.common for v in values):
        merged.value = {"enabled": False}
    out.take("ingress", merged, "migrate: every route of the merged services, once; routes served with other "
                                "annotations are in additionalIngresses")
    if merged.additional:
        out.take("additionalIngresses", Merged(merged.additional))


def _blocks(values: list[ServiceValues], settings: Settings) -> list[IngressBlock]:
    """The ingress blocks of every service (``ingress`` when enabled, then additionalIngresses),
    their references to carried attachables moved to the target namespace."""
    enabled_default = (settings.defaults.get("ingress") or {}).get("enabled")
    blocks = []
    for v in values:
        main = v.common.get("ingress")
        found = [(None, main, v.where("ingress"))] if isinstance(main, Mapping) and \
            main.get("enabled", enabled_default) else []
        found += [(item.value.get("name"), item.value, item.where) for item in v.parts("additionalIngresses")
                  if isinstance(item.value, Mapping)]
        carried = settings.attachables.get(v.service, frozenset())
        for name, data, where in found:
            annotations = move_attachment_refs(data.get("annotations") or {}, v.namespace, settings.namespace,
                                               carried)
            block = {**data, "annotations": annotations} if "annotations" in data or annotations else data
            blocks.append(IngressBlock(where, name, block))
    return blocks


def _vault(key: str, values, settings: Settings, out: MergedValues) -> None:
    parts = [part for v in values for part in v.parts(key)]
    out.take(key, merge_vault_secrets(parts, settings.target),
             f"migrate: the merged services' secrets, renamed {settings.target}-*; same vault paths")


_RULES: dict[str, Rule] = {
    "name": _identity, "namespace": _identity, "replicaCount": _replicas, "image": _image, "ports": _ports,
    "env": _env, "envFrom": _env, "resources": _resources, "healthCheck": _probes, "ingress": _ingress,
    "additionalIngresses": _ingress, "vaultStaticSecrets": _vault,
}
