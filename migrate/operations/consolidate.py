"""Operations that merge several service Applications into one (the consolidate-backend playbook).

All four take the same options (``services``, ``target``, ``namespace``, ``folder``; see
``migrate.consolidation``) and find the merged services through the inventory:

- ``create-target``: the target's Application, kustomization and merged values
  (``migrate.targetfiles``; the merge rules are in ``migrate.merge``);
- ``register-target``: the kustomizations that list the merged Applications list the target instead;
- ``rewrite-consumers``: references from outside the merged set (service addresses, repo
  paths of the merged files) now name the target;
- ``retire-sources``: the merged services' Application files and folders are removed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..argo import is_kustomization_file
from ..consolidation import OPTIONS, Consolidation
from ..context import Context, ReportEntry
from ..errors import MigrateError, UsageError
from ..hosts import ServiceAddress, find_service_addresses
from ..merge import Conflict
from ..targetfiles import build_target
from ..yamlio import line_of, load, set_scalar
from ..yamlnav import line_in_string
from .base import Operation, Option, StepResult, register_operation
from .generic import EditKustomizationResources, RemovePaths


def _compose(operation: type[Operation], ctx: Context, **options: Any) -> StepResult:
    """Run another operation on the same tree (its options bound and checked)."""
    return operation().apply(ctx.at(ctx.tree, options=operation.bind(options)))


# --- create-target ----------------------------------------------------------------------------------
@register_operation
class CreateTarget(Operation):
    name = "create-target"
    description = ("Create the merged Application: <folder>/argocd.yaml, its kustomization and the merged "
                   "common-values.yaml (env, secrets, routes, ports, resources, probes, image).")
    options = {
        **OPTIONS,
        "image_tag": Option("Image tag of the merged service; empty: the newest tag every merged service was "
                            "built from, found in the git history.", default="", example="f4c844e5"),
        "env": Option("Env values that settle conflicts (name -> value); --set env.NAME=value.", default={},
                      example={"JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75.0"}),
    }

    def declare(self, ctx: Context) -> set[str]:
        return set(Consolidation(ctx.inventory, ctx.options).target_paths())

    def apply(self, ctx: Context) -> StepResult:
        con = Consolidation(ctx.inventory, ctx.options)
        _refuse_taken(ctx, con)
        tag, origin = _image_tag(ctx, con)
        build = build_target(ctx.tree, con, tag, ctx.options["env"], origin)
        if build.unknown:
            raise UsageError(f"--set env.{build.unknown[0]}: no merged service sets {build.unknown[0]}")
        if build.conflicts:
            raise conflicts_error(build.conflicts)
        names = ", ".join(s.name for s in con.sources)
        return StepResult(build.files, f"Create {con.target.name}: one Application for {len(con.sources)} services",
                          details=[f"merged: {names}", *build.details], report=build.report)


def _refuse_taken(ctx: Context, con: Consolidation) -> None:
    """The target must be new: none of its files exists, no Application has its name (two
    Applications of one name fight over the same ArgoCD object)."""
    existing = next((p for p in con.target_paths() if ctx.tree.exists(p)), None)
    if existing:
        raise MigrateError(f"{existing} already exists: the target must be new (choose another folder)",
                           path=existing)
    namespace = con.first.app.namespace
    same = next((a for a in ctx.inventory.applications
                 if a.name == con.target.name and a.namespace == namespace), None)
    if same:
        raise MigrateError(f"an Application named {same.name!r} already exists ({same.file}:{same.line}): "
                           "the target needs a new name (--set target=...)", path=same.file, line=same.line)


def _image_tag(ctx: Context, con: Consolidation) -> tuple[str, str]:
    """The ``image_tag`` option, else the newest tag all merged services were built from; and
    where it comes from."""
    if ctx.options["image_tag"]:
        return str(ctx.options["image_tag"]), "--set image_tag"
    tag = ctx.history.newest_common_tag([s.name for s in con.sources])
    if not tag:
        raise MigrateError("no image tag that every merged service was built from is in the history; "
                           "pass the tag of the merged build with --set image_tag=<tag>")
    return tag, "the newest tag every merged service was built from, in the git history"


def conflicts_error(conflicts: list[Conflict]) -> MigrateError:
    """One error listing every conflict (located at the first one)."""
    lines = "\n".join(f"  - {c}" for c in conflicts)
    first = conflicts[0].where
    return MigrateError(f"the merged services conflict ({len(conflicts)}); nothing was written:\n{lines}",
                        path=first.file if first else None, line=first.line if first else None)


# --- register-target ----------------------------------------------------------------------------------
@register_operation
class RegisterTarget(Operation):
    name = "register-target"
    description = ("The kustomizations that list the merged Applications drop them and list the target's "
                   "Application where the first one was.")
    options = dict(OPTIONS)

    def declare(self, ctx: Context) -> set[str]:
        return {kust.file for kust, _ in self._listings(Consolidation(ctx.inventory, ctx.options))}

    def apply(self, ctx: Context) -> StepResult:
        con = Consolidation(ctx.inventory, ctx.options)
        if not ctx.tree.exists(con.app_file):
            raise MigrateError(f"{con.app_file} does not exist: create-target comes first", path=con.app_file)
        listings = self._listings(con)
        if not listings:
            raise MigrateError("no kustomization lists the merged Applications: nothing registers them")
        changes, details = {}, []
        for n, (kust, refs) in enumerate(listings):
            add = [posixpath.relpath(con.app_file, kust.folder)] if n == 0 else []
            result = _compose(EditKustomizationResources, ctx, file=kust.file, remove=[r.raw for r in refs], add=add)
            changes.update(result.changes)
            details += result.details
        listed = {r.path for _, refs in listings for r in refs}
        unlisted = [s for s in con.sources if s.app.file not in listed]
        report = [ReportEntry("note", f"{s.name} was not listed by any kustomization (not synced before the run)",
                              s.app.file, s.app.line) for s in unlisted]
        report += _heading_note(ctx, *listings[0], con.target.name)
        return StepResult(changes, f"Register {con.target.name} in {listings[0][0].file} instead of "
                                   f"{len(con.sources) - len(unlisted)} Applications", details=details, report=report)

    @staticmethod
    def _listings(con: Consolidation) -> list:
        """(kustomization, its resource entries naming merged Application files), the one that
        lists the first merged service first."""
        order = {s.app.file: i for i, s in enumerate(con.sources)}
        found = []
        for kust in con.inv.kustomizations:
            refs = [r for r in kust.resources if r.path in order]
            if refs:
                found.append((min(order[r.path] for r in refs), kust, refs))
        return [(kust, refs) for _, kust, refs in sorted(found, key=lambda f: (f[0], f[1].file))]


def _heading_note(ctx: Context, kust, refs, target: str) -> list[ReportEntry]:
    """The comment lines heading the first merged entry now head the target's entry: they were
    written for the services, so a reviewer should read them again."""
    lines = ctx.tree.read_text(kust.file).splitlines()
    first = min(r.line for r in refs) - 1
    top = first
    while top > 0 and lines[top - 1].lstrip().startswith("#"):
        top -= 1
    if top == first:
        return []
    heading = " / ".join(line.strip() for line in lines[top:first])
    return [ReportEntry("note", f"the comment heading the merged entries now heads {target}'s: review it "
                                f"({heading})", kust.file, top + 1)]


# --- rewrite-consumers -----------------------------------------------------------------------------------
@dataclass
class _Rewrites:
    """The edits of rewrite-consumers: new file texts, one detail per changed string, report entries."""

    files: dict[str, str] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)


@register_operation
class RewriteConsumers(Operation):
    name = "rewrite-consumers"
    description = ("References from outside the merged set now name the target: service addresses (scheme, "
                   "port, path and .cluster.local kept) and repo paths of the merged services' files.")
    options = dict(OPTIONS)

    def declare(self, ctx: Context) -> set[str]:
        return set(_rewrites(ctx, Consolidation(ctx.inventory, ctx.options)).files)

    def apply(self, ctx: Context) -> StepResult:
        con = Consolidation(ctx.inventory, ctx.options)
        found = _rewrites(ctx, con)
        count = len(found.details)
        return StepResult(found.files, f"Point {count} reference(s) in {len(found.files)} file(s) at "
                                       f"{con.target.name}", details=found.details, report=found.report)


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
        return bool(self.address_re.search(text) or self.path_re.search(text))

    def visit(self, path: str, node: Any) -> bool:
        """Rewrite every string below ``node``; True if anything changed."""
        changed = False
        for container, key, value in list(_strings(node)):
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


def _strings(node: Any) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, value) of every string scalar below ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, str):
            yield node, key, value
        else:
            yield from _strings(value)


# --- retire-sources -------------------------------------------------------------------------------------
@register_operation
class RetireSources(Operation):
    name = "retire-sources"
    description = ("Remove the merged services' Application files and folders; a folder that holds "
                   "something not merged is kept (and reported).")
    options = {**OPTIONS, "enabled": Option("false: do nothing (--set prune=false keeps the old folders).",
                                            default=True)}

    def declare(self, ctx: Context) -> set[str]:
        if not ctx.options["enabled"]:
            return set()
        return set(self._paths(ctx, Consolidation(ctx.inventory, ctx.options))[0])

    def apply(self, ctx: Context) -> StepResult:
        if not ctx.options["enabled"]:
            return StepResult({}, "skipped (prune: false): the merged services' folders are kept")
        con = Consolidation(ctx.inventory, ctx.options)
        paths, kept = self._paths(ctx, con)
        result = _compose(RemovePaths, ctx, paths=paths)
        return StepResult(result.changes, f"Remove the {len(con.sources)} merged services' Applications and "
                                          "folders", details=result.details, report=kept)

    @staticmethod
    def _paths(ctx: Context, con: Consolidation) -> tuple[list[str], list[ReportEntry]]:
        """Each source's folder (unless shared: then reported) and its Application file (if
        outside the folder, or the folder is kept)."""
        paths, kept = [], []
        for source in con.sources:
            prefix = source.folder + "/"
            others = _other_users(ctx, con, prefix)
            if others:
                kept.append(ReportEntry("note", f"{source.folder} kept: it also holds what {', '.join(others)} "
                                        "uses", source.folder))
            else:
                paths.append(source.folder)
            if others or not source.app.file.startswith(prefix):
                paths.append(source.app.file)
        return paths, kept


def _other_users(ctx: Context, con: Consolidation, prefix: str) -> list[str]:
    """Names of the Applications, not merged, that live in, deploy from or deploy files of the
    folder ``prefix`` (the merged Application files themselves do not count: they go)."""
    inv = ctx.inventory
    merged = {s.app.id for s in con.sources}
    app_files = {s.app.file for s in con.sources}
    names = {a.id: a.name for a in inv.applications}
    users = {a.name for a in inv.applications if a.id not in merged and (
        a.file.startswith(prefix) or any((p + "/").startswith(prefix) for p in a.source_paths))}
    users |= {names.get(c.app, c.app) for p, c in inv.contexts.items()
              if p.startswith(prefix) and p not in app_files and c.app and c.app not in merged}
    return sorted(users)
