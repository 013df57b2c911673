"""``translate-plugins``: what the old ingress controller did for each Ingress, now done by Traefik
Middlewares — or reported as a loss that the user must accept by name.

For every Ingress of a synced app outside the component (see ``sites.Site``), each annotation
of the component's prefix is a ``Feature``; the plugins annotation (``konghq.com/plugins``)
yields one Feature per plugin resource it names. A Service manifest's annotations are features
too (Kong reads them for every route to the Service); what would be a Middleware there is a loss,
since Traefik attaches Middlewares to Ingresses only. The playbook's translation table turns each
into an ``Outcome`` (see ``translators``, ``features``). Then, in one step:

- the prefix annotations go; ``traefik.ingress.kubernetes.io/router.middlewares`` takes the
  place of the first one, listing ``<ns>-<name>@kubernetescrd`` in the features' order (an
  annotations map left empty stays, as ``{}``);
- new Middlewares are written where the app keeps its manifests (see ``middlewares``); an
  identical one that already exists is reused, a different one of the same name is a conflict;
- documents of kinds whose CRD the component installs (KongPlugin, KongClusterPlugin,
  KongConsumer, KongIngress...) leave the other synced apps' files — only those documents; a
  file left empty is deleted and leaves its kustomization;
- every loss (plugin name, kind, what it did, why it is not translated, every place using it;
  see ``losses``) and every "nothing needed" explanation goes into the report and the commit
  message; a plugin labelled ``global: "true"`` ran on every route unnamed, and is a loss too.

The step's own checks: ``losses-accepted`` refuses, printing the exact ``--accept-loss`` flags,
until every loss is accepted; ``loss-report-complete`` compares what was accounted for with
the plugins the dependency graph says synced routes used.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Callable, Iterable

from ..errors import MigrateError
from ..inventory import extensions
from ..playbook import Context, Finding, IntentCheck, Operation, Option, StepResult, register_operation
from ..roundtrip import YamlFile, insert, load, plain, remove, set_scalar
from ..roundtrip.fresh import Layout
from ..roundtrip.nodes import dig, is_map, node_line, text
from .component import Component, edit_resources, is_synced
from .controllers import MIDDLEWARES, SERVERS_TRANSPORT, prefixes
from .features import plugin_doc, settle, translate_site
from .losses import Account, entry, unaccepted
from .middlewares import Placement, existing_middlewares, file_text
from .sites import INGRESS, SERVICE, Site, annotation_sites, ingress_holder
from .translators import Feature, Middleware, Outcome, TranslationTable, lost


# --- the edit -----------------------------------------------------------------------------------
class _Edit:
    """The whole translate-plugins edit, computed once on ``ctx.tree``."""

    def __init__(self, ctx: Context):
        self.ctx, self.inv = ctx, ctx.inventory
        inv, options = self.inv, ctx.options
        self.component = Component.of(ctx, options["component"])
        self.table = TranslationTable(options["translations"])
        self.prefix = prefixes(self.component, options["annotation_prefix"])
        self.files: dict[str, YamlFile] = {}
        self.deleted: set[str] = set()
        self.headers: dict[str, str] = {}
        self.details: list[str] = []
        self.pairs: list[tuple[Feature, Outcome]] = []
        self.accounts: dict[tuple, Account] = {}
        self.refs: dict[Site, list[str]] = {}
        self.service_refs: dict[tuple, str] = {}     # (file, holder) of a Service's annotations -> ServersTransport
        self.new: dict[Placement, dict[tuple[str, str], Middleware]] = defaultdict(dict)
        self.styled_after: dict[Placement, str] = {}   # the file whose layout a new Middleware file copies
        self.resources: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"remove": [], "add": []})
        self.existing = existing_middlewares(inv)
        self.sites = annotation_sites(inv, self.mine, self.ours)
        for site in self.sites:
            self._translate(site)
        self._global_plugins()
        self._report_unsynced()

    # -- which files -------------------------------------------------------------------------
    def mine(self, path: str) -> bool:
        """A synced file the component does not own."""
        return not self.component.owns(self.inv, path) and is_synced(self.ctx, path)

    def ours(self, key: str) -> bool:
        """An annotation of the dropped controller."""
        return key.startswith(self.prefix) or key == self.table.plugins_annotation

    def yaml(self, path: str) -> YamlFile:
        if path not in self.files:
            self.files[path] = load(self.ctx.tree, path)
        return self.files[path]

    # -- translating ---------------------------------------------------------------------------
    def _translate(self, site: Site) -> None:
        refs = self.refs.setdefault(site, [])
        settled = []
        for feature, outcome in translate_site(self.inv, site, self.table, self.prefix):
            service = outcome.middleware is not None and outcome.middleware.attach == "service"
            if service:
                outcome = self._attach_to_service(feature, outcome)
            if outcome.middleware is not None:
                outcome = self._place(feature, outcome)
            if service and outcome.middleware is not None:       # placed: its Service names it
                self.service_refs[self._service_of(feature.site)] = outcome.middleware.ref
            settled.append((feature, outcome))
        losses = {f.name: o for f, o in settled if o.lost}
        for feature, outcome in settled:
            if outcome.read_by in losses:     # read by a translation that could not be made: lost with it
                outcome = lost(f"read by the translation of {outcome.read_by}, which is a loss: "
                               f"{losses[outcome.read_by].why}")
            self.pairs.append((feature, outcome))
            self._account(feature, outcome)
            if outcome.middleware is not None and outcome.middleware.attach == "service":
                self.details.append(f"{site.file}:{feature.line}: {feature.label} -> {outcome.middleware.ref} "
                                    f"({outcome.middleware.kind}, named by the Service)")
            elif outcome.middleware is not None and outcome.middleware.ref not in refs:
                refs.append(outcome.middleware.ref)
                self.details.append(f"{site.file}:{feature.line}: {feature.label} -> {outcome.middleware.ref} "
                                    f"({outcome.middleware.kind_of()})")

    def _attach_to_service(self, feature: Feature, outcome: Outcome) -> Outcome:
        """A ServersTransport is named by the Service the site's routes go to: the site itself (a
        Service), the Service manifest its Ingress routes to, or the ``service`` mapping beside a chart's
        ``ingress`` values; a loss when there is no such place."""
        target = self._service_of(feature.site)
        if target is None:
            return lost(f"a ServersTransport with these timeouts would do it, named by the Service the route goes "
                        f"to ({SERVERS_TRANSPORT}), but migrate cannot find that Service's annotations for "
                        f"{feature.site.label}: add both by hand")
        known = self.service_refs.get(target, outcome.middleware.ref)
        if known != outcome.middleware.ref:
            return lost(f"the Service of {feature.site.label} already takes another ServersTransport ({known})")
        return outcome

    def _service_of(self, site: Site) -> tuple | None:
        """(file, holder) of the annotations of the Service ``site``'s traffic goes to."""
        if site.shape == SERVICE:
            return site.file, site.holder
        if site.shape != INGRESS:
            return None
        index, *keys = site.holder
        if site.owner.startswith("Ingress/"):
            names = {r.service for r in self.inv.routes if (r.file, r.owner) == (site.file, site.owner) and r.service}
            found = [s for s in self.inv.services if s.origin == "manifest" and s.name in names
                     and s.namespace == site.namespace]
            if len(names) != 1 or len(found) != 1:
                return None
            docs = self.inv.docs(found[0].file)
            doc = next((i for i, d in enumerate(docs) if is_map(d) and d.get("kind") == "Service"
                        and text(dig(d, "metadata", "name")) == found[0].name), None)
            return (found[0].file, (doc, "metadata")) if doc is not None else None
        sibling = (*keys[:-1], "service")
        node = dig(self.inv.docs(site.file)[index], *sibling) if keys else None
        return (site.file, (index, *sibling)) if is_map(node) else None

    def _place(self, feature: Feature, outcome: Outcome) -> Outcome:
        """The settled outcome; a Middleware to create is queued for its app's file."""
        outcome, where = settle(self.inv, self.existing, feature, outcome, self.ctx.options["middleware_file"])
        if where is None:
            return outcome
        middleware = outcome.middleware
        self.styled_after.setdefault(where, feature.site.file)
        queued = self.new[where].setdefault(middleware.key, middleware)
        if queued.spec != middleware.spec:
            raise MigrateError(f"two translations want Middleware {middleware.namespace}/{middleware.name} with "
                               f"different settings ({queued.replaces}; {middleware.replaces})", path=feature.site.file,
                               line=feature.line)
        return outcome

    def _account(self, feature: Feature, outcome: Outcome) -> None:
        if outcome.middleware is not None:
            return
        key = (feature.name, outcome.lost) if outcome.lost else (feature.name, json.dumps(feature.value), outcome.why)
        account = self.accounts.setdefault(key, Account(feature, outcome, self.table.explanation(feature)))
        place = (feature.site.file, feature.line)
        if place not in account.places:
            account.places.append(place)

    def _global_plugins(self) -> None:
        """Plugins labelled ``global: "true"`` ran on every route without being named: each is a loss."""
        for plugin in (p for p in self.inv.attachables if is_synced(self.ctx, p.file)):
            doc = plugin_doc(self.inv, plugin)
            if self.component.installs_kind_of(doc) and text(dig(doc, "metadata", "labels", "global")) == "true":
                everywhere = Site(plugin.file, "(every route)", plugin.name, "", (), (), (), plugin.line)
                feature = Feature(plugin.name, plugin.kind, plugin.type or "(none)", plain(dig(doc, "config")),
                                  everywhere, plugin.line, (plugin.file, plugin.line))
                self._account(feature, lost(f"a global plugin (run on every route of {self.component.name}); "
                                            "migrate translates only plugins that Ingresses name"))

    def losses(self) -> list[Account]:
        return [a for a in self.accounts.values() if a.outcome.lost]

    def _report_unsynced(self) -> None:
        unsynced = annotation_sites(self.inv, lambda p: not self.component.owns(self.inv, p)
                                    and not is_synced(self.ctx, p), self.ours)
        for site in unsynced:
            self.ctx.report.add("not-synced", f"{site.label} uses {', '.join(self.prefix)} annotations, but no root "
                                "syncs it: "
                                "left alone", path=site.file, line=site.line)

    # -- writing -------------------------------------------------------------------------------
    def changes(self) -> dict[str, str | None]:
        for site, refs in self.refs.items():
            self._edit_annotations(site, refs)
        for (file, holder_path), ref in self.service_refs.items():
            self._name_servers_transport(file, holder_path, ref)
        self._remove_component_kinds()
        changes: dict[str, str | None] = {p: None if p in self.deleted else _with_header(yf.dump(), self.headers.get(p))
                                          for p, yf in self.files.items()}
        for where, middlewares in self.new.items():
            current = changes.get(where.file, self.ctx.tree.read_text(where.file) if self.ctx.tree.exists(where.file)
                                  else None)
            layout = Layout.of(current or self.ctx.tree.read_text(self.styled_after[where]))
            changes[where.file] = file_text(current, list(middlewares.values()),
                                            f"Traefik Middlewares that replace {self.component.name} plugins and "
                                            "annotations (written by migrate)", layout)
            self.details.append(f"{where.file}: + Middleware " + ", ".join(f"{ns}/{n}" for ns, n in middlewares))
            if where.kustomization:
                self.resources[where.kustomization]["add"].append(where.entry)
        for path, edit in self.resources.items():
            result = edit_resources(self.ctx, self.ctx.tree, path, **edit)
            changes.update(result.changes)
            self.details += result.details
        return changes

    def _edit_annotations(self, site: Site, refs: list[str]) -> None:
        holder = ingress_holder(self.yaml(site.file), site)
        annotations = holder.get("annotations") if holder is not None else None
        if not is_map(annotations):
            raise MigrateError(f"cannot find the annotations of {site.label}", path=site.file, line=site.line)
        gone = [k for k in annotations if str(k).startswith(self.prefix) or str(k) == self.table.plugins_annotation]
        if refs and MIDDLEWARES in annotations:
            listed = [r.strip() for r in str(annotations[MIDDLEWARES]).split(",") if r.strip()]
            set_scalar(annotations, MIDDLEWARES, ",".join(listed + [r for r in refs if r not in listed]))
        elif refs:
            insert(annotations, list(annotations).index(gone[0]), ",".join(refs), key=MIDDLEWARES)
        for key in gone:
            remove(annotations, key)

    def _name_servers_transport(self, file: str, holder_path: tuple, ref: str) -> None:
        """The Service's annotations name the ServersTransport (an ``annotations`` mapping is added if none)."""
        index, *keys = holder_path
        holder = dig(self.yaml(file).docs[index], *keys) if keys else self.yaml(file).docs[index]
        if not is_map(holder):
            raise MigrateError(f"cannot find the Service annotations to name {ref}", path=file)
        if not is_map(holder.get("annotations")):
            insert(holder, len(holder), {SERVERS_TRANSPORT: ref}, key="annotations")
        elif SERVERS_TRANSPORT in holder["annotations"]:
            set_scalar(holder["annotations"], SERVERS_TRANSPORT, ref)
        else:
            insert(holder["annotations"], len(holder["annotations"]), ref, key=SERVERS_TRANSPORT)

    def component_docs(self) -> dict[str, list[int]]:
        """Synced files outside the component -> indices of their documents of the component's kinds."""
        found = {}
        for path in filter(self.mine, self.inv.files.paths):
            doomed = [i for i, d in enumerate(self.inv.docs(path)) if self.component.installs_kind_of(d)]
            if doomed:
                found[path] = doomed
        return found

    def _remove_component_kinds(self) -> None:
        """Only those documents go; the comment block heading the file stays (see ``_with_header``)."""
        for path, doomed in self.component_docs().items():
            docs, yf = self.inv.docs(path), self.yaml(path)
            for index in doomed:
                doc = docs[index]
                self.details.append(f"{path}:{node_line(doc)}: - {doc.get('kind')} {text(dig(doc, 'metadata', 'name'))} "
                                    f"(its CRD goes with {self.component.name})")
            for index in reversed(doomed):
                del yf.docs[index]
            if 0 in doomed and _header(yf.text):
                self.headers[path] = _header(yf.text)
                self.ctx.report.add("note", f"kept the comment heading the file; it may describe the removed "
                                    f"{docs[0].get('kind')}: review it", path=path, line=1)
            if not any(is_map(d) for d in yf.docs):
                self.deleted.add(path)
                for kust in self.inv.kustomizations:
                    self.resources[kust.file]["remove"] += [r.raw for r in kust.resources if r.path == path]

    def declared(self) -> set[str]:
        """Files it may change: Ingress files, files holding the component's kinds (and the kustomizations
        listing them), Middleware files and the kustomizations that must list them."""
        doomed = set(self.component_docs())
        paths = {s.file for s in self.sites} | doomed | {p.file for p in self.new} | {f for f, _ in self.service_refs}
        paths |= {p.kustomization for p in self.new if p.kustomization}
        return paths | {k.file for k in self.inv.kustomizations if any(r.path in doomed for r in k.resources)}


def _header(source: str) -> str:
    """The comment lines heading a file, before its first document (or its first ``---``)."""
    lines = []
    for line in source.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _with_header(text: str, header: str | None) -> str:
    """``text`` still headed by ``header`` (yamlio drops a removed first document's leading comments
    with it; those head the whole file, so they stay)."""
    return text if not header or text.startswith(header) else header + text


# --- the operation ---------------------------------------------------------------------------------
@register_operation
class TranslatePlugins(Operation):
    name = "translate-plugins"
    description = ("Replace the component's annotations and plugin resources by Traefik Middlewares, per a "
                   "translation table; remove its custom resources from other synced apps; report every loss "
                   "and refuse until each is accepted by name.")
    options = {
        "component": Option("The component's Application name.", example="kong", required=True),
        "annotation_prefix": Option("Annotations of this prefix (or these prefixes) belong to the component; "
                                    "default: its controller's (controllers.yaml).", default="",
                                    example="konghq.com/"),
        "translations": Option("The translation table (see migrate.ingress.translators).", default={},
                               example={"plugins_annotation": "konghq.com/plugins",
                                        "annotations": {"konghq.com/strip-path": {"true": "strip-prefix"}},
                                        "plugins": {"cors": "kong-cors"}}),
        "accept_loss": Option("Losses accepted by name (plugin name or annotation).", default=[],
                              example=["lumie-jwt"]),
        "middleware_file": Option("Where an app's new Middlewares go, relative to its kustomization.",
                                  default="manifests/traefik-middlewares.yaml"),
    }

    def prepare(self, ctx: Context) -> StepResult:
        edit = _Edit(ctx)
        declared = edit.declared()
        accepted = set(ctx.options["accept_loss"])
        changes = edit.changes()
        losses = edit.losses()
        report = [*(entry("loss", a.loss_text(a.feature.name in accepted), a, a.feature.name in accepted)
                    for a in losses),
                  *(entry("note", a.note_text(), a) for a in edit.accounts.values() if not a.outcome.lost)]
        for name in sorted(accepted - {a.feature.name for a in losses}):
            ctx.report.add("note", f"{name} was accepted as a loss, but nothing of that name is lost")
        made = sum(len(m) for m in edit.new.values())
        summary = (f"Translate {edit.component.name} annotations and plugins to {made} Traefik Middleware(s); "
                   f"{len(losses)} loss(es), each accepted by name")
        checks = [IntentCheck("losses-accepted", lambda _: unaccepted(losses, accepted)),
                  IntentCheck("loss-report-complete", _completeness(ctx, edit))]
        return StepResult(changes, summary, details=edit.details, report=report, checks=checks, declared=declared)


def _completeness(ctx: Context, edit: _Edit) -> Callable[[Context], Iterable[Finding]]:
    """Every plugin a synced route used (per the graph before the step) and every prefix annotation of
    a synced route (per the inventory) is translated, needs nothing, or is in the loss report."""
    graph, inv = ctx.graph, ctx.inventory
    accounted = {f.name for f, _ in edit.pairs}
    defined = {f.defined for f, _ in edit.pairs if f.defined}
    accounted_nodes = {a.id for a in inv.attachables if (a.file, a.line) in defined}
    style = extensions.attachment(edit.table.plugins_annotation)
    node_kinds = {extensions.attachable(k).node_kind for k in style.kinds} if style else set()

    def check(_: Context) -> Iterable[Finding]:
        for source, target, data in graph.edges("uses-plugin"):
            name = target.rpartition(":")[2].rpartition("/")[2]
            if target.partition(":")[0] in node_kinds and edit.mine(data["file"]) and target not in accounted_nodes \
                    and name not in accounted:
                yield Finding(f"{source} used plugin {name}, which the loss report does not account for",
                              data["file"], data["line"])
        for route in (r for r in inv.routes if edit.mine(r.file)):
            for key, _ in route.annotations:
                if key.startswith(edit.prefix) and key != edit.table.plugins_annotation and key not in accounted:
                    yield Finding(f"annotation {key} is not accounted for", route.file, route.annotation_line(key))
    return check


