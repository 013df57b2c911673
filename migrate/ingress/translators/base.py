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
``TRANSLATORS`` registry; adding one is adding a class (``generic``, ``cors``, ``lua``), a new
playbook only a table. A feature nobody translates is a loss. This module holds what
translators see and say (``Feature``, ``Middleware``, ``Outcome``), their base class and
registry, and the playbook's table (``TranslationTable``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ...errors import UsageError
from ...playbook import Registry, Unit
from ..controllers import MIDDLEWARE_KIND, MIDDLEWARE_PROVIDER, SERVERS_TRANSPORT_KIND
from ..sites import Site

TRAEFIK_API = "traefik.io/v1alpha1"
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
    """A Traefik object to create (``spec`` is plain data): a Middleware, which routes name in
    ``router.middlewares``, or a ServersTransport, which a Service names in its
    ``service.serverstransport`` annotation (``attach``: router | service)."""

    namespace: str
    name: str
    spec: Mapping[str, Any]
    replaces: str = ""             # what it replaces, for the comment above it
    kind: str = MIDDLEWARE_KIND
    attach: str = "router"

    @property
    def ref(self) -> str:
        """How an Ingress names it: ``<namespace>-<name>@kubernetescrd``."""
        return f"{self.namespace}-{self.name}@{MIDDLEWARE_PROVIDER}"

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name

    def kind_of(self) -> str:
        return next(iter(self.spec), "") if self.kind == MIDDLEWARE_KIND else self.kind

    def described(self) -> str:
        """``a stripPrefix Middleware``, ``a ServersTransport``."""
        return f"a {self.kind_of()} Middleware" if self.kind == MIDDLEWARE_KIND else f"a {self.kind}"

    def document(self) -> dict:
        return {"apiVersion": TRAEFIK_API, "kind": self.kind,
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": dict(self.spec)}


@dataclass(frozen=True)
class Outcome:
    """A translation: a Middleware, or nothing needed (``why``), or a loss (``lost``, ``why``).
    ``consumes``: other annotations of the same Ingress this translation accounts for."""

    middleware: Middleware | None = None
    why: str = ""
    lost: bool = False
    consumes: tuple[str, ...] = field(default=())
    read_by: str = ""              # the feature whose translation accounts for this one


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

    def servers_transport(self, feature: Feature, name: str, spec: dict, **extra: Any) -> Outcome:
        """An Outcome creating ServersTransport ``name``, attached to the Service of the site."""
        return Outcome(Middleware(feature.site.namespace, name, spec, feature.label, SERVERS_TRANSPORT_KIND,
                                  "service"), **extra)


TRANSLATORS: Registry[Translator] = Registry("translator")
register_translator = TRANSLATORS.register


def words(value: Any) -> list[str]:
    """An annotation's comma list, or a YAML list, as strings."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


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
