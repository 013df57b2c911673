"""remove-paths: before/after pairs and refusals."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.testing import assert_operation, run_operation


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
