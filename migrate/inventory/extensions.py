"""What extension packages tell the shared model about the components they deal with.

The inventory and the graph know Kubernetes and Argo CD; they do not know any particular
controller. A package that does (the ingress-controller playbooks, say) registers here:

- ``register_attachable(kind, node_kind, ...)``: objects of ``kind`` attach to routes (a
  controller's plugins or middlewares); the inventory makes an ``Attachable`` record of each,
  and the graph a ``<node_kind>:<ns>/<name>`` node (``<node_kind>:<name>`` if cluster-wide);
- ``register_attachment(style)``: an annotation through which an Ingress (or an ingress block
  of values) names attachables, and how its references resolve (``AttachmentStyle``);
- ``register_component(group=..., ingress_class=..., candidates=...)``: which Application
  installs the CRDs of an API group, or serves an ingress class.

Everything is looked up after ``extensions.discover()`` has imported the registered packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from ..extensions import discover


@dataclass(frozen=True)
class AttachableKind:
    """A kind of object that attaches to routes: its graph node kind, whether it is cluster-wide,
    and how to read its type (what it does: a plugin name, a middleware's spec key) from its document."""

    kind: str
    node_kind: str
    cluster_scoped: bool = False
    type_of: Callable[[Mapping], str | None] = lambda doc: None


class AttachmentStyle:
    """An annotation through which a route names attachable objects, and how the names resolve.

    ``refs(value)`` splits the annotation value into references; ``candidates(ref, namespace)``
    gives the (namespace or None for cluster-wide, name) pairs that may answer a reference made in
    ``namespace``, in order, or None when the reference is not this style's business (another
    provider); ``missing(ref, namespace)`` is the node id and reason of an unresolved one.
    ``local_name``/``reference`` let a move between namespaces rewrite references.
    """

    annotation: str = ""
    kinds: frozenset[str] = frozenset()

    def refs(self, value: str) -> tuple[str, ...]:
        return tuple(x.strip() for x in (value or "").split(",") if x.strip())

    def candidates(self, ref: str, namespace: str, known: Iterable[tuple[str | None, str]]) \
            -> list[tuple[str | None, str]] | None:
        raise NotImplementedError

    def missing(self, ref: str, namespace: str) -> tuple[tuple[str | None, str], str]:
        """((namespace, name) of the node to mark missing, the reason)."""
        raise NotImplementedError

    def local_name(self, ref: str, namespace: str) -> str | None:
        """The name of the object in ``namespace`` that ``ref`` names (None: none there)."""
        return ref

    def reference(self, ref: str, name: str, namespace: str) -> str:
        """``ref`` rewritten to name object ``name`` of ``namespace``."""
        return name


_ATTACHABLES: dict[str, AttachableKind] = {}
_ATTACHMENTS: dict[str, AttachmentStyle] = {}
_GROUPS: dict[str, tuple[str, ...]] = {}
_CLASSES: dict[str, tuple[str, ...]] = {}


def register_attachable(kind: AttachableKind) -> None:
    _ATTACHABLES[kind.kind] = kind


def register_attachment(style: AttachmentStyle) -> None:
    _ATTACHMENTS[style.annotation] = style


def register_component(*, candidates: tuple[str, ...], group: str | None = None,
                       ingress_class: str | None = None) -> None:
    """Applications (first match wins) installing API group ``group`` or serving ``ingress_class``."""
    if group:
        _GROUPS[group] = tuple(candidates)
    if ingress_class:
        _CLASSES[ingress_class] = tuple(candidates)


def attachable(kind: str) -> AttachableKind | None:
    discover()
    return _ATTACHABLES.get(kind)


def attachable_kinds() -> frozenset[str]:
    discover()
    return frozenset(_ATTACHABLES)


def attachments() -> list[AttachmentStyle]:
    """Every registered attachment style, in registration order."""
    discover()
    return list(_ATTACHMENTS.values())


def attachment(annotation: str) -> AttachmentStyle | None:
    discover()
    return _ATTACHMENTS.get(annotation)


def group_components() -> Mapping[str, tuple[str, ...]]:
    discover()
    return _GROUPS


def class_components() -> Mapping[str, tuple[str, ...]]:
    discover()
    return _CLASSES


def node_kinds() -> list[str]:
    """The graph node kinds attachables add (``plugin``, ``middleware``...)."""
    discover()
    return sorted({k.node_kind for k in _ATTACHABLES.values()})
