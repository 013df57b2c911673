"""The example GitOps repository: the Lumie platform's lumie-infra repo before the monolith migration.

``init_repo(path, scale=1)`` builds it as a real git repository with eight weeks of history
by five people (see ``story.py``), deterministically: the same scale always gives the same
commit hashes. ``RELEASE_TAG`` is the image tag of the final release commit, the newest tag
that all ten backend services were built from.

Modules: ``model`` (services and their state), ``services``/``apps``/``texts_*`` (the file
texts), ``versions`` (earlier versions of a file), ``story`` (the commit script),
``recorder`` (records it), ``fastimport`` (writes it with ``git fast-import``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import MigrateError, UsageError
from .fastimport import create_repository
from .model import RELEASE_TAG
from .story import Story

__all__ = ["RELEASE_TAG", "init_repo"]


def init_repo(path: Path | str, scale: int = 1) -> str:
    """Create the example repository at ``path`` (absent or empty); returns a one-line summary."""
    target = Path(path)
    if scale < 1:
        raise UsageError(f"--scale must be at least 1 (got {scale})")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise MigrateError("refusing to create the example repository: the target exists and is not empty",
                           path=str(target))
    commits = Story(scale).build()
    head = create_repository(target, commits)
    authors = len({c.author for c in commits})
    return f"{len(commits)} commits by {authors} authors, HEAD {head[:12]}, release tag {RELEASE_TAG}"
