"""What a manifest or a values file defines: workloads, services, routes, secrets, plugins.

``manifest_records`` reads one Kubernetes object document; ``values_records`` reads one
Helm values document: the local common chart's (everything under ``common:``, with the
chart's own ``values.yaml`` as defaults) or a third-party chart's (its ingress blocks).
Both yield records (see ``records``); neither raises on unexpected shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from . import kinds
from .hosts import find_service_addresses
from .records import (Call, CustomObject, EnvVar, Manifest, Plugin, Route, SecretSource, SecretUse, Service,
                      Workload)
from .yamlnav import as_map, as_seq, dig, is_map, is_seq, line_of, node_line, text

VSS_API = "secrets.hashicorp.com/v1beta1"
SERVICE_MONITOR_API = "monitoring.coreos.com/v1"
DEFAULT_VAULT_MOUNT = "kv"     # the common chart's template default (`.mount | default "kv"`)


@dataclass(frozen=True)
class _Obj:
    """Identity of the object being read."""

    api: str
    kind: str
    name: str
    namespace: str
    file: str
    line: int


# --- env of a container or of the common chart -------------------------------------------
def _env_entries(env: Any) -> Iterator[tuple[str, Mapping, int]]:
    """(name, entry, line) of an env list (``[{name, value|valueFrom}]``) or mapping (``{NAME: value}``)."""
    if is_seq(env):
        for i, entry in enumerate(env):
            if is_map(entry) and text(entry.get("name")):
                yield text(entry.get("name")), entry, line_of(env, i)
    elif is_map(env):
        for key, value in env.items():
            yield str(key), (value if is_map(value) else {"value": value}), line_of(env, key)


def read_env(env: Any, env_from: Any, workload: Workload) -> None:
    """Add env vars, the secrets they read and the services they call to ``workload``."""
    for name, entry, line in _env_entries(env):
        value = text(entry.get("value"))
        ref = as_map(dig(entry, "valueFrom", "secretKeyRef"))
        secret = text(ref.get("name"))
        workload.env.append(EnvVar(name, value, secret, text(ref.get("key")), workload.file, line))
        if secret:
            workload.secrets.append(SecretUse(secret, name, workload.file, line_of(ref, "name", line)))
        for address in find_service_addresses(value or ""):
            workload.calls.append(Call(address, name, workload.file, line_of(entry, "value", line)))
    for i, entry in enumerate(as_seq(env_from)):
        secret = text(dig(entry, "secretRef", "name"))
        if secret:
            workload.secrets.append(SecretUse(secret, "envFrom", workload.file, line_of(env_from, i)))


# --- manifests ---------------------------------------------------------------------------
def _pod_spec(kind: str, spec: Mapping) -> Mapping:
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return as_map(dig(spec, "jobTemplate", "spec", "template", "spec"))
    return as_map(dig(spec, "template", "spec"))


def _workload(doc: Mapping, o: _Obj) -> Iterator[Workload]:
    pod = _pod_spec(o.kind, as_map(doc.get("spec")))
    workload = Workload(o.namespace, o.name, o.kind, o.file, o.line)
    for key in ("initContainers", "containers"):
        for container in as_seq(pod.get(key)):
            read_env(dig(container, "env"), dig(container, "envFrom"), workload)
    volumes = as_seq(pod.get("volumes"))
    for i, volume in enumerate(volumes):
        names = [dig(volume, "secret", "secretName")]
        names += [dig(s, "secret", "name") for s in as_seq(dig(volume, "projected", "sources"))]
        for name in filter(None, map(text, names)):
            workload.secrets.append(SecretUse(name, "volume", o.file, line_of(volumes, i)))
    yield workload


def _service(doc: Mapping, o: _Obj) -> Iterator[Service]:
    ports = tuple(p.get("port") for p in as_seq(dig(doc, "spec", "ports")) if is_map(p) and p.get("port"))
    yield Service(o.namespace, o.name, ports, "manifest", o.file, o.line)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split(",") if x.strip())


def _ingress_style(holder: Mapping, annotations: Mapping, default_class: str | None) -> dict:
    """Class (and its line), plugins, middlewares and annotations of an Ingress or an ingress block.

    The class is ``holder``'s ``ingressClassName``/``className``, else the legacy
    ``kubernetes.io/ingress.class`` annotation, else ``default_class``.
    """
    class_key = next((k for k in ("ingressClassName", "className") if text(holder.get(k))), None)
    if class_key:
        class_name, class_line = text(holder.get(class_key)), line_of(holder, class_key)
    elif text(annotations.get(kinds.INGRESS_CLASS_ANNOTATION)):
        class_name = text(annotations.get(kinds.INGRESS_CLASS_ANNOTATION))
        class_line = line_of(annotations, kinds.INGRESS_CLASS_ANNOTATION)
    else:
        class_name, class_line = default_class, None
    return dict(
        class_name=class_name, class_line=class_line,
        plugins=_split(text(annotations.get(kinds.KONG_PLUGINS_ANNOTATION))),
        middlewares=_split(text(annotations.get(kinds.TRAEFIK_MIDDLEWARES_ANNOTATION))),
        annotations=tuple(sorted((str(k), text(v) or "") for k, v in annotations.items())),
        annotation_lines=tuple((str(k), line_of(annotations, k)) for k in annotations),
    )


def _backend(backend: Mapping) -> tuple[str | None, Any]:
    """(service name, port) of an Ingress backend (networking.k8s.io/v1 or the older v1beta1)."""
    service = text(dig(backend, "service", "name")) or text(backend.get("serviceName"))
    port = dig(backend, "service", "port", "number") or dig(backend, "service", "port", "name")
    return service, port or backend.get("servicePort")


def _ingress(doc: Mapping, o: _Obj) -> Iterator[Route]:
    spec = as_map(doc.get("spec"))
    style = _ingress_style(spec, as_map(dig(doc, "metadata", "annotations")), None)
    common = dict(namespace=o.namespace, owner=f"Ingress/{o.name}", file=o.file, **style)
    for rule in as_seq(spec.get("rules")):
        paths = as_seq(dig(rule, "http", "paths"))
        for j, item in enumerate(paths):
            service, port = _backend(as_map(dig(item, "backend")))
            yield Route(text(dig(rule, "host")) or "*", text(dig(item, "path")) or "/", service=service, port=port,
                        line=line_of(paths, j), **common)
    if is_map(spec.get("defaultBackend")):
        service, port = _backend(spec["defaultBackend"])
        yield Route("*", "/", service=service, port=port, line=line_of(spec, "defaultBackend"), **common)


def _secret(doc: Mapping, o: _Obj) -> Iterator[SecretSource]:
    yield SecretSource(o.namespace, o.name, o.kind, None, None, o.file, o.line)


def _vault_static_secret(doc: Mapping, o: _Obj) -> Iterator[SecretSource | CustomObject]:
    spec = as_map(doc.get("spec"))
    secret = SecretSource(o.namespace, text(dig(spec, "destination", "name")) or o.name, o.kind,
                          text(spec.get("mount")), text(spec.get("path")), o.file, o.line)
    yield secret
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line, node=secret.id)


def _generated_secret(target_keys: tuple[str, ...]):
    """Reader for kinds that make a Secret named at ``spec.<target_keys>`` (default: their own name)."""
    def read(doc: Mapping, o: _Obj) -> Iterator[SecretSource]:
        name = text(dig(doc, "spec", *target_keys)) or o.name
        yield SecretSource(o.namespace, name, o.kind, None, None, o.file, o.line)
    return read


def _plugin(doc: Mapping, o: _Obj) -> Iterator[Plugin | CustomObject]:
    namespace = None if o.kind == "KongClusterPlugin" else o.namespace
    kind_of_plugin = text(doc.get("plugin")) if o.kind != kinds.MIDDLEWARE_KIND \
        else next(iter(as_map(doc.get("spec"))), None)
    plugin = Plugin(o.kind, namespace, o.name, kind_of_plugin, o.file, o.line)
    yield plugin
    yield CustomObject(o.api, o.kind, o.namespace, o.name, o.file, o.line, node=plugin.id)


def _cnpg_cluster(doc: Mapping, o: _Obj) -> Iterator[Service | SecretSource]:
    if kinds.api_group(o.api) != "postgresql.cnpg.io":
        return
    for suffix in kinds.CNPG_SERVICE_SUFFIXES:
        yield Service(o.namespace, o.name + suffix, (5432,), "cnpg", o.file, o.line)
    for suffix in kinds.CNPG_SECRET_SUFFIXES:
        yield SecretSource(o.namespace, o.name + suffix, o.kind, None, None, o.file, o.line)


_READERS = {
    **{kind: _workload for kind in kinds.WORKLOAD_KINDS},
    "Service": _service,
    "Ingress": _ingress,
    "Secret": _secret,
    "VaultStaticSecret": _vault_static_secret,
    "ExternalSecret": _generated_secret(("target", "name")),
    "SealedSecret": _generated_secret(("template", "metadata", "name")),
    "KongPlugin": _plugin,
    "KongClusterPlugin": _plugin,
    kinds.MIDDLEWARE_KIND: _plugin,
    "Cluster": _cnpg_cluster,
}


def manifest_records(doc: Mapping, file: str, index: int, default_namespace: str | None,
                     forced: bool = False) -> Iterator[Any]:
    """Records of one Kubernetes object document (a namespace-less object takes ``default_namespace``;
    every object does when ``forced``: a kustomization's ``namespace:``)."""
    meta = as_map(doc.get("metadata"))
    own = None if forced and default_namespace else text(meta.get("namespace"))
    o = _Obj(text(doc.get("apiVersion")) or "", text(doc.get("kind")) or "", text(meta.get("name")) or "",
             own or default_namespace or "default", file, node_line(doc))
    yield Manifest(o.api, o.kind, o.name, o.namespace, file, o.line, index)
    records = list(_READERS.get(o.kind, lambda d, _o: iter(()))(doc, o))
    yield from records
    if kinds.is_custom_group(kinds.api_group(o.api)) and not any(isinstance(r, CustomObject) for r in records):
        yield CustomObject(o.api, o.kind, o.namespace, o.name, file, o.line)


# --- values files ------------------------------------------------------------------------
def _block_routes(block: Mapping, style: dict, *, namespace: str, service: str | None, port: Any,
                  owner: str, file: str) -> Iterator[Route]:
    """Routes of an ingress block of a values file.

    ``hosts`` is a list of ``{host, paths: [{path} | path]}`` or of plain host names (then
    the block's ``path``/``paths`` apply); ``hostname`` names a single host.
    """
    hosts = block.get("hosts") if "hosts" in block else ([block["hostname"]] if "hostname" in block else [])
    common = dict(namespace=namespace, service=service, port=port, owner=owner, file=file, **style)
    for i, entry in enumerate(as_seq(hosts)):
        host = (text(entry.get("host")) if is_map(entry) else text(entry)) or "*"
        paths = entry.get("paths") if is_map(entry) else block.get("paths", [block.get("path") or "/"])
        if not as_seq(paths):
            yield Route(host, "/", line=line_of(hosts, i), **common)
        for j, item in enumerate(as_seq(paths)):
            path = text(item.get("path")) if is_map(item) else text(item)
            yield Route(host, path or "/", line=line_of(paths, j, line_of(hosts, i)), **common)


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
    line = line_of(c, "name") if "name" in c else node_line(c)
    if _setting(c, defaults, "deployment", "enabled") is not False:
        workload = Workload(ns, name, "values", file, line)
        read_env(c.get("env"), c.get("envFrom"), workload)
        yield workload
    service_enabled = bool(_setting(c, defaults, "service", "enabled"))
    if service_enabled:
        ports = as_map(_setting(c, defaults, "ports"))
        yield Service(ns, name, tuple(ports.values()), "values", file, line_of(c, "service", line))
    default_class = text(dig(defaults, "ingress", "className"))
    blocks = [("values:ingress", c.get("ingress"))] if _setting(c, defaults, "ingress", "enabled") else []
    extra = as_seq(c.get("additionalIngresses"))
    blocks += [(f"values:additionalIngresses[{text(dig(b, 'name')) or i}]", b) for i, b in enumerate(extra)]
    for owner, block in blocks:
        if is_map(block):
            style = _ingress_style(block, as_map(block.get("annotations")), default_class)
            yield from _block_routes(block, style, namespace=ns, service=name, port="http", owner=owner, file=file)
    secrets = as_seq(c.get("vaultStaticSecrets"))
    for i, item in enumerate(secrets):
        if is_map(item) and text(item.get("name")):
            item_line = line_of(secrets, i)
            secret = SecretSource(ns, text(dig(item, "destination", "name")) or text(item["name"]),
                                  "VaultStaticSecret", text(item.get("mount")) or DEFAULT_VAULT_MOUNT,
                                  text(item.get("path")), file, item_line)
            yield secret
            yield CustomObject(VSS_API, "VaultStaticSecret", ns, text(item["name"]), file, item_line, node=secret.id)
    if service_enabled and _setting(c, defaults, "serviceMonitor", "enabled"):
        yield CustomObject(SERVICE_MONITOR_API, "ServiceMonitor", ns, name, file,
                           line_of(c, "serviceMonitor", line))


def _ingress_blocks(node: Any, trail: str = "") -> Iterator[tuple[str, Mapping]]:
    """(dotted key, block) of every enabled ingress block in a third-party values tree."""
    for key, value in as_map(node).items():
        here = f"{trail}.{key}" if trail else str(key)
        if not is_map(value):
            continue
        is_block = str(key) == "ingress" and any(k in value for k in ("hosts", "hostname", "className",
                                                                          "ingressClassName"))
        if is_block and value.get("enabled") is not False:
            yield here, value
        elif not is_block:
            yield from _ingress_blocks(value, here)


def values_records(doc: Mapping, file: str, namespace: str | None, release: str | None,
                   defaults: Mapping) -> Iterator[Any]:
    """Records of one values document; ``defaults``: the chart's own values (common chart only)."""
    if is_map(doc.get("common")):
        yield from _common_values(doc["common"], file, namespace, release, as_map(defaults.get("common")))
        return
    for trail, block in _ingress_blocks(doc):
        style = _ingress_style(block, as_map(block.get("annotations")), None)
        yield from _block_routes(block, style, namespace=namespace or "default", service=None, port=None,
                                 owner=f"values:{trail}", file=file)
