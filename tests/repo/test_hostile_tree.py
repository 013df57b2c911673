"""Hostile files in a repository are named, never a traceback: a file name that is not UTF-8, a symbolic
link out of the repository, a pipe; a byte that is not UTF-8 in a Helm template; CRLF files keep CRLF
through an edit (added lines and a missing final newline included)."""

from __future__ import annotations

import os
import subprocess
import sys

from migrate.repo.doctor import SKIPPED, doctor
from migrate.repo.tracked import Tree
from migrate.roundtrip.lines import keep_line_endings
from migrate.testing import make_repo, run_operation


def test_odd_names_links_out_and_pipes_are_skipped_and_named(tmp_path):
    repo = make_repo(tmp_path / "repo", {"ok.yaml": "a: 1\n", "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
                                         "chart/templates/bad.yaml": "x: {{ .Values.x }}\n"})
    (repo / "chart/templates/bad.yaml").write_bytes(b"bad: \xff {{ .Values.x }}\n")
    os.symlink("/etc/passwd", repo / "passwd.yaml")
    (repo / os.fsdecode(b"odd-\xe9.yaml")).write_text("a: 1\n")
    os.mkfifo(repo / "pipe.yaml")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "hostile"], cwd=repo, check=True)
    tree = Tree.from_repo(repo)
    assert "passwd.yaml" not in tree.paths()
    skipped = {f.path: f.reason for f in doctor(tree).having(SKIPPED)}
    assert skipped["passwd.yaml"] == "a symbolic link out of the repository: never read"
    assert skipped["odd-\\xe9.yaml"] == "its name is not UTF-8, so it is not read"
    for command in (["doctor"], ["graph"], ["graph", "--dangling"]):
        done = subprocess.run([sys.executable, "-m", "migrate", *command, "--repo", str(repo)], capture_output=True,
                              text=True, timeout=60)
        assert "Traceback" not in done.stderr, done.stderr
    assert "skipped  passwd.yaml: a symbolic link out of the repository" in subprocess.run(
        [sys.executable, "-m", "migrate", "doctor", "--repo", str(repo)], capture_output=True, text=True).stdout


def test_a_crlf_file_stays_crlf_through_a_resources_edit():
    before = {"apps/kustomization.yaml": "resources:\r\n- a.yaml # first\r\n- b.yaml"}
    _, tree = run_operation("edit-kustomization-resources", before, file="apps", add=["c.yaml"])
    assert tree.read_text("apps/kustomization.yaml") == "resources:\r\n- a.yaml # first\r\n- b.yaml\r\n- c.yaml"
    _, tree = run_operation("edit-kustomization-resources", before, file="apps", remove=["b.yaml"])
    assert tree.read_text("apps/kustomization.yaml") == "resources:\r\n- a.yaml # first"


def test_line_endings_are_kept_per_file():
    assert keep_line_endings("a: 1\r\nb: 2", "a: 1\r\nb: 2\nc: 3\r") == "a: 1\r\nb: 2\r\nc: 3"
    assert keep_line_endings("a: 1\nb: 2\n", "a: 1\nc: 3\n") == "a: 1\nc: 3\n"
    assert keep_line_endings("a: 1\r\nb: 2\n", "x\n") == "x\n"      # mixed already: left as written
