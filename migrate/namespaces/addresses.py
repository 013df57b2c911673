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


def addresses(view, apps, namespace: str) -> list[Address]:
    """The address patterns of the moved Applications ``apps`` (``plan.Moved``) in the graph ``view``."""
    out = []
    for app in apps:
        if app.services:
            out.append(Address(re.compile(
                r"(?<![\w.-])(" + "|".join(map(re.escape, app.services)) + r")\." + re.escape(app.old)
                + r"(?:(\.svc(?:\.cluster\.local)?)(?![\w-]|\.[\w-])|(?=[:/]|$|[\s\"',;)\]]))"),
                lambda m: f"{m.group(1)}.{namespace}{m.group(2) or ''}", app.old))
        render = view.renders.get(app.id)
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

    @classmethod
    def of(cls, view, apps) -> "NamespaceRefs":
        refs = cls({a.old for a in apps})
        moving = {a.id for a in apps}
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

    def kept_by(self, container, value: str) -> str | None:
        """The staying Application whose object this ``{name, namespace}`` names (why it is left alone)."""
        name = container.get("name") if hasattr(container, "get") else None
        return self.staying.get((name, value)) if isinstance(name, str) else None


def is_namespace_parameter(container) -> bool:
    """A Helm parameter that sets a namespace: ``{name: namespace | <x>.namespace, value: ...}``."""
    name = container.get("name") if hasattr(container, "get") else None
    return isinstance(name, str) and (name == "namespace" or name.endswith(".namespace"))
