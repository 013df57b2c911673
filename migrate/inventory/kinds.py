"""Kinds of Kubernetes objects, and which component installs a custom kind or serves an ingress class.

A *component* is the Application that installs a controller and its CRDs (an ingress
controller, vault, cert-manager...). Custom kinds are matched by API group; ingress classes
by name. Each entry lists candidate Application names, first match wins; extension packages
add entries (``inventory.extensions.register_component``); a group missing from the tables
falls back to an Application named like one of the group's dot-separated labels
(``minio.min.io`` -> ``minio``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..roundtrip.nodes import as_map, as_seq, dig
from . import extensions

# API group -> candidate Application names of the component that installs its CRDs.
COMPONENT_OF_GROUP: dict[str, tuple[str, ...]] = {
    "secrets.hashicorp.com": ("vault-secrets-operator", "vault"),
    "cert-manager.io": ("cert-manager",),
    "acme.cert-manager.io": ("cert-manager",),
    "postgresql.cnpg.io": ("cnpg", "cloudnative-pg"),
    "monitoring.coreos.com": ("prometheus", "kube-prometheus-stack", "prometheus-operator"),
    "tekton.dev": ("tekton-pipelines", "tekton"),
    "triggers.tekton.dev": ("tekton-triggers", "tekton"),
    "rabbitmq.com": ("rabbitmq", "rabbitmq-cluster-operator"),
    "external-secrets.io": ("external-secrets",),
    "bitnami.com": ("sealed-secrets",),
    "kafka.strimzi.io": ("strimzi", "strimzi-kafka-operator", "strimzi-operator", "kafka-operator"),
    "minio.min.io": ("minio-operator", "minio"),
    "k8s.mariadb.com": ("mariadb-operator",),
    "acid.zalan.do": ("postgres-operator", "zalando-postgres-operator"),
    "postgres-operator.crunchydata.com": ("pgo", "crunchy-postgres-operator", "postgres-operator"),
    "redis.redis.opstreelabs.in": ("redis-operator",),
    "elasticsearch.k8s.elastic.co": ("eck-operator", "elastic-operator", "eck"),
    "kibana.k8s.elastic.co": ("eck-operator", "elastic-operator", "eck"),
    "mongodbcommunity.mongodb.com": ("mongodb-operator", "community-operator", "mongodb-kubernetes-operator"),
    "mysql.oracle.com": ("mysql-operator",),
    "opentelemetry.io": ("opentelemetry-operator",),
    "grafana.integreatly.org": ("grafana-operator",),
    "dragonflydb.io": ("dragonfly-operator",),
}

# Groups of the Kubernetes API itself (no CRD, no component). Core kinds have no group.
BUILTIN_GROUPS = frozenset({
    "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
    "storage.k8s.io", "apiextensions.k8s.io", "admissionregistration.k8s.io", "scheduling.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io", "certificates.k8s.io",
    "events.k8s.io", "flowcontrol.apiserver.k8s.io", "apiregistration.k8s.io",
    "kustomize.config.k8s.io", "kustomize.toolkit.fluxcd.io", "gateway.networking.k8s.io",
})

# Argo CD's own kinds: the control plane that reads the repo, not a component to sync.
ARGO_GROUP = "argoproj.io"

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod",
                            "ReplicaSet"})



def pod_spec(kind: str, spec: Mapping) -> Mapping:
    """The pod spec of a workload's ``spec`` (a CronJob's is under its job template)."""
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return as_map(dig(spec, "jobTemplate", "spec", "template", "spec"))
    return as_map(dig(spec, "template", "spec"))


def containers(doc: Mapping) -> list[Any]:
    """The init and app containers of a workload object (none for any other kind)."""
    if doc.get("kind") not in WORKLOAD_KINDS:
        return []
    pod = pod_spec(str(doc.get("kind")), as_map(doc.get("spec")))
    return [*as_seq(pod.get("initContainers")), *as_seq(pod.get("containers"))]

# The legacy annotation that selects an Ingress's class (before spec.ingressClassName).
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"

# CloudNativePG: a Cluster named N makes these Services and Secrets.


def api_group(api_version: str) -> str:
    """``networking.k8s.io/v1`` -> ``networking.k8s.io``; core ``v1`` -> ``""``."""
    return api_version.rpartition("/")[0]


def is_custom_group(group: str) -> bool:
    """A group served by a CRD (not core Kubernetes, not Argo CD itself)."""
    return bool(group) and group not in BUILTIN_GROUPS and group != ARGO_GROUP


def _component(candidates: tuple[str, ...] | None, names: Iterable[str], app_names: set[str]) -> str | None:
    """First table candidate the repo has, else the first one (outside the repo); without
    table entry, the first of ``names`` that is an Application of the repo, else None."""
    if candidates:
        return next((c for c in candidates if c in app_names), candidates[0])
    return next((n for n in names if n in app_names), None)


def component_for_group(group: str, app_names: set[str]) -> str | None:
    """The component (Application name) installing ``group``'s CRDs (or an app named like a label)."""
    table = {**COMPONENT_OF_GROUP, **extensions.group_components()}
    return _component(table.get(group), group.split("."), app_names)


def component_for_ingress_class(class_name: str, app_names: set[str]) -> str | None:
    """The component (Application name) serving ingress class ``class_name`` (or an app of that name)."""
    return _component(extensions.class_components().get(class_name), (class_name,), app_names)
