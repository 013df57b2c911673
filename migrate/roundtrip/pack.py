"""What a run read, kept for the next: one pack per repository and kind, read once per process.

Two packs: ``readonly``, the read-only parses of the YAML files, and ``records``, what the inventory read
from each file (its records, per content, deploy context and settings; ``inventory.Inventory``).

Parsing every YAML file through libyaml is most of a warm load (0.34 s for the 800 files of a real
repository, 3.5 s at the example's ``--scale 100``); unpickling the same documents takes a tenth of that,
when they come from one file (a file per parse costs as much in opening as it saves). The pack, under the
parse cache's folder, holds one entry per path: the sha256 of the text it was read from (for records, the
whole key they were read under) and what was read. A lookup checks that key, so an entry is never stale; a
path's entry is replaced when its file changes and dropped when the path is no longer tracked, so the pack
stays the size of the repository's YAML. It is
written at most once per process, after the first whole load (a run's baseline: the after-states of
its steps do not replace it), atomically, and only when something changed. A text that may hold a secret
value is never kept (``secrets.may_hold_secret``). ``MIGRATE_PARSE_CACHE=0`` turns it off with the parse
cache; ``migrate cache clear`` removes it.
"""

from __future__ import annotations

import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ..version import code_digest
from .cache import _VERSION, cache_for, cacheable, write_atomically

FOLDER = "pack"        # below the parse cache's folder (counted in its size bound, removed by clear)
FILE = f"{FOLDER}/readonly"


class Pack:
    """One pack of one repository (a no-op without a folder); ``version``: what its entries depend on besides
    their keys (the code that made them)."""

    def __init__(self, target: Path | None, version: str = _VERSION):
        self.target, self.version = target, version
        self._entries: dict[str, tuple[Any, Any]] | None = None
        self._changed = False
        self._written = False

    def get(self, path: str, digest: Any) -> Any | None:
        """What was read from ``path`` under ``digest`` (its text's hash, or a whole key), else None."""
        entry = self._load().get(path)
        if entry is None or entry[0] != digest:
            return None
        return entry[1]

    def put(self, path: str, digest: Any, text: str, docs: Any) -> None:
        """Keep ``docs`` (what was read from ``text``) for the next run, unless ``text`` may hold a secret."""
        if self.target is None or self._written or not cacheable(text):
            return
        self._load()[path] = (digest, docs)
        self._changed = True

    def flush(self, paths: Iterable[str]) -> None:
        """Once per process: write the entries of the tracked ``paths`` if any changed or went."""
        if self.target is None or self._written or self._entries is None:
            return
        self._written = True
        tracked = set(paths)
        kept = {p: e for p, e in self._entries.items() if p in tracked}
        if not self._changed and len(kept) == len(self._entries):
            return
        try:
            write_atomically(self.target, pickle.dumps((self.version, kept), protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError, RecursionError):
            pass   # a read-only .git, a full disk: the pack is only an optimisation

    def _load(self) -> dict[str, tuple[Any, Any]]:
        if self._entries is None:
            self._entries = {}
            if self.target is not None:
                try:
                    version, entries = pickle.loads(self.target.read_bytes())
                    if version == self.version and isinstance(entries, dict):
                        self._entries = entries
                except Exception:   # missing, damaged, from another version: start afresh
                    pass
        return self._entries


def pack_for(root: Path | None, name: str = "readonly") -> Pack:
    """The pack ``name`` (readonly, records) of the repository at ``root`` (none without its parse cache)."""
    known = _PACKS.get((root, name))
    if known is not None and known[0] == os.environ.get("MIGRATE_PARSE_CACHE"):
        return known[1]
    folder = cache_for(root).folder
    pack = _pack_for(folder, name) if folder is not None else Pack(None)
    _PACKS[(root, name)] = (os.environ.get("MIGRATE_PARSE_CACHE"), pack)
    return pack


_PACKS: dict[tuple, tuple[str | None, Pack]] = {}


@lru_cache(maxsize=16)
def _pack_for(folder: Path, name: str) -> Pack:
    return Pack(folder / FOLDER / name, _VERSION if name == "readonly" else code_digest())
