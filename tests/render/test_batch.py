"""Many kustomize folders in one ``kubectl kustomize`` (``render.batch``): each folder's objects, order and
origins exactly as its own build gives them — on every kustomize folder of the example repository (Helm
charts inflated, generators, shared bases) and on folders that fail or collide in a batch."""

from __future__ import annotations

import pytest

from migrate.inventory import Inventory
from migrate.render.batch import build_many, ordered
from migrate.render.helm_server import shared_server
from migrate.render.manifests import RenderError
from migrate.render.sources import Settings, SourceRenderer
from migrate.render.tools import Tools
from migrate.render.workspace import Workspace
from migrate.repo.tracked import Tree
from migrate.testing import make_repo


def renderer(path) -> SourceRenderer:
    inv = Inventory.load(Tree.from_repo(path))
    tools = Tools.detect()
    if tools.reason:
        pytest.fail(f"the render tools are part of the test extras: {tools.reason}")
    config = inv.config
    out = SourceRenderer(inv, Settings(config.build_options, config.kube_version, config.api_versions), tools,
                         Workspace(inv.tree))
    out.server = None if tools.helm_binary else shared_server(tools)
    return out


def folders_of(r: SourceRenderer) -> list[str]:
    return sorted({src.path for app in r.inv.applications for src in app.sources
                   if src.local and src.path and r.files.is_dir(src.path) and r.kind(src) == "kustomize"})


def own_builds(r: SourceRenderer, folders: list[str]) -> dict:
    out = {}
    for folder in folders:
        try:
            out[folder] = r._build(r.workspace.path(folder))
        except RenderError:
            pass
    return out


def test_every_kustomize_folder_of_the_example_builds_in_a_batch_as_it_builds_alone(example_repo):
    r = renderer(example_repo)
    folders = folders_of(r)
    assert len(folders) > 10
    alone = own_builds(r, folders)
    together = build_many(r.workspace.root, folders, r._build, r._sort_options)
    assert set(together) == set(alone)
    for folder in folders:
        assert together[folder] == alone[folder], folder        # the same objects, in the same order, same origins


SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n"


def test_a_folder_that_fails_or_collides_is_left_to_its_own_build_and_the_rest_still_batch(tmp_path):
    files = {
        "a/kustomization.yaml": "resources:\n- s.yaml\n", "a/s.yaml": SERVICE.format(name="shared"),
        "b/kustomization.yaml": "resources:\n- s.yaml\n", "b/s.yaml": SERVICE.format(name="shared"),   # same id as a
        "c/kustomization.yaml": "resources:\n- missing.yaml\n",                                          # does not build
        "d/kustomization.yaml": "namespace: d\nresources:\n- s.yaml\n", "d/s.yaml": SERVICE.format(name="d"),
        "e/kustomization.yaml": "sortOptions:\n  order: fifo\nresources:\n- s.yaml\n",
        "e/s.yaml": SERVICE.format(name="e").replace("Service", "Deployment").replace("v1", "apps/v1") + "---\n"
                    + SERVICE.format(name="e"),
    }
    repo = make_repo(tmp_path / "repo", files)
    inv = Inventory.load(Tree.from_repo(repo))
    r = SourceRenderer(inv, Settings(), Tools.detect(), Workspace(inv.tree))
    built = build_many(r.workspace.root, ["a", "b", "c", "d", "e"], r._build, r._sort_options)
    assert "c" not in built and not ({"a", "b"} <= set(built))      # a and b cannot share one accumulation
    assert built["d"] == r._build(r.workspace.path("d"))
    assert [doc["kind"] for doc, _ in built["e"]] == ["Deployment", "Service"]       # its own fifo order


def test_the_legacy_order_is_kustomizes():
    docs = [{"apiVersion": v, "kind": k, "metadata": {"name": n, **({"namespace": ns} if ns else {})}}
            for v, k, n, ns in [("apps/v1", "Deployment", "b", "x"), ("v1", "Service", "z", None),
                                ("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "w", None),
                                ("example.com/v1", "Widget", "a", None), ("v1", "Namespace", "n", None),
                                ("apps/v1", "Deployment", "a", "y"), ("v1", "ConfigMap", "c", "x")]]
    names = [d["metadata"]["name"] for d, _ in ordered([(d, None) for d in docs], None)]
    assert names == ["n", "c", "z", "b", "a", "a", "w"]
