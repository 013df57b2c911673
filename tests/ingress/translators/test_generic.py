"""The generic translators and the translation table (ingress.translators.generic, base)."""

from __future__ import annotations

import pytest

from migrate.errors import UsageError
from migrate.ingress.sites import Site
from migrate.ingress.testing import assert_translation, translate_feature
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


# --- each generic translator, one feature in and one outcome out -------------------------------------
def test_not_needed_says_why():
    assert_translation("not-needed", "false", ("not-needed", "forwards the full path"),
                       options={"why": "Traefik forwards the full path."})


def test_loss_says_why():
    assert_translation("loss", "5000", ("loss", "no per-route read timeout"),
                       options={"why": "Traefik has no per-route read timeout."})


def test_strip_prefix_strips_every_path_but_the_root():
    assert_translation("strip-prefix", "true", {"stripPrefix": {"prefixes": ["/api", "/v2"]}},
                       paths=("/api", "/", "/v2"))
    assert translate_feature("strip-prefix", "true", paths=("/api",)).middleware.name == "web-strip-prefix"


def test_redirect_scheme_is_permanent_https_by_default_and_shared_by_the_namespace():
    outcome = assert_translation("redirect-scheme", "true", {"redirectScheme": {"scheme": "https", "permanent": True}})
    assert (outcome.middleware.namespace, outcome.middleware.name) == ("ns", "redirect-https")
    assert_translation("redirect-scheme", "true", {"redirectScheme": {"scheme": "http", "permanent": False}},
                       options={"scheme": "http", "permanent": False})


def test_redirect_to_sends_every_request_to_the_url():
    assert_translation("redirect-to", "https://example.com/new",
                       {"redirectRegex": {"regex": "^.*$", "replacement": "https://example.com/new",
                                          "permanent": True}})


def test_ip_allow_list_takes_the_cidr_list():
    assert_translation("ip-allow-list", "10.0.0.0/8, 192.168.1.0/24",
                       {"ipAllowList": {"sourceRange": ["10.0.0.0/8", "192.168.1.0/24"]}})


def test_forwarding_timeouts_make_one_servers_transport_for_every_timeout_of_the_site():
    fields = {"konghq.com/connect-timeout": "dialTimeout", "konghq.com/read-timeout": "responseHeaderTimeout"}
    annotations = {"konghq.com/read-timeout": "600000", "konghq.com/connect-timeout": "1500", "other": "x"}
    outcome = assert_translation("forwarding-timeouts", "600000",
                                 {"forwardingTimeouts": {"responseHeaderTimeout": "600s", "dialTimeout": "1.5s"}},
                                 options={"fields": fields}, annotations=annotations, owner="Service/zot",
                                 ingress="zot", type="konghq.com/read-timeout")
    made = outcome.middleware
    assert (made.kind, made.name, made.attach, made.ref) == ("ServersTransport", "zot-timeouts", "service",
                                                             "ns-zot-timeouts@kubernetescrd")
    assert set(outcome.consumes) == set(fields)
    assert_translation("forwarding-timeouts", "30", {"forwardingTimeouts": {"dialTimeout": "30s"}},
                       options={"fields": {"nginx/proxy-connect-timeout": "dialTimeout"}, "unit": "s"},
                       annotations={"nginx/proxy-connect-timeout": "30"})
    assert_translation("forwarding-timeouts", "soon", ("loss", "is not a number of ms"),
                       options={"fields": {"t": "dialTimeout"}}, annotations={"t": "soon"})
