"""The merge rules of consolidate-backend, one pure function at a time (migrate.merge,
migrate.mergeingress, migrate.quantities, migrate.freshyaml)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from migrate.errors import MigrateError
from migrate.freshyaml import Layout, comments_above, leading_comments, shared
from migrate.merge import (MISSING, Part, Where, merge_env, merge_env_from, merge_identical, merge_image, merge_max,
                           merge_ports, merge_probes, merge_vault_secrets, rename_secret, short_name, sum_resources,
                           union_order, unite)
from migrate.mergeingress import IngressBlock, merge_ingresses, rewrite_middleware_refs
from migrate.quantities import add_quantities, parse_quantity, render_quantity

PEERS = frozenset({("lumie-tenant", "tenant-svc"), ("lumie-tenant", "tenant-svc-grpc"), ("lumie-exam", "exam-svc")})


def parts(*pairs) -> list[Part]:
    """``("svc", value), ...`` as Parts."""
    return [Part(Where(service, "v.yaml", n), value) for n, (service, value) in enumerate(pairs, start=1)]


def env(name: str, value: str | None = None, secret: str | None = None) -> dict:
    if secret:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}}
    return {"name": name, "value": value}


# --- quantities --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, amount", [("250m", Fraction(1, 4)), ("2", 2), ("0.5", Fraction(1, 2)),
                                          ("512Mi", 512 * 2 ** 20), ("1Gi", 2 ** 30), ("1G", 10 ** 9),
                                          ("1e3", 1000), (3, 3)])
def test_parse_quantity(text, amount):
    assert parse_quantity(text) == amount


@pytest.mark.parametrize("bad", ["lots", "1Zi", "", True, None])
def test_parse_quantity_refuses_what_is_not_a_quantity(bad):
    with pytest.raises(MigrateError):
        parse_quantity(bad)


def test_quantities_are_summed_and_rendered_canonically():
    assert add_quantities(["150m", "200m", "0.1", "1"], "cpu") == "1450m"
    assert add_quantities(["500m", "1500m"], "cpu") == "2"
    assert add_quantities(["768Mi", "256Mi", "1Gi"], "memory") == "2Gi"
    assert add_quantities(["1Gi", "512Mi"], "memory") == "1536Mi"
    assert add_quantities(["1G", "500M"], "memory") == "1500M"
    assert render_quantity(Fraction(1536870912), "memory") == "1536870912"
    assert render_quantity(Fraction(1, 3), "cpu") == "0.333333"


# --- helpers ----------------------------------------------------------------------------------
def test_union_order_puts_late_keys_after_their_predecessor():
    assert union_order([["a", "b", "d"], ["a", "c", "d", "e"], ["x"]]) == ["a", "b", "c", "d", "e", "x"]


def test_rename_secret_only_renames_the_services_own_prefix():
    assert rename_secret("exam-svc-db-secrets", "exam-svc", "lumie-backend") == "lumie-backend-db-secrets"
    assert rename_secret("shared-secrets", "exam-svc", "lumie-backend") == "shared-secrets"
    quoted = rename_secret(DoubleQuotedScalarString("exam-svc-x"), "exam-svc", "t")
    assert quoted == "t-x" and isinstance(quoted, DoubleQuotedScalarString)
    assert short_name("auth-svc") == "auth" and short_name("web") == "web"


def test_identical_values_are_kept_once_and_differences_conflict():
    assert merge_identical("service", parts(("a", {"type": "ClusterIP"}), ("b", {"type": "ClusterIP"}))).value == \
        {"type": "ClusterIP"}
    merged = merge_identical("securityContext", parts(("a", {"runAsUser": 1000}), ("b", {"runAsUser": 0}),
                                                      ("c", MISSING)))
    assert merged.value is MISSING
    text = str(merged.conflicts[0])
    assert text.startswith('securityContext: {"runAsUser": 1000} in a (v.yaml:1); {"runAsUser": 0} in b (v.yaml:2);')
    assert "(not set) in c" in text
    assert merge_identical("x", parts(("a", True), ("b", 1))).conflicts  # true is not 1


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


# --- vault static secrets -----------------------------------------------------------------------
def vss(service: str, kind: str, path: str, templates: dict) -> dict:
    return {"name": f"{service}-{kind}", "mount": "kv", "path": path,
            "destination": {"name": f"{service}-{kind}-secrets", "create": True},
            "transformation": {"excludeRaw": True, "templates": templates}}


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


# --- ports, replicas, resources, probes ------------------------------------------------------------
def test_ports_must_agree_and_grpc_goes_when_not_needed():
    merged = merge_ports(parts(("a", {"http": 8080, "grpc": 9090}), ("b", {"http": 8080})), lambda n: n != "grpc")
    assert merged.value == {"http": 8080}
    assert "ports.grpc dropped: nothing outside the merged services calls it" in merged.notes
    assert merge_ports(parts(("a", {"http": 8080, "grpc": 9090})), lambda n: True).value == {"http": 8080,
                                                                                            "grpc": 9090}
    clash = merge_ports(parts(("a", {"http": 8080}), ("b", {"http": 3000})), lambda n: True)
    assert "ports.http: 8080 in a" in str(clash.conflicts[0])


def test_replicas_take_the_largest_and_say_so():
    merged = merge_max("replicaCount", parts(("a", 2), ("b", 1), ("c", MISSING)))
    assert merged.value == 2 and merged.notes == ["replicaCount = 2: the largest of 2 a, 1 b"]
    assert merge_max("replicaCount", parts(("a", "two"))).conflicts


def test_resources_requests_are_summed_limits_only_when_all_set_them():
    merged = sum_resources(parts(("a", {"requests": {"cpu": "250m", "memory": "1Gi"},
                                        "limits": {"memory": "1536Mi", "cpu": "1"}}),
                                 ("b", {"requests": {"cpu": "0.1", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}),
                                 ("c", MISSING)))
    assert merged.value == {"requests": {"cpu": "350m", "memory": "1536Mi"}}
    assert "resources.requests.cpu = 350m = 250m a + 0.1 b" in merged.notes
    assert "resources.limits.memory not set: c had no limit" in merged.notes
    both = sum_resources(parts(("a", {"limits": {"memory": "1536Mi"}}), ("b", {"limits": {"memory": "512Mi"}})))
    assert both.value == {"limits": {"memory": "2Gi"}}
    assert sum_resources(parts(("a", {"requests": {"cpu": "lots"}}))).conflicts


def test_probes_keep_paths_and_take_the_largest_numbers():
    merged = merge_probes(parts(("a", {"liveness": {"path": "/h", "initialDelaySeconds": 30}}),
                                ("b", {"liveness": {"path": "/h", "initialDelaySeconds": 60},
                                       "readiness": {"path": "/r", "periodSeconds": 5}})))
    assert merged.value == {"liveness": {"path": "/h", "initialDelaySeconds": 60},
                            "readiness": {"path": "/r", "periodSeconds": 5}}
    assert "healthCheck.liveness.initialDelaySeconds = 60: the largest of 30 a, 60 b" in merged.notes
    assert "healthCheck.readiness: not set by a; the merged service has it" in merged.notes
    clash = merge_probes(parts(("a", {"liveness": {"path": "/h"}}), ("b", {"liveness": {"path": "/other"}})))
    assert "healthCheck.liveness.path" in str(clash.conflicts[0])


def test_image_is_one_registry_the_target_repository_and_the_given_tag_quoted_like_the_sources():
    tag = DoubleQuotedScalarString("047989b1")
    merged = merge_image(parts(("exam-svc", {"registry": "zot", "repository": "applications/exam-svc", "tag": tag,
                                             "pullPolicy": "IfNotPresent"}),
                               ("auth-svc", {"registry": "zot", "repository": "applications/auth-svc", "tag": "x",
                                             "pullPolicy": "IfNotPresent"})), "lumie-backend", "f4c844e5")
    assert merged.value == {"registry": "zot", "repository": "applications/lumie-backend", "tag": "f4c844e5",
                            "pullPolicy": "IfNotPresent"}
    assert isinstance(merged.value["tag"], DoubleQuotedScalarString)
    other = merge_image(parts(("a", {"registry": "zot"}), ("b", {"registry": "docker.io"})), "t", "1")
    assert "image.registry" in str(other.conflicts[0])


# --- ingress -------------------------------------------------------------------------------------------
JWT = {"konghq.com/strip-path": "true", "konghq.com/plugins": "lumie-cors,lumie-jwt"}
TLS = [{"secretName": "api-tls", "hosts": ["api.lumie.kr"]}]


def block(service: str, paths: list[str], annotations: dict, name: str | None = None, host: str = "api.lumie.kr",
          tls=TLS) -> IngressBlock:
    data = {"enabled": True} if name is None else {"name": name}
    data.update(className="kong", annotations=annotations,
                hosts=[{"host": host, "paths": [{"path": p, "pathType": "Prefix"} for p in paths]}])
    if tls:
        data["tls"] = tls
    return IngressBlock(Where(service, "v.yaml", 1), name, data)


def test_routes_are_grouped_by_annotations_and_each_kept_once():
    merged = merge_ingresses([block("tenant-svc", ["/api/tenant"], JWT),
                              block("auth-svc", ["/api/auth", "/oauth2"], {"konghq.com/plugins": "lumie-cors"}),
                              block("exam-svc", ["/api/exam"], JWT),
                              block("billing-svc", ["/api/billing"], JWT),
                              block("billing-svc", ["/webhooks/billing"], {}, name="webhook", tls=None)], "kong")
    main = merged.value
    assert main["enabled"] is True and main["annotations"] == JWT and main["tls"] == TLS
    assert [p["path"] for p in main["hosts"][0]["paths"]] == ["/api/tenant", "/api/exam", "/api/billing"]
    assert [(a["name"], a["annotations"]) for a in merged.additional] == [
        ("auth", {"konghq.com/plugins": "lumie-cors"}), ("webhook", {})]
    assert [p["path"] for p in merged.additional[0]["hosts"][0]["paths"]] == ["/api/auth", "/oauth2"]
    assert "tls" not in merged.additional[1]
    assert merged.notes[0].startswith("ingress: 3 route(s) of tenant-svc, exam-svc, billing-svc (class kong;")
    assert not merged.conflicts


def test_the_same_route_claimed_by_two_services_is_a_conflict():
    merged = merge_ingresses([block("a-svc", ["/x"], JWT), block("b-svc", ["/x"], {})], "kong")
    assert "route api.lumie.kr/x" in str(merged.conflicts[0]) and "a-svc" in str(merged.conflicts[0])


def test_tls_is_united_per_group_and_additional_names_stay_unique():
    merged = merge_ingresses([block("a-svc", ["/a"], JWT, host="a.lumie.kr", tls=[{"secretName": "s", "hosts": ["a"]}]),
                              block("b-svc", ["/b"], JWT, host="b.lumie.kr", tls=[{"secretName": "s", "hosts": ["b"]}]),
                              block("c-svc", ["/c"], {}, name="hook", tls=None),
                              block("d-svc", ["/d"], {"x": "1"}, name="hook", tls=None)], "kong")
    assert merged.value["tls"] == [{"secretName": "s", "hosts": ["a", "b"]}]
    assert [h["host"] for h in merged.value["hosts"]] == ["a.lumie.kr", "b.lumie.kr"]
    assert [a["name"] for a in merged.additional] == ["hook", "hook-d"]


def test_a_block_without_class_uses_the_charts_default_class_for_grouping():
    explicit = block("a-svc", ["/a"], JWT)
    implicit = IngressBlock(Where("b-svc"), None, {k: v for k, v in block("b-svc", ["/b"], JWT).data.items()
                                                   if k != "className"})
    assert not merge_ingresses([explicit, implicit], "kong").additional
    assert len(merge_ingresses([explicit, implicit], "traefik").additional) == 1


def test_middleware_references_of_carried_middlewares_move_to_the_target_namespace():
    key = "traefik.ingress.kubernetes.io/router.middlewares"
    annotations = {key: "lumie-exam-exam-svc-strip-prefix@kubernetescrd, traefik-cors@kubernetescrd", "x": "y"}
    moved = rewrite_middleware_refs(annotations, "lumie-exam", "lumie-backend", frozenset({"exam-svc-strip-prefix"}))
    assert moved == {key: "lumie-backend-exam-svc-strip-prefix@kubernetescrd,traefik-cors@kubernetescrd", "x": "y"}
    assert annotations[key].startswith("lumie-exam-")  # the input is not changed


# --- layout of new files ----------------------------------------------------------------------------------
FLUSH = "a:\n  b:\n  - x\n  c:\n    d: 1\n"
INDENTED = "a:\n  b:\n    - x\n"


def test_layout_is_detected_and_used_for_new_files():
    assert Layout.of(FLUSH) == Layout(2, 0) and Layout.of(INDENTED) == Layout(2, 2)
    assert Layout(2, 0).dump({"b": ["x"], "c": {"d": 1}}) == "b:\n- x\nc:\n  d: 1\n"
    assert Layout(2, 2).dump({"b": [{"n": 1, "m": 2}]}) == "b:\n  - n: 1\n    m: 2\n"
    assert Layout(2, 0).nested("k", [1]) == ["  k:", "  - 1"]
    assert Layout(2, 0).dump({"t": DoubleQuotedScalarString("0123"), "s": "1"}) == "t: \"0123\"\ns: '1'\n"


def test_comment_helpers_read_what_a_reviewer_sees():
    text = "# head\n# two\n\nkey: 1\n\n# about x\nx: 2\n"
    assert leading_comments(text) == ["# head", "# two"]
    assert comments_above(text, 7) == (["# about x"], True)
    assert comments_above(text, 4) == ([], True)
    assert shared([["# a", "# b"], ["# b"], ["# b", "# c"]]) == ["# b"]
