"""switch-ingress-class: before/after on a small repository (ingress.classes)."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.testing import assert_operation
from tests.fixtures.ingress import (
    API_VALUES,
    CHART_TEMPLATE,
    CHART_VALUES,
    FILES,
    FILES_VALUES,
    KONG,
    OLD_INGRESS,
    WEB_INGRESS,
    WEB_REDIRECT,
    applied,
    switch,
)


def test_switch_ingress_class_every_form_and_only_synced_apps():
    result = assert_operation("switch-ingress-class", FILES, {
        "apps/web/ingress.yaml": WEB_INGRESS.replace("ingressClassName: kong", "ingressClassName: traefik"),
        # legacy annotation: the form stays, the trailing comment too; still no final newline
        "apps/web/redirect.yaml": WEB_REDIRECT.replace("ingress.class: kong # legacy", "ingress.class: traefik # legacy"),
        "apps/api/values.yaml": API_VALUES.replace("className: kong", "className: traefik"),
        "apps/files/values.yaml": FILES_VALUES.replace("className: kong", "className: traefik"),
        "charts/common/values.yaml": CHART_VALUES.replace("kong", "traefik"),
        # a template is text: only the literal on the class line changes, not the comment
        "charts/common/templates/ingress.yaml": CHART_TEMPLATE.replace('default "kong"', 'default "traefik"'),
    }, **KONG, from_class="kong", to_class="traefik")
    assert "apps/api/values.yaml:5: ingress class kong -> traefik" in result.details
    assert "charts/common/templates/ingress.yaml:2: ingress class kong -> traefik" in result.details
    assert "apps/web/redirect.yaml:19: ingress class kong -> traefik" in result.details


def test_switch_ingress_class_reports_unsynced_files_and_leaves_the_component_alone():
    result, report, tree = applied("switch-ingress-class", **KONG, from_class="kong", to_class="traefik")
    assert report == ["[not-synced] old/manifests/ingress.yaml:7: selects ingress class kong, but no root syncs this "
                      "file: left alone"]
    assert tree.read_text("old/manifests/ingress.yaml") == OLD_INGRESS
    assert tree.read_text("infra/kong/values.yaml") == FILES["infra/kong/values.yaml"]


def test_switch_ingress_class_notes_a_class_no_synced_app_serves():
    _, report, _ = applied("switch-ingress-class", **KONG, from_class="kong", to_class="nginx")
    assert "[note] no synced Application of this repository serves ingress class nginx: make sure the cluster " \
           "runs its controller" in report


def test_switch_ingress_class_refuses_nonsense():
    with pytest.raises(UsageError, match="unknown component 'nope'"):
        switch(component="nope")
    with pytest.raises(UsageError, match="both 'kong'"):
        switch(to_class="kong")


def test_an_ingress_shaped_mapping_inside_a_values_document_that_is_a_list_is_named():
    """A values file whose document is a list (found on a real repository) made a traceback."""
    from types import SimpleNamespace

    from migrate.ingress.sites import _values_name
    doc = [{"ingress": {"className": "nginx", "hosts": ["a.example.com"]}}]
    assert _values_name(SimpleNamespace(contexts={}), "values.yaml", doc, "ingress", (0, "ingress")) == "ingress"
