"""The env and secret rules (consolidation.env)."""

from __future__ import annotations

import pytest
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from migrate.consolidation.env import (
    merge_env,
    merge_env_from,
    merge_vault_secrets,
    rename_secret,
    unite,
)
from migrate.consolidation.parts import (
    Part,
    Where,
    short_name,
)

PEERS = frozenset({("lumie-tenant", "tenant-svc"), ("lumie-tenant", "tenant-svc-grpc"), ("lumie-exam", "exam-svc")})


def parts(*pairs) -> list[Part]:
    """``("svc", value), ...`` as Parts."""
    return [Part(Where(service, "v.yaml", n), value) for n, (service, value) in enumerate(pairs, start=1)]


def env(name: str, value: str | None = None, secret: str | None = None) -> dict:
    if secret:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}}
    return {"name": name, "value": value}


# --- vault static secrets -----------------------------------------------------------------------
def vss(service: str, kind: str, path: str, templates: dict) -> dict:
    return {"name": f"{service}-{kind}", "mount": "kv", "path": path,
            "destination": {"name": f"{service}-{kind}-secrets", "create": True},
            "transformation": {"excludeRaw": True, "templates": templates}}


def test_rename_secret_only_renames_the_services_own_prefix():
    assert rename_secret("exam-svc-db-secrets", "exam-svc", "lumie-backend") == "lumie-backend-db-secrets"
    assert rename_secret("shared-secrets", "exam-svc", "lumie-backend") == "shared-secrets"
    quoted = rename_secret(DoubleQuotedScalarString("exam-svc-x"), "exam-svc", "t")
    assert quoted == "t-x" and isinstance(quoted, DoubleQuotedScalarString)
    assert short_name("auth-svc") == "auth" and short_name("web") == "web"


# --- env --------------------------------------------------------------------------------------
def test_env_union_by_name_in_first_appearance_order_with_secrets_renamed():
    merged = merge_env(parts(("tenant-svc", env("TZ", "Asia/Seoul")),
                             ("tenant-svc", env("DB_PASSWORD", secret="tenant-svc-db-secrets")),
                             ("exam-svc", env("DB_PASSWORD", secret="exam-svc-db-secrets")),
                             ("exam-svc", env("TZ", "Asia/Seoul")),
                             ("exam-svc", env("REDIS_HOST", "redis.lumie-cache.svc:26379"))), PEERS, "backend", {})
    assert [e["name"] for e in merged.value] == ["TZ", "DB_PASSWORD", "REDIS_HOST"]
    assert merged.value[1]["valueFrom"]["secretKeyRef"]["name"] == "backend-db-secrets"
    assert not merged.conflicts and not merged.dropped


@pytest.mark.parametrize("value", ["tenant-svc-grpc.lumie-tenant.svc:9090", "http://exam-svc.lumie-exam.svc:8080/x",
                                   "tenant-svc.lumie-tenant.svc.cluster.local", "grpc://tenant-svc.lumie-tenant.svc"])
def test_env_entries_calling_a_merged_service_are_dropped(value):
    merged = merge_env(parts(("auth-svc", env("PEER", value)), ("auth-svc", env("TZ", "UTC"))), PEERS, "b", {})
    assert [e["name"] for e in merged.value] == ["TZ"]
    assert [(d.name, d.value, d.where.service, d.where.line) for d in merged.dropped] == \
        [("PEER", value, "auth-svc", 1)]


def test_env_entries_calling_outside_or_same_named_services_elsewhere_are_kept():
    merged = merge_env(parts(("a", env("W", "http://grading-svc.lumie-grading.svc:8000")),
                             ("a", env("DEV", "http://tenant-svc.lumie-dev.svc:8080"))), PEERS, "b", {})
    assert [e["name"] for e in merged.value] == ["W", "DEV"] and not merged.dropped


def test_env_conflict_names_both_values_and_services_unless_resolved():
    entries = parts(("exam-svc", env("JAVA_OPTS", "-Xmx512m")), ("auth-svc", env("JAVA_OPTS", "-Xmx1g")),
                    ("file-svc", env("JAVA_OPTS", "-Xmx1g")))
    merged = merge_env(entries, PEERS, "b", {})
    assert merged.value == [] and len(merged.conflicts) == 1
    text = str(merged.conflicts[0])
    assert '"-Xmx512m" in exam-svc (v.yaml:1)' in text
    assert '"-Xmx1g" in auth-svc (v.yaml:2), file-svc (v.yaml:3)' in text
    assert "--set env.JAVA_OPTS=<value>" in text
    resolved = merge_env(entries, PEERS, "b", {"JAVA_OPTS": "-Xmx2g"})
    assert resolved.value == [{"name": "JAVA_OPTS", "value": "-Xmx2g"}] and not resolved.conflicts
    assert resolved.resolved[0].name == "JAVA_OPTS" and len(resolved.resolved[0].choices) == 2


def test_env_value_mixing_merged_and_outside_addresses_is_a_conflict():
    value = "tenant-svc.lumie-tenant.svc:80,grading-svc.lumie-grading.svc:80"
    merged = merge_env(parts(("a", env("HOSTS", value))), PEERS, "b", {})
    assert "names merged and other services" in str(merged.conflicts[0])
    assert merge_env(parts(("a", env("HOSTS", value))), PEERS, "b", {"HOSTS": "x"}).value == \
        [{"name": "HOSTS", "value": "x"}]


def test_env_resolution_for_an_unknown_name_is_reported():
    assert merge_env(parts(("a", env("TZ", "UTC"))), PEERS, "b", {"TYPO": "1"}).unknown == ["TYPO"]


def test_env_from_is_united_with_secret_refs_renamed():
    merged = merge_env_from(parts(("a-svc", {"secretRef": {"name": "a-svc-env"}}),
                                  ("b-svc", {"secretRef": {"name": "b-svc-env"}}),
                                  ("b-svc", {"configMapRef": {"name": "shared"}}),
                                  ("c-svc", {"configMapRef": {"name": "shared"}})), "t")
    assert merged.value == [{"secretRef": {"name": "t-env"}}, {"configMapRef": {"name": "shared"}}]


def test_vault_secrets_are_renamed_collapsed_and_their_templates_united():
    public, private = {"public-key": {"text": "pub"}}, {"private-key": {"text": "priv"}}
    merged = merge_vault_secrets(parts(("tenant-svc", vss("tenant-svc", "jwt", "lumie/jwt", public)),
                                       ("auth-svc", vss("auth-svc", "jwt", "lumie/jwt", {**public, **private})),
                                       ("auth-svc", vss("auth-svc", "oauth", "lumie/oauth", {}))), "b")
    assert [s["name"] for s in merged.value] == ["b-jwt", "b-oauth"]
    assert merged.value[0]["destination"]["name"] == "b-jwt-secrets"
    assert merged.value[0]["transformation"]["templates"] == {**public, **private}
    assert merged.notes == ["b-jwt (kv/lumie/jwt) <- tenant-svc, auth-svc", "b-oauth (kv/lumie/oauth) <- auth-svc"]
    assert not merged.conflicts


def test_vault_secrets_renamed_alike_but_reading_other_paths_conflict():
    merged = merge_vault_secrets(parts(("a-svc", vss("a-svc", "db", "infra/pg-a", {})),
                                       ("b-svc", vss("b-svc", "db", "infra/pg-b", {}))), "t")
    assert merged.value == []
    assert '"kv/infra/pg-a" in a-svc' in str(merged.conflicts[0]) and '"kv/infra/pg-b" in b-svc' in str(
        merged.conflicts[0])


def test_vault_secret_templates_with_the_same_key_and_other_text_conflict():
    merged = merge_vault_secrets(parts(("a-svc", vss("a-svc", "db", "p", {"user": {"text": "x"}})),
                                       ("b-svc", vss("b-svc", "db", "p", {"user": {"text": "y"}}))), "t")
    assert "vaultStaticSecrets t-db.transformation.templates.user.text" in str(merged.conflicts[0])


def test_unite_merges_mappings_key_by_key():
    assert unite("x", parts(("a", {"k": {"a": 1}}), ("b", {"k": {"b": 2}, "z": 3}))).value == \
        {"k": {"a": 1, "b": 2}, "z": 3}


