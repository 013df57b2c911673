"""The records the graph is built from: rendered objects where an Application rendered, else the source model.

For every Application that rendered, its objects are read with the inventory's readers (workloads,
Services, routes, secrets, attachables, custom objects), each at the file and line its provenance
gives; the files it deploys (as the source model walks them) and those its objects come from are
then covered, and their own reading from the source model is left out. Every other file keeps the source model's records: the files of
Applications that did not render (or only in part: the values of a remote chart), and the files
nothing deploys (reported as not synced). ``rendered_files`` says which files a render covers.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from ..inventory import Inventory
from ..inventory.manifests import manifest_records
from ..inventory.records import Attachable, CustomObject, Route, SecretSource, Service, Workload
from ..inventory.producers import Producers
from ..render.sources import AppRender
from ..render.view import ArgoView

_KINDS = (Workload, Service, Route, SecretSource, Attachable, CustomObject)


@dataclass
class GraphRecords:
    """The records of the graph, by kind (the same lists an Inventory has)."""

    workloads: list[Workload] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    secrets: list[SecretSource] = field(default_factory=list)
    attachables: list[Attachable] = field(default_factory=list)
    objects: list[CustomObject] = field(default_factory=list)
    rendered_files: frozenset[str] = frozenset()
    by_app: dict[str, list] = field(default_factory=dict)      # app id -> the records its render made

    @classmethod
    def build(cls, inv: Inventory, view: ArgoView) -> "GraphRecords":
        out = cls()
        covered: set[str] = set()
        sinks = {Workload: out.workloads, Service: out.services, Route: out.routes, SecretSource: out.secrets,
                 Attachable: out.attachables, CustomObject: out.objects}
        deployed_by: dict[str, set[str]] = {}
        producers_key = repr(inv.config.producers)
        for path, context in inv.contexts.items():
            if context.app:
                deployed_by.setdefault(context.app, set()).add(path)
        for app_id, render in view.renders.items():
            if not render.rendered:
                continue
            app = view.apps[app_id]
            remote_values = {ref.path for src in app.sources if not (src.local and src.path) for ref in src.value_files}
            covered |= (deployed_by.get(app_id, set()) - remote_values) | {obj.located.file for obj in render.objects}
            made = out.by_app.setdefault(app_id, [])
            for record in _render_records(render, inv.producers, producers_key):
                sinks[type(record)].append(record)
                made.append(record)
        for kind, items in ((Workload, inv.workloads), (Service, inv.services), (Route, inv.routes),
                            (SecretSource, inv.secrets), (Attachable, inv.attachables), (CustomObject, inv.objects)):
            sinks[kind].extend(r for r in items if r.file not in covered)
        out.rendered_files = frozenset(covered)
        return out



_MADE: "OrderedDict[int, tuple[AppRender, str, list]]" = OrderedDict()   # id(render) -> its records
_MADE_SIZE = 50_000


def _render_records(render: AppRender, producers: Producers, producers_key: str) -> list:
    """The definitions ``render``'s objects make (a step's after-state shares the renders it did not
    change, so it reads them once)."""
    found = _MADE.get(id(render))
    if found is not None and found[0] is render and found[1] == producers_key:
        return found[2]
    made = []
    for index, obj in enumerate(render.objects):
        if str(obj.doc.get("apiVersion", "")).startswith("argoproj.io/"):
            continue   # Applications and ApplicationSets are structure, not definitions
        made += [record for record in manifest_records(obj.located.doc, obj.located.file, index, obj.namespace,
                                                       True, producers) if type(record) in _KINDS]
    _MADE[id(render)] = (render, producers_key, made)
    if len(_MADE) > _MADE_SIZE:
        _MADE.popitem(last=False)
    return made
