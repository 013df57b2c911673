"""What a ``git log`` of HEAD says, read once per HEAD commit.

The history of HEAD is fixed by its commit (and, in a shallow clone, by where the history is cut): so
what a pass over ``git log`` reads from it is kept in the repository's cache (``.git/migrate/``, the
parse cache: ``MIGRATE_PARSE_CACHE=0`` turns it off, ``migrate cache clear`` removes it), keyed by the
HEAD commit, the shallow boundary, the ``.mailmap`` (authors' names), the log's arguments and the code
that reads it. A later run at the same HEAD (the apply after its dry run, the review, a warm CI job)
reads no history at all; a new commit is a new key, so an entry is never stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, TypeVar

import git

from ..roundtrip.cache import cache_for

T = TypeVar("T")
_CODE = hashlib.sha256(Path(__file__).with_name("history.py").read_bytes()).hexdigest()[:16]


def cached_log(repo: git.Repo, name: str, args: tuple[str, ...], read: Callable[[], list[T]]) -> list[T]:
    """``read()`` (a pass over ``git log HEAD <args>``), or what it returned at this HEAD before."""
    cache = cache_for(Path(repo.working_tree_dir)) if repo.working_tree_dir else None
    if cache is None or cache.folder is None:
        return read()
    key = cache.key(f"git-log\0{name}\0{_CODE}\0" + "\0".join(args), "\0".join(
        [repo.head.commit.hexsha, _text(Path(repo.git_dir, "shallow")), _text(Path(repo.working_tree_dir, ".mailmap"))]))
    found = cache.get(key)
    if isinstance(found, list):
        return found
    found = read()
    cache.put(key, found)
    return found


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
