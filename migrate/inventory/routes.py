"""Routes: what an Ingress, a Gateway API route or an ingress block of values exposes, and how.

``route_style`` reads the class (``ingressClassName``/``className``, else the legacy annotation,
else a default), the annotations, and the references each registered attachment annotation
lists (see ``inventory.extensions``). ``ingress_routes`` reads an Ingress manifest; ``gateway_routes``
an HTTPRoute/GRPCRoute/TLSRoute/TCPRoute/UDPRoute (hostnames × rule matches, each backendRef to a
Service, the Gateways of its parentRefs);
``block_routes`` an ingress block of values; ``ingress_blocks`` finds the blocks of a
third-party chart's values tree.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..roundtrip.nodes import as_map, as_seq, dig, is_map, key_line, text
from . import extensions, kinds
from .records import Route


def route_style(holder: Mapping, annotations: Mapping, default_class: str | None) -> dict:
    """Class (and its line), attachments and annotations of an Ingress or an ingress block.

    The class is ``holder``'s ``ingressClassName``/``className``, else the legacy
    ``kubernetes.io/ingress.class`` annotation, else ``default_class``.
    """
    class_key = next((k for k in ("ingressClassName", "className") if text(holder.get(k))), None)
    if class_key:
        class_name, class_line = text(holder.get(class_key)), key_line(holder, class_key)
    elif text(annotations.get(kinds.INGRESS_CLASS_ANNOTATION)):
        class_name = text(annotations.get(kinds.INGRESS_CLASS_ANNOTATION))
        class_line = key_line(annotations, kinds.INGRESS_CLASS_ANNOTATION)
    else:
        class_name, class_line = default_class, None
    attached = tuple((style.annotation, style.refs(text(annotations.get(style.annotation)) or ""))
                     for style in extensions.attachments() if text(annotations.get(style.annotation)))
    return dict(
        class_name=class_name, class_line=class_line, attachments=attached,
        annotations=tuple(sorted((str(k), text(v) or "") for k, v in annotations.items())),
        annotation_lines=tuple((str(k), key_line(annotations, k)) for k in annotations),
    )


def _backend(backend: Mapping) -> tuple[str | None, Any]:
    """(service name, port) of an Ingress backend (networking.k8s.io/v1 or the older v1beta1)."""
    service = text(dig(backend, "service", "name")) or text(backend.get("serviceName"))
    port = dig(backend, "service", "port", "number") or dig(backend, "service", "port", "name")
    return service, port or backend.get("servicePort")


def ingress_routes(doc: Mapping, namespace: str, name: str, file: str) -> Iterator[Route]:
    spec = as_map(doc.get("spec"))
    style = route_style(spec, as_map(dig(doc, "metadata", "annotations")), None)
    common = dict(namespace=namespace, owner=f"Ingress/{name}", file=file, **style)
    for rule in as_seq(spec.get("rules")):
        paths = as_seq(dig(rule, "http", "paths"))
        for j, item in enumerate(paths):
            service, port = _backend(as_map(dig(item, "backend")))
            yield Route(text(dig(rule, "host")) or "*", text(dig(item, "path")) or "/", service=service, port=port,
                        line=key_line(paths, j), **common)
    if is_map(spec.get("defaultBackend")):
        service, port = _backend(spec["defaultBackend"])
        yield Route("*", "/", service=service, port=port, line=key_line(spec, "defaultBackend"), **common)


GATEWAY_ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")


def gateway_routes(doc: Mapping, namespace: str, name: str, kind: str, file: str) -> Iterator[Route]:
    """Routes of a Gateway API route: one per (hostname, rule match, Service backendRef)."""
    spec = as_map(doc.get("spec"))
    parent_refs = as_seq(spec.get("parentRefs"))
    parents = tuple((text(ref.get("namespace")) or namespace, text(ref.get("name")) or "", key_line(parent_refs, i))
                    for i, ref in enumerate(parent_refs) if is_map(ref) and text(ref.get("kind")) in (None, "Gateway"))
    style = route_style({}, as_map(dig(doc, "metadata", "annotations")), None)
    common = dict(namespace=namespace, owner=f"{kind}/{name}", file=file, parents=parents, **style)
    hosts = [text(h) or "*" for h in as_seq(spec.get("hostnames"))] or ["*"]
    rules = as_seq(spec.get("rules"))
    for i, rule in enumerate(rules):
        rule = as_map(rule)
        paths = [_match_path(kind, as_map(m)) for m in as_seq(rule.get("matches"))] or ["/"]
        refs = as_seq(rule.get("backendRefs"))
        backends = [(text(ref.get("name")), text(ref.get("namespace")), ref.get("port"), key_line(refs, j))
                    for j, ref in enumerate(refs)
                    if is_map(ref) and text(ref.get("kind")) in (None, "Service") and not text(ref.get("group"))]
        for host in hosts:
            for path in paths:
                for service, service_ns, port, line in backends or [(None, None, None, key_line(rules, i))]:
                    yield Route(host, path, service=service, port=port, line=line, backend_namespace=service_ns,
                                **common)


def _match_path(kind: str, match: Mapping) -> str:
    """The path an HTTPRoute match selects (``/service/method`` for a GRPCRoute)."""
    if kind == "GRPCRoute":
        method = as_map(match.get("method"))
        return "/" + "/".join(filter(None, (text(method.get("service")), text(method.get("method"))))) or "/"
    return text(dig(match, "path", "value")) or "/"


def block_routes(block: Mapping, style: dict, *, namespace: str, service: str | None, port: Any,
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
            yield Route(host, "/", line=key_line(hosts, i), **common)
        for j, item in enumerate(as_seq(paths)):
            path = text(item.get("path")) if is_map(item) else text(item)
            yield Route(host, path or "/", line=key_line(paths, j, key_line(hosts, i)), **common)



def is_ingress_shaped(holder: Mapping, key: Any = None, parent: Any = None) -> bool:
    """A values mapping that describes an Ingress: a class with hosts or paths (under any key), or hosts
    or a class under ``ingress:`` (a chart's ``ingress`` block, app-template's ``ingress.<name>``)."""
    classed = any(text(holder.get(k)) for k in ("className", "ingressClassName"))
    routed = any(k in holder for k in ("hosts", "hostname", "paths", "rules"))
    return (classed and routed) or (str(key) == "ingress" and (routed or classed)) or \
        (str(parent) == "ingress" and routed)


def ingress_blocks(node: Any, trail: str = "", key: Any = None) -> Iterator[tuple[str, Mapping]]:
    """(dotted key, block) of every enabled ingress-shaped mapping in a third-party values tree."""
    for k, value in as_map(node).items():
        here = f"{trail}.{k}" if trail else str(k)
        if not is_map(value):
            continue
        if is_ingress_shaped(value, k, key):
            if value.get("enabled") is not False:
                yield here, value
        else:
            yield from ingress_blocks(value, here, k)
