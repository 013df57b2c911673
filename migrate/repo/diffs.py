"""Unified diffs of a step's changes, their hash, and Secret redaction for display.

``diff_files(old, new)`` is THE diff function: the engine hashes its output for the
``Migrate-Diff-Sha256`` trailer and recomputes it from the commit afterwards, so both sides
must come from here. Output is git-compatible (``git apply`` takes it): files sorted,
``--- a/<path>`` / ``+++ b/<path>`` headers, ``/dev/null`` for added and deleted files,
three lines of context, ``\\ No newline at end of file`` exactly where git prints it.

Displayed diffs (terminal, snapshots, reports) are made from redacted texts (``redact``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator, Mapping

from ..roundtrip.lines import split_lines, visible, whitespace_only
from .redact import redact_pair

NO_NEWLINE = "\\ No newline at end of file\n"
CONTEXT = 3


@dataclass(frozen=True)
class FileChange:
    """One changed file of a diff: ``status`` is A (added), M (modified) or D (deleted)."""

    path: str
    status: str
    added: int
    removed: int

    def to_dict(self) -> dict:
        return {"path": self.path, "status": self.status, "added": self.added, "removed": self.removed}


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
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        if redact:
            before, after = redact_pair(before, after)
        yield _one_file(path, before, after)


def _one_file(path: str, before: str | None, after: str | None) -> tuple[FileChange, str]:
    a, b = split_lines(before or ""), split_lines(after or "")
    out = [f"--- {'a/' + path if before is not None else '/dev/null'}\n",
           f"+++ {'b/' + path if after is not None else '/dev/null'}\n"]
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
