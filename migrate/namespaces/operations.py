"""``move-namespace``: several Applications into one namespace, every address of theirs with them (see ``plan``)."""

from __future__ import annotations

import re
from typing import Iterable

from ..playbook import Context, Finding, IntentCheck, Operation, Option, ReportEntry, StepResult, register_operation
from ..render.manifests import cluster_scoped
from ..roundtrip import is_yaml_path, line_of, read_docs
from ..roundtrip.nodes import plain, strings
from ..engine.objects import field_changes
from ..errors import YamlError
from .addresses import Address, NamespaceRefs, addresses, mentions, namespace_fields
from .plan import Moved, check_collisions, owners_of, plan_namespace, selected


@register_operation
class MoveNamespace(Operation):
    name = "move-namespace"
    description = ("Move Applications into one namespace: destination, kustomize and Helm namespaces, manifests, "
                   "namespace-qualified names, and every <svc>.<namespace>.svc address of theirs in the repository.")
    options = {
        "apps": Option("The Applications to move, by name.", default=[], example=["grading-svc", "report-svc"],
                       required=True),
        "namespace": Option("The namespace they share afterwards.", example="lumie-worker", required=True),
    }

    def prepare(self, ctx: Context) -> StepResult:
        namespace = ctx.options["namespace"]
        apps = [a for a in selected(ctx, list(ctx.options["apps"]), namespace) if a.old != namespace]
        if not apps:
            return StepResult({}, f"{', '.join(ctx.options['apps'])} already in {namespace}", declared=set())
        check_collisions(ctx, apps, namespace)
        plan = plan_namespace(ctx, apps, namespace)
        refs = NamespaceRefs.of(ctx.graph.view, apps)
        found = addresses(ctx.graph.view, apps, namespace, refs)
        details = [f"{a.name}: {a.old} -> {namespace}" + (f" (Services {', '.join(a.services)})" if a.services else "")
                   for a in apps] + [f"rewrite {r}" for r in plan.rewrites]
        report = [ReportEntry("note", message, path, line) for message, path, line in plan.notes]
        report += _volumes(ctx, apps, namespace)
        callers = sorted(ctx.graph.view.apps[i].name for i in _callers(ctx, apps, plan))
        return StepResult(
            plan.changes, f"Move {', '.join(a.name for a in apps)} into namespace {namespace}", details=details,
            report=report, declared=set(plan.changes),
            checks=[IntentCheck("old-addresses-gone", lambda after: _old_addresses(after, apps, found)),
                    IntentCheck("new-namespace-created", lambda after: _created(after, apps, namespace)),
                    IntentCheck("only-the-namespace-changes", lambda after: _only_namespace(
                        ctx, after, apps, namespace, plan, found, refs))],
            advice={"no-new-dangling": "A Secret or ConfigMap they read may stay in the old namespace (see the "
                                       "report): copy it into the new one, or move what makes it, then run again"},
            # a caller's objects change only in the addresses (and generated names): only-the-namespace-changes says so
            objects=({"change": "any", "app": callers},) if callers else ())


def _volumes(ctx: Context, apps: list[Moved], namespace: str) -> list[ReportEntry]:
    """A PersistentVolumeClaim that changes namespace is a new claim: a new, empty volume (say so, per claim)."""
    out, view = [], ctx.graph.view
    for app in apps:
        render = view.renders.get(app.id)
        for obj in render.objects if render else []:
            if obj.identity[1] == "PersistentVolumeClaim" and obj.namespace == app.old:
                out.append(ReportEntry("note", f"PersistentVolumeClaim {obj.identity[3]} of {app.name} moves from "
                                       f"{app.old} to {namespace}: Kubernetes binds a new, empty volume. Copy its data "
                                       f"(or restore a backup) before the old claim is pruned",
                                       obj.located.file, line_of(obj.located.doc)))
    return out


def _old_addresses(ctx: Context, apps: list[Moved], found: list[Address]) -> Iterable[Finding]:
    """No YAML value names an old address of a moved object; no object of theirs is left in an old namespace."""
    for path in ctx.tree.paths() if found else ():
        if not is_yaml_path(path):
            continue
        try:
            if not mentions(ctx.tree.read_text(path), found):
                continue
            docs = read_docs(ctx.tree, path).docs
        except (UnicodeDecodeError, YamlError):
            continue
        for container, key, value in (item for doc in docs for item in strings(doc)):
            if any(a.pattern.search(value) for a in found):
                yield Finding(f"still calls an old address: {value}", path=path, line=line_of(container, key))
    view = ctx.graph.view
    for app in apps:
        render = view.renders.get(app.id)
        for obj in render.objects if render else []:
            if obj.namespace == app.old:
                yield Finding(f"{obj.identity[1]} {obj.identity[3]} of {app.name} is still in {app.old}",
                              path=obj.located.file, line=line_of(obj.located.doc))


def _created(ctx: Context, apps: list[Moved], namespace: str) -> Iterable[Finding]:
    """Something synced makes ``namespace``: a Namespace object, or an Application that deploys there with
    CreateNamespace=true (an ApplicationSet's Application counts: its sync options are its template's)."""
    view = ctx.graph.view
    for app_id in view.synced:
        app = view.apps.get(app_id)
        if app is not None and app.dest_namespace == namespace and (app.creates_namespace or app.generated_by):
            return
        render = view.renders.get(app_id)
        if any(o.identity[1] == "Namespace" and o.identity[3] == namespace for o in (render.objects if render else [])):
            return
    own = next((a for a in apps if not a.generated_by), None)    # a generated one's sync options are its template's
    manifest = f"a Namespace {namespace} manifest in the kustomization of {apps[0].name}"
    yield Finding(f"nothing synced creates namespace {namespace}: add "
                  + (f"`CreateNamespace=true` to the syncOptions of {own.name}, or {manifest}" if own else manifest)
                  + ", in a commit of its own, then run again", path=(own or apps[0]).file,
                  line=getattr(view.apps.get((own or apps[0]).id), "line", None))


def _only_namespace(before: Context, after: Context, apps: list[Moved], namespace: str, plan,
                    found: list[Address], refs: NamespaceRefs) -> Iterable[Finding]:
    """Each object a moved Application rendered is rendered again in ``namespace``, equal but for its namespace
    and the rewritten addresses (but the Namespace manifests the move removed: the new namespace is made once);
    each object of an Application that calls them is rendered again equal but for the addresses."""
    dropped = {p for p, t in plan.changes.items() if t is None}
    for app in apps:
        yield from _compare(before, after, app.id, app.old, namespace, dropped, found, refs)
    for app_id in _callers(before, apps, plan):
        yield from _compare(before, after, app_id, None, namespace, plan.own_files, found, refs)


def _callers(ctx: Context, apps: list[Moved], plan) -> list[str]:
    """The Applications that stay whose render reads a file changed for the addresses it calls."""
    owners, moving = owners_of(ctx), {a.id for a in apps}
    return sorted({i for path in plan.callers for i in owners.get(path, ())} - moving)


def _compare(before: Context, after: Context, app_id: str, own: str | None, namespace: str, skip: set[str],
             found: list[Address], refs: NamespaceRefs) -> Iterable[Finding]:
    """``own``: the Application's old namespace when it moves (None for a caller); objects from ``skip`` files
    are not compared (a caller's Applications of moved ones: their destination is the playbook's rule)."""
    old_render, new_render = before.graph.view.renders.get(app_id), after.graph.view.renders.get(app_id)
    if old_render is None or new_render is None:
        return
    label = before.graph.view.apps[app_id].name
    scoped = cluster_scoped([o.doc for o in old_render.objects])
    key = (lambda i: (i[0], i[1], i[3])) if own else (lambda i: i)
    rendered = {key(o.identity): o for o in new_render.objects}
    hashed = _generated_names(old_render.objects, new_render.objects)
    for obj in old_render.objects:
        group, kind, ns, name = obj.identity
        if obj.located.file in skip and (own is None or kind == "Namespace"):
            continue
        again = rendered.get(key((group, kind, ns, hashed.get(name, name))))
        renamed = again is None and own is not None and kind == "Namespace" and name == own
        again = rendered.get(key((group, kind, ns, namespace))) if renamed else again   # its Namespace became the new one
        if again is None:
            yield Finding(f"{kind} {name} of {label} is not rendered after the move",
                          path=obj.located.file, line=line_of(obj.located.doc))
            continue
        want = _renamespaced(plain(obj.doc), own, namespace, kind in scoped, hashed, found, refs)
        if renamed:
            want["metadata"]["name"] = namespace
        expected, got = _without_checksums(want), _without_checksums(plain(again.doc))
        if expected != got:
            first = next(iter(field_changes(expected, got, secret=kind == "Secret")), None)
            yield Finding(f"{kind} {name} of {label} changes beyond " + ("its namespace and " if own else "")
                          + "the addresses" + (f" ({first}: expected before the arrow, rendered after it)" if first else ""),
                          path=again.located.file, line=line_of(again.located.doc))


_HASHED = re.compile(r"^(.+)-[a-z0-9]{10}$")


def _generated_names(old: list, new: list) -> dict[str, str]:
    """A kustomize generator's ConfigMap or Secret whose content changed (an address rewritten) has a new
    hash suffix: old name -> new name, paired by what comes before the hash."""
    def by_prefix(objects) -> dict[tuple[str, str], str]:
        return {(o.identity[1], m.group(1)): o.identity[3] for o in objects if o.identity[1] in ("ConfigMap", "Secret")
                and (m := _HASHED.match(o.identity[3]))}
    after = by_prefix(new)
    return {name: after[key] for key, name in by_prefix(old).items() if key in after and after[key] != name}


def _renamespaced(doc, own: str | None, namespace: str, cluster: bool, hashed: dict[str, str],
                  found: list[Address], refs: NamespaceRefs):
    """``doc`` as the move should make it: its namespace, the references that follow it, and every old
    address of a moved object, rewritten."""
    def walk(node, meta=False):
        if isinstance(node, dict):
            if meta and own:   # a moved Application's chart printing its namespace (.Release.Namespace) in them
                node = {k: {n: namespace if t == own else t for n, t in v.items()}
                        if k in ("annotations", "labels") and isinstance(v, dict) else v for k, v in node.items()}
            return {k: namespace if k == "namespace" and isinstance(v, str) and refs.follows(node, v, own, meta)
                    else walk(v, k == "metadata" and node is doc) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            if node in hashed:
                return hashed[node]
            for address in found:
                node = address.sub(node)
        return node

    out = walk(doc)
    for container, key, value in list(namespace_fields(out)):
        if refs.empties(value):
            container[key] = namespace
    if own and not cluster and isinstance(out.get("metadata"), dict) and out["metadata"].get("namespace") == own:
        out["metadata"]["namespace"] = namespace
    return out


def _without_checksums(doc):
    """A chart's config checksums (``checksum/*`` annotations) change with any value: not compared."""
    if isinstance(doc, dict):
        return {k: _without_checksums(v) for k, v in doc.items() if not str(k).startswith("checksum/")}
    if isinstance(doc, list):
        return [_without_checksums(v) for v in doc]
    return doc
