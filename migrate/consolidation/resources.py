"""The sizing rules of the consolidation: ports, resources, probes and the image.

- ``merge_ports``: every port name must have one number; ports the target does not need
  (gRPC with no caller left outside the merged set) are dropped.
- ``sum_resources``: requests summed; a limit summed when every service sets it, else no limit.
- ``merge_probes``: same paths, numeric fields the largest.
- ``merge_image``: one registry; repository ``<prefix><target>``; the given tag.
"""

from __future__ import annotations

from typing import Callable, Mapping

from ..errors import MigrateError
from .parts import (MISSING, Merged, Part, conflict, distinct, is_number, merge_identical, merge_max, restyle,
                    union_order)
from .quantities import add_quantities


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
        elif all(is_number(v.value) for v in values):
            sub = merge_max(f"{what}.{key}", values)
            sub.notes = sub.notes if len(distinct(values)) > 1 else []
        else:
            sub = merge_identical(f"{what}.{key}", values)
        if sub.value is not MISSING:
            merged.value[key] = sub.value
        merged.notes += sub.notes
        merged.conflicts += sub.conflicts
    return merged


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


