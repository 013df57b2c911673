"""``move-folder``: move a folder (or a file) of Applications and rewrite every reference to it (see ``paths``)."""

from __future__ import annotations

import re
from typing import Iterable

from ..errors import MigrateError, UsageError, YamlError
from ..inventory.applications import repo_url_key
from ..playbook import Context, Finding, IntentCheck, Operation, Option, ReportEntry, StepResult, register_operation
from ..repo.paths import normpath
from ..roundtrip import YamlFile, is_yaml_path, line_of, read_docs, set_scalar
from ..roundtrip.nodes import as_map, is_map
from .generated import check_generated
from .paths import Finder, Move, MovePlan, plan_move


@register_operation
class MoveFolder(Operation):
    name = "move-folder"
    description = ("Move a folder (or a file) of Applications; every string naming a moved path follows, "
                   "relative paths whose depth changes too, comments naming it are reported.")
    options = {
        "from": Option("The folder (or file) to move, repo-relative.", example="applications/lumie/ai", required=True),
        "to": Option("Where it goes.", example="applications/lumie/worker", required=True),
        "rename_apps": Option("Applications to rename on the way, old name -> new name (names stay by default).",
                              default={}, example={"ai-svc": "worker-ai-svc"}),
    }

    def prepare(self, ctx: Context) -> StepResult:
        move = _move(ctx.options["from"], ctx.options["to"])
        self_urls = ctx.inventory.self_urls
        local = lambda url: repo_url_key(url) in self_urls      # noqa: E731  (is this repoURL this repository?)
        plan = plan_move(ctx.tree, move, local)
        renames = dict(ctx.options["rename_apps"])
        by_generator = check_generated(ctx, move, plan.changes, renames)
        moved_apps = _moved_apps(ctx, move)
        report = [ReportEntry("note", f"{m.what}: {m.text}", m.path, m.line) for m in plan.mentions]
        report += _rename(ctx, plan, move, {old: new for old, new in renames.items() if old not in by_generator})
        report += [ReportEntry("note", f"Application {old} becomes {new}: its ApplicationSet names it after its "
                               f"path. {_RENAMED}") for old, new in by_generator.items()]
        synced = ctx.graph.synced_applications()
        keep = sorted(renames.get(a.name, a.name) for a in moved_apps if a.name in synced)
        keep += sorted(new for old, new in by_generator.items() if old in synced)
        details = [f"move {move.old}{'/' if move.old not in plan.moved else ''} -> {move.new} "
                   f"({len(plan.moved)} file(s); git records renames)"]
        details += [f"rewrite {r}" for r in plan.rewrites]
        details += [f"rename Application {old} -> {new}" for old, new in renames.items()]
        rewritten = {r.path for r in plan.rewrites}
        return StepResult(
            plan.changes, f"Move {move.old} to {move.new}", details=details, report=report,
            declared={move.old, move.new} | {p for p in plan.changes if p not in plan.moved and p not in rewritten} | rewritten,
            checks=[IntentCheck("old-path-unreferenced", lambda after: _old_path_named(after, move, local)),
                    IntentCheck("moved-apps-synced", lambda after: _not_synced(after, keep))],
            advice={"no-new-dangling": _DANGLING},
            objects=tuple([{"change": "changed", "to": sorted({_literal(r.new) for r in plan.rewrites})}]
                          if plan.rewrites else []) + tuple(rule for old, new in renames.items() for rule in (
                {"change": "removed", "kind": "Application", "name": old},
                {"change": "added", "kind": "Application", "name": new})))


def _literal(value: str) -> str:
    """``value`` as a glob that matches only itself (an object rule's ``to``: a rewritten value, exactly)."""
    return re.sub(r"([*?\[])", r"[\1]", value)


def _move(given_from: str, given_to: str) -> Move:
    try:
        return Move(normpath(given_from), normpath(given_to))
    except MigrateError as exc:
        raise UsageError(f"from/to: {exc.args[0]}") from None


def _moved_apps(ctx: Context, move: Move) -> list:
    """The Applications whose file or source path moves."""
    return [a for a in ctx.inventory.applications if not a.generated_by and (
        move.moved(a.file) is not None or any(move.moved(p) is not None for p in a.source_paths))]


def _rename(ctx: Context, plan: MovePlan, move: Move, renames: dict) -> list[ReportEntry]:
    """Rename the Applications ``renames`` names (in the move's texts); what Argo CD will do, as notes."""
    notes = []
    for old, new in renames.items():
        app = ctx.inventory.application(old)
        if app is None or app.generated_by:
            known = sorted(a.name for a in ctx.inventory.applications if not a.generated_by)
            raise UsageError(f"rename_apps: no Application {old!r} has a file in the repository "
                             f"(Applications: {', '.join(known[:12])}{'…' if len(known) > 12 else ''})")
        path = move.moved(app.file) or app.file
        text = plan.changes.get(path) or ctx.tree.read_text(app.file)
        yf = YamlFile.parse(text, path=path)
        meta = as_map(yf.docs[app.doc]).get("metadata")
        if not is_map(meta) or meta.get("name") != old:
            raise MigrateError(f"cannot find metadata.name {old!r} of the Application here", path=path, line=app.line)
        line = line_of(meta, "name")
        set_scalar(meta, "name", new)
        plan.changes[path] = yf.dump()
        notes.append(ReportEntry("note", f"Application {old} becomes {new}. {_RENAMED}", path, line))
    return notes


_DANGLING = ("Something still makes the old path that migrate does not read as one (a chart template that "
             "builds it from a name, a script): make it a value the template reads as a path (a `path:` key) in a "
             "commit of its own, then run again; or move this folder by hand")
_RENAMED = ("Argo CD deletes the old Application and creates the new one, which adopts the objects; with a "
            "resources-finalizer on the old one, Argo CD deletes its objects first: remove the finalizer from the "
            "live Application before syncing")


_ELSEWHERE = (" — in a source whose repoURL migrate takes for another repository, so the move left it; if that "
              "URL is this repository's (a mirror, the URL before a migration), list it under repo_urls in "
              ".migrate/config.yaml and plan again")


def _old_path_named(ctx: Context, move: Move, local) -> Iterable[Finding]:
    """No YAML value of the tree names the old path any more; one the move left because it is in a source of
    another repository says how to tell migrate that URL is this repository's."""
    finder, needle = Finder(ctx.origin, move, local), move.old     # what is a path: as the tree before the run has them
    for path in ctx.tree.paths():
        if not is_yaml_path(path):
            continue
        try:
            text = ctx.tree.read_text(path)
        except UnicodeDecodeError:
            continue
        if needle not in text:
            continue
        try:
            docs = read_docs(ctx.tree, path).docs
        except YamlError:
            continue    # a file that does not parse holds no values (the move reported its lines)
        for container, key, value, elsewhere in finder.named(docs):
            yield Finding(f"still names {move.old}: {value}" + (_ELSEWHERE if elsewhere else ""), path=path,
                          line=line_of(container, key))


def _not_synced(ctx: Context, names: list[str]) -> Iterable[Finding]:
    """Every moved Application that was synced is synced after the move."""
    synced = ctx.graph.synced_applications()
    for name in names:
        if name not in synced:
            app = ctx.inventory.application(name)
            yield Finding(f"Application {name} was synced before the move and no root reaches it now",
                          path=getattr(app, "file", None), line=getattr(app, "line", None))
