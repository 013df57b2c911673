"""``translate-plugins``: what the old ingress controller did for each Ingress, now done by Traefik
Middlewares — or reported as a loss that the user must accept by name.

For every Ingress of a synced app outside the component (see ``ingress.Site``), each annotation
of the component's prefix is a ``Feature``; the plugins annotation (``konghq.com/plugins``)
yields one Feature per plugin resource it names. A Service manifest's annotations are features
too (Kong reads them for every route to the Service); what would be a Middleware there is a loss,
since Traefik attaches Middlewares to Ingresses only. The playbook's translation table turns each
into an ``Outcome`` (see ``translators``). Then, in one step:

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

Check ``plugins-accounted`` (for playbooks): on the tree after the step, no synced Ingress keeps an
annotation of the prefix, and every feature that synced Ingresses used before the run and that
translates to a Middleware is referenced by that Ingress and defined, with exactly the
translated settings, by a synced file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Callable, Iterable, Mapping

from .. import kinds
from ..context import Context
from ..errors import MigrateError
from ..freshyaml import Layout
from ..inventory import Inventory
from ..playbook import plain
from ..records import Plugin
from ..yamlio import YamlFile, insert, load, remove, set_scalar
from ..yamlnav import dig, is_map, node_line, text
from .base import (Check, Finding, IntentCheck, Operation, Option, StepResult, register_check,
                   register_operation)
from .component import Component, edit_resources, is_synced
from .ingress import Site, ingress_holder, ingress_sites, service_sites
from .losses import Account, entry, unaccepted
from .middlewares import Existing, Placement, existing_middlewares, file_text, placement
from .translators import Feature, Middleware, Outcome, TranslationTable, lost, not_needed

MIDDLEWARES = kinds.TRAEFIK_MIDDLEWARES_ANNOTATION
MISSING = "missing plugin"   # the kind of a Feature naming a plugin resource the repo does not have


# --- features and their outcomes ---------------------------------------------------------------
def _plugin_doc(inv: Inventory, plugin: Plugin) -> Any:
    """The document defining a plugin resource."""
    return next((d for d in inv.docs(plugin.file) if text(dig(d, "kind")) == plugin.kind
                 and text(dig(d, "metadata", "name")) == plugin.name), None)


def plugin_config(inv: Inventory, plugin: Plugin) -> Any:
    """The ``config`` of a plugin resource, as plain data."""
    return plain(dig(_plugin_doc(inv, plugin), "config"))


def _plugin(inv: Inventory, namespace: str, name: str) -> Plugin | None:
    """The plugin resource an Ingress in ``namespace`` names: namespaced first, then cluster-wide."""
    candidates = [p for p in inv.plugins if p.kind != kinds.MIDDLEWARE_KIND and p.name == name]
    return next((p for p in candidates if p.namespace == namespace), None) or \
        next((p for p in candidates if p.namespace is None), None)


def site_features(inv: Inventory, site: Site, table: TranslationTable, prefix: str) -> list[Feature]:
    """The features ``site`` uses, in annotation order (plugins in the order they are listed)."""
    features = []
    for key, value in site.annotations:
        line = site.line_of(key)
        if key == table.plugins_annotation:
            for name in (n.strip() for n in value.split(",") if n.strip()):
                plugin = _plugin(inv, site.namespace, name)
                if plugin is None:
                    features.append(Feature(name, MISSING, "(none)", None, site, line))
                else:
                    features.append(Feature(name, plugin.kind, plugin.plugin or "(none)", plugin_config(inv, plugin),
                                            site, line, (plugin.file, plugin.line)))
        elif key.startswith(prefix):
            features.append(Feature(key, "annotation", key, value, site, line))
    return features


def translate_site(inv: Inventory, site: Site, table: TranslationTable, prefix: str) -> list[tuple[Feature, Outcome]]:
    """Each feature of ``site`` with its outcome (annotations another translation reads need nothing)."""
    pairs = [(f, lost("no plugin resource of that name exists") if f.kind == MISSING
              else _on_site(site, table.translate(f))) for f in site_features(inv, site, table, prefix)]
    readers = {key: f.name for f, o in pairs for key in o.consumes}
    return [(f, not_needed(f"read by the translation of {readers[f.name]}")
             if f.kind == "annotation" and f.name in readers and readers[f.name] != f.name else o)
            for f, o in pairs]


def _on_site(site: Site, outcome: Outcome) -> Outcome:
    """A Middleware outcome for a Service is a loss: Kong ran it on every route to the Service,
    Traefik attaches Middlewares to routes (Ingresses) only."""
    if outcome.middleware is None or site.owner.startswith(("Ingress/", "values:")):
        return outcome
    return lost(f"set on {site.owner}, so Kong ran it on every route to it; a {outcome.middleware.kind_of()} "
                "Middleware would do it, but Traefik attaches Middlewares to Ingresses: add one to theirs by hand")


def settle(inv: Inventory, existing: Mapping[tuple[str, str], Existing], feature: Feature, outcome: Outcome,
           middleware_file: str) -> tuple[Outcome, Placement | None]:
    """A Middleware outcome once placed: (outcome, None) when an identical Middleware exists, (outcome,
    placement) when it is to be created, (loss, None) when the app has nowhere to hold it."""
    middleware = outcome.middleware
    found = existing.get(middleware.key)
    if found is not None:
        if found.spec != middleware.spec:
            raise MigrateError(f"Middleware {middleware.namespace}/{middleware.name} exists with other settings "
                               f"than the translation of {feature.label}", path=found.file, line=found.line)
        return outcome, None
    where = placement(inv, feature.site.file, middleware_file)
    if where is None:
        return lost(f"a {middleware.kind_of()} Middleware would do it, but the app deploying {feature.site.file} "
                    "has no kustomization or manifests folder to hold one"), None
    return outcome, where


# --- the edit -----------------------------------------------------------------------------------
class _Edit:
    """The whole translate-plugins edit, computed once on ``ctx.tree``."""

    def __init__(self, ctx: Context):
        self.ctx, self.inv = ctx, ctx.inventory
        inv, options = self.inv, ctx.options
        self.component = Component.find(inv, options["component"])
        self.table = TranslationTable(options["translations"])
        self.prefix = options["annotation_prefix"]
        self.files: dict[str, YamlFile] = {}
        self.deleted: set[str] = set()
        self.headers: dict[str, str] = {}
        self.details: list[str] = []
        self.pairs: list[tuple[Feature, Outcome]] = []
        self.accounts: dict[tuple, Account] = {}
        self.refs: dict[Site, list[str]] = {}
        self.new: dict[Placement, dict[tuple[str, str], Middleware]] = defaultdict(dict)
        self.styled_after: dict[Placement, str] = {}   # the file whose layout a new Middleware file copies
        self.resources: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"remove": [], "add": []})
        self.existing = existing_middlewares(inv)
        self.sites = [s for s in (*ingress_sites(inv, self.mine), *service_sites(inv, self.mine))
                      if self._uses_prefix(s)]
        for site in self.sites:
            self._translate(site)
        self._global_plugins()
        self._report_unsynced()

    # -- which files -------------------------------------------------------------------------
    def mine(self, path: str) -> bool:
        """A synced file the component does not own."""
        return not self.component.owns(self.inv, path) and is_synced(self.ctx, path)

    def _uses_prefix(self, site: Site) -> bool:
        return any(key.startswith(self.prefix) or key == self.table.plugins_annotation for key, _ in site.annotations)

    def yaml(self, path: str) -> YamlFile:
        if path not in self.files:
            self.files[path] = load(self.ctx.tree, path)
        return self.files[path]

    # -- translating ---------------------------------------------------------------------------
    def _translate(self, site: Site) -> None:
        refs = self.refs.setdefault(site, [])
        for feature, outcome in translate_site(self.inv, site, self.table, self.prefix):
            if outcome.middleware is not None:
                outcome = self._place(feature, outcome)
            self.pairs.append((feature, outcome))
            self._account(feature, outcome)
            if outcome.middleware is not None and outcome.middleware.ref not in refs:
                refs.append(outcome.middleware.ref)
                self.details.append(f"{site.file}:{feature.line}: {feature.label} -> {outcome.middleware.ref} "
                                    f"({outcome.middleware.kind_of()})")

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
        for plugin in (p for p in self.inv.plugins if is_synced(self.ctx, p.file)):
            doc = _plugin_doc(self.inv, plugin)
            if self.component.installs_kind_of(doc) and text(dig(doc, "metadata", "labels", "global")) == "true":
                everywhere = Site(plugin.file, "(every route)", plugin.name, "", (), (), (), plugin.line)
                feature = Feature(plugin.name, plugin.kind, plugin.plugin or "(none)", plain(dig(doc, "config")),
                                  everywhere, plugin.line, (plugin.file, plugin.line))
                self._account(feature, lost(f"a global plugin (run on every route of {self.component.name}); "
                                            "migrate translates only plugins that Ingresses name"))

    def losses(self) -> list[Account]:
        return [a for a in self.accounts.values() if a.outcome.lost]

    def _report_unsynced(self) -> None:
        unsynced = ingress_sites(self.inv, lambda p: not self.component.owns(self.inv, p) and not is_synced(self.ctx, p))
        for site in (s for s in unsynced if self._uses_prefix(s)):
            self.ctx.report.add("not-synced", f"{site.label} uses {self.prefix} annotations, but no root syncs it: "
                                "left alone", path=site.file, line=site.line)

    # -- writing -------------------------------------------------------------------------------
    def changes(self) -> dict[str, str | None]:
        for site, refs in self.refs.items():
            self._edit_annotations(site, refs)
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
        holder = ingress_holder(self.yaml(site.file), site.owner)
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
        paths = {s.file for s in self.sites} | doomed | {p.file for p in self.new}
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
        "annotation_prefix": Option("Annotations of this prefix belong to the component.", example="konghq.com/",
                                    required=True),
        "translations": Option("The translation table (see migrate.operations.translators).", default={},
                               example={"plugins_annotation": "konghq.com/plugins",
                                        "annotations": {"konghq.com/strip-path": {"true": "strip-prefix"}},
                                        "plugins": {"cors": "kong-cors"}}),
        "accept_loss": Option("Losses accepted by name (plugin name or annotation).", default=[],
                              example=["lumie-jwt"]),
        "middleware_file": Option("Where an app's new Middlewares go, relative to its kustomization.",
                                  default="manifests/traefik-middlewares.yaml"),
    }

    def __init__(self) -> None:
        self._edit: tuple[int, _Edit] | None = None

    def plan(self, ctx: Context) -> _Edit:
        if self._edit is None or self._edit[0] != id(ctx.tree):
            self._edit = (id(ctx.tree), _Edit(ctx))
        return self._edit[1]

    def declare(self, ctx: Context) -> set[str]:
        return self.plan(ctx).declared()

    def apply(self, ctx: Context) -> StepResult:
        edit = self.plan(ctx)
        accepted = set(ctx.options["accept_loss"])
        changes = edit.changes()
        losses = edit.losses()
        report = [*(entry("loss", a.loss_text(a.feature.name in accepted), a) for a in losses),
                  *(entry("note", a.note_text(), a) for a in edit.accounts.values() if not a.outcome.lost)]
        for name in sorted(accepted - {a.feature.name for a in losses}):
            ctx.report.add("note", f"{name} was accepted as a loss, but nothing of that name is lost")
        made = sum(len(m) for m in edit.new.values())
        summary = (f"Translate {edit.component.name} annotations and plugins to {made} Traefik Middleware(s); "
                   f"{len(losses)} loss(es), each accepted by name")
        checks = [IntentCheck("losses-accepted", lambda _: unaccepted(losses, accepted)),
                  IntentCheck("loss-report-complete", _completeness(ctx, edit))]
        return StepResult(changes, summary, details=edit.details, report=report, checks=checks)


def _completeness(ctx: Context, edit: _Edit) -> Callable[[Context], Iterable[Finding]]:
    """Every plugin a synced route used (per the graph before the step) and every prefix annotation of
    a synced route (per the inventory) is translated, needs nothing, or is in the loss report."""
    graph, inv = ctx.graph, ctx.inventory
    accounted = {f.name for f, _ in edit.pairs}

    def check(_: Context) -> Iterable[Finding]:
        for source, target, data in graph.edges("uses-plugin"):
            name = target.rpartition(":")[2].rpartition("/")[2]
            if target.startswith("plugin:") and edit.mine(data["file"]) and name not in accounted:
                yield Finding(f"{source} used plugin {name}, which the loss report does not account for",
                              data["file"], data["line"])
        for route in (r for r in inv.routes if edit.mine(r.file)):
            for key, _ in route.annotations:
                if key.startswith(edit.prefix) and key != edit.table.plugins_annotation and key not in accounted:
                    yield Finding(f"annotation {key} is not accounted for", route.file, route.annotation_line(key))
    return check


# --- plugins-accounted -------------------------------------------------------------------------------
@register_check
class PluginsAccounted(Check):
    name = "plugins-accounted"
    description = ("No synced Ingress keeps an annotation of the prefix; every feature it used that translates to "
                   "a Middleware is referenced and defined by a synced file with exactly the translated settings.")
    options = {key: TranslatePlugins.options[key] for key in ("component", "annotation_prefix", "translations",
                                                              "middleware_file")}

    def check(self, ctx: Context) -> Iterable[Finding]:
        before, after, options = ctx.origin_inventory, ctx.inventory, ctx.options
        component = Component.find(before, options["component"])
        table, prefix = TranslationTable(options["translations"]), options["annotation_prefix"]
        origin = ctx.at(ctx.origin)
        sites = ingress_sites(before, lambda p: not component.owns(before, p) and is_synced(origin, p))
        now = {(s.file, s.owner): s for s in ingress_sites(after, lambda p: is_synced(ctx, p))}
        middlewares = {k: m for k, m in existing_middlewares(after).items() if is_synced(ctx, m.file)}
        existed = existing_middlewares(before)
        for site in sites:
            current = now.get((site.file, site.owner))
            if current is None:
                yield Finding(f"{site.label} is gone", site.file, site.line)
                continue
            for key in (k for k, _ in current.annotations if k.startswith(prefix) or k == table.plugins_annotation):
                yield Finding(f"{site.label} still has annotation {key}", current.file, current.line_of(key))
            for feature, outcome in translate_site(before, site, table, prefix):
                if outcome.middleware is not None:
                    outcome = settle(before, existed, feature, outcome, options["middleware_file"])[0]
                yield from _accounted(feature, outcome, current, middlewares)


def _accounted(feature: Feature, outcome: Outcome, current: Site, middlewares: Mapping) -> Iterable[Finding]:
    """What does not hold for one feature used before the run, on the site as it is now."""
    where = (feature.site.file, feature.line)
    middleware = outcome.middleware
    if middleware is None:
        return
    listed = [r.strip() for r in (current.annotation(MIDDLEWARES) or "").split(",")]
    found = middlewares.get(middleware.key)
    if middleware.ref not in listed:
        yield Finding(f"{feature.site.label} does not reference {middleware.ref} (replacing {feature.label})", *where)
    elif found is None:
        yield Finding(f"Middleware {middleware.namespace}/{middleware.name} (replacing {feature.label}) is not "
                      "defined by a synced file", *where)
    elif found.spec != middleware.spec:
        yield Finding(f"Middleware {middleware.namespace}/{middleware.name} does not carry the settings of "
                      f"{feature.label}", found.file, found.line)
