"""The operations of a consolidation (the consolidate-backend playbook), except ``rewrite-consumers``.

All take the same options (``services``, ``target``, ``namespace``, ``folder``; see
``selection``) and find the merged services through the inventory:

- ``create-target``: the target's Application, kustomization and merged values (``target``;
  the merge rules are ``parts``, ``env``, ``resources``, ``ingress``, ``values``);
- ``register-target``: the kustomizations that list the merged Applications list the target instead;
- ``retire-sources``: the merged services' Application files and folders are removed.
"""

from __future__ import annotations

import posixpath

from ..errors import MigrateError, UsageError
from ..operations.kustomization_resources import EditKustomizationResources
from ..operations.remove_paths import RemovePaths
from ..playbook import Context, Operation, Option, ReportEntry, StepResult, Unsettled, register_operation
from .parts import Conflict
from .selection import OPTIONS, Consolidation, consolidation_of
from .target import build_target


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

    def prepare(self, ctx: Context) -> StepResult:
        con = consolidation_of(ctx)
        _refuse_taken(ctx, con)
        tag, origin = _image_tag(ctx, con)
        build = build_target(ctx.tree, con, tag, ctx.options["env"], origin)
        if build.unknown:
            raise UsageError(f"--set env.{build.unknown[0]}: no merged service sets {build.unknown[0]}")
        if build.conflicts:
            raise self._unsettled(ctx, con, tag, origin, build.conflicts)
        return self._result(ctx, con, build)

    def _result(self, ctx: Context, con: Consolidation, build) -> StepResult:
        names = ", ".join(s.name for s in con.sources)
        return StepResult(build.files, f"Create {con.target.name}: one Application for {len(con.sources)} services",
                          details=[f"merged: {names}", *build.details], report=build.report,
                          declared=set(con.target_paths()), carries=_carries(ctx, con))

    def _unsettled(self, ctx: Context, con: Consolidation, tag: str, origin: str, conflicts: list) -> MigrateError:
        """Every conflict in one error; when parameters settle them all, with the target built on the first
        choice of each, so that a dry run plans every later step too."""
        error = conflicts_error(conflicts)
        settles = [c for c in conflicts if c.setting.startswith("env.") and c.provisional is not None]
        settings = [f"--set {c.setting}=<value> ({c})" for c in conflicts if c.setting]
        if len(settles) != len(conflicts):
            return Unsettled(error.args[0], settings, None, path=error.path, line=error.line)
        provisional = {c.setting.partition(".")[2]: c.provisional for c in settles}
        build = build_target(ctx.tree, con, tag, {**ctx.options["env"], **provisional}, origin)
        result = self._result(ctx, con, build) if not build.conflicts else None
        if result is not None:
            result.details.insert(0, "PROVISIONAL: planned with the first value of each conflict until they are "
                                     "settled: " + ", ".join(f"{k}={v}" for k, v in provisional.items()))
        return Unsettled(error.args[0], settings, result, path=error.path, line=error.line)


def _carries(ctx: Context, con: Consolidation) -> dict[str, str]:
    """Each merged service's workloads move into the target's: what they called, the target calls."""
    target = f"workload:{con.target.namespace}/{con.target.name}"
    return {w.id: target for w in ctx.origin_graph.records.workloads if w.file in con.files}


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

    def prepare(self, ctx: Context) -> StepResult:
        con = consolidation_of(ctx)
        if not ctx.tree.exists(con.app_file):
            raise MigrateError(f"{con.app_file} does not exist: create-target comes first", path=con.app_file)
        listings = self._listings(con)
        if not listings:
            raise MigrateError("no kustomization lists the merged Applications: nothing registers them")
        changes, details = {}, []
        for n, (kust, refs) in enumerate(listings):
            add = [posixpath.relpath(con.app_file, kust.folder)] if n == 0 else []
            result = EditKustomizationResources.compose(ctx, file=kust.file, remove=[r.raw for r in refs], add=add)
            changes.update(result.changes)
            details += result.details
        listed = {r.path for _, refs in listings for r in refs}
        unlisted = [s for s in con.sources if s.app.file not in listed]
        report = [ReportEntry("note", f"{s.name} was not listed by any kustomization (not synced before the run)",
                              s.app.file, s.app.line) for s in unlisted]
        report += _heading_note(ctx, *listings[0], con.target.name)
        return StepResult(changes, f"Register {con.target.name} in {listings[0][0].file} instead of "
                                   f"{len(con.sources) - len(unlisted)} Applications", details=details, report=report,
                          declared={kust.file for kust, _ in listings})

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


# --- retire-sources -------------------------------------------------------------------------------------
@register_operation
class RetireSources(Operation):
    name = "retire-sources"
    description = ("Remove the merged services' Application files and folders; a folder that holds "
                   "something not merged is kept (and reported).")
    options = {**OPTIONS, "enabled": Option("false: do nothing (--set prune=false keeps the old folders).",
                                            default=True)}

    def prepare(self, ctx: Context) -> StepResult:
        if not ctx.options["enabled"]:
            return StepResult({}, "skipped (prune: false): the merged services' folders are kept", declared=set())
        con = consolidation_of(ctx)
        paths, kept = self._paths(ctx, con)
        result = RemovePaths.compose(ctx, paths=paths)
        return StepResult(result.changes, f"Remove the {len(con.sources)} merged services' Applications and "
                                          "folders", details=result.details, report=kept, declared=set(paths))

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
