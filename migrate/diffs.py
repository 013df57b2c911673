"""Unified diffs of a step's changes, their hash, and Secret redaction for display.

``diff_files(old, new)`` is THE diff function: the engine hashes its output for the
``Migrate-Diff-Sha256`` trailer and recomputes it from the commit afterwards, so both sides
must come from here. Output is git-compatible (``git apply`` takes it): files sorted,
``--- a/<path>`` / ``+++ b/<path>`` headers, ``/dev/null`` for added and deleted files,
three lines of context, ``\\ No newline at end of file`` exactly where git prints it.

Displayed diffs (terminal, snapshots, reports) are made from redacted texts: the values
of a ``kind: Secret`` document's ``data``/``stringData`` become ``<redacted>`` (or
``<redacted: changed>`` when the value differs from the old one), keeping line numbers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Iterator, Mapping

NO_NEWLINE = "\\ No newline at end of file\n"
REDACTED = "<redacted>"
REDACTED_CHANGED = "<redacted: changed>"
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


def split_lines(text: str) -> list[str]:
    """Lines of ``text``, each keeping its ``\\n`` (the last may lack it). Only ``\\n`` splits."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


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


# --- Secret redaction ------------------------------------------------------------------
_DOC_START = re.compile(r"^(---|\.\.\.)(\s|$)")
_SECRET_KIND = re.compile(r"""^kind:\s*["']?Secret["']?\s*(#.*)?$""")
_SECTION = re.compile(r"^(data|stringData):[ \t]*(.*?)\s*$")
_NAME = re.compile(r"""^\s+name:\s*["']?([^"'\s#]+)""")
_KEY = re.compile(r"""^(\s+)("[^"]*"|'[^']*'|[^\s:#][^:#]*?)\s*:(?:\s|$)""")


def redact_pair(before: str | None, after: str | None) -> tuple[str | None, str | None]:
    """Redact both sides; a value of ``after`` that differs from ``before``'s becomes
    ``<redacted: changed>`` (so the diff still shows that a secret changed, not its value)."""
    old_values = _secret_values(before) if before is not None else {}
    new_values = _secret_values(after) if after is not None else {}
    changed = {k for k, v in new_values.items() if before is not None and old_values.get(k) != v}
    return _masked(before, set()), _masked(after, changed)


def _secret_values(text: str) -> dict[tuple, str]:
    """(secret ordinal, name, section, key) -> raw value text (key line rest + continuation lines)."""
    lines = split_lines(text)
    return {key: "".join(lines[i] for i in span) for key, span in _secret_spans(lines)}


def _masked(text: str | None, changed: set) -> str | None:
    if text is None:
        return None
    lines = split_lines(text)
    for key, indices in _secret_spans(lines):
        marker = REDACTED_CHANGED if key in changed else REDACTED
        for n, i in enumerate(indices):
            ending = "\n" if lines[i].endswith("\n") else ""
            head = _value_head(lines[i]) if n == 0 else re.match(r"\s*", lines[i]).group(0)
            lines[i] = f"{head}{marker}{ending}"
    return "".join(lines)


def _value_head(line: str) -> str:
    """The part of a ``key: value`` (or ``data: {..}``) line before the value, ending in ``: ``."""
    match = _KEY.match(line) or re.match(r"^(data|stringData)\s*:", line)
    return match.group(0).rstrip() + " "


def _secret_spans(lines: list[str]) -> Iterator[tuple[tuple, list[int]]]:
    """Each Secret value: its identity and the line indices it spans (key line first)."""
    for ordinal, (start, stop) in enumerate(_secret_documents(lines)):
        name = _document_name(lines, start, stop)
        for i in range(start, stop):
            section = _SECTION.match(lines[i])
            if not section:
                continue
            if section.group(2) and not section.group(2).startswith("#"):
                yield (ordinal, name, section.group(1), None), [i]
                continue
            for key, span in _section_values(lines, i + 1, stop):
                yield (ordinal, name, section.group(1), key), span


def _secret_documents(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(start, stop) line ranges of the YAML documents that are ``kind: Secret``."""
    bounds = [i for i, line in enumerate(lines) if _DOC_START.match(line)]
    for start, stop in zip([0, *bounds], [*bounds, len(lines)]):
        if any(_SECRET_KIND.match(line) for line in lines[start:stop]):
            yield start, stop


def _document_name(lines: list[str], start: int, stop: int) -> str | None:
    for i in range(start, stop):
        if lines[i].startswith("metadata:"):
            for j in range(i + 1, stop):
                if lines[j].strip() and not lines[j][0].isspace():
                    break
                match = _NAME.match(lines[j])
                if match and len(lines[j]) - len(lines[j].lstrip()) == _indent_of(lines, i + 1, stop):
                    return match.group(1)
    return None


def _indent_of(lines: list[str], start: int, stop: int) -> int:
    """Indentation of the first non-blank line in ``lines[start:stop]``."""
    for line in lines[start:stop]:
        if line.strip():
            return len(line) - len(line.lstrip())
    return 0


def _section_values(lines: list[str], start: int, stop: int) -> Iterator[tuple[str, list[int]]]:
    """The entries of a block mapping that starts at ``start``: (key, line indices). Every
    line indented deeper than the keys belongs to the value above it (comments included:
    inside a block scalar they are content)."""
    indent = _indent_of(lines, start, stop)
    key, span = None, []
    for i in range(start, stop):
        line = lines[i]
        if line.strip() and not line[0].isspace():
            break
        depth = len(line) - len(line.lstrip())
        match = _KEY.match(line)
        if line.strip() and depth == indent and match:
            if key is not None:
                yield key, span
            key, span = match.group(2).strip("\"'"), [i]
        elif line.strip() and depth > indent and key is not None:
            span.append(i)
    if key is not None:
        yield key, span
