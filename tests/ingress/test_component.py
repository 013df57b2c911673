"""unregister-component: before/after (ingress.component)."""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError, UsageError
from migrate.testing import assert_operation, run_operation
from tests.fixtures.ingress import FILES, INFRA_KUSTOMIZATION, KONG


# --- unregister-component ------------------------------------------------------------------------
def test_unregister_component_keeps_comments_and_missing_final_newline():
    result = assert_operation("unregister-component", FILES, {
        "infra/kustomization.yaml": INFRA_KUSTOMIZATION.replace("\n- kong/argocd.yaml # the old gateway", ""),
    }, **KONG)
    assert result.details == ["infra/kustomization.yaml: - kong/argocd.yaml"]


def test_unregister_component_unknown_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown component 'nginx'.*Applications: api, apps"):
        run_operation("unregister-component", FILES, component="nginx")


def test_unregister_component_already_unregistered_changes_nothing():
    files = {**FILES, "infra/kustomization.yaml": "resources:\n- traefik/argocd.yaml\n"}
    result, _ = run_operation("unregister-component", files, **KONG)
    assert result.changes == {} and "not registered" in result.summary


# --- however the repository registers it (found by the graph) ------------------------------------------
from tests.fixtures.shapes import REPO, app, service  # noqa: E402

GIT_DIRS = f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: platform
  namespace: argocd
spec:
  generators:
  - git:
      repoURL: {REPO}
      revision: HEAD
      directories:
      - path: platform/*
  template:
    metadata:
      name: '{{{{path.basename}}}}'
    spec:
      project: default
      source: {{repoURL: {REPO}, targetRevision: HEAD, path: '{{{{path}}}}'}}
      destination: {{server: https://kubernetes.default.svc, namespace: '{{{{path.basename}}}}'}}
"""


def test_a_component_an_application_set_generates_is_excluded_from_its_git_generator():
    files = {"root.yaml": app("root", "argocd", "sets"), "sets/platform.yaml": GIT_DIRS,
             "platform/kong/svc.yaml": service("kong-proxy"), "platform/web/svc.yaml": service("web")}
    result = assert_operation("unregister-component", files, {"sets/platform.yaml": GIT_DIRS.replace(
        "      - path: platform/*\n", "      - path: platform/*\n      - path: platform/kong\n        exclude: true\n")},
        component="kong")
    assert result.details == ["sets/platform.yaml: + directories exclude platform/kong"]


def test_a_component_a_directory_source_deploys_loses_its_application_file():
    files = {"root.yaml": app("root", "argocd", "apps"), "apps/kong.yaml": app("kong", "kong", "kong"),
             "apps/web.yaml": app("web", "web", "web"), "kong/svc.yaml": service("kong-proxy"),
             "web/svc.yaml": service("web")}
    result = assert_operation("unregister-component", files, {"apps/kong.yaml": None}, component="kong")
    assert "directory apps deploys every Application file in it" in result.details[0]


def test_a_root_component_is_refused_with_what_to_do():
    files = {"kong.yaml": app("kong", "kong", "kong"), "kong/svc.yaml": service("kong-proxy")}
    with pytest.raises(MigrateError, match=r"kong is a root .*kubectl -n argocd delete application kong"):
        run_operation("unregister-component", files, component="kong")
