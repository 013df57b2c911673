"""Service addresses in strings (inventory.addresses)."""

from __future__ import annotations

import pytest


# --- service addresses, components ----------------------------------------------------------------------------
@pytest.mark.parametrize("value, found", [
    ("tenant-svc-grpc.lumie-tenant.svc", [("tenant-svc-grpc", "lumie-tenant", None)]),
    ("http://exam-svc.lumie-exam.svc:8080", [("exam-svc", "lumie-exam", 8080)]),
    ("https://x.ns.svc.cluster.local:443/api/v1?a=1", [("x", "ns", 443)]),
    ("redis.c.svc:26379,redis-b.c.svc:26379", [("redis", "c", 26379), ("redis-b", "c", 26379)]),
    ("jdbc:postgresql://lumie-db-rw.lumie-db.svc:5432/lumie", [("lumie-db-rw", "lumie-db", 5432)]),
    ("pod-0.redis.c.svc", []),      # a pod address, not a service address
    ("foo.bar.svcx", []),
])
def test_service_address_forms(value, found):
    from migrate.inventory.addresses import find_service_addresses
    assert [(a.name, a.namespace, a.port) for a in find_service_addresses(value)] == found


def test_service_address_span_covers_scheme_port_and_path():
    from migrate.inventory.addresses import find_service_addresses
    (address,) = find_service_addresses("URL=http://a.b.svc:80/x y")
    assert (address.text, address.host, address.path) == ("http://a.b.svc:80/x", "a.b.svc", "/x")
    assert "URL=http://a.b.svc:80/x y"[address.start:address.end] == address.text
