"""``kustomize build`` of a folder, as Argo CD's repo server runs it (``kubectl kustomize``).

Build options are Argo CD's ``kustomize.buildOptions`` (the repository config's
``render.kustomize_build_options``, default ``--enable-helm``); with ``--enable-helm`` the helm
kustomize runs is the user's ``helm`` or migrate's in-process render server (``helm_server``), and
the configured Kubernetes version and API versions are passed as Argo CD passes the cluster's.
Each object comes back with the file it came from (see ``workspace``): a path relative to the
kustomization for a resource, or the Helm chart for an inflated chart.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..roundtrip.nodes import is_map
from .manifests import OfflineError, RenderError, load_manifests, load_yaml
from .tools import Tools
from .workspace import ORIGIN


@dataclass(frozen=True)
class Origin:
    """Where kustomize says an object came from: a file (relative to the kustomization built), or
    the kustomization that inflated a Helm chart."""

    path: str | None
    helm: bool = False


def build(folder: Path, *, tools: Tools, helm_command: str | None, helm_env: dict[str, str] | None,
          build_options: str = "--enable-helm", kube_version: str | None = None,
          api_versions: Iterable[str] = ()) -> list[tuple[dict, Origin]]:
    """The objects ``kubectl kustomize folder <options>`` renders, each with its origin."""
    options = shlex.split(build_options)
    command = [tools.kubectl or "kubectl", "kustomize", str(folder), *options]
    if "--enable-helm" in options:
        command += ["--helm-command", helm_command or "helm"]
        command += ["--helm-kube-version", kube_version] if kube_version else []
        command += [arg for version in api_versions for arg in ("--helm-api-versions", version)]
    proc = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(helm_env or {})})
    if proc.returncode != 0:
        message = _message(proc.stderr)
        error = OfflineError if "rendering is offline" in message else RenderError
        raise error(f"kustomize build failed: {message}")
    return [_with_origin(obj) for obj in load_manifests(proc.stdout, "kustomize output")]


def _message(stderr: str) -> str:
    """kustomize's error, without how it ran its helm command (temporary paths that say nothing to a user)."""
    lines = [line.removeprefix("error: ").strip() for line in stderr.strip().splitlines() if line.strip()]
    text = "; ".join(lines[-3:]) or "no message"
    text = re.sub(r"[;:\s]*unable to run: '[^']*'.*$", "", text, flags=re.S).rstrip("; :")
    return text.removeprefix("Error: ")


def _with_origin(obj: dict) -> tuple[dict, Origin]:
    meta = obj.get("metadata") if is_map(obj.get("metadata")) else {}
    annotations = meta.get("annotations") if is_map(meta.get("annotations")) else {}
    raw = annotations.pop(ORIGIN, None)
    if not annotations and "annotations" in meta:
        del meta["annotations"]
    origin = load_yaml(raw) if isinstance(raw, str) else None
    if not is_map(origin):
        return obj, Origin(None)
    helm = str((origin.get("configuredBy") or {}).get("kind", "")) == "HelmChartInflationGenerator"
    return obj, Origin(origin.get("path") if not helm else origin.get("configuredIn"), helm)
