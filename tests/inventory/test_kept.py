"""``history``'s Applications kept on disk by the repository's content (inventory.kept, Tree.signature).

A second run on the same content reads the kept entry (no file parsed); any change of content, staged or
not, even in a file git is told to assume unchanged, is another key; nothing is kept when a file read
may hold a secret value. Real git repositories in temporary folders.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from migrate.inventory import Inventory
from migrate.repo.tracked import Tree
from migrate.testing import make_repo
from tests.fixtures.builders import application, path_source


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def root(tmp_path):
    return make_repo(tmp_path / "repo", {
        "apps/application.yaml": application("root", "argocd", path_source("apps")),
        "apps/kustomization.yaml": "resources:\n- web.yaml\n",
        "apps/web.yaml": application("web", "web", path_source("web")),
        "web/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
    })


def _found(inv: Inventory) -> list:
    return [(a.id, a.file, a.source_paths, a.value_files) for a in inv.applications]


def _parses(monkeypatch) -> list:
    """The calls to the inventory's YAML reader from now on."""
    calls, parse = [], Inventory._parse
    monkeypatch.setattr(Inventory, "_parse", lambda self, path: (calls.append(path), parse(self, path)))
    return calls


def test_a_second_run_on_the_same_content_parses_nothing(root, monkeypatch):
    first = Inventory.load_applications(Tree.from_repo(root))
    calls = _parses(monkeypatch)
    again = Inventory.load_applications(Tree.from_repo(root))
    assert calls == []
    assert _found(again) == _found(first) and [a.name for a in again.applications] == ["root", "web"]
    assert again.contexts == first.contexts and again.self_urls == first.self_urls
    assert again.kustomizations == first.kustomizations


@pytest.mark.parametrize("how", ["unstaged", "staged", "committed", "assumed unchanged"])
def test_any_change_of_content_is_read_again(root, monkeypatch, how):
    Inventory.load_applications(Tree.from_repo(root))
    if how == "assumed unchanged":
        _git(root, "update-index", "--assume-unchanged", "apps/web.yaml")
    (root / "apps/web.yaml").write_text(application("shop", "web", path_source("web")))
    if how in ("staged", "committed"):
        _git(root, "add", "apps/web.yaml")
    if how == "committed":
        _git(root, "commit", "-qm", "rename")
    calls = _parses(monkeypatch)
    inv = Inventory.load_applications(Tree.from_repo(root))
    assert [a.name for a in inv.applications] == ["root", "shop"] and calls


def test_a_removed_file_is_another_content(root):
    Inventory.load_applications(Tree.from_repo(root))
    (root / "apps/web.yaml").unlink()
    (root / "apps/kustomization.yaml").write_text("resources: []\n")
    assert [a.name for a in Inventory.load_applications(Tree.from_repo(root)).applications] == ["root"]


def test_nothing_is_kept_when_a_file_read_may_hold_a_secret(root, monkeypatch):
    (root / "apps/web.yaml").write_text(application("web", "web", path_source("web"))
                                        + "# kind: Application\n# password: hunter2\n")
    Inventory.load_applications(Tree.from_repo(root))
    calls = _parses(monkeypatch)
    Inventory.load_applications(Tree.from_repo(root))
    assert "apps/web.yaml" in calls
    assert not any(b"hunter2" in p.read_bytes() for p in (root / ".git/migrate").rglob("*") if p.is_file())


def test_the_signature_names_content_not_stat(root):
    before = Tree.from_repo(root).signature()
    path = root / "web/deployment.yaml"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))   # touched: git lists it, same bytes
    assert "web/deployment.yaml" in subprocess.run(["git", "diff-files", "--name-only"], cwd=root,
                                                   capture_output=True, text=True).stdout
    assert Tree.from_repo(root).signature() == before
    text = (root / "web/deployment.yaml").read_text()
    (root / "web/deployment.yaml").write_text(text.replace("web", "api"))
    changed = Tree.from_repo(root).signature()
    assert changed != before
    (root / "web/deployment.yaml").write_text(text)
    assert Tree.from_repo(root).signature() == before
    edited = Tree.from_repo(root).with_changes({"web/deployment.yaml": "kind: X\n"})
    assert edited.signature() not in (before, changed)
