"""Translators any controller migration can name in its table: not-needed, loss, strip-prefix,
redirect-scheme, redirect-to, ip-allow-list."""

from __future__ import annotations

from typing import Any, Mapping

from ...playbook import Option
from .base import Feature, Outcome, Translator, lost, not_needed, register_translator, words


@register_translator
class NotNeeded(Translator):
    name = "not-needed"
    description = "Traefik already behaves this way: nothing to create (the report says why)."
    options = {"why": Option("Why nothing is needed.", example="Traefik forwards the full path by default.",
                             required=True)}

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        return not_needed(options["why"])


@register_translator
class Loss(Translator):
    name = "loss"
    description = "No faithful Traefik equivalent: a loss to accept (the report says why)."
    options = {"why": Option("Why it cannot be translated.", example="Traefik has no per-route read timeout.",
                             required=True)}

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        return lost(options["why"])


@register_translator
class StripPrefix(Translator):
    name = "strip-prefix"
    description = "A stripPrefix Middleware `<ingress>-strip-prefix` whose prefixes are the Ingress's paths."

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        prefixes = [p for p in feature.site.paths if p != "/"]
        if not prefixes:
            return not_needed("every path of this Ingress is /: there is no prefix to strip")
        return self.middleware(feature, f"{feature.site.name}-strip-prefix", {"stripPrefix": {"prefixes": prefixes}})


@register_translator
class RedirectScheme(Translator):
    name = "redirect-scheme"
    description = "A redirectScheme Middleware (e.g. http -> https), shared by the namespace."
    options = {
        "scheme": Option("The scheme to redirect to.", default="https"),
        "permanent": Option("301/308 instead of 302/307.", default=True),
        "name": Option("The Middleware's name.", default="redirect-https"),
    }

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        spec = {"redirectScheme": {"scheme": options["scheme"], "permanent": options["permanent"]}}
        return self.middleware(feature, options["name"], spec)


@register_translator
class RedirectTo(Translator):
    name = "redirect-to"
    description = "A redirectRegex Middleware `<ingress>-redirect` sending every request to the annotation's URL."
    options = {"permanent": Option("301/308 instead of 302/307.", default=True)}

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        spec = {"redirectRegex": {"regex": "^.*$", "replacement": str(feature.value),
                                  "permanent": options["permanent"]}}
        return self.middleware(feature, f"{feature.site.name}-redirect", spec)


@register_translator
class IpAllowList(Translator):
    name = "ip-allow-list"
    description = "An ipAllowList Middleware `<ingress>-ip-allow-list` with the annotation's CIDR list."

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        spec = {"ipAllowList": {"sourceRange": words(feature.value)}}
        return self.middleware(feature, f"{feature.site.name}-ip-allow-list", spec)


_UNITS = {"ms": 0.001, "s": 1.0}


@register_translator
class ForwardingTimeouts(Translator):
    name = "forwarding-timeouts"
    description = ("A ServersTransport `<site>-timeouts` whose forwardingTimeouts carry every timeout annotation of "
                   "the site that `fields` names, attached to its Service by the annotation Traefik reads "
                   "(traefik.ingress.kubernetes.io/service.serverstransport).")
    options = {
        "fields": Option("Annotation -> forwardingTimeouts field (dialTimeout, responseHeaderTimeout, "
                         "idleConnTimeout).", required=True,
                         example={"konghq.com/connect-timeout": "dialTimeout"}),
        "unit": Option("The annotations' unit: ms or s.", default="ms"),
    }

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        fields, unit = dict(options["fields"]), str(options["unit"])
        if unit not in _UNITS:
            return lost(f"unknown unit {unit!r} for forwarding timeouts (ms or s)")
        timeouts, read = {}, []
        for key, value in feature.site.annotations:
            if key in fields:
                try:
                    seconds = float(value) * _UNITS[unit]
                except ValueError:
                    return lost(f"{key}: {value!r} is not a number of {unit}")
                timeouts[str(fields[key])] = f"{seconds:g}s"
                read.append(key)
        return self.servers_transport(feature, f"{feature.site.name}-timeouts", {"forwardingTimeouts": timeouts},
                                      consumes=tuple(read))
