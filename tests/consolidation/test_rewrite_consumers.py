"""rewrite-consumers: before/after on a small repository."""

from __future__ import annotations

from migrate.testing import assert_operation, run_operation
from tests.fixtures.consolidation import FILES, OPTIONS

CREATE = dict(OPTIONS, image_tag="1a2b3c4d", env={})


def created(files: dict[str, str] = FILES) -> dict[str, str]:
    """The fixture plus what create-target adds."""
    result, _ = run_operation("create-target", files, **CREATE)
    return {**files, **result.changes}


# --- rewrite-consumers ------------------------------------------------------------------------------------
def test_rewrite_consumers_points_outside_references_at_the_target():
    files = created()
    worker, trigger = "apps/worker/deployment.yaml", "apps/ci/trigger.yaml"
    result = assert_operation("rewrite-consumers", files, {
        worker: files[worker].replace("http://tenant-svc.lumie-tenant.svc.cluster.local:8080/api",
                                      "http://lumie-backend.lumie-backend.svc.cluster.local:8080/api"),
        trigger: files[trigger].replace("apps/tenant/common-values.yaml", "apps/backend/common-values.yaml"),
    }, **OPTIONS)
    assert result.details == [
        "apps/ci/trigger.yaml:8: apps/tenant/common-values.yaml -> apps/backend/common-values.yaml",
        "apps/worker/deployment.yaml:13: http://tenant-svc.lumie-tenant.svc.cluster.local:8080/api -> "
        "http://lumie-backend.lumie-backend.svc.cluster.local:8080/api"]
    report = [(e.kind, e.path, e.line) for e in result.report]
    assert ("pre-existing", "apps/worker/deployment.yaml", 15) in report  # auth-svc.lumie-platform: ambiguous
    assert ("note", "apps/dev/tenant.yaml", 14) in report  # tenant-svc in lumie-dev is another service


def test_rewrite_consumers_renames_grpc_addresses_when_grpc_stays():
    files = dict(FILES)
    files["apps/worker/deployment.yaml"] = files["apps/worker/deployment.yaml"].replace(
        "http://auth-svc.lumie-platform.svc:8080", "tenant-svc-grpc.lumie-tenant.svc:9090")
    result, after = run_operation("rewrite-consumers", created(files), **OPTIONS)
    assert 'value: "lumie-backend-grpc.lumie-backend.svc:9090"' in after.read_text("apps/worker/deployment.yaml")


def test_rewrite_consumers_reports_paths_the_target_has_no_counterpart_for():
    files = created()
    files["apps/ci/trigger.yaml"] += "  - name: grpc\n    default: apps/tenant/manifests/grpc-service.yaml\n"
    result, _ = run_operation("rewrite-consumers", files, **OPTIONS)
    assert [(e.kind, e.line) for e in result.report if e.path == "apps/ci/trigger.yaml"] == [("unresolved", 10)]
