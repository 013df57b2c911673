"""Dependencies a chart declares but does not vendor, rendered offline as far as they can be.

Argo CD fetches a chart's dependencies before rendering it (``helm dependency build``); migrate renders
offline, so a dependency missing from ``charts/`` used to leave the whole chart unrendered.
``with_standins`` makes a copy of the chart whose ``charts/`` holds, for each missing dependency:

- a ``file://`` dependency of this repository — a copy of that chart (what ``helm dependency build``
  would package), its own missing dependencies stood in for the same way;
- ``argocd-apps`` (argo-helm's chart of Applications, ApplicationSets and AppProjects from values: the
  usual way an umbrella chart that installs Argo CD bootstraps the App-of-Apps) — a stand-in written
  here that emits the same objects from the same values: its list form (1.x: items with ``name``) or
  its map form (2.x: keyed by name, a null or empty entry skipped), the known fields of each item only,
  ``project`` through ``tpl``, and ``itemTemplates``;
- any other — an empty chart, named as not rendered: the chart's own templates and the stand-ins
  render, what that dependency would add is a named blind spot.

Helm itself then scopes the values (``argocd-apps:`` in the parent's values, an ``alias``, a
``condition``); the copy's dependency list pins each stood-in dependency to its stand-in's version, so
a version range still matches (Helm applies an alias only to a dependency whose version it accepts).
A chart whose own templates need a missing dependency's named templates still fails to render; the
caller then reports the missing dependency (``needs_missing``), as before.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

import yaml

from .manifests import load_yaml

ARGOCD_APPS = "argocd-apps"
# What each argocd-apps item may hold beside its metadata, per kind (anything else in an item is not emitted).
_KINDS = (
    ("applications", "Application", ("source", "sources", "destination", "syncPolicy", "revisionHistoryLimit",
                                     "ignoreDifferences", "info", "sourceHydrator")),
    ("applicationsets", "ApplicationSet", ("goTemplateOptions", "generators", "ignoreApplicationDifferences",
                                           "strategy", "syncPolicy", "template", "templatePatch")),
    ("projects", "AppProject", ("permitOnlyProjectScopedClusters", "description", "sourceRepos", "destinations",
                                "clusterResourceWhitelist", "clusterResourceBlacklist", "namespaceResourceBlacklist",
                                "namespaceResourceWhitelist", "orphanedResources", "roles", "syncWindows",
                                "signatureKeys", "sourceNamespaces")),
)
_SPEC_HEAD = {   # what comes first in spec, per kind: an Application's project goes through tpl
    "Application": '  project: {{ tpl $item.project $ }}\n',
    "ApplicationSet": '  {{- if hasKey $item "goTemplate" }}\n  goTemplate: {{ $item.goTemplate }}\n  {{- end }}\n',
    "AppProject": "",
}
_TEMPLATE = """{{- range $key, $item := .Values.%(values)s }}
{{- if not $item }}{{- continue }}{{- end }}
{{- $name := $key }}{{- if kindIs "int" $key }}{{- $name = $item.name }}{{- end }}
---
apiVersion: argoproj.io/v1alpha1
kind: %(kind)s
metadata:
  name: {{ $name }}
  {{- range $field, $as := dict "namespace" "namespace" "additionalLabels" "labels" "additionalAnnotations" "annotations" "finalizers" "finalizers" }}
  {{- with get $item $field }}
  {{ $as }}:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
spec:
%(head)s  {{- range $field := list %(fields)s }}
  {{- with get $item $field }}
  {{ $field }}:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
{{- end }}
"""
# itemTemplates: each item is the context of its template (a string, or YAML written as YAML).
_ITEM_TEMPLATES = """{{- range $entry := .Values.itemTemplates }}
{{- $template := $entry.template }}{{- if not (kindIs "string" $template) }}{{- $template = toYaml $template }}{{- end }}
{{- range $item := $entry.items }}
---
{{ tpl $template (set $item "Template" $.Template) }}
{{- end }}
{{- end }}
"""
_VERSION = re.compile(r"^v?(\d+\.\d+\.\d+)$")
_MISSING_TEMPLATE = re.compile(r'no template "[^"]+" associated')


def dependencies(chart_dir: Path) -> tuple[str, dict | None, list[Mapping]]:
    """The file that lists ``chart_dir``'s dependencies (``Chart.yaml``; a v1 chart's ``requirements.yaml``),
    its content, and the dependencies."""
    for name in ("Chart.yaml", "requirements.yaml"):
        try:
            meta = load_yaml((chart_dir / name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        deps = meta.get("dependencies") if isinstance(meta, dict) else None
        if isinstance(deps, list) and deps:
            return name, meta, [d for d in deps if isinstance(d, Mapping) and d.get("name")]
    return "Chart.yaml", None, []


def missing_dependencies(chart_dir: Path) -> list[Mapping]:
    """The dependencies of ``chart_dir`` that are not vendored under ``charts/``."""
    return [d for d in dependencies(chart_dir)[2] if not vendored(chart_dir, d)]


def vendored(chart_dir: Path, dependency: Mapping) -> bool:
    """Whether ``charts/`` holds the dependency: its folder, or its archive ``<name>-<version>.tgz``."""
    name = str(dependency.get("name") or "")
    charts = chart_dir / "charts"
    if not charts.is_dir():
        return False
    archive = re.compile(rf"{re.escape(name)}-v?\d[^/]*\.tgz")    # not a longer name: argo-cd vs argo-cd-image-updater
    return (charts / name).is_dir() or any(archive.fullmatch(p.name) for p in charts.iterdir())


def local_chart(chart_dir: Path, dependency: Mapping) -> Path | None:
    """A ``file://`` dependency's folder, when it is a chart of this tree."""
    repository = str(dependency.get("repository") or "")
    if not repository.startswith("file://"):
        return None
    folder = chart_dir / repository[len("file://"):]
    return folder if (folder / "Chart.yaml").is_file() else None


def local_dependency_folders(folder: str, chart_text: str) -> list[str]:
    """The repo folders of the ``file://`` dependencies a Chart.yaml (text) of ``folder`` names."""
    try:
        meta = load_yaml(chart_text)
    except yaml.YAMLError:      # an unreadable Chart.yaml is reported by the render itself
        return []
    deps = meta.get("dependencies") if isinstance(meta, dict) else None
    return [posixpath.normpath(posixpath.join(folder, str(d["repository"])[len("file://"):]))
            for d in deps if isinstance(d, dict) and str(d.get("repository") or "").startswith("file://")] \
        if isinstance(deps, list) else []


def is_argocd_apps(dependency: Mapping) -> bool:
    """argo-helm's ``argocd-apps`` chart: a dependency of that name from any chart repository (argo-helm by
    URL or OCI reference, a mirror, ``@argo`` / ``alias:argo``, none given) — not a local one."""
    return dependency.get("name") == ARGOCD_APPS and not str(dependency.get("repository") or "").startswith("file://")


def with_standins(chart_dir: Path, scratch: Path) -> tuple[Path, list[str]]:
    """``chart_dir`` itself when nothing is missing; else a copy under ``scratch`` with stand-ins for its
    missing dependencies (see module doc), made once per chart and scratch folder (one tree state: every
    Application rendering that chart shares it), and what is not rendered because of them."""
    if not missing_dependencies(chart_dir):
        return chart_dir, []
    home = scratch / hashlib.sha256(str(chart_dir).encode()).hexdigest()[:16]
    if not home.is_dir():
        scratch.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="standins-", dir=scratch))
        shutil.copytree(chart_dir, building / chart_dir.name, ignore_dangling_symlinks=True)   # links followed
        _fill(chart_dir, building / chart_dir.name)
        try:
            building.rename(home)        # atomic: a render in another thread made the same copy first, or not
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    return home / chart_dir.name, unrendered(chart_dir)


def unrendered(chart_dir: Path, seen: frozenset[Path] = frozenset()) -> list[str]:
    """What the stand-ins of ``chart_dir`` (and of its local dependencies) leave out."""
    out = []
    for dependency in missing_dependencies(chart_dir):
        local = local_chart(chart_dir, dependency)
        if local is not None and local.resolve() not in seen:
            out += unrendered(local, seen | {chart_dir.resolve()})
        elif local is None and not is_argocd_apps(dependency):
            out.append(f"dependency {dependency['name']} ({dependency.get('repository') or 'no repository'}) is "
                       "not vendored under charts/: rendered without it")
    return out


def override_namespaces(chart_dir: Path, values: Mapping) -> list[str]:
    """The namespaces the chart's values give its missing dependencies that render as nothing
    (``<name or alias>.namespaceOverride``, the bitnami and prometheus-community convention, or
    ``global.namespaceOverride``): what they would deploy there is unseen, like the destination's."""
    try:
        defaults = load_yaml((chart_dir / "values.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        defaults = None
    layers = [v for v in (values, defaults) if isinstance(v, Mapping)]     # the user's values first

    def override(key: str) -> str | None:
        for layer in layers:
            found = layer.get(key).get("namespaceOverride") if isinstance(layer.get(key), Mapping) else None
            if found is not None:
                return found.strip() if isinstance(found, str) and found.strip() else None
        return None

    out = []
    for dependency in missing_dependencies(chart_dir):
        if not is_argocd_apps(dependency) and local_chart(chart_dir, dependency) is None:
            out += filter(None, (override(str(dependency.get("alias") or dependency["name"])), override("global")))
    return out


def needs_missing(error: str) -> bool:
    """Whether a render error of a chart with stand-ins is a template a missing dependency would define."""
    return bool(_MISSING_TEMPLATE.search(error))


def _fill(source: Path, copy: Path, depth: int = 0) -> None:
    """Put in ``copy`` (of the chart at ``source``) a chart for each dependency ``source`` does not vendor."""
    listing, meta, _ = dependencies(source)
    versions: dict[str, str] = {}
    for dependency in missing_dependencies(source):
        name = str(dependency["name"])
        target = copy / "charts" / name
        if target.exists():
            continue                     # two aliases of one chart: one copy serves both
        local = local_chart(source, dependency)
        if local is not None and depth < 8:
            shutil.copytree(local, target, ignore_dangling_symlinks=True)
            _fill(local, target, depth + 1)
            continue
        version = _VERSION.match(str(dependency.get("version") or "").strip())
        versions[name] = version[1] if version else "0.0.0"
        target.mkdir(parents=True)
        (target / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {versions[name]}\n",
                                           encoding="utf-8")
        if is_argocd_apps(dependency):
            templates = target / "templates"
            templates.mkdir()
            for values, kind, fields in _KINDS:
                (templates / f"{values}.yaml").write_text(_TEMPLATE % {
                    "values": values, "kind": kind, "head": _SPEC_HEAD[kind],
                    "fields": " ".join(f'"{f}"' for f in fields)}, encoding="utf-8")
            (templates / "item-templates.yaml").write_text(_ITEM_TEMPLATES, encoding="utf-8")
    if versions and meta is not None:        # pin each stood-in dependency to its stand-in (JSON is YAML)
        for dependency in meta["dependencies"]:
            if isinstance(dependency, dict) and str(dependency.get("name")) in versions:
                dependency["version"] = versions[str(dependency["name"])]
        (copy / listing).write_text(json.dumps(meta, default=str), encoding="utf-8")
