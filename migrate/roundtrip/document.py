"""``YamlFile``: one YAML file's documents as editable ruamel nodes, and its text written back.

How a file is read and written again:

- **Framing** (``framing``): the text is cut into documents at the ``---`` / ``...`` marker
  lines; each keeps its framing text verbatim and only its body is parsed (ruamel.yaml 0.19,
  round-trip mode, quotes preserved), with line numbers counted from the start of the file.
- **Styles per block** (``styles``): every block records how it was laid out; the emitter
  (``emitter``) applies them block by block. Final newline, BOM and CRLF follow the file.
- **Dump.** ``dump()`` re-emits the original documents (``before``) and the current ones
  (``after``). Unedited: the original text, always. Edited: the hunks of before -> after are
  applied to the original text (``patch``); when the re-emission reproduces the file this is
  exactly ``after``, otherwise every line outside the edited hunks stays byte-identical. The
  result is parsed again and must hold the edited data, else ``YamlError``.

``load(tree, path)`` parses a file of anything with ``read_text(path)`` (and ``root``, for the
on-disk parse cache); parses are shared, each ``YamlFile`` gets its own copy of the documents.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import merge_attrib
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
from ruamel.yaml.reader import Reader
from ruamel.yaml.scanner import RoundTripScanner

from ..errors import YamlError
from .cache import cache_for, cacheable
from .emitter import emit
from .framing import BOM, MARKER, Segment, split_stream
from .lines import keep_trailing_whitespace, split_lines, visible, whitespace_only
from .nodes import copy_nodes, plain
from .patch import patch
from .styles import annotate, walk

_CACHE_SIZE = 4096


class YamlFile:
    """One YAML file: its documents as editable ruamel nodes, and the text they were read from.

    ``docs`` is this object's own copy (edit it in place: values, keys, items, whole documents);
    ``dump()`` writes the edits back with the file's formatting.
    """

    def __init__(self, parsed: "Parsed", root=None):
        self._parsed = parsed
        self._root = root        # the repository whose on-disk parse cache serves this file's parses
        self._docs: list[Any] | None = None
        self._originals: list[Any] = []
        self._last_dump: tuple[str, str] | None = None

    @classmethod
    def parse(cls, text: str, path: str | None = None, root=None) -> "YamlFile":
        """Parse ``text`` (once per process and text; with ``root``, through that repository's on-disk parse
        cache); raises YamlError(reason, path=, line=) for bad YAML or duplicate keys."""
        return cls(_parsed(path, text, root), root)

    @property
    def path(self) -> str | None:
        return self._parsed.path

    @property
    def text(self) -> str:
        """The original text."""
        return self._parsed.text

    @property
    def warnings(self) -> list[tuple[int, str]]:
        """What the YAML library warned of while parsing: (line, message)."""
        return self._parsed.warnings

    @property
    def parsed_docs(self) -> list[Any]:
        """The documents as parsed, shared by every YamlFile of the same text: read-only.

        For readers (the inventory) that must not pay for the private copy ``docs`` makes;
        edit ``docs``, never these."""
        return self._parsed.docs

    @property
    def docs(self) -> list[Any]:
        """One node per YAML document: CommentedMap, CommentedSeq, a scalar, or None (empty)."""
        if self._docs is None:
            self._docs = self._parsed.copy_docs()
            self._originals = list(self._docs)
        return self._docs

    def dump(self) -> str:
        """The text of the documents; byte-identical to the input when nothing was edited."""
        if self._docs is None:
            return self.text
        try:
            after = self._parsed.render(_pair(self._docs, self._originals, self._parsed.segments))
        except YAMLError as exc:
            raise YamlError(f"cannot write the edited documents: {exc}", path=self.path) from None
        before = self._parsed.emission()
        if after == before:
            return self.text
        if self._last_dump is None or self._last_dump[0] != after:
            self._last_dump = (after, self._checked(patch(self.text, before, after)))
        return self._last_dump[1]

    def roundtrips(self) -> bool:
        """Does re-emission (with the detected styles) reproduce the file byte for byte?"""
        return self._parsed.emission() == self.text

    def first_difference(self) -> tuple[int, str, str] | None:
        """(1-based line, original line, re-emitted line) of the first difference, or None."""
        if self.roundtrips():
            return None
        original, emitted = split_lines(self.text), split_lines(self._parsed.emission())
        for number, (old, new) in enumerate(zip_longest(original, emitted, fillvalue=""), start=1):
            if old != new:
                return number, _show(old, new), _show(new, old)
        return None

    def _checked(self, text: str) -> str:
        """``text`` if it parses to the edited documents, else YamlError naming the file."""
        try:
            result = _parsed(self.path, text, self._root)
        except YamlError as exc:
            raise YamlError(f"the edit would produce invalid YAML ({exc})", path=self.path) from None
        if plain(result.docs) != plain(self._docs):
            raise YamlError("cannot apply the edit without changing other content of the file",
                            path=self.path)
        return text


def load(tree, path: str) -> YamlFile:
    """Parse ``tree.read_text(path)``; parses are cached by (path, text), each call gets its own docs.
    A file over ``MIGRATE_MAX_FILE_BYTES`` (default 5 MB) is not read."""
    root = getattr(tree, "root", None)
    return YamlFile(_parsed(path, read_checked(tree, path), root), root)


def _parsed(path: str | None, text: str, root) -> "Parsed":
    """The (cached) parse of ``text``; YamlError when it does not parse."""
    parsed = cached_parse(path, text, root=root, parse=True)
    if isinstance(parsed, YamlError):
        raise YamlError(parsed.args[0], path=parsed.path, line=parsed.line)
    return parsed


def read_checked(tree, path: str) -> str:
    """``tree.read_text(path)``; YamlError when it is not UTF-8 or over ``MIGRATE_MAX_FILE_BYTES``."""
    try:
        text = tree.read_text(path)
    except UnicodeDecodeError:
        raise YamlError("not UTF-8 text", path=path) from None
    if len(text) > max_file_bytes():
        raise YamlError(f"larger than {max_file_bytes():,} bytes (MIGRATE_MAX_FILE_BYTES): not read", path=path)
    return text


def cached_parse(path: str, text: str, *, root=None, parse: bool = False) -> "Parsed | YamlError | None":
    """The round-trip parse of ``text`` this process already made (None if none), or with ``parse``
    made now (from the on-disk parse cache of the repository at ``root`` when it has it)."""
    key = (path, text)
    parsed = _CACHE.get(key)
    if parsed is None and parse:
        parsed = _parse_cached(root, path, text)
        _CACHE[key] = parsed
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return parsed


def _parse_cached(root, path: str, text: str) -> "Parsed | YamlError":
    """The parse of ``text``, from the repository's on-disk parse cache when it has it."""
    disk = cache_for(root)
    key = disk.key(path, text)
    parsed = disk.get(key)
    if isinstance(parsed, Parsed):
        return parsed
    try:
        parsed = Parsed.from_text(text, path)
    except YamlError as exc:
        return exc
    if cacheable(text):
        disk.put(key, parsed)
    return parsed


def is_yaml_path(path: str) -> bool:
    """``*.yaml`` / ``*.yml``."""
    return path.lower().endswith((".yaml", ".yml"))


@dataclass
class Parsed:
    """A parsed text (shared by the cache; never edited): segments, pristine docs, re-emission."""

    path: str | None
    text: str
    segments: list[Segment]
    docs: list[Any]
    _emission: str | None = field(default=None, repr=False)
    warnings: list[tuple[int, str]] = field(default_factory=list)   # (line, what ruamel warned of)

    @classmethod
    def from_text(cls, text: str, path: str | None) -> "Parsed":
        normal = text.removeprefix(BOM).replace("\r\n", "\n")
        if normal and not normal.endswith("\n"):
            normal += "\n"   # read as if it ended its last line: a final `|` block keeps its clip (`render` drops it)
        lines = normal.split("\n")
        segments = split_stream(split_lines(normal))
        found: list[tuple[int, str]] = []
        docs = [_parse_body(seg, lines, path, found) for seg in segments]
        return cls(path, text, segments, docs, warnings=found)

    def copy_docs(self) -> list[Any]:
        """A private, editable copy of the documents (deepcopy mangles merge keys: re-parse those)."""
        merges = any(getattr(node, merge_attrib, None) for node, _ in walk(self.docs, False))
        return Parsed.from_text(self.text, self.path).docs if merges else copy_nodes(self.docs)

    def emission(self) -> str:
        """Re-emission of the unedited documents (computed once, on first use)."""
        if self._emission is None:
            self._emission = self.render(list(zip(self.docs, self.segments)))
        return self._emission

    def render(self, pairs: list[tuple[Any, Segment | None]]) -> str:
        """The text of ``(doc, segment)`` pairs, in this file's line endings and final newline."""
        parts = []
        for i, (doc, seg) in enumerate(pairs):
            head = seg.head if seg else ""
            if i and not any(MARKER.match(line) for line in head.splitlines()):
                head += "---\n"
            body = seg.body if seg is not None and doc is None else emit(doc)
            parts += [head, body, seg.tail if seg else ""]
        out = (BOM if self.text.startswith(BOM) else "") + "".join(parts)
        if out.endswith("\n") and not self.text.endswith("\n"):
            out = out[:-1]
        if "\r\n" in self.text and self.text.count("\r\n") == self.text.count("\n"):
            out = out.replace("\n", "\r\n")
        return keep_trailing_whitespace(self.text, out)



MAX_EXPANDED = 1_000_000   # nodes a document may expand to through its aliases


def max_file_bytes() -> int:
    return int(os.environ.get("MIGRATE_MAX_FILE_BYTES", 5 * 1024 * 1024))


def expanded_size(node: Any, limit: int) -> int:
    """How many nodes ``node`` is once its aliases are expanded, counted in linear time (each distinct
    node once, its size remembered); stops counting past ``limit``."""
    sizes: dict[int, int] = {}

    def size(n: Any) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if isinstance(n, dict):
            sizes[key] = 1       # a recursive alias counts once
            total = 1 + sum(size(k) + size(v) for k, v in n.items())
        elif isinstance(n, list):
            sizes[key] = 1
            total = 1 + sum(size(v) for v in n)
        else:
            return 1
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node)


def _parse_body(segment: Segment, lines: list[str], path: str | None, found: list[tuple[int, str]]) -> Any:
    """The document in ``segment.body`` (None if empty), its blocks annotated with their layout; what
    ruamel warns of goes to ``found`` as (line, message) — never to stderr."""
    if not segment.body.strip():
        return None
    try:
        doc = _load_body(segment.body, segment.start, found)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        tabbed = [n + 1 for n, line in enumerate(segment.body.split("\n"), segment.start) if _TRAILING_TAB.search(line)]
        if not tabbed or "'\\t'" not in str(exc.problem):
            raise YamlError(_reason(exc), path=path, line=mark.line + 1 if mark else None) from None
        # Go's YAML (Argo CD's, kustomize's) reads a tab after a line's value as blank; ruamel and libyaml stop at
        # it. Read the lines without their trailing blanks (lines stay where they are; edits keep the tabs: a
        # file that does not re-emit is edited by minimal patches of its text)
        try:
            doc = _load_body(_TRAILING_TAB.sub("", segment.body), segment.start, found)
        except YAMLError:
            raise YamlError(_reason(exc), path=path, line=mark.line + 1 if mark else None) from None
        found.append((tabbed[0], f"{len(tabbed)} line(s) end in a tab (first at line {tabbed[0]}): Argo CD reads "
                                 "them, so migrate does too, without the tabs; remove them to silence this"))
    except YAMLError as exc:
        raise YamlError(str(exc).strip().splitlines()[0], path=path, line=segment.start + 1) from None
    if expanded_size(doc, MAX_EXPANDED) > MAX_EXPANDED:
        raise YamlError(f"its aliases expand to more than {MAX_EXPANDED:,} nodes (an alias bomb?): not read",
                        path=path, line=segment.start + 1)
    annotate(doc, lines, base=0, in_map=False)
    return doc


_TRAILING_TAB = re.compile(r"[ \t]*\t[ \t]*$", re.M)   # blanks ending a line, one of them a tab


def _load_body(body: str, start: int, found: list[tuple[int, str]]) -> Any:
    """ruamel's round-trip load of one document body (lines counted from ``start``); its warnings to ``found``."""
    yaml = _yaml()
    yaml.reader.line = start  # marks (errors, .lc) count lines from the top of the file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = yaml.load(body)
    found += [_warning(w.message, start) for w in caught]
    return doc


def _warning(warning: Warning, start: int) -> tuple[int, str]:
    """(line, message) of a ruamel warning (its text names the places: ``line N``)."""
    text = str(warning.args[0] if warning.args else warning).strip()
    lines = [int(n) for n in re.findall(r", line (\d+), column", text)]
    if isinstance(warning, ReusedAnchorWarning):
        anchor = re.search(r"anchor '([^']*)'", text)
        first = f" (first at line {lines[0]})" if lines else ""
        return (lines[-1] if lines else start + 1,
                f"the anchor &{anchor.group(1) if anchor else '?'} is defined again{first}: aliases after this "
                "line mean the new value")
    return (lines[0] if lines else start + 1, text.splitlines()[0])


def _reason(exc: MarkedYAMLError) -> str:
    """ruamel's message without marks and notes: ``found duplicate key "a"``."""
    text = exc.problem or exc.context or "invalid YAML"
    return re.sub(r' with value ".*', "", text)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.Reader, yaml.Scanner = Reader, RoundTripScanner  # pure-Python reader: lets us set .line
    return yaml



def _pair(docs: list[Any], originals: list[Any], segments: list[Segment]) -> list[tuple[Any, Segment | None]]:
    """Each current document with the segment (framing text) of the original it is, if any."""
    pairs, start = [], 0
    for doc in docs:
        match = next((i for i in range(start, len(originals)) if originals[i] is doc), None)
        pairs.append((doc, None if match is None else segments[match]))
        start = start if match is None else match + 1
    return pairs


def _show(line: str, other: str) -> str:
    """A line without its newline; its repr when only the line ending differs, its whitespace made visible
    when only whitespace does."""
    text = line.rstrip("\r\n")
    if text == other.rstrip("\r\n"):
        return repr(line)
    return visible(text) if whitespace_only(text, other.rstrip("\r\n")) else text


_CACHE: "OrderedDict[tuple[str, str], Parsed | YamlError]" = OrderedDict()
