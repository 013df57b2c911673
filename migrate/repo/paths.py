"""Repository paths: repo-relative POSIX paths, normalised; none may leave the repository."""

from __future__ import annotations

import posixpath
from functools import lru_cache

from ..errors import MigrateError


@lru_cache(maxsize=1 << 16)     # a run asks for the same few thousand paths hundreds of thousands of times
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
