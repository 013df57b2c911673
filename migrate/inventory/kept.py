"""The Applications of a repository kept on disk by its content, for ``history`` (``Inventory.load_applications``).

``history`` asks only which Applications there are, what deploys each file and from where; finding out
parses every kustomization and every file that says ``Application`` (5,500 files, about 2 s, on the example
at ``--scale 100``). The answer depends only on the files' content, the git remotes, the settings that
change what is read and migrate's code, so it is kept in the repository's parse cache under a key naming
all of them (``Tree.signature``: git's blob ids for the files it has unchanged, nothing read): a later run
on the same content reads one entry instead. Never stale (any change is another key), safe to delete
(``migrate cache clear``), and never kept when a file it parsed may hold a secret value.
"""

from __future__ import annotations

import os
from typing import Any

from ..repo.git import remote_urls
from ..repo.tracked import Tree
from ..roundtrip.cache import cache_for, cacheable
from ..version import code_digest

FIELDS = ("applications", "application_sets", "self_urls", "kustomizations", "contexts", "errors", "warnings",
          "templates")
_SETTINGS = ("MIGRATE_MAX_FILE_BYTES",)   # what changes what a file reads as


class _Kept:
    """What ``load_applications`` found, as plain records."""

    def __init__(self, inv: Any):   # an Inventory
        self.fields = {name: getattr(inv, name) for name in FIELDS}


def applications_key(tree: Tree) -> str | None:
    """The cache key of ``tree``'s Applications, or None when the tree's content cannot be named cheaply."""
    signature = tree.signature()
    if signature is None:
        return None
    settings = [os.environ.get(name, "") for name in _SETTINGS]
    return cache_for(tree.root).key("applications", "\0".join([code_digest(), signature, *remote_urls(tree.root),
                                                                 *settings]))


def restore(inv: Any, key: str | None) -> bool:
    """Fill ``inv`` from the entry under ``key``; whether there was one."""
    kept = cache_for(inv.tree.root).get(key) if key is not None else None
    if not isinstance(kept, _Kept):
        return False
    for name, value in kept.fields.items():
        setattr(inv, name, value)
    return True


def keep(inv: Any, key: str | None, parsed: list[str]) -> None:
    """Keep what ``inv`` found under ``key``, unless a file it parsed (``parsed``) may hold a secret value."""
    if key is not None and all(cacheable(inv.tree.read_text(path)) for path in parsed):
        cache_for(inv.tree.root).put(key, _Kept(inv))
