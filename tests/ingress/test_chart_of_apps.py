"""A component an App-of-Apps chart makes (the shape of homelab repositories: one local chart per layer, one
template per Application, each gated on a values flag): found by the chart it installs, switched off by its
flag in the values file the render reads, inline ingress values in its templates switched (ingress.component,
ingress.chart_templates). A repository written here, nobody's copy."""

from __future__ import annotations

import pytest

from migrate import engine
from migrate.errors import UsageError
from migrate.testing import make_repo

REPO = "https://example.com/org/homelab.git"

ROOT = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: system
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {REPO}
    targetRevision: main
    path: system
    helm:
      valueFiles:
      - values-dev.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: system
"""

NGINX_TEMPLATE = """\
{{- if .Values.ingress_nginx.enabled }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .Values.project }}-ingress-nginx
  namespace: argocd
spec:
  project: default
  source:
    chart: ingress-nginx
    repoURL: https://kubernetes.github.io/ingress-nginx
    targetRevision: 4.12.3
  destination:
    server: https://kubernetes.default.svc
    namespace: ingress-nginx
{{- end }}
"""

GRAFANA_TEMPLATE = """\
{{- if .Values.grafana.enabled }}
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {{ .Values.project }}-grafana
  namespace: argocd
spec:
  project: default
  source:
    chart: grafana
    repoURL: https://grafana.github.io/helm-charts
    targetRevision: 8.5.2
    helm:
      values: |
        ingress:
          enabled: true
          ingressClassName: nginx
          hosts: [grafana.home.example]
  destination:
    server: https://kubernetes.default.svc
    namespace: monitoring
{{- end }}
"""

FILES = {
    "root.yaml": ROOT,
    "system/Chart.yaml": "apiVersion: v2\nname: system\nversion: 0.1.0\n",
    "system/values.yaml": "project: system\ningress_nginx:\n  enabled: true\ngrafana:\n  enabled: true\n",
    "system/values-dev.yaml": "# dev cluster\ningress_nginx:\n  enabled: true   # the edge\ngrafana:\n  enabled: true\n",
    "system/values-prod.yaml": "ingress_nginx:\n  enabled: true\n",
    "system/templates/ingress-nginx.yaml": NGINX_TEMPLATE,
    "system/templates/grafana.yaml": GRAFANA_TEMPLATE,
}


def test_drop_nginx_ingress_finishes_on_a_chart_of_applications(tmp_path):
    repo = make_repo(tmp_path / "homelab", FILES)
    plan = engine.plan(repo, "drop-nginx-ingress")
    assert plan.error is None, plan.error
    switch, _, unregister = plan.steps
    # the grafana Application's inline values select the class: switched, and declared as an Application change
    assert "          ingressClassName: traefik\n" in switch.changes["system/templates/grafana.yaml"]
    assert [(o.change, o.kind, o.name) for o in switch.objects] == [("changed", "Application", "system-grafana")]
    # the component is the Application installing the chart ingress-nginx; its flag goes off where dev reads it
    assert unregister.changes == {"system/values-dev.yaml": FILES["system/values-dev.yaml"].replace(
        "  enabled: true   # the edge", "  enabled: false  # the edge")}   # the comment keeps its column
    assert [(o.change, o.kind, o.name) for o in unregister.objects] == [("removed", "Application",
                                                                          "system-ingress-nginx")]
    assert "not-synced" in unregister.passed
    notes = {(e.path, e.message.split(":")[0]) for e in unregister.report if e.kind == "note"}
    assert ("system/values-prod.yaml", "ingress_nginx.enabled is true here too") in notes


def test_a_template_without_a_flag_is_removed(tmp_path):
    files = {**FILES, "system/templates/ingress-nginx.yaml":
             NGINX_TEMPLATE.replace("{{- if .Values.ingress_nginx.enabled }}\n", "").replace("{{- end }}\n", "")}
    plan = engine.plan(make_repo(tmp_path / "homelab", files), "drop-nginx-ingress")
    assert plan.error is None, plan.error
    assert plan.steps[2].changes == {"system/templates/ingress-nginx.yaml": None}


def test_an_unknown_component_says_which_parameter_to_set(tmp_path):
    with pytest.raises(UsageError, match=r"--set component=NAME.*|.*system-ingress-nginx.*") as error:
        engine.plan(make_repo(tmp_path / "homelab", FILES), "drop-kong")
    assert "--set component=NAME" in str(error.value) and "system-ingress-nginx" in str(error.value)
