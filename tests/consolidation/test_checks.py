"""The consolidation's intent checks, before/after: routes-preserved, env-preserved, vault-paths-preserved."""

from __future__ import annotations

import pytest

from migrate.testing import assert_check, run_operation
from tests.fixtures.consolidation import FILES, OPTIONS

VALUES = "apps/backend/common-values.yaml"


@pytest.fixture(scope="module")
def created() -> dict[str, str]:
    """The files create-target writes (the target, beside the services it merges)."""
    result, _ = run_operation("create-target", FILES, **OPTIONS, image_tag="abc")
    return result.changes


def test_routes_preserved_holds_after_create_target_and_sees_a_route_gone(created):
    assert_check("routes-preserved", FILES, created, [], **OPTIONS)
    tampered = created[VALUES].replace("- path: /api/auth", "- path: /api/other")
    assert_check("routes-preserved", FILES, {**created, VALUES: tampered},
                 ["the target serves api.example/api/other, which no merged service served"], **OPTIONS)


def test_env_preserved_holds_and_names_an_env_entry_the_target_lost(created):
    assert_check("env-preserved", FILES, created, [], **OPTIONS)
    tampered = created[VALUES].replace("  - name: TZ\n    value: Asia/Seoul\n", "")
    assert_check("env-preserved", FILES, {**created, VALUES: tampered},
                 ["env TZ of auth-svc is missing from the target", "env TZ of tenant-svc is missing"], **OPTIONS)
    assert_check("env-preserved", FILES, {}, ["the target has no workload lumie-backend in lumie-backend"],
                 **OPTIONS)


def test_vault_paths_preserved_holds_and_names_a_vault_path_no_secret_reads(created):
    assert_check("vault-paths-preserved", FILES, created, [], **OPTIONS)
    tampered = created[VALUES].replace("path: infrastructure/postgresql", "path: infrastructure/other")
    assert_check("vault-paths-preserved", FILES, {**created, VALUES: tampered},
                 ["vault path kv/infrastructure/postgresql (auth-svc-db-secrets) is read by no secret",
                  "vault path kv/infrastructure/postgresql (tenant-svc-db-secrets) is read by no secret"], **OPTIONS)
