"""Intent checks of a consolidation (consolidate-backend lists them; they run after every step).

Each compares the repository before the run (``ctx.origin``) with the state after the step,
finding the merged services by name in the origin (options as for the operations):

- ``routes-preserved``: every route (host, path) a merged service served is served by
  exactly one synced route, to that service or to the target, with the same class and
  annotations (references to attachables compared without their namespace);
  the target serves no route that none of them declared (a merged service nothing synced
  counts: its routes go live with the target);
- ``env-preserved``: the target's env names = the merged services' env names minus the
  entries that only called each other (dropped, now in-process);
- ``vault-paths-preserved``: every vault path a merged service's secrets read, a secret of
  the target still reads.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..inventory import extensions
from ..inventory.records import Route, Workload
from ..playbook import Check, Context, Finding, register_check
from .env import peer_call
from .selection import OPTIONS, Consolidation, consolidation_of


def _origin(ctx: Context) -> Consolidation:
    return consolidation_of(ctx, origin=True)


def _synced(ctx: Context, graph, path: str) -> bool:
    return graph.is_synced(graph.node_for_path(path))


@register_check
class RoutesPreserved(Check):
    name = "routes-preserved"
    description = ("Every route of the merged services is served exactly once, by the service or the target, "
                   "with the same class and annotations; the target serves no other route.")
    options = dict(OPTIONS)

    def check(self, ctx: Context) -> Iterable[Finding]:
        con = _origin(ctx)
        before = [r for r in ctx.origin_inventory.routes
                  if r.file in con.files and _synced(ctx, ctx.origin_graph, r.file)]
        now = defaultdict(list)
        for route in ctx.inventory.routes:
            if _synced(ctx, ctx.graph, route.file):
                now[(route.host, route.path)].append(route)
        target = (con.target.namespace, con.target.name)
        for old in before:
            # Served by the service itself or by the target; other owners of the same (host, path),
            # if the repo has any, were there before the run and are not this check's business.
            served = [r for r in now.get((old.host, old.path), [])
                      if (r.namespace, r.service) in ((old.namespace, old.service), target)]
            if len(served) != 1:
                yield Finding(f"route {old.host}{old.path} of {old.service} is served {len(served)} times now "
                              "(expected once)", *(_place(served[1]) if len(served) > 1 else (old.file, old.line)))
                continue
            new = served[0]
            if _style(new) != _style(old):
                yield Finding(f"route {old.host}{old.path} is now served with class/annotations {_style(new)}, "
                              f"before {_style(old)}", new.file, new.line)
        # A merged service nothing synced serves its routes through the target now (register-target says so).
        known = {(r.host, r.path) for r in ctx.origin_inventory.routes if r.file in con.files}
        for route in ctx.inventory.routes:
            if (route.namespace, route.service) == target and (route.host, route.path) not in known:
                yield Finding(f"the target serves {route.host}{route.path}, which no merged service served",
                              route.file, route.line)


def _place(route: Route) -> tuple[str, int]:
    return route.file, route.line


def _style(route: Route) -> tuple:
    """Class and annotations of a route; references to attachables of its namespace without it."""
    annotations = dict(route.annotations)
    for style in extensions.attachments():
        if style.annotation in annotations:
            refs = [r.strip() for r in annotations[style.annotation].split(",")]
            local = [(r, style.local_name(r, route.namespace)) for r in refs]
            annotations[style.annotation] = ",".join(r if name is None else style.reference(r, name, "<ns>")
                                                     for r, name in local)
    return route.class_name, tuple(sorted(annotations.items()))


@register_check
class EnvPreserved(Check):
    name = "env-preserved"
    description = ("The target's env names are the merged services' env names minus the entries that only "
                   "called each other (dropped: the calls are in-process now).")
    options = dict(OPTIONS)

    def check(self, ctx: Context) -> Iterable[Finding]:
        con = _origin(ctx)
        values = {s.values for s in con.sources}
        before = [w for w in ctx.origin_inventory.workloads if w.file in values]
        target = self._target(ctx, con)
        if target is None:
            yield Finding(f"the target has no workload {con.target.name} in {con.target.namespace}",
                          con.values_file)
            return
        kept = {e.name for w in before for e in w.env if peer_call(e.value, con.peers) != "all"}
        dropped = {e.name for w in before for e in w.env} - kept
        now = {e.name: e for e in target.env}
        for workload in before:
            for env in workload.env:
                if env.name in kept and env.name not in now:
                    yield Finding(f"env {env.name} of {workload.name} is missing from the target", env.file, env.line)
        for name, env in now.items():
            if name not in kept and name not in dropped:
                yield Finding(f"env {name} of the target comes from no merged service", env.file, env.line)

    @staticmethod
    def _target(ctx: Context, con: Consolidation) -> Workload | None:
        return next((w for w in ctx.inventory.workloads if (w.namespace, w.name) ==
                     (con.target.namespace, con.target.name)), None)


@register_check
class VaultPathsPreserved(Check):
    name = "vault-paths-preserved"
    description = "Every vault path the merged services' secrets read is still read by a secret of the target."
    options = dict(OPTIONS)

    def check(self, ctx: Context) -> Iterable[Finding]:
        con = _origin(ctx)
        own = set(con.target_paths())
        now = {(s.vault_mount, s.vault_path) for s in ctx.inventory.secrets
               if s.file in own and s.namespace == con.target.namespace}
        for secret in ctx.origin_inventory.secrets:
            if secret.file in con.files and secret.vault_path and (secret.vault_mount, secret.vault_path) not in now:
                yield Finding(f"vault path {secret.vault_mount}/{secret.vault_path} ({secret.name}) is read by no "
                              f"secret of {con.target.name}", secret.file, secret.line)
