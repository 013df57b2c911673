"""Dependencies a chart declares but does not vendor, rendered offline as far as they can be.

Argo CD fetches a chart's dependencies before rendering it; migrate renders offline, so a dependency
missing from ``charts/`` used to leave the whole chart unrendered. ``with_standins`` makes a copy of the
chart whose ``charts/`` holds, for each missing dependency:

- ``argocd-apps`` (argo-helm's chart of Applications and ApplicationSets from values: the usual way an
  umbrella chart that installs Argo CD bootstraps the App-of-Apps) — a stand-in written here that
  emits the same objects from the same values, in its list form (1.x: items with ``name``) or its map
  form (2.x: keyed by name);
- any other — an empty chart, named as not rendered: the chart's own templates and the stand-ins
  render, what that dependency would add is a named blind spot.

Helm itself then scopes the values (``argocd-apps:`` in the parent's values, an ``alias``, a
``condition``). A chart whose own templates need a missing dependency's named templates still fails
to render; the caller then reports the missing dependency, as before.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .manifests import load_yaml

ARGOCD_APPS = "argocd-apps"
_METADATA = '"name" "namespace" "additionalLabels" "additionalAnnotations" "finalizers"'
# One template per kind: ``items`` is a list (1.x) or a map keyed by name (2.x).
_TEMPLATE = """{{- range $key, $item := .Values.%(values)s }}
{{- $name := $key }}{{- if kindIs "int" $key }}{{- $name = $item.name }}{{- end }}
---
apiVersion: argoproj.io/v1alpha1
kind: %(kind)s
metadata:
  name: {{ $name }}
  namespace: {{ $item.namespace | default $.Release.Namespace }}
  {{- with $item.additionalLabels }}
  labels:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $item.additionalAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $item.finalizers }}
  finalizers:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- toYaml (omit $item %(metadata)s) | nindent 2 }}
{{- end }}
"""
_VERSION = re.compile(r"^v?(\d+\.\d+\.\d+)$")


def missing_dependencies(chart_dir: Path) -> list[Mapping]:
    """The dependencies of ``chart_dir``'s Chart.yaml that are not vendored under ``charts/``."""
    try:
        meta = load_yaml((chart_dir / "Chart.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError):
        return []
    deps = meta.get("dependencies") if isinstance(meta, Mapping) else None
    return [d for d in deps or [] if isinstance(d, Mapping) and d.get("name") and not vendored(chart_dir, d)]


def vendored(chart_dir: Path, dependency: Mapping) -> bool:
    name = str(dependency.get("name") or "")
    repository = str(dependency.get("repository") or "")
    if repository.startswith("file://"):
        return (chart_dir / repository[len("file://"):]).is_dir()
    charts = chart_dir / "charts"
    return (charts / name).is_dir() or any(charts.glob(f"{name}-*.tgz")) if charts.is_dir() else False


def is_argocd_apps(dependency: Mapping) -> bool:
    """argo-helm's ``argocd-apps`` chart (its repository, by URL or OCI reference, or none given)."""
    repository = str(dependency.get("repository") or "")
    return dependency.get("name") == ARGOCD_APPS and (not repository or "argo-helm" in repository)


def with_standins(chart_dir: Path, scratch: Path) -> tuple[Path, list[str]]:
    """``chart_dir`` itself when nothing is missing; else a copy under ``scratch`` with stand-ins for its
    missing dependencies (see module doc), made once per chart and scratch folder (one tree state: every
    Application rendering that chart shares it), and what is not rendered because of them."""
    missing = missing_dependencies(chart_dir)
    if not missing:
        return chart_dir, []
    unrendered = [f"dependency {d['name']} ({d.get('repository') or 'no repository'}) is not vendored under "
                  "charts/: rendered without it" for d in missing if not is_argocd_apps(d)]
    home = scratch / hashlib.sha256(str(chart_dir).encode()).hexdigest()[:16]
    if not home.is_dir():
        scratch.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="standins-", dir=scratch))
        _build(chart_dir, building / chart_dir.name, missing)
        try:
            building.rename(home)        # atomic: a render in another thread made the same copy first, or not
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    return home / chart_dir.name, unrendered


def _build(chart_dir: Path, copy: Path, missing: list[Mapping]) -> None:
    shutil.copytree(chart_dir, copy, symlinks=True)
    for dependency in missing:
        name = str(dependency["name"])
        target = copy / "charts" / name
        target.mkdir(parents=True, exist_ok=True)
        version = _VERSION.match(str(dependency.get("version") or "").strip())
        (target / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: "
                                           f"{version[1] if version else '0.0.0'}\n", encoding="utf-8")
        if is_argocd_apps(dependency):
            (target / "templates").mkdir(exist_ok=True)
            for values, kind in (("applications", "Application"), ("applicationsets", "ApplicationSet")):
                (target / "templates" / f"{values}.yaml").write_text(
                    _TEMPLATE % {"values": values, "kind": kind, "metadata": _METADATA}, encoding="utf-8")
