"""Which component installs a custom kind or serves an ingress class (inventory.kinds)."""

from __future__ import annotations


def test_components_of_custom_kinds_and_ingress_classes():
    from migrate.inventory import kinds
    apps = {"kong", "vault", "rabbitmq", "minio"}
    assert kinds.component_for_group("configuration.konghq.com", apps) == "kong"
    assert kinds.component_for_group("secrets.hashicorp.com", apps) == "vault"
    assert kinds.component_for_group("rabbitmq.com", apps) == "rabbitmq"
    assert kinds.component_for_group("minio.min.io", apps) == "minio"  # not in the table: by label
    assert kinds.component_for_group("example.org", apps) is None
    assert kinds.component_for_ingress_class("kong", apps) == "kong"
    assert kinds.component_for_ingress_class("nginx", apps) == "ingress-nginx"  # not in the repo: outside
    assert not kinds.is_custom_group("apps") and not kinds.is_custom_group("argoproj.io")
