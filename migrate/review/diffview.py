"""A unified diff as HTML: per file, per hunk, unified and side by side, changed words marked.

``parse(diff)`` reads the unified diff a step displays (``--- a/p``, ``+++ b/p``, ``@@`` hunks; Secret
values already redacted) into files of hunks of lines; ``file_html`` renders one file both ways (the
page's switch shows one). Paired removed/added lines get their differing characters marked, as code
review tools do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from html import escape

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass
class Line:
    kind: str                 # " ", "-", "+", "\\" (no newline at end of file)
    text: str
    old: int | None = None
    new: int | None = None


@dataclass
class Hunk:
    header: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class FileDiff:
    path: str
    status: str               # A, M, D; R: renamed (from ``source``), changed too when it has hunks
    hunks: list[Hunk] = field(default_factory=list)
    source: str | None = None

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for line in h.lines if line.kind == "+")

    @property
    def removed(self) -> int:
        return sum(1 for h in self.hunks for line in h.lines if line.kind == "-")


def parse(diff: str) -> list[FileDiff]:
    """The files of a unified diff, in order."""
    files: list[FileDiff] = []
    old = new = 0
    lines = diff.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("rename to ") and i > 0 and lines[i - 1].startswith("rename from "):
            files.append(FileDiff(line[len("rename to "):], "R", source=lines[i - 1][len("rename from "):]))
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            before, after = line[4:], lines[i + 1][4:]
            if files and files[-1].status == "R" and not files[-1].hunks and after == f"b/{files[-1].path}":
                i += 2
                continue
            status = "A" if before == "/dev/null" else "D" if after == "/dev/null" else "M"
            path = (after if status != "D" else before).removeprefix("b/").removeprefix("a/")
            files.append(FileDiff(path, status))
            i += 2
            continue
        match = _HUNK.match(line)
        if match and files:
            old, new = int(match[1]), int(match[2])
            files[-1].hunks.append(Hunk(line))
        elif files and files[-1].hunks:
            kind, text = (line[:1] or " "), line[1:]
            entry = Line(kind, text, old if kind in " -" else None, new if kind in " +" else None)
            old += kind in " -"
            new += kind in " +"
            files[-1].hunks[-1].lines.append(entry)
        i += 1
    return files


_TOKEN = re.compile(r"[\w.-]+|\s+|.")


def _marked(a: str, b: str) -> tuple[str, str]:
    """``a`` and ``b`` escaped, their differing words (host names, paths and numbers whole) wrapped in <mark>."""
    x, y = _TOKEN.findall(a), _TOKEN.findall(b)
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    if matcher.ratio() < 0.3:
        return escape(a), escape(b)
    left, right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(escape("".join(x[i1:i2])))
            right.append(escape("".join(y[j1:j2])))
            continue
        if i2 > i1:
            left.append(f"<mark>{escape(''.join(x[i1:i2]))}</mark>")
        if j2 > j1:
            right.append(f"<mark>{escape(''.join(y[j1:j2]))}</mark>")
    return "".join(left), "".join(right)


def _rows(hunk: Hunk):
    """(removed, added) pairs of a hunk for side by side: context lines pair with themselves."""
    lines, i = hunk.lines, 0
    while i < len(lines):
        if lines[i].kind not in "-+":
            yield lines[i], lines[i]
            i += 1
            continue
        removed, added = [], []
        while i < len(lines) and lines[i].kind == "-":
            removed.append(lines[i])
            i += 1
        while i < len(lines) and lines[i].kind == "+":
            added.append(lines[i])
            i += 1
        for k in range(max(len(removed), len(added))):
            yield (removed[k] if k < len(removed) else None), (added[k] if k < len(added) else None)


_CLASS = {" ": "ctx", "-": "del", "+": "add", "\\": "meta"}


def _texts(left: Line | None, right: Line | None) -> tuple[str, str]:
    if left is not None and right is not None and left.kind == "-" and right.kind == "+":
        return _marked(left.text, right.text)
    return (escape(left.text) if left else ""), (escape(right.text) if right else "")


def _num(n: int | None) -> str:
    return "" if n is None else str(n)


def unified_html(file: FileDiff) -> str:
    rows = []
    for hunk in file.hunks:
        rows.append(f'<tr class="hunk"><td class="n"></td><td class="n"></td><td>{escape(hunk.header)}</td></tr>')
        marked = {}
        for left, right in _rows(hunk):
            if left is not None and right is not None and left is not right:
                marked[id(left)], marked[id(right)] = _texts(left, right)
        for line in hunk.lines:
            text = marked.get(id(line)) or escape(line.text)
            rows.append(f'<tr class="{_CLASS.get(line.kind, "ctx")}"><td class="n">{_num(line.old)}</td>'
                        f'<td class="n">{_num(line.new)}</td><td><span class="mk">{escape(line.kind)}</span>'
                        f'{text}</td></tr>')
    return ('<table class="diff unified"><colgroup><col class="n"><col class="n"><col></colgroup>' + "".join(rows)
            + "</table>")


def split_html(file: FileDiff) -> str:
    rows = []
    for hunk in file.hunks:
        rows.append(f'<tr class="hunk"><td class="n"></td><td colspan="3">{escape(hunk.header)}</td></tr>')
        for left, right in _rows(hunk):
            lt, rt = _texts(left, right)
            lc = _CLASS[left.kind] if left else "empty"
            rc = _CLASS[right.kind] if right else "empty"
            rows.append(f'<tr><td class="n {lc}">{_num(left.old) if left else ""}</td><td class="{lc}">{lt}</td>'
                        f'<td class="n {rc}">{_num(right.new) if right else ""}</td><td class="{rc}">{rt}</td></tr>')
    return ('<table class="diff split"><colgroup><col class="n"><col><col class="n"><col></colgroup>' + "".join(rows)
            + "</table>")


def file_html(file: FileDiff, open_: bool = True) -> str:
    """One file's diff, both views (the page shows one), headed by its status, path and line counts."""
    return (f'<details class="file"{" open" if open_ else ""}><summary><span class="st st-{file.status}">'
            f'{file.status}</span> <code>{escape(file.path)}</code>'
            f'{f" (renamed from <code>{escape(file.source)}</code>)" if file.source else ""} <span class="cnt"><span class="a">+{file.added:,}'
            f'</span> <span class="r">−{file.removed:,}</span></span></summary>'
            f'<div class="view-unified">{unified_html(file)}</div><div class="view-split">{split_html(file)}</div>'
            "</details>")
