"""What a Kubernetes object document defines: workloads, services, routes, secrets, attachables.

``manifest_records`` reads one object document and yields records (see ``records``); it never
raises on unexpected shapes. Kinds whose controllers make Services and Secrets (``producers``: a table, as data) make those too.
Kinds a controller's CRDs serve make a ``CustomObject`` (the
component installing the CRD is found from its API group); the kinds extension packages
register as attachable (``inventory.extensions``) make an ``Attachable`` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from ..roundtrip.nodes import as_map, as_seq, dig, is_map, key_line, node_line, text
from . import extensions, kinds
from .records import ANY_NAMESPACE, Attachable, CustomObject, Manifest, Route, SecretSource, SecretUse, Service, Workload
from .producers import Producer, Producers
from .routes import GATEWAY_ROUTE_KINDS, gateway_routes, ingress_routes
from .workloads import read_env

VSS_API = "secrets.hashicorp.com/v1beta1"



@dataclass(frozen=True)
class _Obj:
    """Identity of the object being read."""

    api: str
    kind: str
    name: str
    namespace: str
    file: str
    line: int



def _workload(doc: Mapping, o: _Obj) -> Iterator[Workload]:
    pod = kinds.pod_spec(o.kind, as_map(doc.get("spec")))
    workload = Workload(o.namespace, o.name, o.kind, o.file, o.line)
    for container in [*as_seq(pod.get("initContainers")), *as_seq(pod.get("containers"))]:
        read_env(dig(container, "env"), dig(container, "envFrom"), workload)
    volumes = as_seq(pod.get("volumes"))
    for i, volume in enumerate(volumes):
        names = [(dig(volume, "secret", "secretName"), dig(volume, "secret", "optional"))]
        names += [(dig(s, "secret", "name"), dig(s, "secret", "optional"))
                  for s in as_seq(dig(volume, "projected", "sources"))]
        for name, optional in names:
            if text(name):
                workload.secrets.append(SecretUse(text(name), "volume", o.file, key_line(volumes, i), optional is True))
    yield workload


def _service(doc: Mapping, o: _Obj) -> Iterator[Service]:
    ports = tuple(p.get("port") for p in as_seq(dig(doc, "spec", "ports")) if is_map(p) and p.get("port"))
    yield Service(o.namespace, o.name, ports, "manifest", o.file, o.line)


def _ingress(doc: Mapping, o: _Obj) -> Iterator[Route]:
    yield from ingress_routes(doc, o.namespace, o.name, o.file)


def _gateway_route(doc: Mapping, o: _Obj) -> Iterator[Route | CustomObject]:
    yield from gateway_routes(doc, o.namespace, o.name, o.kind, o.file)
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line)


def _object(doc: Mapping, o: _Obj) -> Iterator[CustomObject]:
    """An object the graph names by kind though its group is Kubernetes' own (a Gateway)."""
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line)


def _secret(doc: Mapping, o: _Obj) -> Iterator[SecretSource]:
    yield SecretSource(o.namespace, o.name, o.kind, None, None, o.file, o.line)
    for namespace in _copied_to(as_map(dig(doc, "metadata", "annotations"))):
        if namespace != o.namespace:
            yield SecretSource(namespace, o.name, f"{o.kind} copied from {o.namespace}", None, None, o.file, o.line)


# Annotations by which a controller copies a Secret into other namespaces: emberstack's reflector (automatic
# reflection) and mittwald's kubernetes-replicator (push). A regular expression or an empty list (every
# namespace) names no namespace here.
_AUTO_REFLECTED = "reflector.v1.k8s.emberstack.com/reflection-auto-enabled"
_COPIED_TO = ("reflector.v1.k8s.emberstack.com/reflection-auto-namespaces",
              "reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces", "replicator.v1.mittwald.de/replicate-to")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _copied_to(annotations: Mapping) -> list[str]:
    """The namespaces the annotations of a Secret (or of a Secret's template) have it copied into."""
    auto = str(annotations.get(_AUTO_REFLECTED, "")).lower() == "true"
    for key in _COPIED_TO:
        if key in annotations and (auto or not key.startswith("reflector.")):
            return [ns.strip() for ns in str(annotations[key]).split(",") if _NAMESPACE.match(ns.strip())]
    return []


def _vault_static_secret(doc: Mapping, o: _Obj) -> Iterator[SecretSource | CustomObject]:
    spec = as_map(doc.get("spec"))
    secret = SecretSource(o.namespace, text(dig(spec, "destination", "name")) or o.name, o.kind,
                          text(spec.get("mount")), text(spec.get("path")), o.file, o.line)
    yield secret
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line, node=secret.id)


def _attachable(doc: Mapping, o: _Obj) -> Iterator[Attachable | CustomObject]:
    kind = extensions.attachable(o.kind)
    record = Attachable(o.kind, None if kind.cluster_scoped else o.namespace, o.name, kind.type_of(doc),
                        kind.node_kind, o.file, o.line)
    yield record
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line, node=record.id)


_READERS = {
    **{kind: _workload for kind in kinds.WORKLOAD_KINDS},
    "Service": _service,
    "Ingress": _ingress,
    **{kind: _gateway_route for kind in GATEWAY_ROUTE_KINDS},
    "Gateway": _object,
    "Secret": _secret,
    "VaultStaticSecret": _vault_static_secret,
}


def _produced(producer: Producer, doc: Mapping, o: _Obj) -> Iterator[Service | SecretSource]:
    """The Services and Secrets the object's controller makes (``producers``), the object as provenance; a Secret
    whose template (a Certificate's ``secretTemplate``) has it copied into other namespaces is there too."""
    for name in producer.names(producer.services, doc):
        yield Service(o.namespace, name, producer.ports, "producer", o.file, o.line, made_by=f"{o.kind}/{o.name}")
    copied = _copied_to(as_map(dig(doc, "spec", "secretTemplate", "annotations")))
    for name in producer.names(producer.secrets, doc):
        for namespace in dict.fromkeys([o.namespace, *copied]):
            yield SecretSource(namespace, name, o.kind, None, None, o.file, o.line)


def _generated_secrets(doc: Mapping, o: _Obj) -> Iterator[SecretSource]:
    """The Secrets a Kyverno policy's ``generate`` rules make (or clone): in their namespace, or in every namespace
    the rule matches when that is a template (``{{request.object.metadata.name}}``)."""
    for rule in as_seq(dig(doc, "spec", "rules")):
        generate = as_map(dig(rule, "generate"))
        name, namespace = text(generate.get("name")), text(generate.get("namespace"))
        if text(generate.get("kind")) == "Secret" and name and "{{" not in name:
            where = namespace if namespace and "{{" not in namespace else \
                o.namespace if o.kind == "Policy" and not namespace else ANY_NAMESPACE
            yield SecretSource(where, name, f"{o.kind}/{o.name}", None, None, o.file, o.line)


def _connection_secret(doc: Mapping, o: _Obj) -> Iterator[SecretSource]:
    """The Secret a Crossplane claim or managed resource writes its connection details to (any kind)."""
    ref = as_map(dig(doc, "spec", "writeConnectionSecretToRef"))
    if text(ref.get("name")):
        yield SecretSource(text(ref.get("namespace")) or o.namespace, text(ref["name"]), o.kind, None, None,
                           o.file, o.line)


def manifest_records(doc: Mapping, file: str, index: int, default_namespace: str | None,
                     forced: bool = False, producers: Producers | None = None) -> Iterator[Any]:
    """Records of one Kubernetes object document (a namespace-less object takes ``default_namespace``;
    every object does when ``forced``: a kustomization's ``namespace:``)."""
    meta = as_map(doc.get("metadata"))
    own = None if forced and default_namespace else text(meta.get("namespace"))
    o = _Obj(text(doc.get("apiVersion")) or "", text(doc.get("kind")) or "", text(meta.get("name")) or "",
             own or default_namespace or "default", file, node_line(doc))
    yield Manifest(o.api, o.kind, o.name, o.namespace, file, o.line, index)
    reader = _attachable if extensions.attachable(o.kind) is not None else _READERS.get(o.kind)
    records = list(reader(doc, o)) if reader else []
    for producer in (producers or Producers.shipped()).find(o.api, o.kind, doc):
        records += _produced(producer, doc, o)
    records += _connection_secret(doc, o)
    if kinds.api_group(o.api) == "kyverno.io":
        records += _generated_secrets(doc, o)
    yield from records
    if kinds.is_custom_group(kinds.api_group(o.api)) and not any(isinstance(r, CustomObject) for r in records):
        yield CustomObject(o.api, o.kind, o.namespace, o.name, file, o.line)

