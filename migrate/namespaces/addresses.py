"""What names a moved Application's objects by their old namespace, and what it becomes.

- ``addresses``: text that carries the namespace inside a name — a Service's DNS address
  ``<svc>.<ns>[:port]``, ``<svc>.<ns>.svc[.cluster.local]`` (never ``<svc>.<ns>.svc.example.com``), and
  Traefik's ``<ns>-<name>@kubernetescrd`` for the Middlewares (TLS options, transports, services) that move;
  the same patterns find what is left over after the move.
- ``NamespaceRefs``: which ``namespace: <old>`` values follow. In a moved Application's own files, its old
  namespace follows unless the map also names an object an Application that stays keeps there
  (``{name: auth, namespace: old}``); anywhere, a map that names an object a moved Application makes
  there follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

_TRAEFIK_KINDS = {"Middleware", "MiddlewareTCP", "TLSOption", "ServersTransport", "ServersTransportTCP",
                  "TraefikService"}


@dataclass(frozen=True)
class Address:
    """One pattern of old addresses and the text each match becomes."""

    pattern: re.Pattern
    new: Callable[[re.Match], str]
    old: str            # the old namespace (a text without it has no match: a cheap first filter)

    def sub(self, text: str) -> str:
        return self.pattern.sub(self.new, text)


def addresses(view, apps, namespace: str, refs: "NamespaceRefs") -> list[Address]:
    """The address patterns of the moved Applications ``apps`` (``plan.Moved``) in the graph ``view``."""
    out = []
    for app in apps:
        render = view.renders.get(app.id)
        accounts = {o.identity[3] for o in (render.objects if render else [])
                    if o.identity[1] == "ServiceAccount" and o.namespace == app.old}
        accounts |= {"default"} if refs.empties(app.old) else set()
        if accounts:   # a ServiceAccount's identity: system:serviceaccount:<ns>:<sa>, SPIFFE .../ns/<ns>/sa/<sa>
            names, old = "|".join(map(re.escape, sorted(accounts))), re.escape(app.old)
            out.append(Address(re.compile(rf"(system:serviceaccount:|/ns/){old}(:|/sa/)({names})(?![\w.-])"),
                               lambda m: f"{m.group(1)}{namespace}{m.group(2)}{m.group(3)}", app.old))
        if app.services:
            # <svc>.<ns>.svc[.cluster.local], also after a pod or SRV label (pod-0.<svc>..., _grpc._tcp.<svc>...);
            # the short <svc>.<ns> only as a whole host followed by a port, a path or the end (not /var/x.ns)
            names, old = "|".join(map(re.escape, app.services)), re.escape(app.old)
            out.append(Address(re.compile(
                rf"(?<![\w-])({names})\.{old}(\.svc(?:\.cluster\.local)?)(?![\w-]|\.[\w-])"
                rf"|(?:(?<=//)|(?<![\w./-]))({names})\.{old}(?=:\d|/|$|[\s\"',;)\]])"),
                lambda m: f"{m.group(1) or m.group(3)}.{namespace}{m.group(2) or ''}", app.old))
        crds = sorted({o.identity[3] for o in (render.objects if render else [])
                       if o.identity[1] in _TRAEFIK_KINDS and o.namespace == app.old})
        if crds:
            out.append(Address(re.compile(r"(?<![\w-])" + re.escape(app.old) + r"-("
                                          + "|".join(map(re.escape, crds)) + r")@kubernetescrd(?![\w-])"),
                               lambda m: f"{namespace}-{m.group(1)}@kubernetescrd", app.old))
    return out


def mentions(text: str, found: list[Address]) -> bool:
    return any(a.old in text for a in found)


@dataclass
class NamespaceRefs:
    """The objects the Applications make, by (name, namespace): the moved ones' and the staying ones'."""

    olds: set[str]
    moved: set[tuple[str, str]] = field(default_factory=set)
    staying: dict[tuple[str, str], str] = field(default_factory=dict)      # -> the Application's name
    kept: set[str] = field(default_factory=set)      # old namespaces an Application that stays deploys to

    @classmethod
    def of(cls, view, apps) -> "NamespaceRefs":
        refs = cls({a.old for a in apps})
        moving = {a.id for a in apps}
        refs.kept = {app.dest_namespace for i, app in view.apps.items() if i in view.synced and i not in moving} & refs.olds
        for app_id in sorted(view.synced):
            render = view.renders.get(app_id)
            for obj in render.objects if render else []:
                if obj.namespace in refs.olds:
                    key = (obj.identity[3], obj.namespace)
                    if app_id in moving:
                        refs.moved.add(key)
                    else:
                        refs.staying.setdefault(key, view.apps[app_id].name)
        return refs

    def follows(self, container, value: str, own: str | None, meta: bool = False) -> bool:
        """Whether ``namespace: value`` in ``container`` becomes the new namespace: ``own`` is the old
        namespace of the moved Application whose file it is (None elsewhere), ``meta`` that the map is an
        object's own ``metadata``."""
        if value not in self.olds:
            return False
        if meta:
            return value == own
        name = container.get("name") if hasattr(container, "get") else None
        if isinstance(name, str) and (name, value) in self.staying:
            return False
        return value == own or (isinstance(name, str) and (name, value) in self.moved)

    def empties(self, old: str) -> bool:
        """Nothing that stays is in ``old``: what selects that namespace meant the moved Applications."""
        return old in self.olds and not any(ns == old for _, ns in self.staying) and old not in self.kept

    def kept_by(self, container, value: str) -> str | None:
        """The staying Application whose object this ``{name, namespace}`` names (why it is left alone)."""
        name = container.get("name") if hasattr(container, "get") else None
        return self.staying.get((name, value)) if isinstance(name, str) else None


def is_namespace_parameter(container) -> bool:
    """A Helm parameter that sets a namespace: ``{name: namespace | <x>.namespace, value: ...}``."""
    name = container.get("name") if hasattr(container, "get") else None
    return isinstance(name, str) and (name == "namespace" or name.endswith(".namespace"))


_SELECTOR_LABEL = "kubernetes.io/metadata.name"


def namespace_fields(node):
    """(container, key, value) of each string that names a namespace by where it is: a namespace selector's
    ``kubernetes.io/metadata.name`` label (or a matchExpressions entry on it), a ``matchNames``
    (ServiceMonitor) or ``namespaces`` list (Istio, Prometheus' ``namespaces.names``), an AppProject's
    ``destinations[].namespace``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if key == _SELECTOR_LABEL:
                    yield node, key, value
                continue
            listed = value.get("names") if key == "namespaces" and isinstance(value, dict) else value
            if isinstance(listed, list) and (key in ("matchNames", "namespaces")
                                             or (key == "values" and node.get("key") == _SELECTOR_LABEL)):
                yield from ((listed, i, item) for i, item in enumerate(listed) if isinstance(item, str))
            elif isinstance(value, list) and key == "destinations":
                yield from ((d, "namespace", d["namespace"]) for d in value
                            if isinstance(d, dict) and isinstance(d.get("namespace"), str))
            else:
                yield from namespace_fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from namespace_fields(item)
