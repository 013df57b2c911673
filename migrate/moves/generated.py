"""Applications an ApplicationSet generates from a moved folder must still be generated, by the same name.

A git generator finds folders by pattern (``my-apps/*/*``) and often names its Applications after them
(``apps-{{path.basename}}``): moving a folder to where no pattern matches makes Argo CD delete the
Applications it generated, with their objects; moving it under another name makes it delete them and
create others. ``check_generated`` expands each such ApplicationSet again on the tree after the move
(the same expansion the graph uses): an Application it would no longer make refuses the move, naming the
ApplicationSet and its patterns; one it would make under another name is accepted only when
``rename_apps`` asks for exactly that rename.
"""

from __future__ import annotations

from ..errors import MigrateError, YamlError
from ..render.appsets import Expander
from ..render.gotemplate import GoTemplates
from ..render.tools import Tools
from ..roundtrip import read_docs
from ..roundtrip.nodes import as_map, is_map, is_seq, text
from .paths import Move


def check_generated(ctx, move: Move, changes: dict[str, str | None], renames: dict[str, str]) -> dict[str, str]:
    """The renames the ApplicationSets make themselves (old -> new, each asked for in ``renames``);
    MigrateError for an Application one of them would stop generating, rename unasked, generate twice,
    or start generating from the moved folder (a second Application for objects another one deploys)."""
    view = ctx.graph.view
    moved: dict[str, dict[str, str]] = {}        # appset id -> {generated name: its moved source path}
    for app in view.apps.values():
        paths = [move.moved(p) for p in app.source_paths if move.moved(p) is not None]
        if app.generated_by in view.appsets and paths:
            moved.setdefault(app.generated_by, {})[app.name] = paths[0]
    records = {i: r for i, r in view.appsets.items() if not isinstance(r, str)}   # a rendered one: its file only
    if not records:
        return {}
    after = ctx.tree.with_changes(changes)
    tools = Tools.detect()
    templates = GoTemplates(tools) if not tools.reason else None
    expander, earlier = (Expander(tree.paths(), tree.read_text, ctx.inventory.self_urls,
                                  list(ctx.inventory.config.clusters), templates) for tree in (after, ctx.tree))
    done: dict[str, str] = {}
    for appset_id, record in sorted(records.items()):
        path = move.moved(record.file) or record.file
        try:
            doc = read_docs(after, path).docs[record.doc]
        except (YamlError, IndexError):
            continue     # the verification after the step names what broke the file
        where = f"ApplicationSet {record.name} generates Applications from {', '.join(_patterns(doc)) or 'its generators'}"
        made = _made(expander.expand(doc, path).applications, move, where, record)
        names = moved.get(appset_id, {})
        done.update(_follow(names, made, renames, move, where, record))
        before = {_name(a) for a in earlier.expand(read_docs(ctx.tree, record.file).docs[record.doc],
                                                   record.file).applications}
        extra = sorted(n for n, spec in made.items() if n not in before and n not in done.values()
                       and _names_path(spec, move.new))
        if extra:
            raise MigrateError(
                f"{where}; at {move.new} it would also generate {', '.join(extra)}: a second Application for what is "
                f"moved there, and the two would fight over its objects. Choose a `to` these patterns do not match, "
                f"or exclude it in the generator (an entry with `exclude: true`) in a commit of its own first",
                path=record.file, line=record.line)
    return done


def _made(applications, move: Move, where: str, record) -> dict[str, str]:
    """Generated name -> its spec (as text); MigrateError for a name made twice from the moved folder."""
    made: dict[str, str] = {}
    for app in applications:
        name, spec = _name(app), repr(as_map(app.get("spec")))
        if name in made and (_names_path(spec, move.new) or _names_path(made[name], move.new)):
            raise MigrateError(
                f"{where}; at {move.new} it would generate two Applications named {name} (the name its template "
                f"builds from the path is the same for both): choose a `to` that keeps the names apart, or change "
                f"how the template names them, in a commit of its own first", path=record.file, line=record.line)
        made[name] = spec
    return made


def _follow(names: dict[str, str], made: dict[str, str], renames: dict[str, str], move: Move, where: str,
            record) -> dict[str, str]:
    """The moved Applications the ApplicationSet still makes: under their names, or renamed as asked."""
    done, gone, unasked = {}, [], {}
    for name, source in sorted(names.items()):
        if name in made:
            continue
        instead = next((n for n, spec in made.items() if source in spec and n not in names), None)
        if instead is not None and renames.get(name) == instead:
            done[name] = instead
        elif instead is None:
            gone.append(name)
        else:
            unasked[name] = instead
    if gone:
        raise MigrateError(
            f"{where}; at {move.new} it would no longer generate {', '.join(gone)}, and Argo CD would delete them "
            f"with their objects. Choose a `to` these patterns match, or change the generator (its directories) "
            f"in a commit of its own first", path=record.file, line=record.line)
    if unasked:
        flags = " ".join(f"--set rename_apps.{old}={new}" for old, new in unasked.items())
        raise MigrateError(
            f"{where}, named after their paths; at {move.new} it would rename "
            f"{', '.join(f'{old} to {new}' for old, new in unasked.items())}: Argo CD deletes an Application "
            f"whose name goes and creates the new one. If that is meant, pass {flags}; else choose a `to` that "
            f"keeps the names", path=record.file, line=record.line)
    return done


def _names_path(spec: str, folder: str) -> bool:
    """The spec (as text) names ``folder`` or a path below it."""
    return f"'{folder}'" in spec or f"'{folder}/" in spec


def _name(app) -> str:
    return text(as_map(app.get("metadata")).get("name")) or ""


def _patterns(node) -> list[str]:
    """The path patterns of every git generator below ``node`` (matrix and merge ones too)."""
    found = []
    if is_map(node):
        git = node.get("git")
        if is_map(git):
            for key in ("directories", "files"):
                found += [str(as_map(e).get("path")) for e in (git.get(key) if is_seq(git.get(key)) else ())
                          if is_map(e) and not as_map(e).get("exclude")]
        for value in node.values():
            found += _patterns(value) if value is not git else []
    elif is_seq(node):
        for item in node:
            found += _patterns(item)
    return found
