"""CORS translators: a Kong ``cors`` plugin, or an enable-cors annotation and its siblings, as a
Traefik ``headers`` Middleware."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ...playbook import Option
from .base import Feature, Outcome, Translator, lost, register_translator, words


_EXACT_ORIGIN = re.compile(r"^(\*|[A-Za-z0-9.:/-]+)$")   # Kong's rule: any other origin is a regex
KONG_CORS_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


def cors_headers(origins: list[str], methods: list[str], headers: list[str], exposed: list[str],
                 credentials: bool, max_age: Any) -> dict:
    """A Traefik ``headers`` spec for CORS (origins that are not plain go to the regex list)."""
    exact = [o for o in origins if _EXACT_ORIGIN.match(o)]
    regex = [o for o in origins if not _EXACT_ORIGIN.match(o)]
    spec: dict[str, Any] = {}
    for key, value in (("accessControlAllowOriginList", exact), ("accessControlAllowOriginListRegex", regex),
                       ("accessControlAllowMethods", methods), ("accessControlAllowHeaders", headers),
                       ("accessControlExposeHeaders", exposed)):
        if value:
            spec[key] = value
    if credentials:
        spec["accessControlAllowCredentials"] = True
    if max_age not in (None, ""):
        spec["accessControlMaxAge"] = int(max_age)
    if origins != ["*"]:
        spec["addVaryHeader"] = True   # Kong and nginx answer with `Vary: Origin` for a specific origin
    return {"headers": spec}


@register_translator
class KongCors(Translator):
    name = "kong-cors"
    description = ("A headers Middleware named like the Kong cors plugin: origins, methods, headers, exposed "
                   "headers, credentials, max age.")
    _UNSUPPORTED = {"preflight_continue": False, "private_network": False}

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        config = feature.value if isinstance(feature.value, Mapping) else {}
        odd = [k for k, default in self._UNSUPPORTED.items() if config.get(k, default) != default]
        if odd:
            return lost(f"cors setting {odd[0]} has no Traefik equivalent")
        credentials = bool(config.get("credentials"))
        headers = words(config.get("headers") or [])
        if not headers and credentials:   # Kong echoes Access-Control-Request-Headers; browsers ignore "*" here
            return lost("no cors headers list: Kong allowed whatever headers a preflight asked for, which Traefik "
                        "cannot do for credentialed requests; list the headers in the plugin and run again")
        spec = cors_headers(words(config.get("origins") or ["*"]), words(config.get("methods") or KONG_CORS_METHODS),
                            headers or ["*"], words(config.get("exposed_headers") or []), credentials,
                            config.get("max_age"))
        return self.middleware(feature, feature.name, spec)


@register_translator
class CorsAnnotations(Translator):
    name = "cors-annotations"
    description = ("A headers Middleware `<ingress>-cors` from an enable-cors annotation and its sibling "
                   "annotations (`<prefix>allow-origin`, `allow-methods`, `allow-headers`, `expose-headers`, "
                   "`allow-credentials`, `max-age`).")
    options = {"prefix": Option("The siblings' common prefix.", example="nginx.ingress.kubernetes.io/cors-",
                                required=True),
               "defaults": Option("What the old controller used for a sibling that is not set, by sibling name.",
                                  default={}, example={"allow-credentials": "true", "max-age": "1728000"})}
    _PARTS = ("allow-origin", "allow-methods", "allow-headers", "expose-headers", "allow-credentials", "max-age")

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        site, prefix, defaults = feature.site, options["prefix"], options["defaults"]
        written = {name: site.annotation(prefix + name) for name in self._PARTS}
        part = {name: defaults.get(name) if value is None else value for name, value in written.items()}
        spec = cors_headers(words(part["allow-origin"] or "*"), words(part["allow-methods"] or ""),
                            words(part["allow-headers"] or ""), words(part["expose-headers"] or ""),
                            str(part["allow-credentials"]).lower() == "true", part["max-age"])
        consumed = tuple(prefix + name for name, value in written.items() if value is not None)
        return self.middleware(feature, f"{site.name}-cors", spec, consumes=consumed)


