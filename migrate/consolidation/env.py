"""The env and secret rules of the consolidation: env by name, secrets renamed, vault paths kept.

- ``rename_secret``: ``<svc>-X`` becomes ``<target>-X`` (secrets, VaultStaticSecrets).
- ``merge_env``: union by name in first-appearance order, secret references renamed,
  identical entries once; an entry whose value only names merged services' addresses is
  dropped (the call is now in-process); the same name with different values is a conflict
  unless a resolution (``--set env.NAME=value``) gives the value.
- ``merge_env_from``: union of ``envFrom``, secret references renamed, identical entries once.
- ``merge_vault_secrets``: union renamed like the secrets; entries renamed to the same name
  must read the same vault path; their mappings are united (templates of both kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from ..inventory.addresses import find_service_addresses
from ..repo.redact import REDACTED, looks_secret
from .parts import (MISSING, Conflict, Merged, Part, Where, conflict, copy_data, distinct, merge_identical,
                    restyle, show, union_order)


def rename_secret(name: Any, service: str, target: str) -> Any:
    """``<service>-X`` -> ``<target>-X`` (style kept); any other name unchanged."""
    if isinstance(name, str) and name.startswith(service + "-"):
        return restyle(target + name[len(service):], name)
    return name


def _rename_at(data: Mapping, keys: tuple[str, ...], service: str, target: str) -> dict:
    """A copy of ``data`` with the name at ``keys`` renamed (if there)."""
    out = copy_data(data)
    node = out
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and keys[-1] in node:
        node[keys[-1]] = rename_secret(node[keys[-1]], service, target)
    return out


@dataclass(frozen=True)
class Dropped:
    """An env entry dropped because it only names merged services (now in-process)."""

    where: Where
    name: str
    value: str


@dataclass(frozen=True)
class Resolved:
    """An env name whose value a resolution parameter gave."""

    name: str
    value: str
    choices: tuple[tuple[str, tuple[Where, ...]], ...]


@dataclass
class EnvMerged(Merged):
    """``merge_env``'s result: also the dropped entries, the resolutions used and unknown ones."""

    dropped: list[Dropped] = field(default_factory=list)
    resolved: list[Resolved] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def show_env(entry: Mapping) -> str:
    """An env entry's value as short text: the value (redacted under a secret-looking name, so that reports
    never print it), or ``secretKeyRef name/key``."""
    if "value" in entry:
        return REDACTED if looks_secret(str(entry.get("name", ""))) else show(entry["value"])
    for kind, ref in (entry.get("valueFrom") or {}).items():
        if isinstance(ref, Mapping):
            return f"{kind} {'/'.join(str(v) for v in ref.values())}"
    return show({k: v for k, v in entry.items() if k != "name"})


def peer_call(value: Any, peers: frozenset[tuple[str, str]]) -> str | None:
    """``"all"`` if every service address in ``value`` is a merged service's, ``"some"`` if only
    some are, None if none (``peers``: (namespace, name) of the merged services' Services)."""
    if not isinstance(value, str):
        return None
    addresses = find_service_addresses(value)
    hits = [a for a in addresses if (a.namespace, a.name) in peers]
    if not hits:
        return None
    return "all" if len(hits) == len(addresses) else "some"


def merge_env(entries: list[Part], peers: frozenset[tuple[str, str]], target: str,
              resolutions: Mapping[str, str]) -> EnvMerged:
    """The env rule (see module doc). ``entries``: every env entry of every service, in order."""
    by_name: dict[str, list[Part]] = {}
    result = EnvMerged([])
    for part in entries:
        entry = _rename_at(part.value, ("valueFrom", "secretKeyRef", "name"), part.where.service, target)
        name = str(entry.get("name"))
        call = peer_call(entry.get("value"), peers)
        if call == "all":
            result.dropped.append(Dropped(part.where, name, str(entry["value"])))
            by_name.setdefault(name, [])
            continue
        if call == "some" and name not in resolutions:
            found = conflict(f"env {name}", [part], "it names merged and other services; "
                             f"give its value with --set env.{name}=<value>")
            result.conflicts.append(replace(found, setting=f"env.{name}", provisional=_plain(entry)))
        by_name.setdefault(name, []).append(Part(part.where, entry))
    for name, parts in by_name.items():
        _env_name(result, name, parts, resolutions)
    result.unknown = [name for name in resolutions if name not in by_name]
    return result


def _env_name(result: EnvMerged, name: str, parts: list[Part], resolutions: Mapping[str, str]) -> None:
    found = distinct(parts)
    choices = tuple((show_env(v), tuple(w)) for v, w in found)
    if name in resolutions:
        result.value.append({"name": name, "value": resolutions[name]})
        result.resolved.append(Resolved(name, resolutions[name], choices))
    elif len(found) == 1:
        result.value.append(found[0][0])
    elif found:
        result.conflicts.append(Conflict(f"env {name}", choices, f"choose with --set env.{name}=<value>",
                                         f"env.{name}", _plain(found[0][0])))


def _plain(entry: Any) -> str | None:
    """The literal value of an env entry (None for a valueFrom)."""
    value = entry.get("value") if isinstance(entry, Mapping) else None
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def merge_env_from(parts: list[Part], target: str) -> Merged:
    """``envFrom`` entries of every service: secret references renamed, identical ones once."""
    renamed = [Part(p.where, _rename_at(p.value, ("secretRef", "name"), p.where.service, target)) for p in parts]
    return Merged([value for value, _ in distinct(renamed)])


def merge_vault_secrets(parts: list[Part], target: str) -> Merged:
    """The vaultStaticSecrets rule: ``parts`` = every entry of every service, in order."""
    groups: dict[str, list[Part]] = {}
    for part in parts:
        entry = _rename_at(_rename_at(part.value, ("name",), part.where.service, target),
                           ("destination", "name"), part.where.service, target)
        groups.setdefault(str(entry.get("name")), []).append(Part(part.where, entry))
    merged = Merged([])
    for name, group in groups.items():
        paths = [Part(p.where, vault_path(p.value)) for p in group]
        if len(distinct(paths)) > 1:
            merged.conflicts.append(conflict(f"vaultStaticSecrets {name}", paths,
                                             "two services' secrets would become one but read different vault paths"))
            continue
        united = unite(f"vaultStaticSecrets {name}", group)
        merged.value.append(united.value)
        merged.conflicts += united.conflicts
        sources = ", ".join(str(p.where.service) for p in group)
        merged.notes.append(f"{name} ({paths[0].value}) <- {sources}")
    destinations = [Part(Where(str(e.get("name"))), (e.get("destination") or {}).get("name")) for e in merged.value]
    for value, wheres in distinct(destinations):
        if len(wheres) > 1:
            merged.conflicts.append(Conflict(f"secret {value}", ((show(value), tuple(wheres)),),
                                             "several VaultStaticSecrets would write it"))
    return merged


def vault_path(entry: Mapping) -> str:
    """``<mount>/<path>`` of a vaultStaticSecrets entry (mount defaults to kv, like the chart)."""
    return f"{entry.get('mount') or 'kv'}/{entry.get('path')}"


def unite(what: str, parts: list[Part]) -> Merged:
    """Mappings united key by key (recursively); other values must be equal."""
    present = [p for p in parts if p.value is not MISSING]
    if present and all(isinstance(p.value, Mapping) for p in present):
        out, conflicts = {}, []
        for key in union_order(list(p.value) for p in present):
            sub = unite(f"{what}.{key}", [Part(p.where, p.value[key]) for p in present if key in p.value])
            if sub.value is not MISSING:
                out[key] = sub.value
            conflicts += sub.conflicts
        return Merged(out, conflicts=conflicts)
    return merge_identical(what, present)


