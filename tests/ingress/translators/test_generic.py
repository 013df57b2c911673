"""The generic translators and the translation table (ingress.translators.generic, base)."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.ingress.sites import Site
from migrate.ingress.translators import Feature, TranslationTable
from tests.fixtures.ingress import outcome, spec


def test_strip_prefix_skips_the_root_path():
    table = {"annotations": {"k/strip": {"*": "strip-prefix"}}}
    assert spec(outcome(table, "annotation", "k/strip", "true")) == {"stripPrefix": {"prefixes": ["/api"]}}
    root_only = Site("a.yaml", "Ingress/web", "web", "ns", ("/",), (), (), 3)
    result = TranslationTable(table).translate(Feature("k/strip", "annotation", "k/strip", "true", root_only, 3))
    assert result.middleware is None and not result.lost and "no prefix to strip" in result.why


def test_a_feature_without_translation_is_a_loss():
    assert outcome({}, "annotation", "k/read-timeout", "5").why == 'no translation for k/read-timeout: "5"'
    assert outcome({}, "KongPlugin", "jwt", {}).why == "no translation for jwt plugins"


@pytest.mark.parametrize("table, message", [
    ({"plugin": {}}, "translations has no key 'plugin'"),
    ({"plugins": {"cors": "nope"}}, "unknown translator 'nope'"),
    ({"plugins": {"cors": {"translator": "kong-cors", "x": 1}}}, "translator 'kong-cors' has no option 'x'"),
    ({"annotations": {"k": {"true": {"translator": "not-needed"}}}}, "needs option 'why'"),
    ({"annotations": ["k"]}, "annotations must be a mapping"),
])
def test_translation_table_errors_are_usage_errors(table, message):
    with pytest.raises(UsageError, match=message):
        TranslationTable(table)
