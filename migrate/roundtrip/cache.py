"""A content-addressed cache of YAML parses on disk, inside the repository's ``.git`` folder.

Parsing is most of the cost of loading a large repository (ruamel's round-trip parser:
about 4 ms for a typical values file; unpickling the same parse: about 0.3 ms). The key is a
hash of the file's path and exact text, the versions of migrate and ruamel.yaml and a hash of
the parser's code (every module of this package), so a cached parse can never be stale: a changed file is a
new key. Entries are written atomically (temporary file, then rename); any problem reading
or writing the cache falls back to parsing, silently. ``MIGRATE_PARSE_CACHE=0`` turns it off
(the benchmark's cold runs).

A file whose text may hold a secret value is never cached (the pickles hold every value in plain text):
a ``kind: Secret`` document, a value the diffs would mask (under a name such as ``password`` or
``*token*``, a secret env entry's ``value``, a ``secretGenerator`` literal), a block scalar under such a
name, a PEM private key (``secrets.may_hold_secret``). Entries over
8 MB are not kept, and the cache stays under ``MIGRATE_PARSE_CACHE_MB`` (default 256): when a run
finds it larger, the least recently used entries go. ``migrate cache clear`` removes it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import ruamel.yaml

from ..version import __version__
from .secrets import may_hold_secret

# What a parse depends on besides the text: the versions, and the parser's own code (a parser
# changed without a version bump must not read the pickles of the previous one).
_PARSER_CODE = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))))
_VERSION = f"migrate {__version__}, ruamel.yaml {ruamel.yaml.__version__}, roundtrip {_PARSER_CODE.hexdigest()[:16]}"


MAX_ENTRY = 8 * 1024 * 1024


def cacheable(text: str) -> bool:
    """May a parse of ``text`` be kept on disk? Not if it may hold a secret value (``secrets.may_hold_secret``:
    what the diffs would mask; a name such as ``secretKeyRef`` or ``DB_PASSWORD`` alone is no secret)."""
    return not may_hold_secret(text)


class ParseCache:
    """Pickled parses under ``<.git>/migrate/parse-cache/``; a no-op without a folder."""

    def __init__(self, folder: Path | None):
        self.folder = folder

    def key(self, path: str, text: str) -> str:
        return hashlib.sha256(f"{_VERSION}\0{path}\0{text}".encode()).hexdigest()

    def get(self, key: str) -> Any | None:
        if self.folder is None:
            return None
        try:
            return pickle.loads((self.folder / key[:2] / key[2:]).read_bytes())
        except Exception:  # missing, truncated or from another version of a library: parse again
            return None

    def put(self, key: str, value: Any) -> None:
        if self.folder is None:
            return
        target = self.folder / key[:2] / key[2:]
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            if len(data) > MAX_ENTRY:
                return
            self._bound()
            write_atomically(target, data)
        except (OSError, pickle.PicklingError, RecursionError):
            pass  # a read-only .git, a full disk: the cache is only an optimisation

    def _bound(self) -> None:
        """Once per process: evict the least recently used entries while the cache is over its size."""
        if getattr(self, "_bounded", False):
            return
        self._bounded = True
        evict_lru(self.folder, int(float(os.environ.get("MIGRATE_PARSE_CACHE_MB", 256)) * 1024 * 1024))

    def clear(self) -> int:
        """Remove every entry; how many there were."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        count = sum(1 for e in self.folder.glob("*/*") if e.is_file())
        shutil.rmtree(self.folder, ignore_errors=True)
        return count


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so a reader sees the old file or the whole new one (a temporary file beside
    it, then a rename); raises OSError."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temp, target)


def evict_lru(folder: Path, limit: int) -> None:
    """Remove the least recently used entries (``folder/xx/rest``) of an on-disk cache over ``limit`` bytes,
    down to 80 % of it."""
    entries = []
    for entry in folder.glob("*/*"):
        try:
            info = entry.stat()
        except OSError:
            continue   # removed meanwhile by another process
        entries.append((info.st_atime, info.st_size, entry))
    total = sum(size for _, size, _ in entries)
    for _, size, entry in sorted(entries):
        if total <= limit * 0.8:
            break
        entry.unlink(missing_ok=True)
        total -= size


def cache_for(root: Path | None) -> ParseCache:
    """The cache of the repository at ``root`` (None, a worktree without a .git folder, or
    MIGRATE_PARSE_CACHE=0: no cache)."""
    if root is None or os.environ.get("MIGRATE_PARSE_CACHE", "1") == "0":
        return ParseCache(None)
    return _cache_for(Path(root))


@lru_cache(maxsize=16)
def _cache_for(root: Path) -> ParseCache:
    git_dir = root / ".git"
    return ParseCache(git_dir / "migrate" / "parse-cache" if git_dir.is_dir() else None)
