"""Repository paths: repo-relative POSIX paths, normalised; none may leave the repository."""

from __future__ import annotations

import posixpath

from ..errors import MigrateError


def normpath(path: str) -> str:
    """Normalise a repo-relative POSIX path; refuse paths that leave the repository."""
    norm = posixpath.normpath(path.replace("\\", "/")).lstrip("/") if path else ""
    if norm in ("", "."):
        return ""
    if norm == ".." or norm.startswith("../") or posixpath.isabs(path):
        raise MigrateError(f"path leaves the repository: {path!r}")
    return norm


def join(folder: str, relative: str) -> str:
    """Resolve ``relative`` against repo folder ``folder`` (both repo-relative)."""
    return normpath(posixpath.join(folder, relative))
