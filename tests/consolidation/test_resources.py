"""The sizing rules: ports, replicas, resources, probes, image (consolidation.resources, consolidation.parts)."""

from __future__ import annotations

from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from migrate.consolidation.parts import (
    MISSING,
    Part,
    Where,
    merge_max,
)
from migrate.consolidation.resources import (
    merge_image,
    merge_ports,
    merge_probes,
    sum_resources,
)


def parts(*pairs) -> list[Part]:
    """``("svc", value), ...`` as Parts."""
    return [Part(Where(service, "v.yaml", n), value) for n, (service, value) in enumerate(pairs, start=1)]


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
