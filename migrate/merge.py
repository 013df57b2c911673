"""The merge rules of ``consolidate-backend``, as pure functions on plain data.

Each rule takes the values of the merged services, in order, as ``Part(where, value)``
(``value`` may be ``MISSING``) and returns a ``Merged``: the merged value (or ``MISSING``),
notes that explain the result with its numbers (they go to the report), and ``Conflict``s
(values that cannot be merged without a decision; the step refuses while any remain).

The rules:

- ``rename_secret``: ``<svc>-X`` becomes ``<target>-X`` (secrets, VaultStaticSecrets).
- ``merge_env``: union by name in first-appearance order, secret references renamed,
  identical entries once; an entry whose value only names merged services' addresses is
  dropped (the call is now in-process); the same name with different values is a conflict
  unless a resolution (``--set env.NAME=value``) gives the value.
- ``merge_env_from``: union of ``envFrom``, secret references renamed, identical entries once.
- ``merge_vault_secrets``: union renamed like the secrets; entries renamed to the same name
  must read the same vault path; their mappings are united (templates of both kept).
- ``merge_ports``: every port name must have one number; ports the target does not need
  (gRPC with no caller left outside the merged set) are dropped.
- ``merge_max`` (replicas), ``sum_resources`` (requests summed; a limit summed when every
  service sets it, else no limit), ``merge_probes`` (same paths, numeric fields max).
- ``merge_image``: one registry; repository ``<prefix><target>``; the given tag.
- ``merge_identical``: everything else must be the same in every service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .hosts import find_service_addresses
from .errors import MigrateError
from .quantities import add_quantities


class _Missing:
    """The value of a key a service does not set."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Where:
    """Where a value comes from: the service, its file and line (when known)."""

    service: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.file and self.line else self.file
        return f"{self.service} ({place})" if place else self.service


@dataclass(frozen=True)
class Part:
    """One service's value of the thing being merged."""

    where: Where
    value: Any


@dataclass(frozen=True)
class Conflict:
    """Values that cannot be merged: what, each distinct value with where it is set, and how to decide."""

    what: str
    choices: tuple[tuple[str, tuple[Where, ...]], ...]
    hint: str = ""

    @property
    def where(self) -> Where | None:
        return self.choices[0][1][0] if self.choices and self.choices[0][1] else None

    def __str__(self) -> str:
        shown = "; ".join(f"{value} in {', '.join(map(str, wheres))}" for value, wheres in self.choices)
        return f"{self.what}: {shown}" + (f". {self.hint}" if self.hint else "")


@dataclass
class Merged:
    """A rule's result: the merged value, notes (with numbers) and conflicts."""

    value: Any
    notes: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------
def show(value: Any) -> str:
    """A value as one short line of text (JSON-like, keys in order)."""
    if value is MISSING:
        return "(not set)"
    if isinstance(value, str):
        return json.dumps(str(value), ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def copy_data(value: Any) -> Any:
    """A copy of plain data (new dicts and lists; scalars, with their styles, shared)."""
    if isinstance(value, Mapping):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value


def restyle(new: Any, like: Any) -> Any:
    """``new`` in the scalar style of ``like`` (a quoted string stays quoted)."""
    if isinstance(like, str) and type(like) is not str and isinstance(new, str):
        return type(like)(new)
    return new


def distinct(parts: Iterable[Part]) -> list[tuple[Any, list[Where]]]:
    """The distinct values of ``parts``, in order, each with where it is set."""
    found: list[tuple[Any, list[Where]]] = []
    for part in parts:
        for value, wheres in found:
            if _equal(value, part.value):
                wheres.append(part.where)
                break
        else:
            found.append((part.value, [part.where]))
    return found


def _equal(a: Any, b: Any) -> bool:
    """Equal values (``true`` is not ``1``; MISSING equals only itself)."""
    if a is MISSING or b is MISSING:
        return a is b
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def conflict(what: str, parts: Iterable[Part], hint: str = "") -> Conflict:
    return Conflict(what, tuple((show(v), tuple(w)) for v, w in distinct(parts)), hint)


def union_order(key_lists: Iterable[Iterable[str]]) -> list[str]:
    """Keys in first-appearance order; a key first seen later goes before the next key of its
    own list that is already placed (else at the end)."""
    order: list[str] = []
    for keys in map(list, key_lists):
        for i, key in enumerate(keys):
            if key not in order:
                successor = next((k for k in keys[i + 1:] if k in order), None)
                order.insert(order.index(successor) if successor is not None else len(order), key)
    return order


def short_name(service: str) -> str:
    """``auth-svc`` -> ``auth`` (names derived from a service)."""
    return service[:-4] if service.endswith("-svc") and len(service) > 4 else service


# --- generic rules ------------------------------------------------------------------------------
def merge_identical(what: str, parts: list[Part]) -> Merged:
    """The value every service has (MISSING if none sets it); different values conflict."""
    found = distinct(parts)
    if len(found) <= 1:
        return Merged(found[0][0] if found else MISSING)
    return Merged(MISSING, conflicts=[conflict(what, parts, "align the services before merging them")])


def merge_max(what: str, parts: list[Part]) -> Merged:
    """The largest number among the services that set one."""
    numbers = [p for p in parts if _is_number(p.value)]
    others = [p for p in parts if p.value is not MISSING and not _is_number(p.value)]
    if others:
        return Merged(MISSING, conflicts=[conflict(what, others, "expected a number")])
    if not numbers:
        return Merged(MISSING)
    best = max(p.value for p in numbers)
    spread = ", ".join(f"{p.value} {p.where.service}" for p in numbers)
    return Merged(best, [f"{what} = {best}: the largest of {spread}"])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- secrets ----------------------------------------------------------------------------------
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


# --- env --------------------------------------------------------------------------------------
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
    """An env entry's value as short text: the value, or ``secretKeyRef name/key``."""
    if "value" in entry:
        return show(entry["value"])
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
            result.conflicts.append(conflict(f"env {name}", [part], "it names merged and other services; "
                                             f"give its value with --set env.{name}=<value>"))
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
        result.conflicts.append(Conflict(f"env {name}", choices, f"choose with --set env.{name}=<value>"))


def merge_env_from(parts: list[Part], target: str) -> Merged:
    """``envFrom`` entries of every service: secret references renamed, identical ones once."""
    renamed = [Part(p.where, _rename_at(p.value, ("secretRef", "name"), p.where.service, target)) for p in parts]
    return Merged([value for value, _ in distinct(renamed)])


# --- vault static secrets ------------------------------------------------------------------------
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


# --- ports, resources, probes ---------------------------------------------------------------------
def merge_ports(parts: list[Part], needed: Callable[[str], bool]) -> Merged:
    """One number per port name; names ``needed`` rejects are dropped (and said so)."""
    present = [p for p in parts if isinstance(p.value, Mapping)]
    merged = Merged({})
    for name in union_order(list(p.value) for p in present):
        sub = merge_identical(f"ports.{name}", [Part(p.where, p.value[name]) for p in present if name in p.value])
        merged.conflicts += sub.conflicts
        if not needed(name):
            merged.notes.append(f"ports.{name} dropped: nothing outside the merged services calls it")
        elif sub.value is not MISSING:
            merged.value[name] = sub.value
            merged.notes.append(f"ports.{name} = {sub.value} (all services)")
    return merged


def sum_resources(parts: list[Part]) -> Merged:
    """Requests summed; a limit summed when every service sets it, else left unset (no limit)."""
    merged = Merged({})
    blocks = [Part(p.where, p.value if isinstance(p.value, Mapping) else {}) for p in parts]
    for section in union_order(list(p.value) for p in blocks):
        values = [Part(p.where, p.value.get(section, MISSING)) for p in blocks]
        if section not in ("requests", "limits"):
            sub = merge_identical(f"resources.{section}", values)
            merged.conflicts += sub.conflicts
            if sub.value is not MISSING:
                merged.value[section] = sub.value
            continue
        summed = _sum_section(section, values, merged)
        if summed:
            merged.value[section] = summed
    return merged


def _sum_section(section: str, values: list[Part], merged: Merged) -> dict:
    out = {}
    maps = [Part(p.where, p.value if isinstance(p.value, Mapping) else {}) for p in values]
    for resource in union_order(list(p.value) for p in maps):
        setting = [p for p in maps if resource in p.value]
        unset = [p.where.service for p in maps if resource not in p.value]
        what = f"resources.{section}.{resource}"
        if section == "limits" and unset:
            merged.notes.append(f"{what} not set: {', '.join(unset)} had no limit")
            continue
        try:
            total = add_quantities([p.value[resource] for p in setting], resource)
        except MigrateError:
            merged.conflicts.append(conflict(what, [Part(p.where, p.value[resource]) for p in setting],
                                             "not a resource quantity"))
            continue
        out[resource] = total
        terms = " + ".join(f"{p.value[resource]} {p.where.service}" for p in setting)
        merged.notes.append(f"{what} = {total} = {terms}")
    return out


def merge_probes(parts: list[Part], what: str = "healthCheck") -> Merged:
    """Probes united; numeric fields take the largest value, other fields must be equal."""
    present = [p for p in parts if isinstance(p.value, Mapping)]
    merged = Merged({})
    for key in union_order(list(p.value) for p in present):
        values = [Part(p.where, p.value[key]) for p in present if key in p.value]
        unset = [p.where.service for p in present if key not in p.value]
        if all(isinstance(v.value, Mapping) for v in values):
            sub = merge_probes(values, f"{what}.{key}")
            if unset and what == "healthCheck":
                sub.notes.append(f"{what}.{key}: not set by {', '.join(unset)}; the merged service has it")
        elif all(_is_number(v.value) for v in values):
            sub = merge_max(f"{what}.{key}", values)
            sub.notes = sub.notes if len(distinct(values)) > 1 else []
        else:
            sub = merge_identical(f"{what}.{key}", values)
        if sub.value is not MISSING:
            merged.value[key] = sub.value
        merged.notes += sub.notes
        merged.conflicts += sub.conflicts
    return merged


# --- image --------------------------------------------------------------------------------------
def merge_image(parts: list[Part], target: str, tag: str) -> Merged:
    """One registry and pull policy; repository ``<prefix><target>`` (prefix of the first
    service's repository, e.g. ``applications/``); the given tag (quoted like the sources')."""
    present = [p for p in parts if isinstance(p.value, Mapping)]
    merged = Merged({})
    for key in union_order(list(p.value) for p in present):
        values = [Part(p.where, p.value.get(key, MISSING)) for p in present]
        if key == "repository":
            merged.value[key] = restyle(_repository(present, target), values[0].value)
        elif key == "tag":
            merged.value[key] = restyle(tag, next((v.value for v in values if v.value is not MISSING), None))
        else:
            sub = merge_identical(f"image.{key}", values)
            merged.conflicts += sub.conflicts
            if sub.value is not MISSING:
                merged.value[key] = sub.value
    if "tag" not in merged.value:
        merged.value["tag"] = tag
    merged.notes.append(f"image = {merged.value.get('registry', '')}/{merged.value.get('repository')}:{tag}")
    return merged


def _repository(present: list[Part], target: str) -> str:
    first = present[0]
    repo = str(first.value.get("repository") or "")
    prefix = repo[: -len(first.where.service)] if repo.endswith(first.where.service) else "applications/"
    return prefix + target

