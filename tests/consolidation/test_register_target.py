"""register-target: before/after on a small repository."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.testing import assert_operation, run_operation
from tests.fixtures.consolidation import FILES, OPTIONS

CREATE = dict(OPTIONS, image_tag="1a2b3c4d", env={})


def created(files: dict[str, str] = FILES) -> dict[str, str]:
    """The fixture plus what create-target adds."""
    result, _ = run_operation("create-target", files, **CREATE)
    return {**files, **result.changes}


# --- register-target ------------------------------------------------------------------------------------
def test_register_target_lists_the_target_where_the_first_merged_service_was():
    files = created()
    assert_operation("register-target", files, {"apps/kustomization.yaml": """\
resources:
- application.yaml
# backend
- backend/argocd.yaml

# workers
- worker/argocd.yaml
- ci/argocd.yaml
- dev/argocd.yaml
"""}, **OPTIONS)


def test_register_target_needs_the_target_and_a_listing():
    with pytest.raises(MigrateError, match="create-target comes first"):
        run_operation("register-target", FILES, **OPTIONS)
    files = created()
    files["apps/kustomization.yaml"] = "resources:\n- application.yaml\n- worker/argocd.yaml\n"
    with pytest.raises(MigrateError, match="no kustomization lists the merged Applications"):
        run_operation("register-target", files, **OPTIONS)
