"""Check ``plugins-accounted``: every feature a synced Ingress used is still served.

On the tree after the step, no synced Ingress keeps an annotation of the prefix, and every
feature that synced Ingresses used before the run and that translates to a Middleware is
referenced by that Ingress and defined, with exactly the translated settings, by a synced file.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..playbook import Check, Context, Finding, register_check
from .component import Component, is_synced
from .controllers import MIDDLEWARES, prefixes
from .features import settle, translate_site
from .middlewares import existing_middlewares
from .sites import Site, annotation_sites
from .translate import TranslatePlugins
from .translators import Feature, Outcome, TranslationTable


@register_check
class PluginsAccounted(Check):
    name = "plugins-accounted"
    description = ("No synced Ingress keeps an annotation of the prefix; every feature it used that translates to "
                   "a Middleware is referenced and defined by a synced file with exactly the translated settings.")
    options = {key: TranslatePlugins.options[key] for key in ("component", "annotation_prefix", "translations",
                                                              "middleware_file")}

    def check(self, ctx: Context) -> Iterable[Finding]:
        before, after, options = ctx.origin_inventory, ctx.inventory, ctx.options
        component = Component.of(ctx, options["component"], origin=True)
        table = TranslationTable(options["translations"])
        prefix = prefixes(component, options["annotation_prefix"])
        origin = ctx.at(ctx.origin)
        ours = lambda key: key.startswith(prefix) or key == table.plugins_annotation  # noqa: E731
        sites = annotation_sites(before, lambda p: not component.owns(before, p) and is_synced(origin, p), ours)
        now = {(s.file, s.owner): s for s in annotation_sites(after, lambda p: is_synced(ctx, p))}
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
    if middleware is None or middleware.attach != "router":
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
