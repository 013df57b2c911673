"""Unified diffs of a step's changes, their hash, and Secret redaction for display.

``diff_files(old, new)`` is THE diff function: the engine hashes its output for the
``Migrate-Diff-Sha256`` trailer and recomputes it from the commit afterwards, so both sides
must come from here. Output is git-compatible (``git apply`` takes it): files sorted,
``--- a/<path>`` / ``+++ b/<path>`` headers, ``/dev/null`` for added and deleted files,
three lines of context, ``\\ No newline at end of file`` exactly where git prints it.

A deleted file and an added one are shown as a rename, the way ``git diff -M`` does (``diff --git``,
``similarity index``, ``rename from``/``rename to``, then the hunks if the content changed), when their
contents are equal or, for the same file name, at least half the lines are kept; empty files are never
paired (like git).

Displayed diffs (terminal, snapshots, reports) are made from redacted texts (``redact``).
"""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator, Mapping

from ..roundtrip.lines import split_lines, visible, whitespace_only
from .redact import redact_pair

NO_NEWLINE = "\\ No newline at end of file\n"
CONTEXT = 3


@dataclass(frozen=True)
class FileChange:
    """One changed file of a diff: ``status`` is A (added), M (modified), D (deleted) or R (renamed from
    ``source``, its lines counting what changed, as ``git diff -M --stat`` counts)."""

    path: str
    status: str
    added: int
    removed: int
    source: str | None = None

    def __str__(self) -> str:
        return f"{self.path} (from {self.source})" if self.source else self.path

    def to_dict(self) -> dict:
        return {"path": self.path, "status": self.status, "added": self.added, "removed": self.removed,
                **({"from": self.source} if self.source else {})}


def whitespace_changes(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> list[str]:
    """``path:line: old -> new`` for every changed line whose change is whitespace only, the whitespace made
    visible (a diff shows such a change as two lines that look the same)."""
    found = []
    for path in sorted(set(old) | set(new)):
        a, b = split_lines(old.get(path) or ""), split_lines(new.get(path) or "")
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "replace" and i2 - i1 == j2 - j1:
                found += [f"{path}:{j1 + k + 1}: {visible(x)} -> {visible(y)}"
                          for k, (x, y) in enumerate(zip(a[i1:i2], b[j1:j2])) if whitespace_only(x, y)]
    return found


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the diff ------------------------------------------------------------------------
def diff_files(old: Mapping[str, str | None], new: Mapping[str, str | None], *,
               redact: bool = False) -> str:
    """Unified diff from ``old`` to ``new`` contents (path -> text, None = absent), sorted by path."""
    return "".join(text for _, text in _file_diffs(old, new, redact))


def file_changes(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> list[FileChange]:
    """Status and line counts of each path that differs, sorted by path."""
    return [change for change, _ in _file_diffs(old, new, False)]


def _file_diffs(old, new, redact: bool) -> Iterator[tuple[FileChange, str]]:
    renamed = renames(old, new)
    sources = set(renamed.values())
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        if path in renamed:
            before = old.get(renamed[path])
        if redact:
            before, after = redact_pair(before, after)
        if path in sources:
            continue                                   # shown, and counted, with the file it became
        if path in renamed:
            change, text = _one_file(path, before, after, renamed[path])
            yield FileChange(path, "R", change.added, change.removed, renamed[path]), text
        else:
            change, text = _one_file(path, before, after)
            yield change, (_git_header(path, before, after) + text if renamed else text)


def _git_header(path: str, before: str | None, after: str | None) -> str:
    """The ``diff --git`` header git apply needs for every file of a patch that renames some."""
    mode = "new file mode 100644\n" if before is None else "deleted file mode 100644\n" if after is None else ""
    return f"diff --git a/{path} b/{path}\n{mode}"


def renames(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> dict[str, str]:
    """Added path -> the deleted path it was moved from (see module doc)."""
    deleted = sorted(p for p in old if old[p] and new.get(p) is None and p in new)
    added = sorted(p for p in new if new[p] and old.get(p) is None)
    if not deleted or not added:
        return {}
    by_content: dict[str, list[str]] = {}
    for path in deleted:
        by_content.setdefault(old[path], []).append(path)
    out, left = {}, set(deleted)
    for path in added:
        same = [p for p in by_content.get(new[path], []) if p in left]
        if same:
            source = min(same, key=lambda p: (posixpath.basename(p) != posixpath.basename(path), p))
            out[path] = source
            left.discard(source)
    for path in added:
        if path in out:
            continue
        named = [p for p in sorted(left) if posixpath.basename(p) == posixpath.basename(path)]
        scored = [(_similarity(old[p], new[path]), p) for p in named]
        best = max(scored, key=lambda sp: (sp[0], sp[1] == path), default=(0.0, ""))
        if best[0] >= 0.5:
            out[path] = best[1]
            left.discard(best[1])
    return out


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, split_lines(a), split_lines(b), autojunk=False).ratio()


def _one_file(path: str, before: str | None, after: str | None, source: str | None = None) -> tuple[FileChange, str]:
    a, b = split_lines(before or ""), split_lines(after or "")
    out = [f"--- {'a/' + path if before is not None else '/dev/null'}\n",
           f"+++ {'b/' + path if after is not None else '/dev/null'}\n"]
    if source is not None:
        similarity = int(SequenceMatcher(None, a, b, autojunk=False).ratio() * 100)
        out = [f"diff --git a/{source} b/{path}\n", f"similarity index {similarity}%\n",
               f"rename from {source}\n", f"rename to {path}\n"] + ([f"--- a/{source}\n", f"+++ b/{path}\n"]
                                                                   if before != after else [])
    added = removed = 0
    for group in SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(CONTEXT):
        out.append(f"@@ -{_range(group[0][1], group[-1][2])} +{_range(group[0][3], group[-1][4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_marked(" ", a[i1:i2]))
                continue
            out.extend(_marked("-", a[i1:i2]))
            out.extend(_marked("+", b[j1:j2]))
            removed, added = removed + i2 - i1, added + j2 - j1
    status = "A" if before is None else "D" if after is None else "M"
    return FileChange(path, status, added, removed), "".join(out)


def _range(start: int, stop: int) -> str:
    """A hunk range the way git and diff -u write it (``5``, ``5,3``, ``4,0``)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _marked(mark: str, lines: list[str]) -> Iterator[str]:
    for line in lines:
        yield mark + line if line.endswith("\n") else f"{mark}{line}\n{NO_NEWLINE}"
