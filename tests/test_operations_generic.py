"""Before/after tests of the generic operations and checks (migrate.operations.generic)."""

from __future__ import annotations

import pytest

from migrate.context import Context
from migrate.errors import MigrateError, UsageError, VerificationError
from migrate.operations.base import CHECKS, OPERATIONS
from migrate.operations.generic import parse_key_path
from migrate.testing import assert_operation, run_operation
from migrate.tree import Tree

K = "k/kustomization.yaml"
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# Platform components
resources:
  # Ingress
  - kong/argocd.yaml  # the old gateway
  - traefik/argocd.yaml

  # Secrets
  - vault/argocd.yaml
  - vso/argocd.yaml
  # - disabled/argocd.yaml

  # Certificates
  - cert-manager/argocd.yaml"""


def edited(before: str, **options) -> str:
    result, tree = run_operation("edit-kustomization-resources", {K: before}, file="k", **options)
    return tree.read_text(K)


# --- set-value ---------------------------------------------------------------------------------
def test_set_value_keeps_quotes_comments_and_layout():
    before = '# values\nimage:\n    repository: web\n    tag: "1a2b3c4d"   # bumped by CI\nreplicas: 2\n'
    result = assert_operation("set-value", {"v.yaml": before},
                              {"v.yaml": before.replace('"1a2b3c4d"', '"deadbeef"')},
                              file="v.yaml", key="image.tag", value="deadbeef")
    assert result.details == ["v.yaml:4: image.tag: '1a2b3c4d' -> 'deadbeef'"]


def test_set_value_list_index_and_quoted_key_in_second_document():
    before = ("a: 1\n---\nmetadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n"
              "spec:\n  env:\n    - name: X\n      value: old\n")
    after = before.replace('"1"', '"3"').replace("value: old", "value: new")
    result, tree = run_operation("set-value", {"f.yaml": before}, file="f.yaml", document=1,
                                 key='metadata.annotations."argocd.argoproj.io/sync-wave"', value="3")
    assert_operation("set-value", {"f.yaml": tree.read_text("f.yaml")}, {"f.yaml": after},
                     file="f.yaml", document=1, key="spec.env[0].value", value="new")


def test_set_value_never_shows_a_secret_value():
    before = "kind: Secret\nmetadata:\n  name: db\nstringData:\n  password: old-secret\n"
    result = assert_operation("set-value", {"s.yaml": before}, {"s.yaml": before.replace("old-secret", "new-secret")},
                              file="s.yaml", key="stringData.password", value="new-secret")
    shown = result.summary + "".join(result.details)
    assert "secret'" not in shown and "<redacted> -> <redacted>" in shown


def test_set_value_same_value_changes_nothing():
    result = assert_operation("set-value", {"v.yaml": "a: 1\n"}, {}, file="v.yaml", key="a", value=1)
    assert result.changes == {}


def test_set_value_missing_key_fails_unless_create():
    with pytest.raises(MigrateError, match="missing"):
        run_operation("set-value", {"v.yaml": "a:\n  b: 1\n"}, file="v.yaml", key="a.c", value=2)
    assert_operation("set-value", {"v.yaml": "a:\n  b: 1\n"}, {"v.yaml": "a:\n  b: 1\n  c: 2\n"},
                     file="v.yaml", key="a.c", value=2, create=True)


def test_set_value_missing_file_names_it():
    with pytest.raises(MigrateError) as info:
        run_operation("set-value", {"v.yaml": "a: 1\n"}, file="nope.yaml", key="a", value=2)
    assert info.value.path == "nope.yaml"


def test_parse_key_path():
    assert parse_key_path('spec.source.helm.valueFiles[0]') == ["spec", "source", "helm", "valueFiles", 0]
    assert parse_key_path('metadata.annotations."a.b/c"') == ["metadata", "annotations", "a.b/c"]
    assert parse_key_path(["a", 0]) == ["a", 0]
    with pytest.raises(MigrateError):
        parse_key_path("a..b")


def test_options_are_checked():
    with pytest.raises(UsageError, match="no option 'nope'"):
        run_operation("set-value", {"v.yaml": "a: 1\n"}, file="v.yaml", key="a", value=2, nope=1)
    with pytest.raises(UsageError, match="needs option 'key'"):
        run_operation("set-value", {"v.yaml": "a: 1\n"}, file="v.yaml", value=2)
    with pytest.raises(UsageError, match="expects true or false"):
        run_operation("remove-paths", {"a": ""}, paths=["a"], enabled="no")


# --- edit-kustomization-resources ------------------------------------------------------------------
def test_removed_entry_takes_its_own_comment_heading_stays_while_group_has_entries():
    expected = KUSTOMIZATION.replace("  - kong/argocd.yaml  # the old gateway\n", "")
    assert edited(KUSTOMIZATION, remove=["kong/argocd.yaml"]) == expected


def test_emptied_group_loses_its_heading_and_blank_line():
    expected = KUSTOMIZATION.replace(
        "  # Ingress\n  - kong/argocd.yaml  # the old gateway\n  - traefik/argocd.yaml\n\n", "")
    assert edited(KUSTOMIZATION, remove=["kong/argocd.yaml", "traefik/argocd.yaml"]) == expected


def test_removing_the_last_line_keeps_the_missing_final_newline():
    text = edited(KUSTOMIZATION, remove=["cert-manager/argocd.yaml"])
    assert text == KUSTOMIZATION.replace("\n\n  # Certificates\n  - cert-manager/argocd.yaml", "")
    assert not text.endswith("\n")


def test_added_entries_take_the_place_of_the_first_removed_one():
    expected = KUSTOMIZATION.replace("  - vault/argocd.yaml\n  - vso/argocd.yaml\n", "  - secrets/argocd.yaml\n")
    assert edited(KUSTOMIZATION, remove=["vault/argocd.yaml", "vso/argocd.yaml"],
                  add=["secrets/argocd.yaml"]) == expected


def test_add_after_an_entry_and_at_the_end():
    after = edited(KUSTOMIZATION, add=["a b.yaml"], after="kong/argocd.yaml")
    assert after == KUSTOMIZATION.replace("gateway\n", 'gateway\n  - "a b.yaml"\n')
    at_end = edited(KUSTOMIZATION, add=["z/argocd.yaml"])
    assert at_end == KUSTOMIZATION + "\n  - z/argocd.yaml"


def test_already_listed_entry_is_not_added_twice():
    result, tree = run_operation("edit-kustomization-resources", {K: KUSTOMIZATION}, file=K,
                                 add=["vault/argocd.yaml"])
    assert result.changes == {}


def test_removing_everything_leaves_an_empty_list():
    before = "kind: Kustomization\nresources:\n- a.yaml\n- b.yaml\n"
    assert edited(before, remove=["a.yaml", "b.yaml"]) == "kind: Kustomization\nresources: []\n"


def test_unlisted_entry_fails_unless_missing_ok():
    with pytest.raises(MigrateError, match="not listed"):
        edited(KUSTOMIZATION, remove=["nope.yaml"])
    assert edited(KUSTOMIZATION, remove=["nope.yaml"], missing_ok=True) == KUSTOMIZATION


def test_kustomization_on_the_example_repo_keeps_korean_comments(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    path = "bootstrap/kustomization.yaml"
    before = tree.read_text(path)
    result, after = run_operation("edit-kustomization-resources", {path: before}, file=path,
                                  remove=["kong/argocd.yaml"])
    text = after.read_text(path)
    kong_line = next(line for line in before.splitlines(keepends=True) if line.startswith("- kong/"))
    assert text + "\n" + kong_line.rstrip("\n") == before
    assert not text.endswith("\n") and "# " in text.split("resources:")[0]


# --- remove-paths --------------------------------------------------------------------------------
def test_remove_paths_files_and_folders():
    files = {"a/b.yaml": "x: 1\n", "a/c/d.txt": "d", "e.txt": "e", "ab.txt": "not under a/"}
    result = assert_operation("remove-paths", files, {"a/b.yaml": None, "a/c/d.txt": None, "e.txt": None},
                              paths=["a", "e.txt"])
    assert result.summary == "Remove a, e.txt"


def test_remove_paths_disabled_does_nothing():
    result = assert_operation("remove-paths", {"a/b": "x"}, {}, paths=["a"], enabled=False)
    assert result.changes == {} and "skipped" in result.summary


def test_remove_paths_missing_fails_unless_missing_ok():
    with pytest.raises(MigrateError, match="no such file or folder"):
        run_operation("remove-paths", {"a/b": "x"}, paths=["zz"])
    assert_operation("remove-paths", {"a/b": "x"}, {}, paths=["zz"], missing_ok=True)


def test_remove_paths_refuses_to_leave_the_repository():
    with pytest.raises(MigrateError, match="leaves the repository"):
        run_operation("remove-paths", {"a/b": "x"}, paths=["../etc"])


def test_assert_operation_reports_a_mismatch_as_a_diff():
    with pytest.raises(AssertionError, match=r"(?s)-a: 3.*\+a: 2"):
        assert_operation("set-value", {"v.yaml": "a: 1\n"}, {"v.yaml": "a: 3\n"}, file="v.yaml", key="a", value=2)


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
