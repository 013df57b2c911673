"""Earlier versions of a file, derived from its final (designed) text.

The file texts are written once, in their final form. A file that the history builds up in
steps is described by *edits*: each edit is a list of (text in the final version, text it
replaced). ``stages(final, e1, e2)`` gives ``[before e1, after e1, after e2 = final]``.
"""

from __future__ import annotations

Edit = tuple[tuple[str, str], ...]


def cut(text: str, start: str, until: str) -> str:
    """The part of ``text`` from ``start`` up to (not including) the next ``until``."""
    begin = text.index(start)
    return text[begin:text.index(until, begin + len(start))]


def removed(text: str, start: str, until: str) -> Edit:
    """An edit that added the part of ``text`` from ``start`` up to ``until``."""
    return ((cut(text, start, until), ""),)


def undo(text: str, edit: Edit) -> str:
    """``text`` with ``edit`` undone (each new fragment back to what it replaced)."""
    for new, old in edit:
        if new not in text:
            raise AssertionError(f"example history: fragment not found: {new[:60]!r}")
        text = text.replace(new, old, 1)
    return text


def stages(final: str, *edits: Edit) -> list[str]:
    """Texts before the first edit, after each edit in turn; the last one is ``final``."""
    texts = [final]
    for edit in reversed(edits):
        texts.insert(0, undo(texts[0], edit))
    return texts
