"""edit-kustomization-resources: before/after pairs and refusals."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError
from migrate.repo.tracked import Tree
from migrate.testing import run_operation

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
