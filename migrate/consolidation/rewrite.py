"""``rewrite-consumers``: references from outside the merged set now name the target.

Service addresses (scheme, port, path and ``.cluster.local`` kept) and repo paths of the merged
services' files, in every YAML file outside the merged services and the target (kustomizations
are register-target's). Same-named services in other namespaces are left as they are (and
reported); a merged service's name in a namespace that never hosted it is reported as
pre-existing and ambiguous. The files it declares are those whose text may mention a merged
service or path (a cheap search); it changes the ones where a reference really is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..inventory.addresses import ServiceAddress, find_service_addresses
from ..inventory.kustomizations import is_kustomization_file
from ..playbook import Context, Operation, ReportEntry, StepResult, register_operation
from ..roundtrip import line_of, load, set_scalar
from ..roundtrip.nodes import line_in_string, strings
from .selection import OPTIONS, Consolidation, consolidation_of


@dataclass
class _Rewrites:
    """The edits of rewrite-consumers: new file texts, one detail per changed string, report entries."""

    candidates: set[str] = field(default_factory=set)
    files: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)


@register_operation
class RewriteConsumers(Operation):
    name = "rewrite-consumers"
    description = ("References from outside the merged set now name the target: service addresses (scheme, "
                   "port, path and .cluster.local kept) and repo paths of the merged services' files.")
    options = dict(OPTIONS)

    def prepare(self, ctx: Context) -> StepResult:
        con = consolidation_of(ctx)
        found = _rewrites(ctx, con)
        count = len(found.details)
        return StepResult(found.files, f"Point {count} reference(s) in {len(found.files)} file(s) at "
                                       f"{con.target.name}", details=found.details, report=found.report,
                          declared=found.candidates)


def _rewrites(ctx: Context, con: Consolidation) -> _Rewrites:
    """Every YAML file outside the merged services and the target (kustomizations are
    register-target's), its strings rewritten."""
    out = _Rewrites()
    rewriter = _Rewriter(ctx, con, out)
    own = con.files | set(con.target_paths())
    for path in ctx.inventory.files.paths:
        if path in own or is_kustomization_file(path) or not ctx.inventory.docs(path) or \
                not rewriter.may_mention(ctx.tree.read_text(path)):
            continue
        out.candidates.add(path)
        yf = load(ctx.tree, path)
        if any(rewriter.visit(path, doc) for doc in yf.docs):
            out.files[path] = yf.dump()
    return out


class _Rewriter:
    """Rewrites the strings of one file at a time (see RewriteConsumers)."""

    def __init__(self, ctx: Context, con: Consolidation, out: _Rewrites):
        self.con, self.out = con, out
        self.names = {name for _, name in con.renames}
        self.defined = {(s.namespace, s.name) for s in ctx.inventory.services}
        self.paths = con.path_map()
        self.folders = [s.folder + "/" for s in con.sources]
        self.path_re = re.compile(r"(?<![\w./$-])(" + "|".join(map(re.escape, sorted(self.folders, key=len,
                                                                                          reverse=True)))
                                  + r")[\w./-]*(?![\w.-])")
        self.address_re = re.compile(r"(?<![\w.-])(?:" + "|".join(map(re.escape, sorted(self.names, key=len,
                                                                                           reverse=True)))
                                     + r")\.[a-z0-9-]+\.svc")

    def may_mention(self, text: str) -> bool:
        """A cheap test on the text: could ``visit`` change anything in this file?"""
        # a substring test first (C speed): each pattern needs one of its names or folders literally, and scanning
        # thousands of files with an alternation of them was most of this step at the example's --scale 100
        return bool((not self.names or any(name in text for name in self.names)) and self.address_re.search(text)) \
            or bool((not self.folders or any(f in text for f in self.folders)) and self.path_re.search(text))

    def visit(self, path: str, node: Any) -> bool:
        """Rewrite every string below ``node``; True if anything changed."""
        changed = False
        for container, key, value in list(strings(node)):
            line = line_of(container, key) or 1
            new = self._addresses(path, line, value)
            new = self._paths(path, line, new)
            if new != value:
                set_scalar(container, key, new)
                changed = True
        return changed

    def _addresses(self, path: str, line: int, value: str) -> str:
        out, end = [], 0
        for address in find_service_addresses(value):
            where = line_in_string(value, address.start, line, "\n" in value)
            new = self._address(path, where, address)
            out += [value[end:address.start], new]
            end = address.end
            if new != address.text:
                self.out.details.append(f"{path}:{where}: {address.text} -> {new}")
        return "".join(out) + value[end:]

    def _address(self, path: str, line: int, address: ServiceAddress) -> str:
        key = (address.namespace, address.name)
        if key in self.con.renames:
            namespace, name = self.con.renames[key]
            return address.text.replace(f"{address.name}.{address.namespace}.svc", f"{name}.{namespace}.svc", 1)
        if address.name in self.names and key not in self.defined:
            self.out.report.append(ReportEntry(
                "pre-existing", f"{address.text} names {address.name}, which is merged into {self.con.target.name}, "
                f"in {address.namespace} where it never ran: ambiguous, left as is", path, line))
        elif address.name in self.names:
            self.out.report.append(ReportEntry(
                "note", f"{address.text} left as is: {address.name} in {address.namespace} is another service "
                "than the merged one", path, line))
        return address.text

    def _paths(self, path: str, line: int, value: str) -> str:
        def replace(match: re.Match) -> str:
            old = match.group(0)
            if old in self.paths:
                self.out.details.append(f"{path}:{line}: {old} -> {self.paths[old]}")
                return self.paths[old]
            self.out.report.append(ReportEntry("unresolved", f"{old} is a file of a merged service that the "
                                               "target has no counterpart for", path, line))
            return old
        return self.path_re.sub(replace, value)
