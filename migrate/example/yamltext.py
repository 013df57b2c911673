"""Tiny helpers to assemble literal YAML text (the file texts stay hand-written templates).

They only place lines: a sequence item under a given indent, a list of such items, a
block indented under a key. Quoting, comments and blank lines are the templates' business.
"""

from __future__ import annotations

from typing import Iterable


def seq_pad(flush: bool) -> str:
    """Extra indentation of sequence items under their parent key: flush ("") or by two."""
    return "" if flush else "  "


def item(pad: str, text: str) -> str:
    """One sequence item: ``pad + "- "`` before the first line of ``text``, the rest aligned under it."""
    first, *rest = text.split("\n")
    lines = [f"{pad}- {first}"] + [f"{pad}  {line}" if line else "" for line in rest]
    return "\n".join(lines)


def items(pad: str, texts: Iterable[str]) -> str:
    """Several sequence items, one after the other."""
    return "\n".join(item(pad, text) for text in texts)


def indent(text: str, pad: str) -> str:
    """Every non-empty line of ``text`` indented by ``pad``."""
    return "\n".join(f"{pad}{line}" if line else "" for line in text.split("\n"))
