"""The ingress rule: every route once, grouped by how it is served (consolidation.ingress)."""

from __future__ import annotations

from migrate.consolidation.ingress import (
    IngressBlock,
    merge_ingresses,
    move_attachment_refs,
)
from migrate.consolidation.parts import (
    Where,
)

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


def test_a_block_without_class_uses_the_charts_default_class_for_grouping():
    explicit = block("a-svc", ["/a"], JWT)
    implicit = IngressBlock(Where("b-svc"), None, {k: v for k, v in block("b-svc", ["/b"], JWT).data.items()
                                                   if k != "className"})
    assert not merge_ingresses([explicit, implicit], "kong").additional
    assert len(merge_ingresses([explicit, implicit], "traefik").additional) == 1


def test_middleware_references_of_carried_middlewares_move_to_the_target_namespace():
    key = "traefik.ingress.kubernetes.io/router.middlewares"
    annotations = {key: "lumie-exam-exam-svc-strip-prefix@kubernetescrd, traefik-cors@kubernetescrd", "x": "y"}
    moved = move_attachment_refs(annotations, "lumie-exam", "lumie-backend", frozenset({"exam-svc-strip-prefix"}))
    assert moved == {key: "lumie-backend-exam-svc-strip-prefix@kubernetescrd,traefik-cors@kubernetescrd", "x": "y"}
    assert annotations[key].startswith("lumie-exam-")  # the input is not changed


def test_tls_is_united_per_group_and_additional_names_stay_unique():
    merged = merge_ingresses([block("a-svc", ["/a"], JWT, host="a.lumie.kr", tls=[{"secretName": "s", "hosts": ["a"]}]),
                              block("b-svc", ["/b"], JWT, host="b.lumie.kr", tls=[{"secretName": "s", "hosts": ["b"]}]),
                              block("c-svc", ["/c"], {}, name="hook", tls=None),
                              block("d-svc", ["/d"], {"x": "1"}, name="hook", tls=None)], "kong")
    assert merged.value["tls"] == [{"secretName": "s", "hosts": ["a", "b"]}]
    assert [h["host"] for h in merged.value["hosts"]] == ["a.lumie.kr", "b.lumie.kr"]
    assert [a["name"] for a in merged.additional] == ["hook", "hook-d"]
