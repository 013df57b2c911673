"""``Tree``: the files git tracks in a repository, read lazily, with in-memory edits on top.

Everything that reads the repository (inventory, graph, verification) reads a ``Tree``, so
that a step can be planned and verified on an edited copy in memory before anything is
written to disk. ``Tree.from_repo`` lists the tracked files (``git ls-files``) and reads their
working-tree content on first use; ``Tree.from_commit`` reads the blobs of a commit;
``tree.with_changes({...})`` returns a new Tree with files replaced, added (text) or removed
(``None``).
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..errors import RepoError
from .git import cat_file_batch, git_toplevel, index_blobs
from .paths import normpath


def _decoded_names(listing: bytes) -> tuple[list[str], list[str]]:
    """Tracked paths from ``git ls-files -z`` output, and the ones whose name is not UTF-8 (shown with
    their bytes escaped: they are named as skipped, never read)."""
    paths, skipped = [], []
    for raw in listing.split(b"\0"):
        if not raw:
            continue
        try:
            paths.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            skipped.append(f"{raw.decode('utf-8', 'backslashreplace')}: its name is not UTF-8, so it is not read")
    return paths, skipped


def _unreadable(top: Path, real_top: Path, path: str) -> str | None:
    """Why a tracked file is not read (None: it is read; "": deleted in the work tree, not a file at all)."""
    target = top / path
    try:
        mode = os.lstat(target).st_mode     # one system call for the common case, a regular file
    except OSError:
        return ""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        if real_top not in target.resolve().parents:
            return "a symbolic link out of the repository: never read"
        if not target.exists():
            return "a symbolic link to nothing"
        mode = target.stat().st_mode
    if not stat.S_ISREG(mode):     # a FIFO, a socket, a device: reading one could block or never end
        return "not a regular file (a pipe, socket or device): never read" if not stat.S_ISDIR(mode) else ""
    return None


class Tree:
    """Tracked files of a repository (working-tree content) plus an overlay of edits.

    ``reader`` reads one base file's bytes; by default the working-tree file under ``root``
    (``Tree.from_commit`` reads blobs of a commit instead).
    """

    def __init__(self, root: Path | None, paths: Iterable[str], overlay: Mapping[str, str | None] | None = None,
                 cache: dict[str, str] | None = None, reader: Callable[[str], bytes] | None = None,
                 digests: dict[str, bytes] | None = None):
        self.root = Path(root) if root is not None else None
        self._base_paths = frozenset(paths)
        self._overlay: dict[str, str | None] = dict(overlay or {})
        self._cache: dict[str, str] = cache if cache is not None else {}
        self._digests: dict[str, bytes] = digests if digests is not None else {}   # base files' sha256
        self._reader = reader or self._read_working_file
        self._on_disk = reader is None or getattr(reader, "__func__", None) is Tree._read_working_file
        self._paths: list[str] | None = None
        self.skipped: list[str] = []     # "path: why" of tracked files not read (odd names, links out, pipes)

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_repo(cls, root: Path | str) -> "Tree":
        top = git_toplevel(Path(root))
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached"], cwd=top, capture_output=True
        )
        if proc.returncode != 0:
            raise RepoError(f"git ls-files failed in {top}: {proc.stderr.decode(errors='replace').strip()}")
        paths, skipped = _decoded_names(proc.stdout)
        if not paths and not skipped:
            raise RepoError(f"the repository at {top} tracks no files (empty repository?)")
        # A tracked file deleted in the working tree is not part of the tree; neither is one
        # reached through a symbolic link that leaves the repository (never read outside it).
        real_top = top.resolve()
        readable = []
        for path in paths:
            reason = _unreadable(top, real_top, path)
            if reason is None:
                readable.append(path)
            elif reason:
                skipped.append(f"{path}: {reason}")
        tree = cls(top, readable)
        tree.skipped = skipped
        return tree

    @classmethod
    def from_commit(cls, root: Path | str, rev: str) -> "Tree":
        """The files of commit ``rev`` (blobs, not the working tree); read in one batch on first use."""
        top = git_toplevel(Path(root))
        proc = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", rev], cwd=top, capture_output=True)
        if proc.returncode != 0:
            raise RepoError(f"no commit {rev!r} in {top}: {proc.stderr.decode(errors='replace').strip()}")
        blob_ids: dict[str, str] = {}
        for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
            meta, _, path = entry.partition("\t")
            if meta.split(" ")[1:2] == ["blob"]:
                blob_ids[path] = meta.split(" ")[2]
        return cls(top, blob_ids, reader=_BlobReader(top, blob_ids))

    @classmethod
    def from_files(cls, files: Mapping[str, str]) -> "Tree":
        """An in-memory tree (tests, generated repos)."""
        return cls(None, [], overlay=dict(files))

    def with_changes(self, changes: Mapping[str, str | None]) -> "Tree":
        overlay = dict(self._overlay)
        for path, text in changes.items():
            overlay[normpath(path)] = text
        tree = Tree(self.root, self._base_paths, overlay, self._cache, self._reader, self._digests)
        tree.skipped = self.skipped
        return tree

    # -- reading ------------------------------------------------------------------
    def paths(self) -> list[str]:
        """Every file path, sorted."""
        if self._paths is None:
            s = set(self._base_paths)
            for p, text in self._overlay.items():
                if text is None:
                    s.discard(p)
                else:
                    s.add(p)
            self._paths = sorted(s)
        return self._paths

    def exists(self, path: str) -> bool:
        path = normpath(path)
        if path in self._overlay:
            return self._overlay[path] is not None
        return path in self._base_paths

    def is_dir(self, path: str) -> bool:
        """True if some file lives below ``path``."""
        prefix = normpath(path)
        if prefix == "":
            return True
        prefix += "/"
        return any(p.startswith(prefix) for p in self.paths())

    def listdir(self, folder: str) -> list[str]:
        """Files (recursively) below ``folder``."""
        prefix = normpath(folder)
        if prefix == "":
            return list(self.paths())
        prefix += "/"
        return [p for p in self.paths() if p.startswith(prefix)]

    def read_text(self, path: str) -> str:
        path = normpath(path)
        if path in self._overlay:
            text = self._overlay[path]
            if text is None:
                raise FileNotFoundError(path)
            return text
        if path not in self._base_paths:
            raise FileNotFoundError(path)
        if path not in self._cache:
            self._cache[path] = self._reader(path).decode("utf-8")
        return self._cache[path]

    def read_bytes(self, path: str) -> bytes:
        """The file's bytes (an edited file: its text, UTF-8 encoded); works for binary files too."""
        path = normpath(path)
        if path in self._overlay:
            text = self._overlay[path]
            if text is None:
                raise FileNotFoundError(path)
            return text.encode("utf-8")
        if path not in self._base_paths:
            raise FileNotFoundError(path)
        if path in self._cache:
            return self._cache[path].encode("utf-8")
        return self._reader(path)

    def digest(self, path: str) -> bytes:
        """sha256 of the file's bytes; a base file's is computed once for this tree and every tree made from
        it with ``with_changes`` (they share its unedited files)."""
        if path not in self._overlay and path in self._digests:    # a normalised path seen before: no normpath
            return self._digests[path]
        path = normpath(path)
        if path in self._overlay:
            return hashlib.sha256(self.read_bytes(path)).digest()
        if path not in self._digests:
            self._digests[path] = hashlib.sha256(self.read_bytes(path)).digest()
        return self._digests[path]

    def signature(self) -> str | None:
        """A hash naming the content of every file of this tree (and which files it has): each file's git blob
        id, the index's for a file git says is unchanged (nothing read), computed from the bytes for any other
        (a file touched but not changed names the same content). None when git cannot say (no repository)."""
        blobs = index_blobs(self.root) if self.root is not None and self._on_disk else None
        if blobs is None:
            return None
        found = hashlib.sha256()
        for path in self.paths():
            blob = None if path in self._overlay else blobs.get(path)
            if blob is None:
                data = self.read_bytes(path)
                blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            found.update(f"{path}\0{blob}\0".encode("utf-8", "surrogateescape"))
        return found.hexdigest()

    @property
    def on_disk(self) -> bool:
        """Whether the base files are a working tree's (not a commit's blobs, not files in memory)."""
        return self._on_disk and self.root is not None

    def working_file(self, path: str) -> Path | None:
        """Where the file's current content is on disk (an unedited file of a working tree), else None."""
        path = normpath(path)
        if path in self._overlay or path not in self._base_paths or not self._on_disk or self.root is None:
            return None
        return self.root / path

    def _read_working_file(self, path: str) -> bytes:
        assert self.root is not None
        return (self.root / path).read_bytes()

    def changes(self) -> dict[str, str | None]:
        """The overlay: path -> new text, or None for a removed file."""
        return dict(self._overlay)


class _BlobReader:
    """Reads the blobs of one commit: all of them in one ``git cat-file --batch`` on first use."""

    def __init__(self, root: Path, blob_ids: Mapping[str, str]):
        self._root = root
        self._ids = dict(blob_ids)
        self._blobs: dict[str, bytes] | None = None

    def __call__(self, path: str) -> bytes:
        if self._blobs is None:
            paths = sorted(self._ids)
            contents = cat_file_batch(self._root, [self._ids[p] for p in paths])
            self._blobs = {p: c or b"" for p, c in zip(paths, contents)}
        return self._blobs[path]
