"""The ingress rule of ``consolidate-backend``: every route of every merged service, once.

Input: the ingress blocks of the merged services' values (``ingress`` when enabled, and each
``additionalIngresses`` entry), in order. Routes (host, path) are grouped by how they are
served: the block's class, annotations and every other block setting (not hosts/tls/name).
The group with the most routes becomes the target's ``ingress``; every other group becomes
an ``additionalIngresses`` entry, so a route keeps exactly the plugins/middlewares it had
(auth-svc's routes without the JWT plugin do not take the others' plugins). An entry keeps
the name the sources gave it, else gets one from its first service (``auth``). TLS entries
of a group are united by secret name. The same (host, path) in two blocks is a conflict.

``move_attachment_refs`` moves references to attachables carried into the target namespace
(e.g. a Traefik middleware's ``<ns>-<name>@kubernetescrd``), through the attachment styles the
extension packages register.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..inventory import extensions
from .parts import MISSING, Conflict, Merged, Where, copy_data, restyle, short_name

_ROUTING_KEYS = ("hosts", "tls", "name", "enabled")


@dataclass(frozen=True)
class IngressBlock:
    """One ingress block of a service: ``name`` is None for ``ingress``, else the
    ``additionalIngresses`` entry's name."""

    where: Where
    name: str | None
    data: Mapping


@dataclass
class _Group:
    """Routes served the same way: hosts -> path items, TLS entries, the blocks they came from."""

    class_name: str | None
    blocks: list[IngressBlock] = field(default_factory=list)
    hosts: dict[str, tuple[dict, list]] = field(default_factory=dict)   # host -> (host entry, paths)
    tls: list[dict] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(b.where.service for b in self.blocks))


@dataclass
class IngressMerged(Merged):
    """The merged ``ingress`` (or MISSING) plus ``additional`` (the additionalIngresses list)."""

    additional: list[dict] = field(default_factory=list)


def merge_ingresses(blocks: Iterable[IngressBlock], default_class: str | None) -> IngressMerged:
    """The ingress rule (see module doc); ``default_class``: the chart's default className."""
    groups: dict[str, _Group] = {}
    claims: dict[tuple[str, str], Where] = {}
    result = IngressMerged(MISSING)
    for block in blocks:
        class_name = block.data.get("className") or default_class
        group = groups.setdefault(_style_key(block.data, class_name), _Group(class_name))
        group.blocks.append(block)
        _add_routes(group, block, claims, result.conflicts)
        _add_tls(group, block.data.get("tls"))
    ordered = sorted(groups.values(), key=lambda g: -len(g.routes))
    main = ordered[0] if ordered and ordered[0].routes else None
    names: set[str] = set()
    for group in groups.values():
        if not group.routes:
            continue
        if group is main:
            result.value = _render(group, None)
            result.notes.append(f"ingress: {_describe(group)}")
            continue
        name = _name(group, names)
        result.additional.append(_render(group, name))
        result.notes.append(f"additionalIngresses[{name}]: {_describe(group)}")
    return result


def _style_key(data: Mapping, class_name: str | None) -> str:
    """How a block serves its routes: class, annotations and other settings (hashable)."""
    rest = {k: v for k, v in data.items() if k not in _ROUTING_KEYS and k not in ("className", "annotations")}
    return json.dumps([class_name, dict(data.get("annotations") or {}), rest], sort_keys=True, default=str)


def _add_routes(group: _Group, block: IngressBlock, claims: dict, conflicts: list[Conflict]) -> None:
    for entry in block.data.get("hosts") or []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("paths"), list):
            conflicts.append(Conflict(f"ingress of {block.where.service}",
                                      ((json.dumps(entry, default=str), (block.where,)),),
                                      "expected hosts[] entries of the form {host, paths: [{path}]}"))
            continue
        host = str(entry.get("host") or "*")
        _, paths = group.hosts.setdefault(host, ({k: v for k, v in entry.items() if k != "paths"}, []))
        for item in entry["paths"]:
            path = str(item.get("path") if isinstance(item, Mapping) else item) or "/"
            earlier = claims.setdefault((host, path), block.where)
            if earlier is not block.where:
                conflicts.append(Conflict(f"route {host}{path}", ((host + path, (earlier, block.where)),),
                                          "two services claim the same route"))
                continue
            paths.append(copy_data(item))
            group.routes.append(host + path)


def _add_tls(group: _Group, tls: Any) -> None:
    for entry in tls if isinstance(tls, list) else []:
        if not isinstance(entry, Mapping):
            continue
        same = next((t for t in group.tls if t.get("secretName") == entry.get("secretName")), None)
        if same is None:
            group.tls.append(copy_data(entry))
            continue
        hosts = same.setdefault("hosts", [])
        hosts += [h for h in entry.get("hosts") or [] if h not in hosts]


def _name(group: _Group, taken: set[str]) -> str:
    """The source's name when all blocks had the same one, else one from the first service; unique."""
    given = {b.name for b in group.blocks}
    first = short_name(group.blocks[0].where.service)
    base = given.pop() if len(given) == 1 and None not in given else first
    name, number = (base if base not in taken else f"{base}-{first}"), 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    taken.add(name)
    return name


def _render(group: _Group, name: str | None) -> dict:
    """The block of a group: ``enabled: true`` (main) or ``name`` first, then the first block's keys."""
    first = group.blocks[0].data
    out: dict = {"enabled": restyle(True, first.get("enabled"))} if name is None else {"name": name}
    for key, value in first.items():
        if key in ("enabled", "name"):
            continue
        out[key] = _hosts(group) if key == "hosts" else copy_data(group.tls) if key == "tls" else copy_data(value)
    if "hosts" not in out:
        out["hosts"] = _hosts(group)
    if group.tls and "tls" not in out:
        out["tls"] = copy_data(group.tls)
    if not group.tls:
        out.pop("tls", None)
    return out


def _hosts(group: _Group) -> list[dict]:
    return [{**copy_data(entry), "paths": paths} for entry, paths in group.hosts.values()]


def _describe(group: _Group) -> str:
    annotations = dict(group.blocks[0].data.get("annotations") or {})
    style = "; ".join([f"class {group.class_name}"] + [f"{k}: {v}" for k, v in annotations.items()]) \
        if annotations else f"class {group.class_name}; no annotations"
    return f"{len(group.routes)} route(s) of {', '.join(group.services)} ({style}): {', '.join(group.routes)}"


def move_attachment_refs(annotations: Mapping, old_namespace: str, new_namespace: str,
                         carried: frozenset[str]) -> dict:
    """``annotations`` with each reference to a carried attachable ``name`` of ``old_namespace``
    (in an attachment annotation) now naming it in ``new_namespace``."""
    out = copy_data(annotations)
    for style in extensions.attachments():
        value = out.get(style.annotation)
        if not isinstance(value, str):
            continue
        refs = []
        for ref in (r.strip() for r in value.split(",")):
            local = style.local_name(ref, old_namespace)
            refs.append(style.reference(ref, local, new_namespace) if local in carried else ref)
        out[style.annotation] = restyle(",".join(refs), value)
    return out
