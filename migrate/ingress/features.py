"""Features: what a controller did for an Ingress site, each with what becomes of it (an ``Outcome``).

For a site (see ``sites``), each annotation of the component's prefix is a ``Feature``; the
plugins annotation (``konghq.com/plugins``) yields one Feature per plugin resource it names.
The playbook's translation table turns each into an Outcome (see ``translators``);
``settle`` places a Middleware outcome (reuse an identical one, create it where the app keeps
its manifests, or lose it when the app has nowhere to hold it).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from ..errors import MigrateError
from ..inventory import Inventory, extensions
from ..inventory.records import Attachable
from ..roundtrip import plain
from ..roundtrip.nodes import dig, text
from .middlewares import Existing, Placement, placement
from .sites import INGRESS, SERVICE, Site
from .translators import Feature, Outcome, TranslationTable, lost, not_needed

MISSING = "missing plugin"   # the kind of a Feature naming a plugin resource the repo does not have


def plugin_doc(inv: Inventory, plugin: Attachable) -> Any:
    """The document defining a plugin resource."""
    return next((d for d in inv.docs(plugin.file) if text(dig(d, "kind")) == plugin.kind
                 and text(dig(d, "metadata", "name")) == plugin.name), None)


def plugin_config(inv: Inventory, plugin: Attachable) -> Any:
    """What a plugin resource is set to, as plain data: a KongPlugin's ``config``, a Middleware's spec of its type."""
    doc = plugin_doc(inv, plugin)
    if dig(doc, "config") is not None:
        return plain(dig(doc, "config"))
    return plain(dig(doc, "spec", plugin.type)) if plugin.type else None


def _plugin(inv: Inventory, namespace: str, ref: str, annotation: str) -> Attachable | None:
    """The plugin resource an Ingress in ``namespace`` names through ``annotation``, resolved the way that
    annotation's controller resolves it (a KongPlugin of the namespace, else a KongClusterPlugin; a
    Traefik ``<ns>-<name>@kubernetescrd`` Middleware)."""
    style = extensions.attachment(annotation)
    if style is None:
        return None
    known = [(p.namespace, p.name) for p in inv.attachables if p.kind in style.kinds]
    for candidate in style.candidates(ref, namespace, known) or ():
        found = next((p for p in inv.attachables if p.kind in style.kinds and (p.namespace, p.name) == candidate),
                     None)
        if found is not None:
            return found
    return None


def site_features(inv: Inventory, site: Site, table: TranslationTable, prefix: str) -> list[Feature]:
    """The features ``site`` uses, in annotation order (plugins in the order they are listed)."""
    features = []
    for key, value in site.annotations:
        line = site.line_of(key)
        if key == table.plugins_annotation:
            for name in (n.strip() for n in value.split(",") if n.strip()):
                plugin = _plugin(inv, site.namespace, name, key)
                if plugin is None:
                    features.append(Feature(name, MISSING, "(none)", None, site, line))
                else:
                    features.append(Feature(name, plugin.kind, plugin.type or "(none)", plugin_config(inv, plugin),
                                            site, line, (plugin.file, plugin.line)))
        elif key.startswith(prefix):
            features.append(Feature(key, "annotation", key, value, site, line))
    return features


def translate_site(inv: Inventory, site: Site, table: TranslationTable, prefix: str) -> list[tuple[Feature, Outcome]]:
    """Each feature of ``site`` with its outcome (annotations another translation reads need nothing)."""
    pairs = [(f, lost("no plugin resource of that name exists") if f.kind == MISSING
              else _on_site(site, table.translate(f))) for f in site_features(inv, site, table, prefix)]
    readers = {key: f.name for f, o in pairs for key in o.consumes}
    return [(f, replace(not_needed(f"read by the translation of {readers[f.name]}"), read_by=readers[f.name])
             if f.kind == "annotation" and f.name in readers and readers[f.name] != f.name else o)
            for f, o in pairs]


def _on_site(site: Site, outcome: Outcome) -> Outcome:
    """A Middleware outcome is for an Ingress: on a Service the controller ran it on every route to the
    Service (Traefik attaches Middlewares to routes only); anywhere else nothing reads it."""
    if outcome.middleware is None or site.shape == INGRESS or outcome.middleware.attach != "router":
        return outcome
    if site.shape == SERVICE:
        return lost(f"set on {site.owner}, so the controller ran it on every route to it; "
                    f"{outcome.middleware.described()} would do it, but Traefik attaches Middlewares to "
                    "Ingresses: add one to theirs by hand")
    return lost(f"set on {site.owner}, which is not an Ingress or a Service: nothing on the Traefik side reads it")


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
        return lost(f"{middleware.described()} would do it, but the app deploying {feature.site.file} "
                    "has no kustomization or manifests folder to hold one"), None
    return outcome, where


