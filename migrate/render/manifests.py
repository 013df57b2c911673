"""Rendered manifests: YAML streams as Argo CD reads them, and the destination namespace it applies.

``load_manifests(text)`` reads what kustomize or Helm printed the way Argo CD does (sigs.k8s.io/yaml:
YAML 1.1 booleans, timestamps kept as strings), dropping empty documents and expanding
``kind: *List``. ``apply_destination_namespace`` is Argo CD's rule (controller ``NormalizeTargetObjects``):
a namespaced object without a namespace gets the Application's destination namespace, a cluster-scoped
one loses any it has. Offline we cannot ask a cluster which kinds are cluster-scoped: the built-in
kinds are listed here, and CRDs rendered beside the objects (``spec.scope: Cluster``) add theirs.
"""

from __future__ import annotations

from typing import Any, Iterable

import yaml

from ..errors import MigrateError
from ..inventory import extensions


class RenderError(MigrateError):
    """A render failed (a tool's error, a chart that cannot be found offline...)."""


class OfflineError(RenderError):
    """What a render needs that lies outside the repository (a remote chart, base or values file): Argo CD
    would fetch it, migrate renders offline. What it would have made is unknown, not missing."""


class _K8sLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as Kubernetes tools read it: YAML 1.1 scalars, but timestamps stay strings."""


_K8sLoader.yaml_implicit_resolvers = {
    key: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# Kinds of a stock cluster that are cluster-scoped (Argo CD asks the cluster).
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "Node", "PersistentVolume", "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment",
    "PriorityClass", "RuntimeClass", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "IngressClass", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus",
    "DeviceClass", "ResourceSlice", "IPAddress", "ServiceCIDR", "GatewayClass", "ClusterIssuer",
    "ClusterSecretStore", "ClusterExternalSecret", "ClusterPolicy",
})


def load_yaml(text: str) -> Any:
    """One YAML document as Kubernetes tools read it."""
    return yaml.load(text, Loader=_K8sLoader)


def load_manifests(text: str, where: str = "rendered output") -> list[dict]:
    """The objects of a YAML stream (``kind: *List`` expanded, empty documents dropped)."""
    objects: list[dict] = []
    try:
        docs = list(yaml.load_all(text, Loader=_K8sLoader))
    except yaml.YAMLError as exc:
        raise RenderError(f"{where} is not valid YAML: {str(exc).splitlines()[0]}") from None
    for doc in docs:
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise RenderError(f"{where} holds a document that is not an object: {str(doc)[:80]!r}")
        if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list) and "spec" not in doc:
            objects.extend(item for item in doc["items"] if isinstance(item, dict))
        else:
            objects.append(doc)
    return objects


def cluster_scoped(objects: Iterable[dict]) -> frozenset[str]:
    """The built-in cluster-scoped kinds, those extension packages register, and those of the
    cluster-scoped CRDs among ``objects``."""
    scoped = set(CLUSTER_SCOPED_KINDS) | {k for k in extensions.attachable_kinds() if extensions.attachable(k).cluster_scoped}
    for obj in objects:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        if obj.get("kind") == "CustomResourceDefinition" and spec.get("scope") == "Cluster":
            scoped.add(str((spec.get("names") or {}).get("kind", "")))
    return frozenset(scoped)


def apply_destination_namespace(objects: list[dict], namespace: str | None, scoped: frozenset[str]) -> list[dict]:
    """Argo CD's namespace rule (see module doc), in place; returns ``objects``."""
    for obj in objects:
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if obj.get("kind") in scoped:
            meta.pop("namespace", None)
        elif not meta.get("namespace") and namespace:
            meta["namespace"] = namespace
    return objects


def identity(obj: dict) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name) of an object: the key Argo CD tells objects apart by."""
    api = str(obj.get("apiVersion") or "")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return api.rpartition("/")[0], str(obj.get("kind") or ""), str(meta.get("namespace") or ""), \
        str(meta.get("name") or "")
