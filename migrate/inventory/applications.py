"""Read Argo CD Applications: what each one deploys.

``read_application`` turns one parsed document into a record with every local path resolved
to a repo path; ``self_repo_urls`` finds the repoURLs that name this repository. A path that
cannot be resolved (it leaves the repository) raises ``MigrateError`` with the file and line.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Iterable

from ..errors import MigrateError
from ..repo.files import FileIndex
from ..repo.paths import join
from ..roundtrip import plain
from ..roundtrip.nodes import as_map, as_seq, dig, is_map, is_seq, key_line, node_line, text
from .records import Application, PathRef, Source

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
DEFAULT_ARGO_NAMESPACE = "argocd"


def is_application(doc: Any) -> bool:
    return is_map(doc) and doc.get("kind") == "Application" and str(doc.get("apiVersion", "")).startswith("argoproj.io/")


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


def _git_generators(node: Any) -> Iterable[Any]:
    """The ``git`` generators of an ApplicationSet document (nested matrix/merge ones too)."""
    if is_map(node):
        for key, value in node.items():
            if key == "git" and is_map(value):
                yield value
            yield from _git_generators(value)
    elif isinstance(node, (list, tuple)) or is_seq(node):
        for item in node:
            yield from _git_generators(item)


def appset_repo_urls(appset_docs: Iterable[Any], files: FileIndex) -> set[str]:
    """repoURLs of git generators that name this repository: a ``directories`` path (Go
    ``path.Match``) matching a folder here, or a ``files`` path matching a file here."""
    found = set()
    for doc in appset_docs:
        for gen in _git_generators(dig(doc, "spec", "generators")):
            url = repo_url_key(text(gen.get("repoURL")) or "")
            dirs = [text(d.get("path")) or "" for d in as_seq(gen.get("directories")) if is_map(d) and not d.get("exclude")]
            globs = [text(f.get("path")) or "" for f in as_seq(gen.get("files")) if is_map(f) and not f.get("exclude")]
            if any(_segments_match(d.strip("/"), f) for d in dirs if d for f in files.folders) or \
                    any(fnmatch.fnmatchcase(p, g) for g in globs if g for p in files.paths):
                found.add(url)
    return found


def _segments_match(pattern: str, path: str) -> bool:
    parts, segs = pattern.split("/"), path.split("/")
    return len(parts) == len(segs) and all(fnmatch.fnmatchcase(s, q) for s, q in zip(segs, parts))


def resolve(folder: str, raw: str, file: str, line: int) -> str:
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
        line = key_line(files, i)
        if raw.startswith("$"):
            ref, _, rest = raw[1:].partition("/")
            if ref in local_refs:
                local_refs_out.append(PathRef(resolve("", rest, file, line), raw, "values", file, line))
            else:
                remote.append(raw)
        elif local and raw.startswith("/"):   # Argo CD: a leading / is the repository's root
            local_refs_out.append(PathRef(resolve("", raw.lstrip("/"), file, line), raw, "values", file, line))
        elif local and source_path is not None:
            local_refs_out.append(PathRef(resolve(source_path, raw, file, line), raw, "values", file, line))
        else:
            remote.append(raw)
    return local_refs_out, remote


def _source(src: Any, self_urls: set[str], local_refs: set[str], file: str) -> Source:
    url = text(src.get("repoURL")) or ""
    local = repo_url_key(url) in self_urls
    raw_path = text(src.get("path"))
    line = node_line(src)
    path = resolve("", raw_path, file, key_line(src, "path")) if local and raw_path is not None else None
    values, remote = _value_files(src, path, local, local_refs, file)
    directory = as_map(src.get("directory"))
    return Source(
        repo_url=url, local=local, path=path, path_line=key_line(src, "path") if raw_path is not None else None,
        chart=text(src.get("chart")), ref=text(src.get("ref")),
        release_name=text(dig(src, "helm", "releaseName")),
        target_revision=text(src.get("targetRevision")), value_files=values, remote_value_files=remote,
        include=text(directory.get("include")), recurse=bool(directory.get("recurse")), line=line,
        spec=plain(src),
    )


def _sync_wave(meta: Any) -> tuple[int | None, int | None]:
    annotations = as_map(meta.get("annotations"))
    raw = text(annotations.get(SYNC_WAVE))
    if raw is None:
        return None, None
    try:
        return int(raw.strip()), key_line(annotations, SYNC_WAVE)
    except ValueError:
        return None, key_line(annotations, SYNC_WAVE)


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
        creates_namespace="CreateNamespace=true" in [text(o) for o in as_seq(dig(spec, "syncPolicy", "syncOptions"))],
    )
