"""Many kustomize builds in one ``kubectl kustomize`` process.

A build of one folder costs a process start that is most of its time when the folder is small (the
common case: an Application's kustomization of a few manifests). ``build_many`` builds many folders
at once through a kustomization written beside them (in the render workspace) that lists each folder
as a resource, followed by a marker object, with ``sortOptions: fifo``: kustomize accumulates each
folder exactly as a build of it would (its own transformers, generators and charts; the listing
kustomization adds none), the output keeps that order, and the markers split it back per folder.
Each folder's objects are then put in the order a build of it alone gives (``ordered``: kustomize's
legacy order, or the folder's own ``sortOptions``), and origins made relative to the folder again.

When the batch fails — a folder that does not build, or two folders that render the same object
(kustomize refuses an id twice in one accumulation) — it is split in halves and each built again; a
folder left alone is not answered here, so its own build (and its own error message) is the
caller's. ``tests/render/test_batch.py`` compares every folder of the example with its own build.
"""

from __future__ import annotations

import functools
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping

import yaml

from .manifests import RenderError

MARKER = "migrate-batch-marker-"
Built = list   # [(doc, kustomize.Origin)]

# kustomize's legacy order (its sortordertransformer; "DO NOT CHANGE" there too)
ORDER_FIRST = ("Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount",
               "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret",
               "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim",
               "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget")
ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")


def build_many(root: Path, folders: list[str], build: Callable[[Path], Built],
               sort_options: Callable[[str], Mapping | None]) -> dict[str, Built]:
    """The objects of each folder (repo paths under the workspace ``root``) that built in a batch, as
    ``build(folder)`` alone would give them; ``build`` runs ``kubectl kustomize`` on one folder."""
    if len(folders) < 2:
        return {}
    try:
        parts = _batch(root, folders, build)
    except RenderError:
        half = len(folders) // 2
        return {**build_many(root, folders[:half], build, sort_options),
                **build_many(root, folders[half:], build, sort_options)}
    return {folder: ordered(objects, sort_options(folder)) for folder, objects in parts.items()}


def _batch(root: Path, folders: list[str], build: Callable[[Path], Built]) -> dict[str, Built]:
    where = Path(tempfile.mkdtemp(prefix=".migrate-batch-", dir=root))
    try:
        up = posixpath.relpath(".", where.relative_to(root).as_posix())
        resources = []
        for i, folder in enumerate(folders):
            (where / f"{i}.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {MARKER}{i}\n")
            resources += [posixpath.join(up, folder), f"{i}.yaml"]
        (where / "kustomization.yaml").write_text(yaml.safe_dump({
            "resources": resources, "sortOptions": {"order": "fifo"}, "buildMetadata": ["originAnnotations"]}))
        out, current, batch = {}, [], where.relative_to(root).as_posix()
        for doc, origin in build(where):
            name = str((doc.get("metadata") or {}).get("name", "")) if isinstance(doc, dict) else ""
            if doc.get("kind") == "ConfigMap" and name.startswith(MARKER) and not origin.helm:
                folder = folders[int(name[len(MARKER):])]
                out[folder] = [(d, _relative(o, batch, folder)) for d, o in current]
                current = []
            else:
                current.append((doc, origin))
        if current or len(out) != len(folders):
            raise RenderError("the batch's output does not split by its markers")
        return out
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _relative(origin, batch: str, folder: str):
    """An origin of the batch (relative to its kustomization) relative to ``folder``, as its own build says."""
    if origin.path is None:
        return origin
    path = posixpath.normpath(posixpath.join(batch, origin.path))
    return type(origin)(posixpath.relpath(path, folder or "."), origin.helm)


def ordered(objects: Built, options: Mapping | None) -> Built:
    """``objects`` in the order ``kustomize build`` outputs them with these ``sortOptions`` (default legacy)."""
    options = options if isinstance(options, Mapping) else {}
    if options.get("order") == "fifo":
        return list(objects)
    legacy = options.get("legacySortOptions") if isinstance(options.get("legacySortOptions"), Mapping) else {}
    first = list(legacy.get("orderFirst") or ORDER_FIRST) if legacy else list(ORDER_FIRST)
    last = list(legacy.get("orderLast") or ORDER_LAST) if legacy else list(ORDER_LAST)
    rank = {kind: i - len(first) for i, kind in enumerate(first)} | {kind: 1 + i for i, kind in enumerate(last)}
    return sorted(objects, key=functools.cmp_to_key(lambda a, b: _compare(a[0], b[0], rank)))


def _gvk(doc: dict) -> tuple[str, str, str]:
    api = str(doc.get("apiVersion") or "")
    group, _, version = api.rpartition("/") if "/" in api else ("", "", api)
    return group, version, str(doc.get("kind") or "")


def _compare(a: dict, b: dict, rank: dict[str, int]) -> int:
    (ga, va, ka), (gb, vb, kb) = _gvk(a), _gvk(b)
    if (ga, va, ka) != (gb, vb, kb):
        if rank.get(ka, 0) != rank.get(kb, 0):
            return -1 if rank.get(ka, 0) < rank.get(kb, 0) else 1
        sa, sb = _gvk_string(ga, va, ka), _gvk_string(gb, vb, kb)
        if ka == kb == "Namespace" and (ga == "" or gb == ""):
            return (sa < sb) - (sa > sb)
        return (sa > sb) - (sa < sb)
    sa, sb = _id_string(a), _id_string(b)
    return (sa > sb) - (sa < sb)


def _gvk_string(group: str, version: str, kind: str) -> str:
    return "_".join([group or "~G", version or "~V", kind or "~K"])


def _id_string(doc: dict) -> str:
    group, version, kind = _gvk(doc)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    gvk = ".".join([kind or "[noKind]", version or "[noVer]", group or "[noGrp]"])
    return "|".join([gvk, str(meta.get("namespace") or "~X"), str(meta.get("name") or "~N")])
