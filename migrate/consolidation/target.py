"""The files of a consolidation's target, written in the style of its sources.

``build_target(tree, con, tag, resolutions)`` returns a ``TargetBuild``: the new files'
texts, report entries, commit details and the conflicts that stop the step.

- ``<folder>/argocd.yaml``: the first source's Application, renamed, pointed at the target
  folder and namespace; every other setting takes the value most sources share (differences
  are reported). Comments every source shares are kept; the header names the merged services.
- ``<folder>/kustomization.yaml``: the first source's kustomization with the chart release,
  namespace and ``chartHome`` of the target; its resources are the target's manifests.
- ``<folder>/common-values.yaml``: the merged values (``mergevalues``), written fresh in the
  first source's layout, each key under the comments every source has above it.
- ``<folder>/manifests/grpc-service.yaml``: the ``<target>-grpc`` Service, when still called.
- carried manifests (e.g. a controller's Middlewares): moved to the target namespace, the Secrets
  they make renamed ``<target>-X`` like their references, identical duplicates once; the same
  object with different content is a conflict.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import MigrateError
from ..inventory import extensions
from ..operations.kustomization_resources import EditKustomizationResources
from ..playbook import Context, ReportEntry
from ..repo.tracked import Tree
from ..roundtrip import YamlFile, insert, line_of, load, plain, remove, set_scalar
from ..roundtrip.fresh import Layout, comments_above, leading_comments, shared, wrap_comment
from .env import rename_secret
from .parts import MISSING, Conflict, Part, Where, conflict, distinct, merge_identical, show
from .selection import Consolidation, Resource, SourceService
from .values import MergedValues, ServiceValues, Settings, merge_values

_KUSTOMIZATION_KEYS = {"apiVersion", "kind", "helmGlobals", "helmCharts", "resources"}
_HELM_CHART_KEYS = {"name", "releaseName", "namespace", "valuesFile"}
# Where each kind that makes a Secret names it (a carried one is renamed like its references)
_SECRET_NAMES = {"Secret": (("metadata", "name"),),
                 "VaultStaticSecret": (("metadata", "name"), ("spec", "destination", "name")),
                 "ExternalSecret": (("metadata", "name"), ("spec", "target", "name")),
                 "SealedSecret": (("metadata", "name"), ("spec", "template", "metadata", "name"))}
# Application settings taken from what the sources share: (path to the mapping, keys it sets itself)
_CONVENTIONS = ((("metadata",), {"name"}), (("spec",), {"source", "destination"}),
                (("spec", "source"), {"path"}), (("spec", "destination"), {"namespace"}))


@dataclass
class TargetBuild:
    """The target's files (path -> text) and what to tell the reviewer."""

    files: dict[str, str] = field(default_factory=dict)
    report: list[ReportEntry] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def build_target(tree: Tree, con: Consolidation, tag: str, resolutions: Mapping[str, str],
                 tag_origin: str = "given") -> TargetBuild:
    """Every file of the target (see module doc); ``tag_origin`` says where the tag comes from."""
    build = TargetBuild()
    carried = _carried(tree, con, build)
    merged = _merge(tree, con, tag, tag_origin, resolutions, carried)
    build.conflicts += merged.conflicts
    build.unknown = merged.unknown
    if build.conflicts or build.unknown:
        return build
    build.files[con.values_file] = _values_text(tree, con, merged)
    build.files[con.app_file] = _application_text(tree, con, build)
    build.files[con.kustomization_file] = _kustomization_text(tree, con, build)
    grpc = con.grpc_manifest() if con.keep_grpc else None
    if grpc is not None:
        build.files[grpc.path] = _grpc_text(tree, con, grpc)
    _report_values(con, merged, build)
    return build


def _report_grpc(con: Consolidation, build: TargetBuild) -> None:
    """Say what became of the merged services' gRPC Services, and why."""
    names = sorted(name for (_, name), (_, new) in con.renames.items() if new == f"{con.target.name}-grpc")
    if not names:
        return
    if con.keep_grpc:
        callers = ", ".join(f"{m.file}:{m.line}" for m in con.grpc_callers())
        message = f"gRPC Services {', '.join(names)} become {con.target.name}-grpc: still called from {callers}"
    else:
        message = (f"gRPC Services {', '.join(names)} are not carried: only the merged services called them "
                   "(now in-process)")
    build.report.append(ReportEntry("rule", message, con.kustomization_file))


def header(con: Consolidation, what: str) -> list[str]:
    """The header comment of a new file: what it is and which services it merges."""
    names = ", ".join(s.name for s in con.sources)
    return wrap_comment(f"{con.target.name} — {what} of the merged services: {names} "
                        f"(consolidate-backend)")


def _with_header(text: str, lines: list[str]) -> str:
    """``text`` with its leading comment lines replaced by ``lines``."""
    rest = text.splitlines(keepends=True)
    while rest and rest[0].strip().startswith("#"):
        rest.pop(0)
    return "".join(line + "\n" for line in lines) + "".join(rest)


def _shared_header(tree: Tree, paths: list[str]) -> list[str]:
    return shared(leading_comments(tree.read_text(p)) for p in paths)


# --- values ---------------------------------------------------------------------------------------
def _service_values(tree: Tree, source: SourceService) -> ServiceValues:
    doc = load(tree, source.values).docs
    common = doc[0].get("common") if doc and isinstance(doc[0], Mapping) else None
    if not isinstance(common, Mapping):
        raise MigrateError(f"{source.name}'s values have no `common:` mapping (the local chart's values)",
                           path=source.values)
    lists = {k: tuple(line_of(v, i) for i in range(len(v))) for k, v in common.items() if isinstance(v, list)}
    return ServiceValues(source.name, source.namespace, source.values, _detach(common),
                         {k: line_of(common, k) for k in common}, lists)


def _merge(tree: Tree, con: Consolidation, tag: str, tag_origin: str, resolutions: Mapping[str, str],
           carried: Mapping[str, frozenset[str]]) -> MergedValues:
    values = [_service_values(tree, s) for s in con.sources]
    defaults_path = posixpath.join(con.first.chart.chart_path or "", "values.yaml")
    defaults = {}
    if tree.exists(defaults_path):
        docs = load(tree, defaults_path).docs
        defaults = _detach(docs[0].get("common") or {}) if docs and isinstance(docs[0], Mapping) else {}
    settings = Settings(con.target.name, con.target.namespace, tag, tag_origin, con.keep_grpc, con.peers,
                        dict(resolutions), defaults, carried)
    return merge_values(values, settings)


def _values_text(tree: Tree, con: Consolidation, merged: MergedValues) -> str:
    texts = {s.values: tree.read_text(s.values) for s in con.sources}
    layout = Layout.of(texts[con.first.values])
    lines = header(con, "values") + _shared_header(tree, list(texts)) + ["common:"]
    for index, (key, value) in enumerate(merged.common.items()):
        comments, blank = _key_comments(tree, con, key)
        if key in merged.comments:
            comments += wrap_comment(merged.comments[key])
        lines += ([""] if blank and index else []) + [" " * layout.mapping + c for c in comments]
        lines += layout.nested(key, value)
    return "\n".join(lines) + "\n"


def _key_comments(tree: Tree, con: Consolidation, key: str) -> tuple[list[str], bool]:
    """Comment lines every source that sets ``key`` has above it; blank line before it in the first."""
    found = []
    for source in con.sources:
        common = load(tree, source.values).parsed_docs[0]["common"]  # read only: no private copy
        if key in common:
            found.append(comments_above(tree.read_text(source.values), line_of(common, key)))
    if not found:
        return [], False
    return shared(c for c, _ in found), found[0][1]


def _report_values(con: Consolidation, merged: MergedValues, build: TargetBuild) -> None:
    """The rules applied (with numbers, at the target's lines), then the dropped env entries
    (at the sources' lines), then the conflicts settled by parameters."""
    doc = YamlFile.parse(build.files[con.values_file], path=con.values_file).docs[0]["common"]
    for key, note in merged.notes:
        build.report.append(ReportEntry("rule", note, con.values_file, line_of(doc, key) if key in doc else None))
    _report_grpc(con, build)
    for drop in merged.dropped:
        build.report.append(ReportEntry("dropped-reference", f"{drop.where.service}: env {drop.name}={drop.value} "
                                        f"dropped: {con.target.name} now serves that call in-process",
                                        drop.where.file, drop.where.line))
    for resolved in merged.resolved:
        choices = "; ".join(f"{v} in {', '.join(w.service for w in ws)}" for v, ws in resolved.choices)
        build.report.append(ReportEntry("conflict-resolved", f"env {resolved.name} = {show(resolved.value)} "
                                        f"(--set env.{resolved.name}); the services had: {choices}",
                                        con.values_file, _env_line(doc, resolved.name)))
    build.details.append(f"{con.values_file}: values of {len(con.sources)} services merged "
                         f"({len(merged.dropped)} env entries calling each other dropped)")


def _env_line(common: Mapping, name: str) -> int | None:
    env = common.get("env") or []
    return next((line_of(env, i) for i, e in enumerate(env) if isinstance(e, Mapping) and e.get("name") == name),
                None)


# --- Application ------------------------------------------------------------------------------------
def _application_text(tree: Tree, con: Consolidation, build: TargetBuild) -> str:
    paths = [s.app.file for s in con.sources]
    text = _with_header(tree.read_text(con.first.app.file),
                        header(con, "Application") + _shared_header(tree, paths))
    yf = YamlFile.parse(text, path=con.app_file)
    doc = yf.docs[con.first.app.doc]
    set_scalar(doc["metadata"], "name", con.target.name)
    set_scalar(doc["spec"]["source"], "path", con.target.folder)
    set_scalar(doc["spec"]["destination"], "namespace", con.target.namespace)
    others = [load(tree, s.app.file).docs[s.app.doc] for s in con.sources]
    for keys, own in _CONVENTIONS:
        _agree(doc, keys, own, others, con, build)
    build.details.append(f"{con.app_file}: Application {con.target.name} -> {con.target.folder}, "
                         f"namespace {con.target.namespace}")
    return yf.dump()


def _agree(doc: Any, keys: tuple[str, ...], own: set[str], others: list, con: Consolidation,
           build: TargetBuild) -> None:
    """Set each setting under ``keys`` to the value most sources have; report differences."""
    maps = [_dig(d, keys) for d in others]
    target = _dig(doc, keys)
    if not isinstance(target, dict):
        return
    names = [k for m in maps for k in (m or {}) if k not in own]
    for key in dict.fromkeys(names):
        parts = [Part(Where(s.name, s.app.file, s.app.line), _detach(m.get(key, MISSING)) if m else MISSING)
                 for s, m in zip(con.sources, maps)]
        found = distinct(parts)
        if len(found) == 1:
            continue
        value = max(found, key=lambda f: len(f[1]))[0]
        what = ".".join((*keys, key))
        build.report.append(ReportEntry("note", f"Application setting {conflict(what, parts)}; the target takes "
                                        f"{show(value)} (most services)", con.app_file))
        if value is MISSING:
            remove(target, key)
        elif key in target:
            target[key] = value
        else:
            insert(target, len(target), value, key=key)


def _detach(node: Any) -> Any:
    """Loaded values as plain data to write again (new containers, scalar styles kept)."""
    return plain(node, keep_styles=True)


def _dig(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


# --- kustomization --------------------------------------------------------------------------------------
def _kustomization_text(tree: Tree, con: Consolidation, build: TargetBuild) -> str:
    paths = [s.kustomization.file for s in con.sources]
    _check_kustomizations(tree, con, build)
    text = _with_header(tree.read_text(con.first.kustomization.file),
                        header(con, "kustomization") + _shared_header(tree, paths))
    yf = YamlFile.parse(text, path=con.kustomization_file)
    doc = yf.docs[0]
    chart = doc["helmCharts"][0]
    for key, value in (("releaseName", con.target.name), ("namespace", con.target.namespace)):
        if key in chart:
            set_scalar(chart, key, value)
        else:
            insert(chart, len(chart), value, key=key)
    home = posixpath.relpath(posixpath.dirname(con.first.chart.chart_path or ""), con.target.folder)
    if "helmGlobals" in doc:
        set_scalar(doc["helmGlobals"], "chartHome", home)
    else:
        insert(doc, list(doc).index("helmCharts"), {"chartHome": home}, key="helmGlobals")
    wanted = _resources(con)
    if not wanted and "resources" in doc:
        remove(doc, "resources")
        return yf.dump().rstrip("\n") + "\n"
    text = yf.dump()
    build.details.append(f"{con.kustomization_file}: chart {con.first.chart.name}, release {con.target.name}"
                         + (f", resources {', '.join(wanted)}" if wanted else ""))
    return _set_resources(con.kustomization_file, text, wanted)


def _check_kustomizations(tree: Tree, con: Consolidation, build: TargetBuild) -> None:
    """Settings the target cannot take over unless all sources agree (chart options, patches...)."""
    docs = [(s, load(tree, s.kustomization.file).docs[0]) for s in con.sources]
    keys = dict.fromkeys(k for _, d in docs for k in d if k not in _KUSTOMIZATION_KEYS)
    chart_keys = dict.fromkeys(k for _, d in docs for k in d["helmCharts"][0] if k not in _HELM_CHART_KEYS)
    for key in keys:
        build.conflicts += merge_identical(f"kustomization {key}", [
            Part(Where(s.name, s.kustomization.file, line_of(d, key) if key in d else None),
                 _detach(d.get(key, MISSING))) for s, d in docs]).conflicts
    for key in chart_keys:
        build.conflicts += merge_identical(f"kustomization helmCharts[0].{key}", [
            Part(Where(s.name, s.kustomization.file), _detach(d["helmCharts"][0].get(key, MISSING)))
            for s, d in docs]).conflicts


def _resources(con: Consolidation) -> list[str]:
    """The target kustomization's resources: its gRPC Service (if kept), carried and kept files."""
    wanted = []
    for resource in con.resources:
        if resource.kind == "grpc" and not con.keep_grpc:
            continue
        wanted.append(posixpath.relpath(resource.path, con.target.folder))
    return list(dict.fromkeys(wanted))


def _set_resources(path: str, text: str, wanted: list[str]) -> str:
    """``text`` (a kustomization) listing exactly ``wanted``, via edit-kustomization-resources."""
    tree = Tree.from_files({path: text})
    listed = [str(e) for e in (YamlFile.parse(text, path=path).docs[0].get("resources") or [])]
    options = EditKustomizationResources.bind({"file": path, "remove": [e for e in listed if e not in wanted],
                                               "add": [e for e in wanted if e not in listed]})
    result = EditKustomizationResources().prepare(Context.for_tree(tree).at(tree, options=options))
    return result.changes.get(path, text)


# --- manifests -----------------------------------------------------------------------------------------------
def _grpc_text(tree: Tree, con: Consolidation, grpc: Resource) -> str:
    """The first source's gRPC Service, now ``<target>-grpc`` in the target namespace."""
    yf = YamlFile.parse(_with_header(tree.read_text(grpc.ref.path), header(con, "gRPC Service")), path=grpc.path)
    for doc in yf.docs:
        _move(doc, grpc.source, con)
        set_scalar(doc["metadata"], "name", f"{con.target.name}-grpc")
    return yf.dump()


def _move(doc: Any, source: SourceService, con: Consolidation) -> None:
    """An object of ``source`` as the target has it: in the target namespace (when it names
    one), its labels and selector naming the target's release instead of the service."""
    main = source.chart.release_name or source.name
    meta = doc.get("metadata") or {}
    if "namespace" in meta:
        set_scalar(meta, "namespace", con.target.namespace)
    for labels in (meta.get("labels"), (doc.get("spec") or {}).get("selector")):
        for key, value in (labels or {}).items() if isinstance(labels, Mapping) else ():
            if value == main:
                set_scalar(labels, key, con.target.name)


def _rename_secret_names(doc: dict, source: SourceService, con: Consolidation) -> None:
    """The names of the Secret a carried object makes, renamed like the references to it
    (``<svc>-X`` -> ``<target>-X``; the env and secret rules rename those)."""
    for keys in _SECRET_NAMES.get(doc.get("kind"), ()):
        node = _dig(doc, keys[:-1])
        if isinstance(node, dict) and keys[-1] in node:
            node[keys[-1]] = rename_secret(node[keys[-1]], source.name, con.target.name)


def _carried(tree: Tree, con: Consolidation, build: TargetBuild) -> dict[str, frozenset[str]]:
    """Write the carried manifests into ``build``; per service, the names of the attachables carried."""
    by_path: dict[str, list[tuple[Resource, Any]]] = {}
    attachables: dict[str, set[str]] = {}
    kinds = extensions.attachable_kinds()
    for resource in (r for r in con.resources if r.kind == "carry"):
        for doc in load(tree, resource.ref.path).docs:
            if not isinstance(doc, Mapping):
                continue
            data = _detach(doc)
            _move(data, resource.source, con)
            _rename_secret_names(data, resource.source, con)
            if data.get("kind") in kinds:
                attachables.setdefault(resource.source.name, set()).add(str((data.get("metadata") or {}).get("name")))
            by_path.setdefault(resource.path, []).append((resource, data))
    for path, docs in by_path.items():
        build.files[path] = _manifests_text(tree, con, path, docs, build)
    return {name: frozenset(names) for name, names in attachables.items()}


def _manifests_text(tree: Tree, con: Consolidation, path: str, docs: list[tuple[Resource, Any]],
                    build: TargetBuild) -> str:
    kept: dict[tuple, list[Part]] = {}
    for resource, data in docs:
        identity = (data.get("apiVersion"), data.get("kind"), (data.get("metadata") or {}).get("name"))
        kept.setdefault(identity, []).append(Part(Where(resource.source.name, resource.ref.path), data))
    layout = Layout.of(tree.read_text(docs[0][0].ref.path))
    parts = []
    for (_, kind, name), found in kept.items():
        merged = merge_identical(f"{kind} {name}", found)
        build.conflicts += merged.conflicts
        sources = ", ".join(dict.fromkeys(p.where.file for p in found))
        parts.append("".join(f"{line}\n" for line in wrap_comment(f"from {sources}")) + layout.dump(found[0].value))
    build.details.append(f"{path}: {len(kept)} object(s) carried from the merged services, namespace "
                         f"{con.target.namespace}")
    lines = header(con, "manifests")
    return "\n".join(lines) + "\n" + "---\n".join(parts)
