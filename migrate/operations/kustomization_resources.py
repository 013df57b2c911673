"""``edit-kustomization-resources``: remove and/or add entries of a kustomization's ``resources:`` list.

A removed entry's comment goes with it, a group heading goes when its group is empty; an added
entry takes the place of the first removed one (or goes after a given entry, or at the end),
in the list's own item style. The edit is made on the lines (so nothing else moves) and checked
by parsing the result.
"""

from __future__ import annotations

import re

from ..errors import MigrateError, YamlError
from ..playbook import Context, Operation, Option, StepResult, register_operation
from ..repo.paths import join, normpath
from ..roundtrip import YamlFile, line_of
from ..roundtrip.lines import split_lines
from .set_value import yaml_file


_ITEM_PREFIX = re.compile(r"^(\s*-\s+)")
_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@+=~-]*$")


def _kustomization_path(ctx: Context, given: str) -> str:
    path = normpath(given)
    if ctx.tree.exists(path):
        return path
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if ctx.tree.exists(join(path, name)):
            return join(path, name)
    raise MigrateError("no kustomization file here", path=path)


@register_operation
class EditKustomizationResources(Operation):
    name = "edit-kustomization-resources"
    description = ("Remove and/or add entries of a kustomization's resources list; a removed entry's "
                   "comment goes with it, a group heading goes when its group is empty.")
    options = {
        "file": Option("The kustomization file, or its folder.", example="bootstrap/kustomization.yaml",
                       required=True),
        "remove": Option("Entries to remove, as written in the list.", default=[], example=["ingress-controller/argocd.yaml"]),
        "add": Option("Entries to add (where the first removed entry was, else after `after`, else at "
                      "the end).", default=[], example=["lumie/backend/argocd.yaml"]),
        "after": Option("Insert the added entries after this entry.", default="", example="cert-manager/argocd.yaml"),
        "missing_ok": Option("Do not fail when an entry to remove is not listed.", default=False),
    }

    def prepare(self, ctx: Context) -> StepResult:
        path = _kustomization_path(ctx, ctx.options["file"])
        text = ctx.tree.read_text(path)
        edit = _ResourceEdit(path, text, yaml_file(ctx, path))
        removed = edit.remove(ctx.options["remove"], ctx.options["missing_ok"])
        added = edit.add(ctx.options["add"], ctx.options["after"])
        new_text = edit.text()
        edit.check(new_text)
        details = [f"{path}: - {entry}" for entry in removed] + [f"{path}: + {entry}" for entry in added]
        what = "; ".join(part for part in (_phrase("remove", removed), _phrase("add", added)) if part)
        return StepResult({path: new_text} if new_text != text else {},
                          f"{path}: {what or 'resources already as wanted'}", details=details, declared={path})


def _phrase(verb: str, entries: list[str]) -> str:
    return f"{verb} {', '.join(entries)}" if entries else ""


class _ResourceEdit:
    """Line-level edit of a kustomization's block ``resources:`` list.

    The list region runs from the line after ``resources:`` to its last item. A *heading* is a
    run of comment lines; it heads the items after it up to the next blank line or heading.
    Removing every item of a group removes its heading and one blank line that separated it.
    """

    def __init__(self, path: str, text: str, yf: YamlFile):
        self.path, self.original = path, text
        self.nl = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"   # the file's line ending
        self.lines = [line if line.endswith("\n") else line + self.nl for line in split_lines(text)]
        doc = yf.docs[0] if yf.docs else None
        seq = doc.get("resources") if isinstance(doc, dict) else None
        if seq is not None and not (isinstance(seq, list) and (not seq or line_of(seq, 0))):
            raise MigrateError("resources is not a block list", path=path, line=line_of(doc, "resources"))
        self.entries = [str(v) for v in seq or []]
        self.expected = list(self.entries)
        self.key_line = line_of(doc, "resources") - 1 if seq is not None else None
        self.item_at = {line_of(seq, i) - 1: i for i in range(len(self.entries))}
        self.gone: set[int] = set()          # line indices to drop
        self.inserts: dict[int, list[str]] = {}   # line index -> lines inserted after it

    def remove(self, entries: list[str], missing_ok: bool) -> list[str]:
        done = []
        for entry in entries:
            if entry not in self.expected:
                if missing_ok:
                    continue
                raise MigrateError(f"{entry!r} is not listed in resources (listed: {', '.join(self.entries)})",
                                   path=self.path)
            self.expected.remove(entry)
            index = self.entries.index(entry)
            self.gone.add(next(line for line, i in self.item_at.items() if i == index))
            done.append(entry)
        return done

    def _drop_empty_groups(self) -> None:
        groups = self._groups()
        for n, (heading, items, blank) in enumerate(groups):
            if not items or not set(items) <= self.gone or any(i in self.inserts for i in items):
                continue
            self.gone.update(heading)
            if blank is not None:
                self.gone.add(blank)
            elif n + 1 < len(groups) and groups[n + 1][2] is not None:
                self.gone.add(groups[n + 1][2])  # the first group went: no blank line at the top

    def _groups(self) -> list[tuple[list[int], list[int], int | None]]:
        """(heading lines, item lines, blank line before it or None) per group, in order."""
        if not self.item_at:
            return []
        groups, heading, items, blank = [], [], [], None
        for i in range(self.key_line + 1, max(self.item_at) + 1):
            stripped = self.lines[i].strip()
            if i in self.item_at:
                items.append(i)
            elif not stripped and (heading or items):
                groups.append((heading, items, blank))
                heading, items, blank = [], [], i
            elif not stripped:
                blank = i
            elif items:
                groups.append((heading, items, blank))
                heading, items, blank = [i], [], None
            else:
                heading.append(i)
        groups.append((heading, items, blank))
        return groups

    def add(self, entries: list[str], after: str) -> list[str]:
        new = [e for e in entries if e not in self.expected]
        if not new:
            return []
        anchor, position = self._anchor(after)
        prefix = _ITEM_PREFIX.match(self.lines[anchor]).group(1) if anchor in self.item_at else "- "
        if self.key_line is None:
            self.inserts.setdefault(len(self.lines) - 1, []).append("resources:" + self.nl)
            anchor = len(self.lines) - 1
        self.inserts.setdefault(anchor, []).extend(f"{prefix}{_scalar(e)}{self.nl}" for e in new)
        self.expected[position:position] = new
        return new

    def _anchor(self, after: str) -> tuple[int, int]:
        """(line to insert after, position in the list) for added entries."""
        if after:
            if after not in self.expected:
                raise MigrateError(f"cannot add after {after!r}: it is not listed", path=self.path)
            index = self.entries.index(after)
            return self._line_of_item(index), self.expected.index(after) + 1
        removed = sorted(self.item_at[line] for line in self.gone if line in self.item_at)
        if removed:
            line = self._line_of_item(removed[0])
            return line, sum(1 for e in self.entries[:removed[0]] if e in self.expected)
        if self.item_at:
            return max(self.item_at), len(self.expected)
        return (self.key_line if self.key_line is not None else len(self.lines) - 1), len(self.expected)

    def _line_of_item(self, index: int) -> int:
        return next(line for line, i in self.item_at.items() if i == index)

    def text(self) -> str:
        self._drop_empty_groups()
        if not self.expected and self.key_line is not None:  # an empty list stays a list
            self.gone.add(self.key_line)
            self.inserts[self.key_line] = [self.lines[self.key_line].replace("resources:", "resources: []", 1)]
        out = []
        for i, line in enumerate(self.lines):
            if i not in self.gone:
                out.append(line)
            out.extend(self.inserts.get(i, []))
        text = "".join(out)
        return text if self.original.endswith("\n") or not text.endswith(self.nl) else text[:-len(self.nl)]

    def check(self, text: str) -> None:
        """The edited file must parse and list exactly the expected entries."""
        try:
            doc = YamlFile.parse(text, path=self.path).docs[0]
        except YamlError as exc:
            raise MigrateError(f"editing resources would break the file: {exc.args[0]}", path=self.path) from None
        listed = [str(v) for v in (doc.get("resources") or [])]
        if listed != self.expected:
            raise MigrateError(f"could not edit this resources layout (got {listed}, wanted {self.expected})",
                               path=self.path)


def _scalar(entry: str) -> str:
    if _PLAIN_SAFE.match(entry):
        return entry
    return '"' + entry.replace("\\", "\\\\").replace('"', '\\"') + '"'
