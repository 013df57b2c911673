"""Helm charts rendered offline: in-process with Helm's Go SDK, or with the user's ``helm``.

``render_chart(chart_dir, values, release, namespace, ...)`` behaves like ``helm template``: user values
are the values files merged in order, then ``--set``-style values; the chart's own defaults apply
beneath, in Helm. Without a ``helm`` on ``PATH`` it runs in-process through the ``helm-python-sdk``
wheel (Helm v4's Go SDK); with one, it runs that binary. Either way the output is the list of
``(template path, document text)`` in ``helm template``'s order: CRDs (when asked), then manifests
in Helm's install order, then hooks.

Offline limits, checked before rendering so that they are named instead of rendered wrong: a
dependency declared in ``Chart.yaml`` but not vendored under ``charts/``, a library chart, a
``kubeVersion`` constraint the configured Kubernetes version does not meet.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from .manifests import OfflineError, RenderError, load_yaml
from .standins import missing_dependencies
from .tools import Tools

# helm's pkg/release/v1/util/kind_sorter.go InstallOrder
INSTALL_ORDER = (
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
    "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
    "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
)
_ORDER = {kind: i for i, kind in enumerate(INSTALL_ORDER)}
_SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")
_KIND = re.compile(r"^kind:\s*[\"']?([A-Za-z0-9]+)", re.M)
_HOOK = re.compile(r"^\s+[\"']?helm\.sh/hook[\"']?\s*:\s*[\"']?([^\"'\n#]*)", re.M)
_HOOK_WEIGHT = re.compile(r"^\s+[\"']?helm\.sh/hook-weight[\"']?\s*:\s*[\"']?(-?\d+)", re.M)
_SOURCE = re.compile(r"^# Source: (.+)$", re.M)
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


# --- values --------------------------------------------------------------------------------------------
def merge_maps(base: Mapping, over: Mapping) -> dict:
    """Helm's values merge: recursive for a mapping over a mapping, else the later value replaces."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merge_maps(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) \
            else value
    return out


def read_values(path: str | Path) -> dict:
    """A values file, as Helm reads it (empty: no values)."""
    if _URL.match(str(path)):
        raise OfflineError(f"the values file {path} is remote: it cannot be read offline")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot read the values file {path}: {exc.strerror or exc}") from None
    try:
        data = load_yaml(text)
    except Exception as exc:  # noqa: BLE001  (any YAML error of a user's file)
        raise RenderError(f"the values file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if data is not None and not isinstance(data, Mapping):
        raise RenderError(f"the values file {path} does not hold a mapping")
    return dict(data or {})


def compose_values(files: Iterable[str | Path] = (), inline: Mapping | None = None,
                   sets: Iterable[str] = (), set_strings: Iterable[str] = (), set_files: Iterable[str] = (),
                   tools: Tools | None = None) -> dict:
    """The user values of a render: ``files`` in order, then ``inline`` (Argo CD's ``values`` /
    ``valuesObject``), then ``--set``, ``--set-string`` and ``--set-file`` style entries."""
    values: dict = {}
    for path in files:
        values = merge_maps(values, read_values(path))
    if inline:
        values = merge_maps(values, inline)
    if sets or set_strings or set_files:
        helm = (tools or Tools.detect()).helm_sdk()
        try:
            for entry in sets:
                values = merge_maps(values, helm.parse_set_string(entry))
            for entry in set_strings:
                values = merge_maps(values, helm.parse_set_string_values(entry))
            for entry in set_files:
                values = merge_maps(values, helm.parse_set_file(entry))
        except helm.HelmError as exc:
            raise RenderError(f"bad Helm parameter: {exc}") from None
    return values


# --- rendering -------------------------------------------------------------------------------------------
def check_offline(chart_dir: Path) -> None:
    """Refuse, with the reason, a chart that cannot be rendered offline as Argo CD would render it."""
    chart_file = chart_dir / "Chart.yaml"
    if not chart_file.is_file():
        raise RenderError(f"{chart_dir} has no Chart.yaml")
    meta = load_yaml(chart_file.read_text(encoding="utf-8")) or {}
    if meta.get("type") == "library":
        raise RenderError(f"{chart_dir.name} is a library chart: it renders nothing by itself")
    missing = [str(d["name"]) for d in missing_dependencies(chart_dir)]
    if missing:
        raise OfflineError(f"chart {meta.get('name') or chart_dir.name} depends on {', '.join(missing)}, which is "
                          "not vendored under charts/ (Argo CD would fetch it; migrate renders offline)")


def render_chart(chart_dir: str | Path, values: Mapping | None, release: str, namespace: str, *,
                 tools: Tools, kube_version: str | None = None, api_versions: Iterable[str] = (),
                 include_crds: bool = True, skip_tests: bool = False) -> list[tuple[str, str]]:
    """``helm template release chart_dir -n namespace`` with user ``values``: [(template, document)]."""
    chart_dir = Path(chart_dir)
    check_offline(chart_dir)
    if tools.helm_binary:
        return _binary(tools.helm_binary, chart_dir, values or {}, release, namespace, kube_version,
                       list(api_versions), include_crds, skip_tests)
    return _in_process(tools, chart_dir, values or {}, release, namespace, kube_version, list(api_versions),
                       include_crds, skip_tests)


def _in_process(tools: Tools, chart_dir: Path, values: Mapping, release: str, namespace: str,
                kube_version: str | None, api_versions: list[str], include_crds: bool,
                skip_tests: bool) -> list[tuple[str, str]]:
    helm = tools.helm_sdk()
    options: dict[str, Any] = {"name": release, "namespace": namespace}
    if kube_version:
        options["kube_version"] = kube_version if kube_version.startswith("v") else f"v{kube_version}"
    if api_versions:
        options["api_versions"] = api_versions
    try:
        # Load the chart for every render: rendering prunes disabled subcharts from a loaded chart.
        with helm.Chart.load(str(chart_dir)) as chart:
            _check_kube_version(tools, chart.metadata, options.get("kube_version"))
            rendered = json.loads(tools.helm_native().call_string(
                "helm_render", chart._raw(), json.dumps(dict(values)), json.dumps(options)))
            crds = chart.crds if include_crds else []
    except helm.HelmError as exc:
        raise RenderError(f"helm template {chart_dir.name}: {exc}") from None
    out = [(crd["filename"], doc) for crd in crds for doc in split_documents(crd["data"])]
    return out + _ordered(rendered, skip_tests)


def _check_kube_version(tools: Tools, meta: Mapping, kube_version: str | None) -> None:
    constraint = meta.get("kubeVersion")
    if not constraint:
        return
    version = kube_version or "v1.36.0"
    ok = go_eval(tools, "{{ semverCompare .Values.c .Values.v }}", {"c": constraint, "v": version})
    if ok.strip() != "true":
        raise RenderError(f"chart {meta.get('name')} requires kubeVersion {constraint}, which Kubernetes {version} "
                          "does not meet (set render.kube_version in .migrate/config.yaml)")


def go_eval(tools: Tools, template: str, data: Mapping) -> str:
    """One small Go template evaluated by Helm's engine (``.Values`` holds ``data``)."""
    helm = tools.helm_sdk()
    archive = chart_archive("gotpl", {"templates/t": template})
    with helm.Chart.load_archive(archive) as chart:
        return json.loads(tools.helm_native().call_string("helm_render", chart._raw(), json.dumps(dict(data)),
                                                          "{}"))["gotpl/templates/t"]


def chart_archive(name: str, files: Mapping[str, str]) -> bytes:
    """An in-memory chart ``name`` holding ``files`` (path -> text), as a .tgz."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for path, text in {"Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.0.0\n", **files}.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{name}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def split_documents(text: str) -> list[str]:
    """Helm's SplitManifests: the non-empty documents of a rendered template."""
    return [doc.strip() for doc in _SEPARATOR.split(text.strip()) if doc.strip()]


def _ordered(rendered: Mapping[str, str], skip_tests: bool) -> list[tuple[str, str]]:
    """Manifests in Helm's install order by kind, then hooks by weight (NOTES.txt and partials left out)."""
    manifests: list[tuple[int, str, str, str]] = []
    hooks: list[tuple[int, int, str, str, str]] = []
    for path in sorted(rendered):
        base = os.path.basename(path)
        if base.startswith("_") or base.endswith("NOTES.txt"):
            continue
        for doc in split_documents(rendered[path]):
            kind = (_KIND.search(doc) or [None, ""])[1]
            hook = _HOOK.search(doc)
            if hook:
                events = [e.strip() for e in hook.group(1).split(",") if e.strip()]
                if skip_tests and any(e in ("test", "test-success") for e in events):
                    continue
                weight = _HOOK_WEIGHT.search(doc)
                hooks.append((int(weight.group(1)) if weight else 0, len(hooks), kind, path, doc))
            else:
                manifests.append((len(manifests), kind, path, doc))

    def kind_key(kind: str) -> tuple:
        return (0, _ORDER[kind], "") if kind in _ORDER else (1, 0, kind)

    out = [(path, doc) for _, kind, path, doc in sorted(manifests, key=lambda m: (kind_key(m[1]), m[0]))]
    return out + [(path, doc) for _, _, kind, path, doc in sorted(hooks, key=lambda h: (h[0], kind_key(h[2]), h[1]))]


def _binary(helm: str, chart_dir: Path, values: Mapping, release: str, namespace: str, kube_version: str | None,
            api_versions: list[str], include_crds: bool, skip_tests: bool) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="migrate-helm-") as tmp:
        values_file = Path(tmp) / "values.json"
        values_file.write_text(json.dumps(dict(values)), encoding="utf-8")
        command = [helm, "template", release, str(chart_dir), "--namespace", namespace, "--values", str(values_file)]
        command += ["--kube-version", kube_version] if kube_version else []
        command += [arg for version in api_versions for arg in ("--api-versions", version)]
        command += ["--include-crds"] if include_crds else []
        command += ["--skip-tests"] if skip_tests else []
        proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HELM_NAMESPACE": namespace})
    if proc.returncode != 0:
        raise RenderError(f"helm template {chart_dir.name}: {proc.stderr.strip()}")
    return [(match.group(1) if (match := _SOURCE.search(doc)) else "", doc) for doc in split_documents(proc.stdout)]


def format_output(documents: list[tuple[str, str]]) -> str:
    """The stream ``helm template`` prints: ``---``, ``# Source: <template>``, the document."""
    return "".join(f"---\n# Source: {source}\n{doc}\n" for source, doc in documents)


def remove_schemas(chart_dir: Path, into: Path) -> Path:
    """A copy of a chart without its ``values.schema.json`` files (``--skip-schema-validation``)."""
    target = into / chart_dir.name
    shutil.copytree(chart_dir, target)
    for schema in target.rglob("values.schema.json"):
        schema.unlink()
    return target
