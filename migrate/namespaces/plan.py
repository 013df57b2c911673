"""Moving Applications into one namespace: what decides each one's namespace, and who calls them there.

``plan_namespace(ctx, names, namespace)`` answers the edit, in memory, from the graph's view of what
each Application renders:

- in the Application's own files and every file its render reads (``AppRender.inputs``): the
  Application's ``destination.namespace``, and every ``namespace`` key holding its old namespace —
  kustomize ``namespace:`` and ``helmCharts[].namespace``, Helm values (``common.namespace``),
  manifests' ``metadata.namespace``; namespace-qualified names (Traefik's ``<ns>-<name>@kubernetescrd``);
- in every YAML file of the repository: the DNS names of the Services they render,
  ``<svc>.<old-ns>.svc[.cluster.local]``, wherever they are written (a consumer's env, a monolith's
  values, a CI parameter); comments naming them are reported.

It refuses what would break: a file that also decides another Application's namespace, and objects
that would share a name in the new namespace (both sources shown). Secrets and ConfigMaps the
workloads read move with them when the Applications make them; one another Application makes is
named as needing a copy in the new namespace.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from ..errors import MigrateError, UsageError, YamlError
from ..inventory.kustomizations import is_kustomization_file
from ..operations.kustomization_resources import EditKustomizationResources
from ..render.manifests import cluster_scoped
from ..roundtrip import YamlFile, is_yaml_path, line_of, load, set_scalar, substitute
from ..roundtrip.lines import comment_part
from ..roundtrip.nodes import is_map, strings
from .addresses import Address, NamespaceRefs, addresses, is_namespace_parameter, mentions, namespace_fields

_SECRET_KINDS = {"Secret", "ConfigMap"}


@dataclass(frozen=True)
class Moved:
    """One Application that changes namespace: its name, id, file, old namespace and its Services."""

    name: str
    id: str
    file: str
    old: str
    services: tuple[str, ...]
    inputs: frozenset[str]
    generated_by: str | None = None      # the ApplicationSet (or Application) whose template makes it


@dataclass
class NamespacePlan:
    apps: list[Moved] = field(default_factory=list)
    changes: dict[str, str | None] = field(default_factory=dict)
    rewrites: list[str] = field(default_factory=list)     # "file:line: old -> new"
    namespace_made: bool = False                           # a moved Namespace object now makes the new namespace
    own_files: set[str] = field(default_factory=set)       # files that decide a moved Application's namespace
    callers: set[str] = field(default_factory=set)         # files changed only for the addresses they call
    notes: list[tuple[str, str, int | None]] = field(default_factory=list)   # (message, file, line)


def selected(ctx, names: list[str], namespace: str) -> list[Moved]:
    """The Applications named, each with its old namespace and Services (UsageError for an unknown name)."""
    view, out = ctx.graph.view, []
    for name in names:
        app = ctx.inventory.application(name) or next((a for a in view.apps.values() if a.name == name), None)
        if app is None:
            known = sorted({a.name for a in view.apps.values()})
            raise UsageError(f"apps: no Application {name!r} in the repository (Applications: "
                             f"{', '.join(known[:15])}{'…' if len(known) > 15 else ''})")
        render = view.renders.get(app.id)
        objects = render.objects if render else []
        old = app.dest_namespace or _rendered_namespace(app, objects)
        services = tuple(sorted({o.identity[3] for o in objects if o.identity[1] == "Service" and o.namespace == old}))
        out.append(Moved(name, app.id, app.file, old, services, frozenset(render.inputs if render else ()),
                         app.generated_by))
    return out


def _rendered_namespace(app, objects) -> str:
    """The one namespace an Application without ``destination.namespace`` renders into (its kustomization's
    ``namespace:``, its manifests'); MigrateError when there are none or several."""
    found = sorted({o.namespace for o in objects if o.namespace})
    if len(found) == 1:
        return found[0]
    if not found:
        raise MigrateError(f"Application {app.name} names no destination namespace and renders no namespaced object: "
                           f"set spec.destination.namespace first, then run again", path=app.file, line=app.line)
    raise MigrateError(f"Application {app.name} renders into several namespaces ({', '.join(found[:8])}"
                       f"{'…' if len(found) > 8 else ''}): this moves one namespace per Application. Split it into "
                       f"an Application per namespace first, in a commit of its own, then run again",
                       path=app.file, line=app.line)


def check_collisions(ctx, apps: list[Moved], namespace: str) -> None:
    """MigrateError when two objects would have the same kind and name in ``namespace`` (both sources shown)."""
    view = ctx.graph.view
    moving = {a.id for a in apps}
    seen: dict[tuple, tuple[str, str, int]] = {}
    everything = [(view.apps[i].name, o) for i in sorted(view.synced) if i in view.renders
                  for o in view.renders[i].objects]
    scoped = cluster_scoped([o.doc for _, o in everything])
    for app_id in [*sorted(moving), *sorted(i for i in view.synced if i not in moving)]:
        render = view.renders.get(app_id)
        for obj in render.objects if render else []:
            group, kind, ns, name = obj.identity
            if kind in scoped or (app_id not in moving and ns != namespace):
                continue
            key = (group, kind, name)
            here = (view.apps[app_id].name, obj.located.file, line_of(obj.located.doc) or 1)
            if key in seen and seen[key][0] != here[0]:
                first = seen[key]
                raise MigrateError(
                    f"{kind} {name} would be in {namespace} twice: from Application {first[0]} ({first[1]}:{first[2]}) "
                    f"and from Application {here[0]} ({here[1]}:{here[2]}). Rename one of them first, in a commit of "
                    f"its own, then run again", path=here[1], line=here[2])
            seen.setdefault(key, here)


def plan_namespace(ctx, apps: list[Moved], namespace: str) -> NamespacePlan:
    """See module doc."""
    plan = NamespacePlan(apps=apps)
    owners, refs = owners_of(ctx), NamespaceRefs.of(ctx.graph.view, apps)
    for app in apps:
        own = set() if app.generated_by else {app.file}    # a generated one's destination is its template's
        decided = len(plan.rewrites)
        for path in sorted(app.inputs | own):
            if is_yaml_path(path):   # the Application's own file: what deploys it reads it, and should see the change
                others = set() if path == app.file else owners.get(path, set()) - {a.id for a in apps}
                _own_file(ctx, plan, app, path, namespace, others, refs)
        if app.generated_by and len(plan.rewrites) == decided:
            maker = ctx.graph.view.apps.get(app.generated_by) or ctx.graph.view.appsets.get(app.generated_by)
            kustomized = any(is_kustomization_file(p) for p in app.inputs)
            way = (f"add `namespace: {app.old}` to its kustomization in a commit of its own (or change the template)"
                   if kustomized else "change the template in a commit of its own, so that each Application it makes "
                   "gets its namespace from a value of its own (a generator element, a file of the Application's "
                   "folder); migrate then moves this one")
            raise MigrateError(
                f"Application {app.name} is made by {getattr(maker, 'name', app.generated_by)}, whose template decides "
                f"its destination namespace for every Application it makes, and none of its own files names "
                f"{app.old}: {way}, then run again", path=getattr(maker, "file", None), line=getattr(maker, "line", None))
    found, generated = addresses(ctx.graph.view, apps, namespace, refs), _rendered_text(ctx, owners)
    for path in ctx.tree.paths():
        if is_yaml_path(path) and _consumers(ctx, plan, path, found, refs, namespace):
            continue
        if found:    # not YAML, or YAML only once rendered (a chart's template): line by line
            _text_consumers(ctx, plan, path, found, rendered=path in generated)
    plan.callers = {p for p in plan.changes if p not in plan.own_files and plan.changes[p] is not None}
    _secrets(ctx, plan, apps, namespace)
    return plan


def _rendered_text(ctx, owners: dict[str, set[str]]) -> set[str]:
    """The files a render reads as text: kustomize generators' ``files``/``envs``, and a local chart's files."""
    out = {r.path for k in ctx.inventory.kustomizations for r in k.resources if r.role == "generator"}
    charts = {posixpath.dirname(p) for p in ctx.tree.paths() if posixpath.basename(p) == "Chart.yaml"}
    return out | {p for p in owners if any(p.startswith(c + "/") or not c for c in charts)}


def owners_of(ctx) -> dict[str, set[str]]:
    """Repo file -> the ids of the Applications whose render reads it."""
    owners: dict[str, set[str]] = {}
    for app_id, render in ctx.graph.view.renders.items():
        for path in render.inputs:
            owners.setdefault(path, set()).add(app_id)
    return owners


def _yaml(ctx, plan: NamespacePlan, path: str):
    """The file's editable documents (the plan's text when an earlier edit changed it)."""
    if path in plan.changes:
        return YamlFile.parse(plan.changes[path], path=path)
    return load(ctx.tree, path)


def _own_file(ctx, plan: NamespacePlan, app: Moved, path: str, namespace: str, others: set[str],
              refs: NamespaceRefs) -> None:
    try:
        yf = _yaml(ctx, plan, path)
        docs = yf.docs
    except YamlError:
        return
    edits = []
    for doc in docs:    # the Namespace object of the old namespace becomes the new one's (once: one maker)
        meta = doc.get("metadata") if is_map(doc) and doc.get("kind") == "Namespace" else None
        if is_map(meta) and meta.get("name") == app.old:
            if not plan.namespace_made:
                edits.append((meta, "name", app.old, namespace))
                plan.namespace_made = True
                plan.notes.append((f"Namespace {app.old} becomes {namespace}: once the move is synced Argo CD prunes "
                                   f"{app.old}, and whatever is still in it goes with it", path, line_of(meta, "name")))
            else:
                _drop_namespace_file(ctx, plan, app, path, len(docs), namespace)
                return
    metas = {id(d.get("metadata")) for d in docs if is_map(d)}
    for container, key, value in _strings(docs):
        if key == "namespace" and refs.follows(container, value, app.old, meta=id(container) in metas):
            edits.append((container, key, value, namespace))
        elif key == "namespace" and (keeper := refs.kept_by(container, value)):
            plan.notes.append((f"namespace: {value} names {container.get('name')}, which Application {keeper} keeps "
                               f"in {value}: left as it is", path, line_of(container, key)))
        elif key == "value" and value == app.old and is_namespace_parameter(container):
            edits.append((container, key, value, namespace))
    if not edits:
        return
    if others:
        names = sorted(ctx.graph.view.apps[i].name for i in others)
        raise MigrateError(f"this file decides the namespace of {app.name} and also of {', '.join(names)}, which "
                           f"stay: give {app.name} its own copy first, in a commit of its own, then run again",
                           path=path, line=line_of(edits[0][0], edits[0][1]))
    for container, key, value, new in edits:
        plan.rewrites.append(f"{path}:{line_of(container, key)}: {value} -> {new}")
        set_scalar(container, key, new)
    plan.changes[path] = yf.dump()
    plan.own_files.add(path)


def _drop_namespace_file(ctx, plan: NamespacePlan, app: Moved, path: str, count: int, namespace: str) -> None:
    """A second moved Application's Namespace manifest: one Application makes the new namespace, so this one
    leaves its kustomization (else both would own it, and kustomize names them both after the new one)."""
    listing = next(((k, r) for k in ctx.inventory.kustomizations for r in k.resources
                    if r.path == path and r.role == "resource"), None)
    if count != 1 or listing is None:
        raise MigrateError(f"this Namespace {app.old} of {app.name} would become a second Namespace {namespace} (another "
                           f"moved Application makes it): move it to a file of its own, listed in the kustomization's "
                           f"resources, in a commit of its own, then run again", path=path)
    kust, ref = listing
    edit = EditKustomizationResources.compose(ctx.at(ctx.tree.with_changes(plan.changes)), file=kust.file, remove=[ref.raw])
    plan.changes.update(edit.changes)
    plan.own_files.update(edit.changes)
    plan.changes[path] = None
    plan.rewrites.append(f"{path}: removed (Namespace {app.old}: {namespace} is made once, by {plan.apps[0].name})")
    plan.notes.append((f"Namespace {app.old} leaves {app.name}: once the move is synced Argo CD prunes it, and whatever is "
                       f"still in it goes with it", path, 1))


def _consumers(ctx, plan: NamespacePlan, path: str, found: list[Address], refs: NamespaceRefs,
               namespace: str) -> bool:
    """A YAML file anywhere: the old addresses in its values, and the ``{name, namespace}`` maps that name an
    object a moved Application makes, follow; a comment naming an old address is reported. False when the
    file does not parse as YAML."""
    if path in plan.changes and plan.changes[path] is None:     # a file the move removes
        return True
    text = plan.changes.get(path) or _read(ctx, path)
    if text is None or not any(old in text for old in refs.olds):
        return True
    try:
        yf = _yaml(ctx, plan, path)
        docs = yf.docs
    except YamlError:
        return False
    changed = False
    for container, key, value in (item for doc in docs for item in namespace_fields(doc)):
        if value in refs.olds and refs.empties(value):
            plan.rewrites.append(f"{path}:{line_of(container, key)}: {value} -> {namespace}")
            set_scalar(container, key, namespace)
            changed = True
        elif value in refs.olds:
            plan.notes.append((f"this names namespace {value}, where Applications stay: left as it is (if it is meant "
                               f"for the ones that move, add {namespace} beside it)", path, line_of(container, key)))
    metas, noted = {id(d.get("metadata")) for d in docs if is_map(d)}, False
    for container, key, value in _strings(docs):
        if key == "namespace" and id(container) in metas:     # an object of this file's own, not a reference
            if refs.follows(container, value, None) and not noted:
                noted = True
                plan.notes.append((f"{container.get('name')} in {value} is also defined here, in a file no moved "
                                   "Application renders: left as it is", path, line_of(container, key)))
            new = None
        elif key == "namespace" and refs.follows(container, value, None):
            set_scalar(container, key, namespace)
            new = namespace
        else:
            new = None
            for address in found:
                new = substitute(container, key, address.pattern, address.new) or new
        if new is not None:
            plan.rewrites += _shown(path, line_of(container, key), value, container[key])
            changed = True
    out = yf.dump() if changed else text
    if changed:
        plan.changes[path] = out
    for number, line in enumerate(out.splitlines(), 1):
        if any(a.pattern.search(comment_part(line)) for a in found):
            plan.notes.append((f"a comment names an old address (not rewritten): {line.strip()}", path, number))
    return True


def _shown(path: str, line: int | None, old: str, new: str) -> list[str]:
    """The rewrite as the reviewer reads it: a multi-line value (a block scalar) by its changed lines."""
    if "\n" not in old or line is None:
        return [f"{path}:{line}: {old} -> {new}"]
    return [f"{path}:{line + 1 + i}: {a.strip()} -> {b.strip()}"
            for i, (a, b) in enumerate(zip(old.splitlines(), new.splitlines())) if a != b]


def _text_consumers(ctx, plan: NamespacePlan, path: str, found: list[Address], rendered: bool) -> None:
    """A file that is not YAML: one a render reads (a kustomize generator's ``.env``) is rewritten line by
    line, any other (a runbook, a script) only reported."""
    text = _read(ctx, path)
    if text is None or not mentions(text, found):
        return
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, 1):
        new = line
        for address in found:
            new = address.sub(new)
        if new == line:
            continue
        if rendered:
            plan.rewrites.append(f"{path}:{number}: {line.strip()} -> {new.strip()}")
            lines[number - 1] = new
        else:
            plan.notes.append((f"a line of a file migrate does not edit names an old address: {line.strip()}",
                               path, number))
    if rendered and "".join(lines) != text:
        plan.changes[path] = "".join(lines)


def _read(ctx, path: str) -> str | None:
    try:
        return ctx.tree.read_text(path)
    except UnicodeDecodeError:
        return None


def _secrets(ctx, plan: NamespacePlan, apps: list[Moved], namespace: str) -> None:
    """Name the Secrets and ConfigMaps the workloads read: made by the Applications (they move), or by
    another one (it needs a copy in ``namespace``)."""
    view = ctx.graph.view
    moving = {a.id for a in apps}
    makers: dict[tuple[str, str, str], str] = {}
    for app_id in view.synced:
        for obj in view.renders[app_id].objects if app_id in view.renders else []:
            for kind, name in _made(obj.doc):
                makers.setdefault((kind, obj.namespace or "", name), app_id)
    for app in apps:
        render = view.renders.get(app.id)
        read = sorted({r for o in (render.objects if render else []) for r in _read_by(o.doc)})
        for kind, name in read:
            maker = makers.get((kind, app.old, name))
            if maker is None or maker in moving:
                continue
            plan.notes.append((f"{kind} {name}, which {app.name} reads, is made by Application "
                               f"{view.apps[maker].name} in {app.old}: it needs a copy in {namespace}", app.file, None))


def _made(doc: dict) -> list[tuple[str, str]]:
    """The Secrets/ConfigMaps an object is or makes (a VaultStaticSecret's or ExternalSecret's target)."""
    kind = doc.get("kind")
    name = str((doc.get("metadata") or {}).get("name") or "")
    if kind in _SECRET_KINDS:
        return [(kind, name)]
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    target = (spec.get("destination") or spec.get("target") or {}) if isinstance(spec, dict) else {}
    if isinstance(target, dict) and target.get("name"):
        return [("Secret", str(target["name"]))]
    return []


def _read_by(doc) -> set[tuple[str, str]]:
    """(kind, name) of the Secrets and ConfigMaps a workload reads (env, envFrom, volumes)."""
    found: set[tuple[str, str]] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, kind in (("secretKeyRef", "Secret"), ("secretRef", "Secret"), ("configMapKeyRef", "ConfigMap"),
                              ("configMapRef", "ConfigMap"), ("configMap", "ConfigMap")):
                ref = node.get(key)
                if isinstance(ref, dict) and ref.get("name"):
                    found.add((kind, str(ref["name"])))
            secret = node.get("secret")
            if isinstance(secret, dict) and secret.get("secretName"):
                found.add(("Secret", str(secret["secretName"])))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if doc.get("kind") not in _SECRET_KINDS:
        walk(doc.get("spec"))
    return found


def _strings(docs):
    return (item for doc in docs for item in strings(doc))
