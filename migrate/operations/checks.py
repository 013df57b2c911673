"""Checks any playbook can list: ``unchanged`` and ``not-synced``."""

from __future__ import annotations

from typing import Iterable

from ..playbook import Check, Context, Finding, Option, register_check
from ..repo.paths import normpath


@register_check
class Unchanged(Check):
    name = "unchanged"
    description = "The given files and folders are byte-identical to what they were before the run."
    options = {"paths": Option("Files or folders that must not change.", default=[], example=["bootstrap/vault"],
                               required=True)}

    def check(self, ctx: Context) -> Iterable[Finding]:
        for given in map(normpath, ctx.options["paths"]):
            before, after = _files_under(ctx.origin, given), _files_under(ctx.tree, given)
            for path in sorted(before.keys() | after.keys()):
                if before.get(path) != after.get(path):
                    yield Finding(f"changed, but the playbook says {given} stays untouched", path=path)


def _files_under(tree, path: str) -> dict[str, str]:
    files = [path] if tree.exists(path) else tree.listdir(path) if path else tree.paths()
    return {p: tree.read_text(p) for p in files}


@register_check
class NotSynced(Check):
    name = "not-synced"
    description = "None of the given Applications is reachable from a root App-of-Apps."
    options = {"applications": Option("Application names.", default=[], example=["exam-svc"], required=True)}

    def check(self, ctx: Context) -> Iterable[Finding]:
        synced, known = ctx.graph.synced_applications(), ctx.graph.known_names()
        for asked in ctx.options["applications"]:
            # a component is known by other names too (ingress-nginx: the Application installing that chart)
            name = known[asked].name if asked not in synced and asked in known else asked
            if name != asked and name in synced:
                app = known[asked]
                yield Finding(f"Application {name} also installs {asked} and is still synced from a root: a second "
                              f"installation (another cluster's?). Take it out first, in a run of its own that names "
                              f"{name}, then run this one again", path=app.file, line=app.line)
            elif name in synced:
                app = ctx.inventory.application(name)
                yield Finding(f"Application {name} is still synced from a root",
                              path=getattr(app, "file", None), line=getattr(app, "line", None))
