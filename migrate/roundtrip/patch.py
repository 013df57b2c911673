"""The minimal text patch: an edit applied to the original text, not to its re-emission.

``patch(original, before, after)``: ``before`` is the re-emission of ``original``, ``after``
that of the edited documents. The hunks of before -> after are applied to ``original``, whose
lines are aligned to ``before`` with difflib; lines outside the edited hunks keep their
original bytes, so a file that does not re-emit exactly can still be edited safely.
"""

from __future__ import annotations

import difflib
from typing import Iterator

from .lines import line_keys, split_lines


def patch(original: str, before: str, after: str) -> str:
    """Apply the changes ``before`` -> ``after`` to ``original`` (``before`` is the re-emission of
    ``original``): lines outside the changed hunks keep their original bytes."""
    if before == original:
        return after
    old, new, orig = split_lines(before), split_lines(after), split_lines(original)
    ops = difflib.SequenceMatcher(None, line_keys(old), line_keys(new), autojunk=False).get_opcodes()
    edits = [op for op in ops if op[0] != "equal"]
    dirty = [False] * len(old)
    for _, i1, i2, _, _ in edits:
        dirty[i1:i2] = [True] * (i2 - i1)
    low, high = _positions(ops, len(old))
    out: list[str] = []
    inserted: set[int] = set()
    run: int | None = None  # start (line of `before`) of the changed run being collected

    def flush(end: int) -> None:
        nonlocal run
        if run is not None:
            out.extend(new[high[run] if run in inserted else low[run]:high[end]])
            inserted.add(end)
            run = None

    if low[0] != high[0]:  # lines inserted at the very top
        out.extend(new[low[0]:high[0]])
        inserted.add(0)
    for o1, o2, b1, b2 in _chunks(orig, old):
        if b1 == b2:  # original lines the re-emission does not have
            if not any(i1 < b1 < i2 for _, i1, i2, _, _ in edits):
                flush(b1)
                out.extend(orig[o1:o2])
        elif any(dirty[b1:b2]):
            run = b1 if run is None else run
        else:
            flush(b1)
            out.extend(orig[o1:o2])
            if b2 not in inserted and low[b2] != high[b2]:
                out.extend(new[low[b2]:high[b2]])
                inserted.add(b2)
    flush(len(old))
    return _join(out, original)


def _positions(ops: list[tuple], size: int) -> tuple[list[int], list[int]]:
    """For each line boundary of ``before``: first and last matching position in ``after``."""
    low, high = [0] * (size + 1), [0] * (size + 1)
    seen = [False] * (size + 1)
    for tag, i1, i2, j1, j2 in ops:
        points = [(i1 + k, j1 + k) for k in range(i2 - i1 + 1)] if tag == "equal" else [(i1, j1), (i2, j2)]
        for i, j in points:
            low[i], high[i] = (min(low[i], j), max(high[i], j)) if seen[i] else (j, j)
            seen[i] = True
    return low, high


def _chunks(orig: list[str], old: list[str]) -> Iterator[tuple[int, int, int, int]]:
    """Align original lines to re-emitted ones: single lines where they correspond one to one
    (equal, or changed in place), else whole blocks (o1, o2, b1, b2)."""
    ops = difflib.SequenceMatcher(None, line_keys(orig), line_keys(old), autojunk=False).get_opcodes()
    for tag, o1, o2, b1, b2 in ops:
        if tag == "equal" or o2 - o1 == b2 - b1:
            yield from ((o1 + k, o1 + k + 1, b1 + k, b1 + k + 1) for k in range(o2 - o1))
        else:
            yield o1, o2, b1, b2


def _join(lines: list[str], original: str) -> str:
    """Concatenate lines, ending each in the original's line ending; final newline as the original."""
    ending = "\r\n" if original.count("\r\n") * 2 > original.count("\n") else "\n"
    text = "".join(line if line.endswith("\n") else line + ending for line in lines)
    if not original.endswith("\n") and text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    return text

