"""unregister-component: before/after (ingress.component)."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.testing import assert_operation, run_operation
from tests.fixtures.ingress import FILES, INFRA_KUSTOMIZATION, KONG


# --- unregister-component ------------------------------------------------------------------------
def test_unregister_component_keeps_comments_and_missing_final_newline():
    result = assert_operation("unregister-component", FILES, {
        "infra/kustomization.yaml": INFRA_KUSTOMIZATION.replace("\n- kong/argocd.yaml # the old gateway", ""),
    }, **KONG)
    assert result.details == ["infra/kustomization.yaml: - kong/argocd.yaml"]


def test_unregister_component_unknown_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown component 'nginx'.*Applications: api, apps"):
        run_operation("unregister-component", FILES, component="nginx")


def test_unregister_component_already_unregistered_changes_nothing():
    files = {**FILES, "infra/kustomization.yaml": "resources:\n- traefik/argocd.yaml\n"}
    result, _ = run_operation("unregister-component", files, **KONG)
    assert result.changes == {} and "not registered" in result.summary
