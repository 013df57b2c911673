"""Secret redaction for display: the values of ``kind: Secret`` documents never shown.

The values of a ``kind: Secret`` document's ``data``/``stringData`` become ``<redacted>`` (or
``<redacted: changed>`` when the value differs from the old one), keeping line numbers.
Values are found line by line; where the text parses, every other line inside such a
section (flow style, quoted or complex keys, comments) is masked too, so no layout leaks. Values under
names that look secret (env entries, values keys, ``secretGenerator`` literals) are masked too; which
ones is ``roundtrip.secrets`` (the caches never keep a text holding one).
"""

from __future__ import annotations

import re
from typing import Iterator, Mapping

from ..errors import YamlError
from ..roundtrip import YamlFile
from ..roundtrip.lines import split_lines
from ..roundtrip.secrets import (MAYBE_SECRET_DOCUMENT, REDACTED, REDACTED_CHANGED, looks_secret,  # noqa: F401 (API)
                                 masked_names, secret_name_patterns)

_DOC_START = re.compile(r"^(---|\.\.\.)(\s|$)")
_SECRET_KIND = re.compile(r"""^kind:\s*["']?Secret["']?\s*(#.*)?$""")
_SECTION = re.compile(r"^(data|stringData):[ \t]*(.*?)\s*$")
_PROPERTIES = re.compile(r"^((&|!)\S*\s*)+(#.*)?$")   # only an anchor and/or tag: a block follows
_NAME = re.compile(r"""^\s+name:\s*["']?([^"'\s#]+)""")
_KEY = re.compile(r"""^(\s+)("[^"]*"|'[^']*'|[^\s:#][^:#]*?)\s*:(?:\s|$)""")


def redact_pair(before: str | None, after: str | None) -> tuple[str | None, str | None]:
    """Redact both sides; a value of ``after`` that differs from ``before``'s becomes
    ``<redacted: changed>`` (so the diff still shows that a secret changed, not its value)."""
    old_values = _secret_values(before) if before is not None else {}
    new_values = _secret_values(after) if after is not None else {}
    changed = {k for k, v in new_values.items() if before is not None and old_values.get(k) != v}
    old_lines = {line for _, line in _section_lines(before)} if before is not None else None
    masked_before = masked_names(_masked(before, set(), None), None)
    masked_after = masked_names(_masked(after, changed, old_lines), set(split_lines(before)) if before else None)
    return masked_before, masked_after


def secret_values_written(before: str | None, after: str | None) -> list[str]:
    """The raw text of each Secret value ``after`` has that ``before`` did not have as is."""
    old_values = _secret_values(before) if before is not None else {}
    new_values = _secret_values(after) if after is not None else {}
    return [v for k, v in new_values.items() if old_values.get(k) != v]


def _secret_values(text: str) -> dict[tuple, str]:
    """(secret ordinal, name, section, key) -> raw value text (key line rest + continuation lines)."""
    lines = split_lines(text)
    return {key: "".join(lines[i] for i in span) for key, span in _secret_spans(lines)}


def _masked(text: str | None, changed: set, old_lines: set[str] | None) -> str | None:
    """``text`` with Secret values masked; a line the value spans cannot name is marked changed
    when ``old_lines`` (the other side's section lines) lacks it."""
    if text is None:
        return None
    lines = split_lines(text)
    done = set()
    for key, indices in _secret_spans(lines):
        marker = REDACTED_CHANGED if key in changed else REDACTED
        for n, i in enumerate(indices):
            lines[i] = _mask_line(lines[i], _value_head(lines[i]) if n == 0 else None, marker)
            done.add(i)
    for i, line in _section_lines(text):
        if i not in done and line.strip() and not _is_header(line):
            changed_line = old_lines is not None and line not in old_lines
            lines[i] = _mask_line(line, None, REDACTED_CHANGED if changed_line else REDACTED)
    return "".join(lines)


def _mask_line(line: str, head: str | None, marker: str) -> str:
    ending = "\n" if line.endswith("\n") else ""
    indent = re.match(r"\s*", line).group(0)
    return f"{head if head is not None else indent}{marker}{ending}"


def _is_header(line: str) -> bool:
    """A plain ``data:``/``stringData:`` line (maybe with an anchor, tag or comment): no value on it."""
    section = _SECTION.match(line)
    rest = section.group(2) if section else ""
    return bool(section) and (not rest or rest.startswith("#") or bool(_PROPERTIES.match(rest)))


def _section_lines(text: str) -> list[tuple[int, str]]:
    """(index, line) of every line from a Secret's ``data``/``stringData`` key to the section's
    end, found by parsing (the safety net under the line-based spans); none if it does not parse."""
    if not MAYBE_SECRET_DOCUMENT.search(text):
        return []
    try:
        docs = YamlFile.parse(text, path="<redaction>").docs
    except YamlError:
        return []
    lines = split_lines(text)
    ends = [i for i, line in enumerate(lines) if _DOC_START.match(line)] + [len(lines)]
    found: set[int] = set()
    for doc in docs:
        if not isinstance(doc, Mapping) or doc.get("kind") != "Secret":
            continue
        starts = [doc.lc.key(k)[0] for k in doc]
        for n, key in enumerate(doc):
            if key not in ("data", "stringData"):
                continue
            end = next(e for e in ends if e > starts[n])
            later = [s for s in starts[n + 1:] if s > starts[n]]
            found.update(range(starts[n], end if doc.fa.flow_style() or not later else later[0]))
    return [(i, lines[i]) for i in sorted(found)]


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
            if not _is_header(lines[i]):
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
        if line.strip() and not line[0].isspace() and not line.startswith("#"):
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
