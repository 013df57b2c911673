"""Write new YAML files in the style of existing ones, and read a source's comment lines.

``Layout.of(text)`` detects how a file indents mappings and block sequences (``- item``
flush with its key, or indented); ``Layout.dump(data)`` writes plain data (dicts, lists,
scalars; quoted scalars keep their quotes) that way — e.g. ``plain(node, keep_styles=True)``.
``leading_comments`` and ``comments_above`` read the comment lines a reviewer sees in a
source file, so new files can keep the ones every source shares.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from ruamel.yaml import YAML

_BLOCK_KEY = re.compile(r"^( *)(?!- )[^\s#][^#]*?:\s*(#.*)?$")   # `key:` opening a block
_ITEM = re.compile(r"^ *- ")


@dataclass(frozen=True)
class Layout:
    """How a file indents: ``mapping`` spaces per level, sequence dashes ``offset`` spaces
    right of their parent key (0: ``- item`` flush with the key)."""

    mapping: int = 2
    offset: int = 0

    @classmethod
    def of(cls, text: str) -> "Layout":
        """The most common mapping indent and dash offset of ``text``'s blocks."""
        maps: Counter = Counter()
        seqs: Counter = Counter()
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        for line, following in zip(lines, lines[1:]):
            match = _BLOCK_KEY.match(line)
            if not match:
                continue
            step = _indent(following) - len(match.group(1))
            if _ITEM.match(following) and step >= 0:
                seqs[step] += 1
            elif step > 0:
                maps[step] += 1
        return cls(maps.most_common(1)[0][0] if maps else 2, seqs.most_common(1)[0][0] if seqs else 0)

    def dump(self, data: Any) -> str:
        """``data`` as YAML text in this layout (no document marker, final newline)."""
        yaml = YAML()
        yaml.width = 1 << 30
        yaml.indent(mapping=self.mapping, sequence=self.offset + 2, offset=self.offset)
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()

    def nested(self, key: str, value: Any, depth: int = 1) -> list[str]:
        """``key: value`` dumped as lines indented ``depth`` levels (to sit under a parent key)."""
        pad = " " * (self.mapping * depth)
        return [pad + line if line else line for line in self.dump({key: value}).splitlines()]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# --- comment lines of a source -----------------------------------------------------------------
def leading_comments(text: str) -> list[str]:
    """The comment lines at the top of a file, before its first content line."""
    out = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            out.append(line.strip())
        elif line.strip():
            break
    return out


def comments_above(text: str, line: int) -> tuple[list[str], bool]:
    """The comment lines right above 1-based ``line`` (stripped), and whether a blank line
    precedes them (the key starts a group)."""
    lines = text.splitlines()
    index, comments = line - 2, []
    while index >= 0 and lines[index].strip().startswith("#"):
        comments.insert(0, lines[index].strip())
        index -= 1
    return comments, index >= 0 and not lines[index].strip()


def shared(lists: Iterable[list[str]]) -> list[str]:
    """The lines present in every list, in the first list's order."""
    lists = list(lists)
    return [line for line in lists[0] if all(line in other for other in lists[1:])] if lists else []


def wrap_comment(text: str, width: int = 100, indent: str = "") -> list[str]:
    """``text`` as ``# ...`` comment lines of at most about ``width`` characters."""
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(indent) + 2 + len(current) + 1 + len(word) > width:
            lines.append(current)
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return [f"{indent}# {line}" for line in lines]
