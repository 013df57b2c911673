"""Framing: a YAML stream cut into documents at its column-0 ``---`` / ``...`` lines.

Each document keeps its framing text verbatim — leading comments and blank lines (also those
before the first ``---``), the ``---`` line with its comment, the ``...`` line and what follows
it — so that only the body is handed to the parser and the framing can be written back as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"(---|\.\.\.)(?=[ \t]|$)")
BOM = "\ufeff"   # a UTF-8 byte order mark: kept in front of the text, never parsed


# --- parsing ---------------------------------------------------------------------------------
@dataclass
class Segment:
    """One document of a stream: framing text kept verbatim around the parsed body."""

    head: str = ""   # leading comment/blank lines, directives, the `---` line
    body: str = ""   # the document content handed to ruamel
    tail: str = ""   # the `...` line and comment lines after it
    start: int = 0   # 0-based line number of the body's first line




def split_stream(lines: list[str]) -> list[Segment]:
    """Cut a text (lines with their ``\\n``) into documents at the column-0 ``---``/``...`` lines."""
    segments: list[Segment] = []
    pending: list[str] = []          # framing lines not yet given to a document
    current: Segment | None = None  # the open document
    body: list[str] = []

    def close(tail: str = "") -> None:
        current.body, current.tail = "".join(body), tail
        segments.append(current)

    for number, line in enumerate(lines):
        marker = MARKER.match(line)
        if marker and marker.group(1) == "---":
            if current is not None:
                close()
            rest = line[3:].strip()
            if rest and not rest.startswith("#"):  # `--- !tag` / `--- |`: content on the marker line
                current, body = Segment(head="".join(pending), start=number), ["   " + line[3:]]
            else:
                current, body = Segment(head="".join(pending) + line, start=number + 1), []
            pending = []
        elif marker:
            if current is not None:
                close(line)
                current = None
            else:
                pending.append(line)
        elif current is None:
            if _is_framing(line):
                pending.append(line)
            else:
                current, pending, body = Segment(head="".join(pending), start=number), [], [line]
        elif not body and _is_framing(line):
            current.head += line
            current.start = number + 1
        else:
            body.append(line)
    if current is not None:
        close()
    if pending:
        if segments:
            segments[-1].tail += "".join(pending)
        else:
            segments.append(Segment(head="".join(pending)))
    return segments


def _is_framing(line: str) -> bool:
    """A blank line, comment or directive: text that may stand outside a document body."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#") or line.startswith("%")

