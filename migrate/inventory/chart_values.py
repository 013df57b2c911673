"""What a Helm values document defines: the local common chart's objects, or a chart's ingress blocks.

``values_records`` reads one values document: the local common chart's (everything under
``common:``, with the chart's own ``values.yaml`` as defaults) or a third-party chart's (its
ingress blocks). It yields records (see ``records``) and never raises on unexpected shapes.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..roundtrip.nodes import as_map, as_seq, dig, is_map, key_line, node_line, text
from .manifests import VSS_API
from .records import CustomObject, SecretSource, Service, Workload
from .routes import block_routes, ingress_blocks, route_style
from .workloads import read_env

SERVICE_MONITOR_API = "monitoring.coreos.com/v1"
DEFAULT_VAULT_MOUNT = "kv"     # the common chart's template default (`.mount | default "kv"`)


def _setting(values: Mapping, defaults: Mapping, *keys: str) -> Any:
    """A setting of the values file, else the chart's default."""
    value = dig(values, *keys)
    return value if value is not None else dig(defaults, *keys)


def _common_values(c: Mapping, file: str, namespace: str | None, release: str | None,
                   defaults: Mapping) -> Iterator[Any]:
    """The objects the local common chart renders from ``common:`` values ``c``."""
    name = text(c.get("name")) or release
    if not name:
        return
    ns = text(c.get("namespace")) or namespace or "default"
    line = key_line(c, "name") if "name" in c else node_line(c)
    if _setting(c, defaults, "deployment", "enabled") is not False:
        workload = Workload(ns, name, "values", file, line)
        read_env(c.get("env"), c.get("envFrom"), workload)
        yield workload
    service_enabled = bool(_setting(c, defaults, "service", "enabled"))
    if service_enabled:
        ports = as_map(_setting(c, defaults, "ports"))
        yield Service(ns, name, tuple(ports.values()), "values", file, key_line(c, "service", line))
    default_class = text(dig(defaults, "ingress", "className"))
    blocks = [("values:ingress", c.get("ingress"))] if _setting(c, defaults, "ingress", "enabled") else []
    extra = as_seq(c.get("additionalIngresses"))
    blocks += [(f"values:additionalIngresses[{text(dig(b, 'name')) or i}]", b) for i, b in enumerate(extra)]
    for owner, block in blocks:
        if is_map(block):
            style = route_style(block, as_map(block.get("annotations")), default_class)
            yield from block_routes(block, style, namespace=ns, service=name, port="http", owner=owner, file=file)
    secrets = as_seq(c.get("vaultStaticSecrets"))
    for i, item in enumerate(secrets):
        if is_map(item) and text(item.get("name")):
            item_line = key_line(secrets, i)
            secret = SecretSource(ns, text(dig(item, "destination", "name")) or text(item["name"]),
                                  "VaultStaticSecret", text(item.get("mount")) or DEFAULT_VAULT_MOUNT,
                                  text(item.get("path")), file, item_line)
            yield secret
            yield CustomObject(VSS_API, "VaultStaticSecret", ns, text(item["name"]), file, item_line, node=secret.id)
    if service_enabled and _setting(c, defaults, "serviceMonitor", "enabled"):
        yield CustomObject(SERVICE_MONITOR_API, "ServiceMonitor", ns, name, file,
                           key_line(c, "serviceMonitor", line))



def values_records(doc: Mapping, file: str, namespace: str | None, release: str | None,
                   defaults: Mapping) -> Iterator[Any]:
    """Records of one values document; ``defaults``: the chart's own values (common chart only)."""
    if is_map(doc.get("common")):
        yield from _common_values(doc["common"], file, namespace, release, as_map(defaults.get("common")))
        return
    for trail, block in ingress_blocks(doc):
        style = route_style(block, as_map(block.get("annotations")), None)
        yield from block_routes(block, style, namespace=namespace or "default", service=None, port=None,
                                 owner=f"values:{trail}", file=file)

