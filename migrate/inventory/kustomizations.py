"""Read kustomizations: the paths each one renders and the Helm charts it inflates.

``read_kustomization`` turns the document of ``<folder>/kustomization.yaml`` into a record with
every local path resolved to a repo path (``resources``, ``components``, patches, generators,
``helmCharts`` values files and the chart folder under ``helmGlobals.chartHome``).
"""

from __future__ import annotations

import posixpath
from typing import Any, Iterable

from ..repo.paths import join, normpath
from ..roundtrip.nodes import as_map, as_seq, dig, is_map, key_line, node_line, text
from .applications import resolve
from .records import HelmChart, Kustomization, PathRef

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# kustomization keys holding lists of local paths (strings), and their role.
PATH_LIST_KEYS = {
    "resources": "resource", "bases": "resource", "components": "component", "crds": "crd",
    "patchesStrategicMerge": "patch", "transformers": "transformer", "generators": "generator-config",
    "validators": "validator", "configurations": "configuration", "replacements": "replacement",
}


def is_kustomization_file(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_NAMES


def is_remote_resource(raw: str) -> bool:
    return "://" in raw or raw.startswith(("github.com/", "git@", "gitlab.com/")) or "?ref=" in raw


def _path_items(seq: Any, role: str, folder: str, file: str) -> Iterable[PathRef | str]:
    """Local PathRefs (and remote strings) of a list of kustomization paths."""
    for i, item in enumerate(as_seq(seq)):
        raw = text(item) if not is_map(item) else text(item.get("path"))
        if not raw:
            continue
        if is_remote_resource(raw):
            yield raw
            continue
        line = key_line(seq, i)
        raw_path = raw.split("=", 1)[-1] if role == "generator" else raw
        yield PathRef(resolve(folder, raw_path, file, line), raw, role, file, line)


def _kustomization_paths(doc: Any, folder: str, file: str) -> Iterable[PathRef | str]:
    for key, role in PATH_LIST_KEYS.items():
        yield from _path_items(doc.get(key), role, folder, file)
    for key in ("patches", "patchesJson6902"):
        yield from _path_items(doc.get(key), "patch", folder, file)
    if is_map(doc.get("openapi")):
        yield from _path_items([doc["openapi"]], "openapi", folder, file)
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in as_seq(doc.get(key)):
            for field in ("files", "envs"):
                yield from _path_items(dig(gen, field), "generator", folder, file)


def _helm_chart(item: Any, folder: str, chart_home: str, file: str) -> HelmChart:
    name = text(item.get("name")) or ""
    repo = text(item.get("repo"))
    line = node_line(item)
    raw = text(item.get("valuesFile"))
    values = [PathRef(resolve(folder, raw, file, key_line(item, "valuesFile")), raw, "values", file,
                      key_line(item, "valuesFile"))] if raw else []
    extra = _path_items(item.get("additionalValuesFiles"), "values", folder, file)
    values += [p for p in extra if isinstance(p, PathRef)]
    chart_path = resolve(folder, posixpath.join(chart_home, name), file, line) if not repo and name else None
    return HelmChart(
        name=name, repo=repo, chart_path=chart_path, release_name=text(item.get("releaseName")),
        namespace=text(item.get("namespace")), values_files=values, line=line, version=text(item.get("version")),
    )


def read_kustomization(doc: Any, file: str) -> Kustomization:
    """A Kustomization record from the document of ``<folder>/kustomization.yaml``."""
    folder = posixpath.dirname(file)
    doc = as_map(doc)
    chart_home = text(dig(doc, "helmGlobals", "chartHome"))
    refs = list(_kustomization_paths(doc, folder, file))
    home = chart_home if chart_home is not None else "charts"
    return Kustomization(
        folder=normpath(folder), file=file, line=node_line(doc), namespace=text(doc.get("namespace")),
        resources=[r for r in refs if isinstance(r, PathRef)],
        remote_resources=[r for r in refs if isinstance(r, str)],
        helm_charts=[_helm_chart(h, folder, home, file) for h in as_seq(doc.get("helmCharts")) if is_map(h)],
        chart_home=chart_home,
    )


def chart_home_of(kust: Kustomization) -> str:
    """The repo folder of a kustomization's ``helmGlobals.chartHome`` (default ``charts``)."""
    return join(kust.folder, kust.chart_home if kust.chart_home is not None else "charts")
