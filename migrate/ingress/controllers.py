"""The ingress controllers this package knows, and what it tells the shared model about them.

Kong attaches plugins to routes by name (``konghq.com/plugins: a,b``; a ``KongPlugin`` in the
route's namespace, else a cluster-wide ``KongClusterPlugin``); Traefik attaches Middlewares
by a namespace-qualified reference (``traefik.ingress.kubernetes.io/router.middlewares:
<ns>-<name>@kubernetescrd``). Importing this module registers both attachment styles, the
attachable kinds, and the components that install each controller's API groups and serve
its ingress classes (``inventory.extensions``).
"""

from __future__ import annotations

from typing import Iterable, Mapping

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


def _kong_plugin_type(doc: Mapping) -> str | None:
    return text(doc.get("plugin"))


def _middleware_type(doc: Mapping) -> str | None:
    return next(iter(as_map(doc.get("spec"))), None)


extensions.register_attachment(KongPlugins())
extensions.register_attachment(TraefikMiddlewares())
extensions.register_attachable(AttachableKind("KongPlugin", "plugin", False, _kong_plugin_type))
extensions.register_attachable(AttachableKind("KongClusterPlugin", "plugin", True, _kong_plugin_type))
extensions.register_attachable(AttachableKind(MIDDLEWARE_KIND, "middleware", False, _middleware_type))
extensions.register_component(group="configuration.konghq.com", candidates=("kong",))
extensions.register_component(group="traefik.io", candidates=("traefik",))
extensions.register_component(group="traefik.containo.us", candidates=("traefik",))
extensions.register_component(ingress_class="kong", candidates=("kong",))
extensions.register_component(ingress_class="traefik", candidates=("traefik",))
extensions.register_component(ingress_class="nginx", candidates=("ingress-nginx", "nginx"))
