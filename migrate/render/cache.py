"""The render cache: what an Application renders to, keyed by everything the render reads.

A render's key (``sources.cache_key``) hashes the tools, the render settings, the Application's
sources and destination, and the bytes of every input file; a cached render can never be stale,
and a step re-renders only the Applications whose inputs it changed. Entries live in memory for
the process and on disk in ``$MIGRATE_CACHE_DIR`` (default ``~/.cache/migrate``) ``/renders/``,
shared by every repository (the same inputs render the same anywhere). Disk entries are written
atomically; a damaged one is rendered again; ``MIGRATE_RENDER_CACHE=0`` keeps it in memory only. The
disk cache stays under ``MIGRATE_RENDER_CACHE_MB`` (default 1024): the first write of a process evicts
the least recently used entries while it is larger. ``migrate cache clear`` removes it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..roundtrip.cache import evict_lru, write_atomically


LOCATED = 50_000   # located renders kept in memory (a step's after-state reuses its before-state's)


def cache_root() -> Path:
    """The folder of migrate's caches that are not tied to one repository."""
    configured = os.environ.get("MIGRATE_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "migrate"


class RenderCache:
    """Renders by key, in memory and on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        disk = os.environ.get("MIGRATE_RENDER_CACHE", "1") != "0"
        self.folder = (folder or cache_root() / "renders") if disk else None
        self._memory: dict[str, Any] = {}
        self._located: OrderedDict[tuple[str, str], Any] = OrderedDict()   # (key, app id) -> its AppRender
        self._lock = threading.Lock()
        self._bounded = False                # evicted down to its size once per process, on the first write
        self.hits = self.misses = 0          # lookups answered, and not (renders made), for bench/ and tests

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key in self._memory:
                self.hits += 1
                return self._memory[key]
        value = self._read(key)
        with self._lock:
            if value is None:
                self.misses += 1
                return None
            self.hits += 1
            self._memory[key] = value
        return value

    def known(self, key: str, app_id: str) -> bool:
        """Whether a render of inputs ``key`` is at hand, in memory or on disk (no lookup counted)."""
        with self._lock:
            if (key, app_id) in self._located or key in self._memory:
                return True
        return self.folder is not None and any((self.folder / k[:2] / k[2:]).exists()
                                               for k in (key, _located_key(key, app_id)))

    def remembered(self, key: str, app_id: str) -> Any | None:
        """The render ``located`` would find in this process's memory (counted as a hit), else None."""
        with self._lock:
            found = self._located.get((key, app_id))
            self.hits += found is not None
        return found

    def located(self, key: str, app_id: str) -> Any | None:
        """The render with provenance made of ``app_id`` from inputs ``key``, by this process (a step's
        after-state renders again only the Applications whose inputs it changed) or an earlier one."""
        found = self.remembered(key, app_id)
        if found is None:
            found = self._read(_located_key(key, app_id))
            if found is not None:
                self._remember(key, app_id, found)
                with self._lock:
                    self.hits += 1
        return found

    def keep_located(self, key: str, app_id: str, render: Any, on_disk: Any = None) -> None:
        """Keep a render just located, for this process and (on disk, as ``on_disk`` if given) the next ones."""
        self._remember(key, app_id, render)
        self._write(_located_key(key, app_id), render if on_disk is None else on_disk)

    def _remember(self, key: str, app_id: str, render: Any) -> None:
        with self._lock:
            self._located[(key, app_id)] = render
            if len(self._located) > LOCATED:
                self._located.popitem(last=False)

    def _read(self, key: str) -> Any | None:
        if self.folder is None:
            return None
        try:
            return pickle.loads((self.folder / key[:2] / key[2:]).read_bytes())
        except Exception:  # noqa: BLE001  (missing, damaged, from another version: render again)
            return None

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._memory[key] = value
        self._write(key, value)

    def _write(self, key: str, value: Any) -> None:
        if self.folder is None:
            return
        target = self.folder / key[:2] / key[2:]
        try:
            if not self._bounded:
                self._bounded = True
                evict_lru(self.folder, int(float(os.environ.get("MIGRATE_RENDER_CACHE_MB", 1024)) * 1024 * 1024))
            write_atomically(target, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError):
            pass   # a read-only home, a full disk: the cache is only an optimisation


def _located_key(key: str, app_id: str) -> str:
    """The disk key of ``app_id``'s located render from inputs ``key`` (the lines are the inputs' own)."""
    return hashlib.sha256(f"located\0{key}\0{app_id}".encode()).hexdigest()


_SHARED: dict[tuple, RenderCache] = {}


def shared_cache() -> RenderCache:
    """The process's render cache (one per cache location and setting)."""
    key = (os.environ.get("MIGRATE_CACHE_DIR"), os.environ.get("MIGRATE_RENDER_CACHE", "1"))
    if key not in _SHARED:
        _SHARED[key] = RenderCache()
    return _SHARED[key]
