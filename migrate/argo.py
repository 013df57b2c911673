"""Read Argo CD Applications and Kustomizations: what each one deploys or renders.

``read_application`` and ``read_kustomization`` turn one parsed document into a record
with every local path resolved to a repo path. A path that cannot be resolved (it
leaves the repository) raises ``MigrateError`` with the file and line.
"""

from __future__ import annotations

import posixpath
from typing import Any, Iterable

from .errors import MigrateError
from .fileindex import FileIndex
from .records import Application, HelmChart, Kustomization, PathRef, Source
from .tree import join, normpath
from .yamlnav import as_map, as_seq, dig, is_map, line_of, node_line, text

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
DEFAULT_ARGO_NAMESPACE = "argocd"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

# kustomization keys holding lists of local paths (strings), and their role.
_PATH_LIST_KEYS = {
    "resources": "resource", "bases": "resource", "components": "component", "crds": "crd",
    "patchesStrategicMerge": "patch",
}


def is_application(doc: Any) -> bool:
    return is_map(doc) and doc.get("kind") == "Application" and str(doc.get("apiVersion", "")).startswith("argoproj.io/")


def is_kustomization_file(path: str) -> bool:
    return posixpath.basename(path) in KUSTOMIZATION_NAMES


def repo_url_key(url: str) -> str:
    """A repoURL normalised for comparison (no scheme or user, no ``.git``, lower case;
    ``git@host:org/repo`` and ``https://host/org/repo`` are the same)."""
    url = url.strip().lower().rstrip("/")
    scheme, _, rest = url.rpartition("://")
    rest = rest.split("@", 1)[-1]
    if not scheme:
        rest = rest.replace(":", "/", 1)
    return rest.removesuffix(".git")


def app_sources(doc: Any) -> list[Any]:
    """The source mappings of an Application document (``source`` or ``sources``)."""
    spec = as_map(dig(doc, "spec"))
    items = as_seq(spec.get("sources")) or ([spec["source"]] if "source" in spec else [])
    return [s for s in items if is_map(s)]


def _ref_paths(sources: list[Any], ref: str) -> list[str]:
    """The repo paths that ``$<ref>/...`` value files of an Application's sources name."""
    prefix = f"${ref}/"
    return [raw[len(prefix):] for src in sources for raw in map(text, as_seq(dig(src, "helm", "valueFiles")))
            if raw and raw.startswith(prefix)]


def self_repo_urls(app_docs: Iterable[Any], files: FileIndex) -> set[str]:
    """repoURLs that name this repository.

    A source is this repository when its ``path`` is a folder of the repository. A ``ref:``
    source (values only) is when one of the ``$ref/...`` files it provides exists here, or
    when no source proves any URL by its path (then every ref is taken for this repository).
    """
    by_path, by_ref, refs = set(), set(), set()
    for doc in app_docs:
        sources = app_sources(doc)
        for src in sources:
            url, path, ref = (repo_url_key(text(src.get("repoURL")) or ""), text(src.get("path")),
                              text(src.get("ref")))
            if path and path.strip("/") in files.folders:
                by_path.add(url)
            if ref:
                refs.add(url)
                if any(files.is_file(p) for p in _ref_paths(sources, ref)):
                    by_ref.add(url)
    return by_path | by_ref if by_path else refs


def _resolve(folder: str, raw: str, file: str, line: int) -> str:
    try:
        return join(folder, raw)
    except MigrateError as exc:
        raise MigrateError(str(exc), path=file, line=line) from None


def _value_files(src: Any, source_path: str | None, local: bool, local_refs: set[str],
                 file: str) -> tuple[list[PathRef], list[str]]:
    """Helm valueFiles of a source: resolved local ones, and the remote rest."""
    files = as_seq(dig(src, "helm", "valueFiles"))
    local_refs_out, remote = [], []
    for i, item in enumerate(files):
        raw = text(item)
        if not raw:
            continue
        line = line_of(files, i)
        if raw.startswith("$"):
            ref, _, rest = raw[1:].partition("/")
            if ref in local_refs:
                local_refs_out.append(PathRef(_resolve("", rest, file, line), raw, "values", file, line))
            else:
                remote.append(raw)
        elif local and source_path is not None:
            local_refs_out.append(PathRef(_resolve(source_path, raw, file, line), raw, "values", file, line))
        else:
            remote.append(raw)
    return local_refs_out, remote


def _source(src: Any, self_urls: set[str], local_refs: set[str], file: str) -> Source:
    url = text(src.get("repoURL")) or ""
    local = repo_url_key(url) in self_urls
    raw_path = text(src.get("path"))
    line = node_line(src)
    path = _resolve("", raw_path, file, line_of(src, "path")) if local and raw_path is not None else None
    values, remote = _value_files(src, path, local, local_refs, file)
    directory = as_map(src.get("directory"))
    return Source(
        repo_url=url, local=local, path=path, path_line=line_of(src, "path") if raw_path is not None else None,
        chart=text(src.get("chart")), ref=text(src.get("ref")),
        release_name=text(dig(src, "helm", "releaseName")),
        target_revision=text(src.get("targetRevision")), value_files=values, remote_value_files=remote,
        include=text(directory.get("include")), recurse=bool(directory.get("recurse")), line=line,
    )


def _sync_wave(meta: Any) -> tuple[int | None, int | None]:
    annotations = as_map(meta.get("annotations"))
    raw = text(annotations.get(SYNC_WAVE))
    if raw is None:
        return None, None
    try:
        return int(raw.strip()), line_of(annotations, SYNC_WAVE)
    except ValueError:
        return None, line_of(annotations, SYNC_WAVE)


def read_application(doc: Any, file: str, index: int, self_urls: set[str]) -> Application:
    """An Application record from its document. Raises MigrateError if it has no name."""
    meta = as_map(doc.get("metadata"))
    name = text(meta.get("name"))
    if not name:
        raise MigrateError("Application without metadata.name", path=file, line=node_line(doc))
    sources = app_sources(doc)
    local_refs = {text(s.get("ref")) for s in sources
                  if s.get("ref") and repo_url_key(text(s.get("repoURL")) or "") in self_urls}
    wave, wave_line = _sync_wave(meta)
    spec = as_map(doc.get("spec"))
    return Application(
        name=name,
        namespace=text(meta.get("namespace")) or DEFAULT_ARGO_NAMESPACE,
        dest_namespace=text(dig(spec, "destination", "namespace")),
        project=text(spec.get("project")),
        file=file, line=node_line(doc), doc=index,
        sources=[_source(s, self_urls, local_refs, file) for s in sources],
        sync_wave=wave, sync_wave_line=wave_line,
    )


# --- kustomizations ------------------------------------------------------------------
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
        line = line_of(seq, i)
        raw_path = raw.split("=", 1)[-1] if role == "generator" else raw
        yield PathRef(_resolve(folder, raw_path, file, line), raw, role, file, line)


def _kustomization_paths(doc: Any, folder: str, file: str) -> Iterable[PathRef | str]:
    for key, role in _PATH_LIST_KEYS.items():
        yield from _path_items(doc.get(key), role, folder, file)
    for key in ("patches", "patchesJson6902"):
        yield from _path_items(doc.get(key), "patch", folder, file)
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in as_seq(doc.get(key)):
            for field in ("files", "envs"):
                yield from _path_items(dig(gen, field), "generator", folder, file)


def _helm_chart(item: Any, folder: str, chart_home: str, file: str) -> HelmChart:
    name = text(item.get("name")) or ""
    repo = text(item.get("repo"))
    line = node_line(item)
    raw = text(item.get("valuesFile"))
    values = [PathRef(_resolve(folder, raw, file, line_of(item, "valuesFile")), raw, "values", file,
                      line_of(item, "valuesFile"))] if raw else []
    extra = _path_items(item.get("additionalValuesFiles"), "values", folder, file)
    values += [p for p in extra if isinstance(p, PathRef)]
    chart_path = _resolve(folder, posixpath.join(chart_home, name), file, line) if not repo and name else None
    return HelmChart(
        name=name, repo=repo, chart_path=chart_path, release_name=text(item.get("releaseName")),
        namespace=text(item.get("namespace")), values_files=values, line=line,
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
