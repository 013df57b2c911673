"""Edits that keep comments in place: set_scalar, insert, remove (roundtrip.comments)."""

from __future__ import annotations

import difflib

from migrate.repo.tracked import Tree
from migrate.roundtrip import (
    YamlFile,
    insert,
    load,
    remove,
    set_scalar,
)


def changed(before: str, after: str) -> list[tuple[str, str]]:
    """The (old, new) line pairs that differ; '' where a line was added or removed."""
    pairs = []
    matcher = difflib.SequenceMatcher(None, before.splitlines(True), after.splitlines(True), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old, new = before.splitlines(True)[i1:i2], after.splitlines(True)[j1:j2]
            pairs += [(o, n) for o, n in zip(old + [""] * len(new), new + [""] * len(old)) if o or n]
    return pairs


def edited(text: str, edit) -> str:
    yf = YamlFile.parse(text, path="x.yaml")
    edit(yf.docs)
    return yf.dump()


# --- inserting and removing entries keeps comments with the right neighbours --------------------------
KUSTOMIZATION = """resources:
  # the root app
  - application.yaml  # self-managed

  # backend
  - lumie/backend/tenant-svc/argocd.yaml
  - lumie/backend/auth-svc/argocd.yaml  # auth

  # ai
  - lumie/ai/ai-svc/argocd.yaml
"""


def test_set_scalar_keeps_quoting_style():
    yf = YamlFile.parse("a: \"047989b1\"\nb: kong\nc: 'x'\n")
    doc = yf.docs[0]
    set_scalar(doc, "a", "1a2b3c4d")
    set_scalar(doc, "b", "traefik")
    set_scalar(doc, "c", "y")
    assert yf.dump() == "a: \"1a2b3c4d\"\nb: traefik\nc: 'y'\n"


def test_removing_last_item_of_a_group_keeps_next_group_header():
    out = edited(KUSTOMIZATION, lambda d: remove(d[0]["resources"], 2))
    assert changed(KUSTOMIZATION, out) == [("  - lumie/backend/auth-svc/argocd.yaml  # auth\n", "")]


def test_removing_first_item_keeps_the_comments_after_it():
    out = edited(KUSTOMIZATION, lambda d: remove(d[0]["resources"], 0))
    assert changed(KUSTOMIZATION, out) == [("  - application.yaml  # self-managed\n", "")]


def test_inserting_joins_the_group_of_the_previous_item():
    out = edited(KUSTOMIZATION, lambda d: insert(d[0]["resources"], 3, "lumie/backend/argocd.yaml"))
    assert out.splitlines()[6:9] == ["  - lumie/backend/auth-svc/argocd.yaml  # auth",
                                     "  - lumie/backend/argocd.yaml", ""]


def test_appending_at_the_end_of_a_list():
    out = edited(KUSTOMIZATION, lambda d: d[0]["resources"].append("x.yaml"))
    assert changed(KUSTOMIZATION, out) == [("", "  - x.yaml\n")]


def test_removing_a_mapping_key_keeps_the_next_keys_comment():
    text = "a: 1  # about a\n# about b\nb: 2\nc: 3\n"
    assert edited(text, lambda d: remove(d[0], "a")) == "# about b\nb: 2\nc: 3\n"
    assert edited(text, lambda d: remove(d[0], "b")) == "a: 1  # about a\n# about b\nc: 3\n"


def test_removing_a_block_item_keeps_the_comment_of_the_next_item():
    text = "env:\n  - name: A\n    value: x\n  # B is special\n  - name: B\n    value: y\n"
    assert edited(text, lambda d: remove(d[0]["env"], 0)) == "env:\n  # B is special\n  - name: B\n    value: y\n"


def test_inserting_a_key_after_one_with_trailing_comments():
    text = "a: 1\n# about b\nb: 2\n"
    assert edited(text, lambda d: insert(d[0], 1, 5, key="z")) == "a: 1\nz: 5\n# about b\nb: 2\n"


def test_example_kustomization_entry_removal_keeps_comments(example_repo_master):
    tree = Tree.from_repo(example_repo_master)
    path = "applications/kustomization.yaml"
    yf = load(tree, path)
    resources = yf.docs[0]["resources"]
    index = next(i for i, r in enumerate(resources) if "exam-svc" in r)
    remove(resources, index)
    diff = changed(tree.read_text(path), yf.dump())
    assert len(diff) == 1 and "exam-svc" in diff[0][0] and diff[0][1] == ""


def test_a_longer_value_keeps_the_gap_before_its_comment_and_a_shorter_one_its_column():
    text = "a:\n  class: kong  # legacy\n  x: 1 # one\n  y: abc    # aligned\nl:\n- kong   # item\n"
    yf = YamlFile.parse(text)
    set_scalar(yf.docs[0]["a"], "class", "traefik")
    set_scalar(yf.docs[0]["a"], "y", "a")
    set_scalar(yf.docs[0]["l"], 0, "traefik")
    assert yf.dump() == "a:\n  class: traefik  # legacy\n  x: 1 # one\n  y: a      # aligned\nl:\n- traefik   # item\n"
