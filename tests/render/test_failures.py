"""What cannot be rendered is said, per Application, with its file and line — never a silent pass;
without rendering the tool says so and falls back to the source model; renders are cached by their
inputs, so a changed file re-renders only the Applications that read it."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.render.cache import shared_cache
from migrate.render.view import ArgoView
from migrate.repo.tracked import Tree
from tests.fixtures.builders import application
from tests.fixtures.shapes import app, deployment, load, references, service, synced

ROOT = {"root.yaml": app("root", "argocd", "apps")}
REMOTE_CHART = application("redis", "cache", """\
  source:
    repoURL: https://charts.example.com/stable
    chart: redis
    targetRevision: 18.1.0""")


def test_render_failures_are_reported_per_application_and_the_rest_renders(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/broken.yaml": app("broken", "broken", "broken"),
        "broken/kustomization.yaml": "resources:\n- missing.yaml\n",
        "apps/redis.yaml": REMOTE_CHART,
        "apps/web.yaml": app("web", "web", "web"),
        "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
        "apps/api.yaml": app("api", "api", "api"), "api/svc.yaml": service("api"),
    })
    spots = g.blind_spots()
    assert [s.split(": not rendered")[0] for s in spots] == ["apps/broken.yaml:1: Application broken",
                                                             "apps/redis.yaml:1: Application redis"]
    assert "kustomize build failed" in spots[0] and "missing.yaml" in spots[0]
    assert spots[1].endswith("not rendered: remote chart https://charts.example.com/stable/redis 18.1.0")
    assert synced(g) == {"root", "broken", "redis", "web", "api"}
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")


def test_an_unvendored_chart_of_a_kustomization_is_named_and_the_rest_of_it_renders(tmp_path):
    inv, g = load(tmp_path, {**ROOT,
        "apps/mon.yaml": app("mon", "mon", "mon"),
        "mon/kustomization.yaml": "resources:\n- svc.yaml\nhelmCharts:\n- name: grafana\n"
                                  "  repo: https://grafana.github.io/helm-charts\n  version: 8.0.0\n",
        "mon/svc.yaml": service("grafana-proxy"),
    })
    assert g.blind_spots() == ["apps/mon.yaml:1: Application mon: not rendered: remote chart "
                               "https://grafana.github.io/helm-charts/grafana (kustomize helmCharts of "
                               "mon/kustomization.yaml, not vendored under its chartHome)"]
    assert [o.doc["metadata"]["name"] for o in g.view.renders["application:argocd/mon"].objects] == ["grafana-proxy"]


def test_with_rendering_off_the_graph_says_so_and_uses_the_source_model(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_RENDER", "0")
    inv, g = load(tmp_path, {**ROOT,
        "apps/kustomization.yaml": "resources:\n- web.yaml\n- api.yaml\n",
        "apps/web.yaml": app("web", "web", "web"), "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
        "apps/api.yaml": app("api", "api", "api"), "api/svc.yaml": service("api"),
    })
    assert not g.view.rendering
    assert g.blind_spots()[0].startswith("rendering is off")
    assert synced(g) == {"root", "web", "api"}
    assert ("calls", "workload:web/web", "service:api/api") in references(g, "resolved")


def test_the_config_file_is_checked_against_its_schema(tmp_path):
    with pytest.raises(UsageError) as error:
        load(tmp_path, {**ROOT, ".migrate/config.yaml": "roots: [root]\nrender:\n  kube_version: 31\n"})
    assert (error.value.path, error.value.line) == (".migrate/config.yaml", 3)
    assert "kube_version" in str(error.value)


def test_renders_are_cached_by_their_inputs(tmp_path):
    files = {**ROOT,
             "apps/web.yaml": app("web", "web", "web"), "web/deploy.yaml": deployment("web", "http://api.api.svc:8080"),
             "apps/api.yaml": app("api", "api", "api"), "api/svc.yaml": service("api")}
    inv, g = load(tmp_path, files)
    cache = shared_cache()
    hits, misses = cache.hits, cache.misses
    ArgoView.build(Inventory.load(Tree.from_repo(tmp_path / "repo")))
    assert (cache.hits - hits, cache.misses - misses) == (3, 0)          # unchanged: nothing rendered
    edited = Tree.from_repo(tmp_path / "repo").with_changes({"api/svc.yaml": service("api").replace("8080", "9090")})
    hits, misses = cache.hits, cache.misses
    view = ArgoView.build(Inventory.load(edited))
    assert (cache.hits - hits, cache.misses - misses) == (2, 1)          # only api renders again
    ports = [o.doc["spec"]["ports"][0]["port"] for o in view.renders["application:argocd/api"].objects]
    assert ports == [9090]
    assert build_graph(Inventory.load(edited), view).synced_applications() == {"root", "web", "api"}


def test_a_later_process_reads_the_located_renders_from_disk(tmp_path, monkeypatch):
    from migrate.render import cache as cache_module
    from migrate.render.sources import SourceRenderer
    files = {**ROOT, "apps/api.yaml": app("api", "api", "api"), "api/svc.yaml": service("api")}
    inv, g = load(tmp_path, files)                                   # renders, locates, writes both
    monkeypatch.setattr(cache_module, "_SHARED", {})                 # a new process: nothing in memory

    def not_again(*args):
        raise AssertionError("located again: the disk had it")
    monkeypatch.setattr(SourceRenderer, "locate", not_again)
    view = ArgoView.build(Inventory.load(Tree.from_repo(tmp_path / "repo")))
    api = "application:argocd/api"
    assert [o.doc for o in view.renders[api].objects] == [o.doc for o in g.view.renders[api].objects]
    assert view.renders[api].objects[0].located.file == "api/svc.yaml"
    assert view.renders[api].seconds == 0.0                          # nothing was rendered by this process
    edited = Tree.from_repo(tmp_path / "repo").with_changes({"api/svc.yaml": service("api").replace("8080", "9")})
    with pytest.raises(AssertionError, match="located again"):      # changed inputs: located anew
        ArgoView.build(Inventory.load(edited))
