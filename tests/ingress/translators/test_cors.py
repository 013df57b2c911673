"""kong-cors and cors-annotations (ingress.translators.cors)."""

from __future__ import annotations

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
