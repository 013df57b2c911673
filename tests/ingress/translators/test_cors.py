"""kong-cors and cors-annotations (ingress.translators.cors)."""

from __future__ import annotations

from migrate.ingress.testing import assert_translation
from tests.fixtures.ingress import outcome, spec


def test_kong_cors_defaults_and_untranslatable_settings():
    result = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": False})
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["*"], "accessControlAllowMethods": [
        "GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"],
        "accessControlAllowHeaders": ["*"]}}   # Kong allows whatever headers the preflight asks for
    echoed = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"credentials": True})
    assert echoed.lost and "no cors headers list" in echoed.why
    refused = outcome({"plugins": {"cors": "kong-cors"}}, "KongClusterPlugin", "cors", {"preflight_continue": True})
    assert refused.lost and refused.why == "cors setting preflight_continue has no Traefik equivalent"


def test_cors_annotations_read_and_consume_their_siblings():
    table = {"annotations": {"nginx/enable-cors": {"true": {"translator": "cors-annotations", "prefix": "nginx/cors-"}}}}
    result = outcome(table, "annotation", "nginx/enable-cors", "true")
    assert result.middleware.name == "web-cors"
    assert spec(result) == {"headers": {"accessControlAllowOriginList": ["https://a.b"], "accessControlMaxAge": 60,
                                        "addVaryHeader": True}}
    assert result.consumes == ("nginx/cors-allow-origin", "nginx/cors-max-age")


def test_kong_cors_carries_origins_methods_headers_credentials_and_max_age():
    config = {"origins": ["https://app.example.com", "https://.*\\.example\\.com"], "methods": ["GET", "POST"],
              "headers": ["Authorization", "Content-Type"], "exposed_headers": ["X-Request-Id"],
              "credentials": True, "max_age": 3600}
    assert_translation("kong-cors", config, {"headers": {
        "accessControlAllowOriginList": ["https://app.example.com"],
        "accessControlAllowOriginListRegex": ["https://.*\\.example\\.com"],
        "accessControlAllowMethods": ["GET", "POST"], "accessControlAllowHeaders": ["Authorization", "Content-Type"],
        "accessControlExposeHeaders": ["X-Request-Id"], "accessControlAllowCredentials": True,
        "accessControlMaxAge": 3600, "addVaryHeader": True}}, kind="KongClusterPlugin", type="cors", name="lumie-cors")


def test_cors_annotations_fill_unset_siblings_from_the_controllers_defaults():
    outcome = assert_translation(
        "cors-annotations", "true",
        {"headers": {"accessControlAllowOriginList": ["*"], "accessControlAllowMethods": ["GET", "PUT"],
                     "accessControlAllowCredentials": True}},
        options={"prefix": "x/cors-", "defaults": {"allow-methods": "GET, PUT", "allow-credentials": "true"}},
        annotations={"x/enable-cors": "true"}, type="x/enable-cors")
    assert outcome.consumes == ()   # no sibling was written: nothing else to account for
