"""The ingress controllers this package knows, and what it tells the shared model about them.

Kong attaches plugins to routes by name (``konghq.com/plugins: a,b``; a ``KongPlugin`` in the
route's namespace, else a cluster-wide ``KongClusterPlugin``); Traefik attaches Middlewares
by a namespace-qualified reference (``traefik.ingress.kubernetes.io/router.middlewares:
<ns>-<name>@kubernetescrd``). Importing this module registers both attachment styles, the
attachable kinds, and the components that install each controller's API groups and serve
its ingress classes (``inventory.extensions``), from ``controllers.yaml``: Kong, Traefik, ingress-nginx,
HAProxy and Contour as data (name, the Applications that install it, classes, annotation prefixes, CRD
groups, attachment annotation and attachable kinds). ``controller_of(component)`` finds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Callable, Iterable, Mapping

import yaml

from ..errors import UsageError
from ..inventory import extensions
from ..inventory.extensions import AttachableKind, AttachmentStyle
from ..roundtrip.nodes import as_map, text

KONG_PLUGINS_ANNOTATION = "konghq.com/plugins"
MIDDLEWARES = "traefik.ingress.kubernetes.io/router.middlewares"
MIDDLEWARE_KIND = "Middleware"
SERVERS_TRANSPORT_KIND = "ServersTransport"
SERVERS_TRANSPORT = "traefik.ingress.kubernetes.io/service.serverstransport"   # a Service's ServersTransport
MIDDLEWARE_PROVIDER = "kubernetescrd"


class KongPlugins(AttachmentStyle):
    """``konghq.com/plugins: a,b``: a KongPlugin of the route's namespace, else a KongClusterPlugin."""

    annotation = KONG_PLUGINS_ANNOTATION
    kinds = frozenset({"KongPlugin", "KongClusterPlugin"})

    def candidates(self, ref: str, namespace: str, known: Iterable[tuple[str | None, str]]):
        return [(namespace, ref), (None, ref)]

    def missing(self, ref: str, namespace: str):
        return (namespace, ref), f"no KongPlugin {ref} in {namespace} and no KongClusterPlugin {ref}"


class TraefikMiddlewares(AttachmentStyle):
    """``traefik.ingress.kubernetes.io/router.middlewares: <ns>-<name>@kubernetescrd, ...``."""

    annotation = MIDDLEWARES
    kinds = frozenset({MIDDLEWARE_KIND})

    def candidates(self, ref: str, namespace: str, known: Iterable[tuple[str | None, str]]):
        base, _, provider = ref.partition("@")
        if provider and provider != MIDDLEWARE_PROVIDER:
            return None   # another provider's middleware (file, docker...): not in the repo's objects
        return [(ns, name) for ns, name in known if f"{ns}-{name}" == base][:1]

    def missing(self, ref: str, namespace: str):
        base = ref.partition("@")[0]
        prefix = namespace + "-"
        ns, name = (namespace, base[len(prefix):]) if base.startswith(prefix) else base.partition("-")[::2]
        return (ns, name), f"no Middleware {base} (<namespace>-<name>) in the repo"

    def local_name(self, ref: str, namespace: str) -> str | None:
        base, _, provider = ref.partition("@")
        if provider and provider != MIDDLEWARE_PROVIDER:
            return None
        return base[len(namespace) + 1:] if base.startswith(namespace + "-") else None

    def reference(self, ref: str, name: str, namespace: str) -> str:
        _, at, provider = ref.partition("@")
        return f"{namespace}-{name}{at}{provider}"


# --- the table (controllers.yaml) ---------------------------------------------------------------------
_STYLES = {"kong-plugins": KongPlugins, "traefik-middlewares": TraefikMiddlewares}


@dataclass(frozen=True)
class Controller:
    """An ingress controller as ``controllers.yaml`` describes it."""

    name: str
    components: tuple[str, ...]
    classes: tuple[str, ...]
    prefixes: tuple[str, ...]
    groups: tuple[str, ...]
    attachment: str | None = None            # the annotation naming its plugin/middleware objects

    def reads(self, key: str) -> bool:
        """An annotation this controller reads."""
        return key == self.attachment or any(key.startswith(p) for p in self.prefixes)


def _type_reader(field: str) -> Callable[[Mapping], str | None]:
    if field == "spec":
        return lambda doc: next(iter(as_map(doc.get("spec"))), None)
    return lambda doc: text(doc.get(field))


def _load() -> dict[str, Controller]:
    data = yaml.safe_load(resources.files(__package__).joinpath("controllers.yaml").read_text(encoding="utf-8"))
    found = {}
    for entry in data:
        attachment = entry.get("attachment") or {}
        found[entry["name"]] = Controller(entry["name"], tuple(entry["components"]), tuple(entry.get("classes") or ()),
                                          tuple(entry.get("prefixes") or ()), tuple(entry.get("groups") or ()),
                                          attachment.get("annotation"))
        if attachment:
            extensions.register_attachment(_STYLES[attachment["style"]]())
        for kind in entry.get("attachables") or ():
            extensions.register_attachable(AttachableKind(kind["kind"], kind["node"], bool(kind.get("cluster_scoped")),
                                                          _type_reader(kind.get("type", "spec"))))
        for group in entry.get("groups") or ():
            extensions.register_component(group=group, candidates=tuple(entry["components"]))
        for ingress_class in entry.get("classes") or ():
            extensions.register_component(ingress_class=ingress_class, candidates=tuple(entry["components"]))
    return found


CONTROLLERS: dict[str, Controller] = _load()


def controller_of(component: str, installs: Callable[[str], bool] = lambda group: False) -> Controller | None:
    """The controller an Application installs: by its name, else by the API groups it installs."""
    return next((c for c in CONTROLLERS.values() if component in c.components), None) or \
        next((c for c in CONTROLLERS.values() if any(installs(g) for g in c.groups)), None)


def prefixes(component, given: str | list | tuple = "") -> tuple[str, ...]:
    """The annotation prefixes of a component: ``given`` (one or a list), else its controller's."""
    if given:
        return (given,) if isinstance(given, str) else tuple(given)
    found = controller_of(component.alias or component.name, lambda group: component.installs(group + "/v1"))
    if found is None:
        raise UsageError(f"{component.name} is no ingress controller migrate knows (controllers.yaml: "
                         f"{', '.join(CONTROLLERS)}): give its annotation_prefix in the playbook")
    return found.prefixes
