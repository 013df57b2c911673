"""kong-lua-redirect: the Lua shapes it recognises, and losses (ingress.translators.lua)."""

from __future__ import annotations

import pytest

from tests.fixtures.ingress import HOST_LUA, HTTPS_LUA, outcome, spec


@pytest.mark.parametrize("lua, expected", [
    (HTTPS_LUA.format(status=301), {"redirectScheme": {"scheme": "https", "permanent": True}}),
    (HTTPS_LUA.format(status=302), {"redirectScheme": {"scheme": "https", "permanent": False}}),
    (HOST_LUA, {"redirectRegex": {"regex": r"^https?://old\.a\.b(?::\d+)?/(.*)$", "replacement": "https://new.a.b/${1}",
                                  "permanent": True}}),
])
def test_kong_lua_redirect_recognises_redirect_shapes(lua, expected):
    result = outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function",
                     {"access": [lua]}, name="redir")
    assert (result.middleware.namespace, result.middleware.name, spec(result)) == ("ns", "redir", expected)


@pytest.mark.parametrize("config, why", [
    ({"access": ['kong.service.request.set_header("X-A", "1")\n']}, "not a redirect migrate recognises"),
    ({"access": [HOST_LUA], "header_filter": ["x()"]}, "beyond one access-phase snippet"),
])
def test_kong_lua_redirect_other_lua_is_a_loss(config, why):
    result = outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function", config)
    assert result.lost and why in result.why and result.middleware is None
