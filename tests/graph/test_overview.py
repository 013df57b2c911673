"""The Application-level graph a reviewer reads (graph.overview): clusters per App-of-Apps and per
ApplicationSet, long clusters wrapped into columns, marks."""

from __future__ import annotations

from migrate.graph.overview import COLUMN, overview_dot
from tests.fixtures.shapes import REPO, app, load, service

ELEMENTS = "".join(f"      - name: app{i:02d}\n" for i in range(30))
SET = f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cluster-apps
  namespace: argocd
spec:
  generators:
  - list:
      elements:
{ELEMENTS}  template:
    metadata:
      name: '{{{{name}}}}'
    spec:
      project: default
      source: {{repoURL: {REPO}, targetRevision: HEAD, path: 'apps/{{{{name}}}}'}}
      destination: {{server: https://kubernetes.default.svc, namespace: '{{{{name}}}}'}}
"""


APPS = {f"apps/app{i:02d}/svc.yaml": service(f"svc{i:02d}") for i in range(30)}


def test_an_app_of_apps_children_are_one_cluster_wrapped_into_columns(tmp_path):
    _, graph = load(tmp_path, {"root.yaml": app("root", "argocd", "sets"), "sets/apps.yaml": SET, **APPS})
    text = overview_dot(graph, {"application:argocd/app03": "added"})
    assert 'label="root"' in text
    assert text.count("[style=invis]") == 30 - COLUMN          # 30 Applications in columns of COLUMN
    assert 'fillcolor="#dcfce7"' in text                       # the marked one


def test_a_root_application_sets_applications_are_a_cluster_named_after_it(tmp_path):
    _, graph = load(tmp_path, {"sets/apps.yaml": SET, **APPS})            # the set is applied by hand
    text = overview_dot(graph)
    assert 'label="ApplicationSet cluster-apps"' in text
    assert text.count("[style=invis]") == 30 - COLUMN
