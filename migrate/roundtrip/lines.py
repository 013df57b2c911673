"""Lines of a text, split at ``\n`` only (not at form feeds, U+2028...), each keeping its ending."""

from __future__ import annotations

import re
from difflib import SequenceMatcher


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with their ``\n`` (the last one may lack it). Only ``\n`` splits."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def line_keys(lines: list[str]) -> list[str]:
    """Lines without their endings (``\n`` or ``\r\n``), to align texts whatever their line endings."""
    return [line.rstrip("\r\n") for line in lines]


def keep_trailing_whitespace(original: str, emitted: str) -> str:
    """``emitted`` with the whitespace ``original`` had that the emitter drops or changes, where the two say
    the same: spaces after values, spaces on blank lines, blank lines holding only spaces (dropped whole
    by the emitter), and the line breaks and spacing of lines that differ in whitespace only (a plain
    scalar folded over lines, a flow collection spread over lines or aligned with spaces). Callers
    re-parse what they write (``YamlFile._checked``), so a difference that is not layout never slips
    through."""
    if emitted == original:
        return original
    old, new = split_lines(original), split_lines(emitted)
    old_keys, new_keys = [line.rstrip() for line in old], [line.rstrip() for line in new]
    if old_keys == new_keys:
        return original
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            out += old[i1:i2]
        elif tag == "delete" and all(not k for k in old_keys[i1:i2]) and any(line.strip("\r\n") for line in
                                                                            old[i1:i2]):
            out += old[i1:i2]          # lines of spaces only: the emitter dropped them
        elif tag == "replace":
            out += _relayout(old[i1:i2], new[j1:j2])
        else:
            out += new[j1:j2]
    for i in range(len(out) - 1):        # a line taken from one text followed by one from the other
        if not out[i].endswith("\n"):
            out[i] += "\r\n" if original.count("\r\n") and original.count("\r\n") == original.count("\n") else "\n"
    text = "".join(out)
    ends = original.endswith("\n")
    return text.rstrip("\r\n") if not ends and text.endswith("\n") else text


def _relayout(old: list[str], new: list[str]) -> list[str]:
    """``new``, except that each run of its lines saying what a run of ``old`` lines says (the same text laid
    out differently: a folded scalar, a flow collection over lines or aligned) is ``old``'s run."""
    out: list[str] = []
    i = j = 0
    while i < len(old) and j < len(new):
        a, b = i + 1, j + 1
        mine, theirs = _spacing(old[i:a]), _spacing(new[j:b])
        while mine != theirs:
            if theirs.startswith(mine.rstrip(",")) and a < len(old):
                a += 1
                mine = _spacing(old[i:a])
            elif mine.startswith(theirs.rstrip(",")) and b < len(new):
                b += 1
                theirs = _spacing(new[j:b])
            else:
                break
        if mine == theirs:
            out += old[i:a]
            i, j = a, b
        else:                           # a real change: the emitted line replaces the original one
            out.append(new[j])
            i, j = i + 1, j + 1
    return out + new[j:]


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _spacing(lines: list[str]) -> str:
    """Lines without what layout alone changes: whitespace, a flow collection's trailing comma, an empty
    value spelled ``: null`` in a flow mapping (``{a}``), a ``\\uXXXX`` escape of a character."""
    text = re.sub(r"\s+", "", "".join(lines))
    text = re.sub(r",(?=[\]}])", "", text).replace(":null}", "}").replace(":null,", ",")
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def visible(line: str) -> str:
    """A line with its whitespace made visible: ``·`` a space, ``→`` a tab, ``␍`` a carriage return."""
    return line.rstrip("\n").replace(" ", "·").replace("\t", "→").replace("\r", "␍")


def whitespace_only(old: str, new: str) -> bool:
    """Two different lines that differ in whitespace only."""
    return old != new and re.sub(r"\s+", "", old) == re.sub(r"\s+", "", new)


def keep_line_endings(original: str | None, text: str | None) -> str | None:
    """``text`` (an edit of ``original``) in ``original``'s line endings: a file whose every line ends
    in CRLF stays so, added lines included, and a bare ``\\r`` left where the final newline was missing
    goes. Any other file's text is returned as is."""
    if original is None or text is None:
        return text
    lf = original.count("\n")
    if lf == 0 or original.count("\r\n") != lf:
        return text
    normal = text.replace("\r\n", "\n")
    if normal.endswith("\r"):
        normal = normal[:-1]
    return normal.replace("\n", "\r\n")


def comment_part(line: str) -> str:
    """The comment part of a YAML line ('' when it has none); a ``#`` starts one at the line's start or after a blank."""
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return stripped
    match = re.search(r"\s#", line)
    if not match or line[:match.start()].count('"') % 2 or line[:match.start()].count("'") % 2:
        return ""
    return line[match.start() + 1:]
