"""Translators: how one feature of the old ingress controller — an annotation value, or a plugin
resource an Ingress names — becomes a Traefik ``Middleware``, needs nothing, or is lost.

A playbook says which translator handles which feature in its ``translations`` table::

    translations:
      plugins_annotation: konghq.com/plugins      # annotation naming plugin resources ("" = none)
      annotations:                                # annotation -> value ("*" = any) -> translator
        konghq.com/strip-path:
          "true": strip-prefix
          "false": {translator: not-needed, why: Traefik forwards the full path by default.}
      plugins:                                    # plugin type (its `plugin:` field) -> translator
        cors: kong-cors
      explain:                                    # what a feature did, for the loss report
        jwt: verified the JWT of every request

A translator is a small class (name, description, documented options, ``translate``) in the
``TRANSLATORS`` registry; adding one is adding a class here, a new playbook only a table.
A feature nobody translates is a loss.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from ..errors import UsageError
from .base import Option, Registry, Unit
from .ingress import Site

TRAEFIK_API = "traefik.io/v1alpha1"
MIDDLEWARE_PROVIDER = "kubernetescrd"
ANY_VALUE = "*"


# --- what translators see and say ----------------------------------------------------------
@dataclass(frozen=True)
class Feature:
    """One thing an Ingress uses that the old controller implemented."""

    name: str                      # the name its loss is accepted by: the annotation, or the plugin's name
    kind: str                      # "annotation", or the plugin resource's kind (KongClusterPlugin...)
    type: str                      # the annotation key, or the plugin type (cors, jwt, pre-function...)
    value: Any                     # the annotation value, or the plugin's config (plain data)
    site: Site
    line: int                      # where the Ingress uses it
    defined: tuple[str, int] | None = None   # where a plugin resource is defined

    @property
    def label(self) -> str:
        if self.kind == "annotation":
            return f"{self.name}: {json.dumps(self.value, ensure_ascii=False)}"
        return f"{self.kind} {self.name} ({self.type})"


@dataclass(frozen=True)
class Middleware:
    """A Traefik Middleware to create (``spec`` is plain data)."""

    namespace: str
    name: str
    spec: Mapping[str, Any]
    replaces: str = ""             # what it replaces, for the comment above it

    @property
    def ref(self) -> str:
        """How an Ingress names it: ``<namespace>-<name>@kubernetescrd``."""
        return f"{self.namespace}-{self.name}@{MIDDLEWARE_PROVIDER}"

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name

    def kind_of(self) -> str:
        return next(iter(self.spec), "")

    def document(self) -> dict:
        return {"apiVersion": TRAEFIK_API, "kind": "Middleware",
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": dict(self.spec)}


@dataclass(frozen=True)
class Outcome:
    """A translation: a Middleware, or nothing needed (``why``), or a loss (``lost``, ``why``).
    ``consumes``: other annotations of the same Ingress this translation accounts for."""

    middleware: Middleware | None = None
    why: str = ""
    lost: bool = False
    consumes: tuple[str, ...] = field(default=())


def not_needed(why: str) -> Outcome:
    return Outcome(why=why)


def lost(why: str) -> Outcome:
    return Outcome(why=why, lost=True)


# --- the registry ----------------------------------------------------------------------------
class Translator(Unit):
    """Turns one Feature into an Outcome. Subclasses set name/description/options, implement ``translate``."""

    kind = "translator"

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        raise NotImplementedError

    def middleware(self, feature: Feature, name: str, spec: dict, **extra: Any) -> Outcome:
        """An Outcome creating Middleware ``name`` in the Ingress's namespace."""
        return Outcome(Middleware(feature.site.namespace, name, spec, feature.label), **extra)


TRANSLATORS: Registry[Translator] = Registry("translator")
register_translator = TRANSLATORS.register


def _words(value: Any) -> list[str]:
    """An annotation's comma list, or a YAML list, as strings."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


# --- generic translators ----------------------------------------------------------------------
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
        spec = {"ipAllowList": {"sourceRange": _words(feature.value)}}
        return self.middleware(feature, f"{feature.site.name}-ip-allow-list", spec)


# --- CORS ---------------------------------------------------------------------------------------
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
        headers = _words(config.get("headers") or [])
        if not headers and credentials:   # Kong echoes Access-Control-Request-Headers; browsers ignore "*" here
            return lost("no cors headers list: Kong allowed whatever headers a preflight asked for, which Traefik "
                        "cannot do for credentialed requests; list the headers in the plugin and run again")
        spec = cors_headers(_words(config.get("origins") or ["*"]), _words(config.get("methods") or KONG_CORS_METHODS),
                            headers or ["*"], _words(config.get("exposed_headers") or []), credentials,
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
        spec = cors_headers(_words(part["allow-origin"] or "*"), _words(part["allow-methods"] or ""),
                            _words(part["allow-headers"] or ""), _words(part["expose-headers"] or ""),
                            str(part["allow-credentials"]).lower() == "true", part["max-age"])
        consumed = tuple(prefix + name for name, value in written.items() if value is not None)
        return self.middleware(feature, f"{site.name}-cors", spec, consumes=consumed)


# --- redirects written as Kong pre-function Lua ----------------------------------------------------
_STATUS = r"kong\.response\.exit\((?P<status>30[1278]),\s*\"\",\s*\{\s*\[\"Location\"\]\s*=\s*"
_PATH = r"\s*\.\.\s*kong\.request\.get_path_with_query\(\)\s*\}\)"
_HOST = r"kong\.request\.get_(?:forwarded_)?host\(\)"


class LuaShape:
    """A Lua snippet shape migrate recognises (whitespace-insensitive) and its Middleware spec."""

    pattern: ClassVar[re.Pattern]

    def spec(self, match: re.Match, permanent: bool) -> dict:
        raise NotImplementedError

    def match(self, lua: str) -> dict | None:
        found = self.pattern.match(" ".join(lua.split()))
        return self.spec(found, found["status"] in ("301", "308")) if found else None


class HttpsRedirect(LuaShape):
    """``if scheme == "http" then exit(301, Location = "https://" .. host .. path) end``"""

    pattern = re.compile(r"^if kong\.request\.get_(?:forwarded_)?scheme\(\) == \"http\" then return " + _STATUS
                         + r"\"https://\"\s*\.\.\s*" + _HOST + _PATH + r" end$")

    def spec(self, match: re.Match, permanent: bool) -> dict:
        return {"redirectScheme": {"scheme": "https", "permanent": permanent}}


class HostRedirect(LuaShape):
    """``if host == "www.a" then exit(301, Location = "https://a" .. path) end`` (host in a local or inline)."""

    pattern = re.compile(r"^(?:local (?P<var>\w+) = " + _HOST + r" )?if (?:(?P=var)|" + _HOST
                         + r") == \"(?P<host>[^\"]+)\" then return " + _STATUS
                         + r"\"(?P<target>https?://[^\"/]+)\"" + _PATH + r" end$")

    def spec(self, match: re.Match, permanent: bool) -> dict:
        regex = rf"^https?://{re.escape(match['host'])}(?::\d+)?/(.*)$"
        return {"redirectRegex": {"regex": regex, "replacement": match["target"] + "/${1}", "permanent": permanent}}


LUA_SHAPES: tuple[LuaShape, ...] = (HttpsRedirect(), HostRedirect())


@register_translator
class KongLuaRedirect(Translator):
    name = "kong-lua-redirect"
    description = ("A redirectScheme/redirectRegex Middleware named like a Kong pre-function plugin whose Lua "
                   "is a recognised redirect (http -> https, host -> other host); any other Lua is a loss.")

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        config = feature.value if isinstance(feature.value, Mapping) else {}
        chunks = config.get("access") or []
        if set(config) - {"access"} or len(chunks) != 1:
            return lost("custom Lua beyond one access-phase snippet")
        spec = next((s for s in (shape.match(str(chunks[0])) for shape in LUA_SHAPES) if s), None)
        if spec is None:
            return lost("custom Lua that is not a redirect migrate recognises")
        return self.middleware(feature, feature.name, spec)


# --- the playbook's table ------------------------------------------------------------------------
_TABLE_KEYS = {"plugins_annotation", "annotations", "plugins", "explain"}


@dataclass(frozen=True)
class _Use:
    """A translator with its bound options."""

    translator: Translator
    options: Mapping[str, Any]

    def translate(self, feature: Feature) -> Outcome:
        return self.translator.translate(feature, self.options)


class TranslationTable:
    """The ``translations`` option of a playbook step, checked (UsageError, exit 2) and bound."""

    def __init__(self, raw: Mapping[str, Any]):
        unknown = sorted(set(raw) - _TABLE_KEYS)
        if unknown:
            raise UsageError(f"translations has no key {unknown[0]!r} (keys: {', '.join(sorted(_TABLE_KEYS))})")
        self.plugins_annotation: str = str(raw.get("plugins_annotation") or "")
        self.annotations = {str(key): {str(v): _use(u, f"{key}: {v}") for v, u in _mapping(values, key).items()}
                            for key, values in _mapping(raw.get("annotations"), "annotations").items()}
        self.plugins = {str(t): _use(u, f"plugin {t}") for t, u in _mapping(raw.get("plugins"), "plugins").items()}
        self.explain = {str(k): str(v) for k, v in _mapping(raw.get("explain"), "explain").items()}

    def translate(self, feature: Feature) -> Outcome:
        """The feature's outcome; a loss when the table has no translator for it."""
        if feature.kind == "annotation":
            values = self.annotations.get(feature.type, {})
            use = values.get(str(feature.value), values.get(ANY_VALUE))
            missing = f"no translation for {feature.type}: {json.dumps(feature.value, ensure_ascii=False)}"
        else:
            use = self.plugins.get(feature.type)
            missing = f"no translation for {feature.type} plugins"
        return use.translate(feature) if use else lost(missing)

    def explanation(self, feature: Feature) -> str:
        """What the feature did, from the table's ``explain`` (by name, then type)."""
        return self.explain.get(feature.name) or self.explain.get(feature.type) or f"{feature.type} ({feature.kind})"


def _mapping(node: Any, where: str) -> Mapping:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise UsageError(f"translations: {where} must be a mapping, got {node!r}")
    return node


def _use(spec: Any, where: str) -> _Use:
    """``name`` or ``{translator: name, <option>: value}`` -> a bound translator."""
    if isinstance(spec, str):
        spec = {"translator": spec}
    spec = dict(_mapping(spec, where))
    name = spec.pop("translator", None)
    if not isinstance(name, str):
        raise UsageError(f"translations: {where} needs a translator name")
    cls = TRANSLATORS.get(name)
    return _Use(cls(), cls.bind(spec))
