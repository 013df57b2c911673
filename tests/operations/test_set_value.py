"""set-value: before/after pairs and refusals."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError, UsageError
from migrate.operations.set_value import parse_key_path
from migrate.testing import assert_operation, run_operation


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
