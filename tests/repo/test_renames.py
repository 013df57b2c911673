"""A deleted file and the added file it became are shown as a rename, as ``git diff -M`` shows it, and
``git apply`` takes the patch (real git, real files)."""

from __future__ import annotations

import subprocess

from migrate.repo.diffs import diff_files, file_changes, renames
from migrate.review.diffview import parse
from migrate.testing import make_repo

OLD = {"a/app.yaml": "name: a\npath: a\n", "a/values.yaml": "x: 1\ny: 2\nz: 3\n", "a/.gitkeep": "",
       "other.yaml": "list:\n- a/app.yaml\n"}
NEW = {"a/app.yaml": None, "a/values.yaml": None, "a/.gitkeep": None,
       "b/app.yaml": "name: a\npath: b\n", "b/values.yaml": "x: 1\ny: 2\nz: 3\n", "b/.gitkeep": "",
       "other.yaml": "list:\n- b/app.yaml\n"}


def test_equal_contents_and_kept_lines_pair_as_renames_empty_files_do_not():
    assert renames(OLD, NEW) == {"b/values.yaml": "a/values.yaml", "b/app.yaml": "a/app.yaml"}
    assert [(c.status, c.path, c.source, c.added, c.removed) for c in file_changes(OLD, NEW)] == [
        ("D", "a/.gitkeep", None, 0, 0), ("A", "b/.gitkeep", None, 0, 0), ("R", "b/app.yaml", "a/app.yaml", 1, 1),
        ("R", "b/values.yaml", "a/values.yaml", 0, 0), ("M", "other.yaml", None, 1, 1)]


def test_a_file_rewritten_beyond_half_is_a_delete_and_an_add():
    new = {"a/values.yaml": None, "b/values.yaml": "p: 1\nq: 2\nz: 3\n"}
    assert renames({"a/values.yaml": OLD["a/values.yaml"]}, new) == {}


def test_the_patch_applies_with_git_and_the_review_page_reads_it(tmp_path):
    repo = make_repo(tmp_path / "r", {p: t for p, t in OLD.items()})
    patch = diff_files(OLD, NEW)
    assert "diff --git a/a/values.yaml b/b/values.yaml\nsimilarity index 100%\nrename from a/values.yaml\n" \
           "rename to b/values.yaml\n" in patch
    (tmp_path / "p.diff").write_text(patch)
    subprocess.run(["git", "apply", str(tmp_path / "p.diff")], cwd=repo, check=True, capture_output=True)
    assert (repo / "b/app.yaml").read_text() == NEW["b/app.yaml"] and not (repo / "a").exists()
    assert [(f.status, f.path, f.source) for f in parse(patch)] == [
        ("D", "a/.gitkeep", None), ("A", "b/.gitkeep", None), ("R", "b/app.yaml", "a/app.yaml"),
        ("R", "b/values.yaml", "a/values.yaml"), ("M", "other.yaml", None)]


def test_a_diff_without_renames_is_unchanged():
    assert diff_files({"x.yaml": "a: 1\n"}, {"x.yaml": "a: 2\n"}).startswith("--- a/x.yaml\n+++ b/x.yaml\n")
