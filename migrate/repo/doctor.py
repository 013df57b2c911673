"""`migrate doctor`: which YAML files of a repository survive a load/dump round trip byte for byte.

For every YAML file git tracks, the report says whether re-emission through ruamel.yaml (with the
styles detected per block) reproduces it exactly, where it first differs when it does not, and
which files do not parse. Helm templates are skipped (never parsed), and so is a file that does not
parse but is a template (Go or Jinja actions: a chart's template without Chart.yaml, Ansible's). A file that does not
round-trip is still safe to edit: ``YamlFile.dump()`` then applies edits as minimal text patches,
so the report is informational; only unparseable files make it fail.

A verdict depends only on the file's text and the parser's code: it is kept in the repository's parse
cache (a difference, which quotes the file's lines, never for a text that may hold a secret), so a later run checks only the files
that changed. Many files to check are checked across processes, one per core.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Iterator

from ..errors import YamlError
from ..progress import counting
from ..roundtrip import YamlFile, is_yaml_path
from ..roundtrip.cache import cacheable, cache_for
from ..roundtrip.document import Parsed, read_checked
from .files import is_helm_template, is_template_file
from .tracked import Tree

OK, DIFFERS, ERROR, SKIPPED = "ok", "differs", "error", "skipped"
VERDICT = "doctor-verdict"   # the parse cache also keeps verdicts: keyed by text and parser code, never stale
PARALLEL_FROM = 64            # files to check before it pays to start worker processes


@dataclass(frozen=True)
class FileCheck:
    """The verdict on one file. ``line``/``original``/``emitted``: first difference (DIFFERS);
    ``line``/``reason``: where and why it does not parse (ERROR)."""

    path: str
    status: str
    line: int | None = None
    original: str | None = None
    emitted: str | None = None
    reason: str | None = None


@dataclass
class DoctorReport:
    """All files checked, in path order."""

    files: list[FileCheck] = field(default_factory=list)

    def having(self, status: str) -> list[FileCheck]:
        return [f for f in self.files if f.status == status]

    @property
    def exit_code(self) -> int:
        """1 if some file does not parse, else 0 (round-trip differences are informational)."""
        return 1 if self.having(ERROR) else 0

    def to_json(self) -> dict:
        counts = {status: len(self.having(status)) for status in (OK, DIFFERS, ERROR, SKIPPED)}
        files = [{k: v for k, v in asdict(f).items() if v is not None} for f in self.files]
        return {"counts": counts, "files": files}


def doctor(tree: Tree) -> DoctorReport:
    """Check every tracked YAML file of ``tree`` (and name the tracked files it does not read)."""
    skipped = [FileCheck(entry.split(": ", 1)[0], SKIPPED, reason=entry.split(": ", 1)[1]) for entry in tree.skipped]
    checks, todo = [], []
    disk = cache_for(tree.root)
    for path in tree.paths():
        if not is_yaml_path(path):
            continue
        if is_helm_template(path, tree):
            checks.append(FileCheck(path, SKIPPED, reason="Helm template"))
            continue
        try:
            text = read_checked(tree, path)
        except YamlError as exc:
            checks.append(_unparsed(tree, path, exc.line, exc.args[0]))
            continue
        key = disk.key(f"{VERDICT}\0{path}", text)
        known = disk.get(key)
        if isinstance(known, FileCheck):
            checks.append(_unparsed(tree, path, known.line, known.reason) if known.status == ERROR else known)
        else:
            todo.append((path, text, key))
    with counting("checking YAML files", len(todo)) as advance:
        for (path, text, key), verdict in zip(todo, _verdicts(todo)):
            advance()
            if verdict.status != DIFFERS or cacheable(text):   # only a difference quotes the file's lines
                disk.put(key, verdict)
            checks.append(_unparsed(tree, path, verdict.line, verdict.reason) if verdict.status == ERROR
                          else verdict)
    return DoctorReport(sorted(checks + skipped, key=lambda f: f.path))


def verdict_of(item: tuple[str, str, str]) -> FileCheck:
    """Does ``text`` re-emit byte for byte (a full round trip: parse, then emit)? Depends on the text only."""
    path, text, _ = item
    try:
        yf = YamlFile(Parsed.from_text(text, path))   # not kept in memory: every file is checked once
    except YamlError as exc:
        return FileCheck(path, ERROR, line=exc.line, reason=exc.args[0])
    difference = yf.first_difference()
    if difference is None:
        return FileCheck(path, OK)
    line, original, emitted = difference
    return FileCheck(path, DIFFERS, line=line, original=original, emitted=emitted)


def _unparsed(tree: Tree, path: str, line: int | None, reason: str | None) -> FileCheck:
    """A file that does not parse: skipped when it is a template (that depends on the files around it)."""
    if is_template_file(tree, path):
        return FileCheck(path, SKIPPED, reason="template (Go or Jinja actions), not YAML")
    return FileCheck(path, ERROR, line=line, reason=reason)


def _verdicts(todo: list[tuple[str, str, str]]) -> Iterator[FileCheck]:
    """The verdicts of ``todo`` in order; across processes (one per core) when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) < PARALLEL_FROM or workers < 2:
        yield from map(verdict_of, todo)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(verdict_of, todo, chunksize=max(1, min(32, len(todo) // (workers * 4))))


def render_text(report: DoctorReport) -> str:
    """The human report: counts, then one entry per file that differs or does not parse."""
    ok, differs, errors, skipped = (report.having(s) for s in (OK, DIFFERS, ERROR, SKIPPED))
    lines = [
        f"{len(report.files)} YAML files checked",
        f"  {len(ok):5d} reproduced byte for byte by re-emission",
        f"  {len(differs):5d} re-emitted differently (edits to them are applied as minimal text patches)",
        f"  {len(errors):5d} do not parse",
        f"  {len(skipped):5d} skipped (Helm chart templates, other files of template actions, files not read)",
    ]
    for check in differs:
        lines += ["", f"differs  {check.path}:{check.line}",
                  f"  original:   {check.original}", f"  re-emitted: {check.emitted}"]
    for check in errors:
        where = f"{check.path}:{check.line}" if check.line else check.path
        lines += ["", f"error    {where}: {check.reason}"]
    for check in skipped:
        if "never read" in check.reason or "not read" in check.reason or "to nothing" in check.reason:
            lines += ["", f"skipped  {check.path}: {check.reason}"]
    return "\n".join(lines)
