"""The generic checks unchanged and not-synced, and the registries."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError, VerificationError
from migrate.playbook import CHECKS, OPERATIONS, Context
from migrate.repo.tracked import Tree


# --- checks -----------------------------------------------------------------------------------------
def check_findings(name: str, origin: dict, after: dict, **options) -> list:
    origin_tree = Tree.from_files(origin)
    ctx = Context.for_tree(origin_tree).at(origin_tree.with_changes(after), options=CHECKS.get(name).bind(options))
    return list(CHECKS.get(name)().check(ctx))


def test_unchanged_check():
    files = {"kong/a.yaml": "a: 1\n", "other.yaml": "b: 1\n"}
    assert check_findings("unchanged", files, {"other.yaml": "b: 2\n"}, paths=["kong"]) == []
    found = check_findings("unchanged", files, {"kong/a.yaml": None}, paths=["kong"])
    assert [f.path for f in found] == ["kong/a.yaml"]


def test_not_synced_check(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    path = "applications/kustomization.yaml"
    unlisted = tree.read_text(path).replace("- lumie/backend/exam-svc/argocd.yaml\n", "")
    assert check_findings("not-synced", {}, {}, applications=["exam-svc"]) == []
    ctx_files = {p: tree.read_text(p) for p in tree.paths()}
    found = check_findings("not-synced", ctx_files, {}, applications=["exam-svc", "auth-svc"])
    assert [f.path for f in found] == ["applications/lumie/backend/exam-svc/argocd.yaml",
                                       "applications/lumie/backend/auth-svc/argocd.yaml"]
    found = check_findings("not-synced", ctx_files, {path: unlisted}, applications=["exam-svc", "auth-svc"])
    assert [f.message for f in found] == ["Application auth-svc is still synced from a root"]


def test_registries_list_the_generic_units():
    assert {"set-value", "edit-kustomization-resources", "remove-paths"} <= set(OPERATIONS.names())
    assert {"unchanged", "not-synced"} <= set(CHECKS.names())
    with pytest.raises(UsageError, match="unknown operation 'nope' \\(known: .*set-value"):
        OPERATIONS.get("nope")


def test_verification_error_names_the_check():
    error = VerificationError("snapshot", "differs", path="a.diff", line=3)
    assert str(error) == "a.diff:3: [snapshot] differs" and error.exit_code == 1
