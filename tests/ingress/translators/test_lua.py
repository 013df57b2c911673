"""kong-lua-redirect: Lua parsed and followed, so redirects are recognised by meaning, not spelling
(ingress.translators.lua); everything else is a loss that shows the snippet."""

from __future__ import annotations

import pytest

from tests.fixtures.ingress import HOST_LUA, HTTPS_LUA, outcome, spec

SCHEME_RULE = {"redirectScheme": {"scheme": "https", "permanent": True}}
HOST_RULE = {"redirectRegex": {"regex": r"^https?://old\.a\.b(?::\d+)?/(.*)$", "replacement": "https://new.a.b/${1}",
                               "permanent": True}}


def translate(lua: str):
    return outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function",
                   {"access": [lua]}, name="redir")


@pytest.mark.parametrize("lua, expected", [
    (HTTPS_LUA.format(status=301), SCHEME_RULE),
    (HTTPS_LUA.format(status=302), {"redirectScheme": {"scheme": "https", "permanent": False}}),
    (HOST_LUA, HOST_RULE),
    # the same www -> apex redirect, spelled differently: the host in a local, nil as the body, the path in
    # another local, the comparison the other way round, single quotes, a table key without brackets
    ('local host = kong.request.get_host()\nlocal path = kong.request.get_path_with_query()\n'
     'if "old.a.b" == host then\n  return kong.response.exit(301, nil, { Location = \'https://new.a.b\' .. path })\n'
     'end\n', HOST_RULE),
    ('local target = "https://new.a.b/"\nif kong.request.get_host() == "old.a.b" then\n'
     '  return kong.response.exit(308, "", {["Location"] = target .. kong.request.get_path_with_query()})\nend',
     HOST_RULE),
    # nginx's spelling, and a redirect that drops the query string
    ('if ngx.var.host == "old.a.b" then return ngx.redirect("https://new.a.b" .. ngx.var.request_uri, 301) end',
     HOST_RULE),
    ('if kong.request.get_host() == "old.a.b" then return kong.response.exit(302, "", {Location = "https://new.a.b" '
     '.. kong.request.get_path()}) end',
     {"redirectRegex": {"regex": r"^https?://old\.a\.b(?::\d+)?/([^?]*)", "replacement": "https://new.a.b/${1}",
                        "permanent": False}}),
    ('local scheme = kong.request.get_forwarded_scheme()\nlocal h = kong.request.get_forwarded_host()\n'
     'if scheme == "http" then\n  return kong.response.exit(301, { message = "moved" }, {\n'
     '    ["Location"] = "https://" .. h .. kong.request.get_path_with_query(),\n  })\nend', SCHEME_RULE),
])
def test_kong_lua_redirect_recognises_redirects_by_meaning(lua, expected):
    result = translate(lua)
    assert (result.middleware.namespace, result.middleware.name, spec(result)) == ("ns", "redir", expected)


@pytest.mark.parametrize("lua, why", [
    ('kong.service.request.set_header("X-A", "1")\n', "does not end the request with"),
    ('if kong.request.get_header("x") == "1" then return kong.response.exit(301, "", {Location = "https://a"}) end',
     "computes a value migrate cannot follow"),
    ('if kong.request.get_host() == "a" then return kong.response.exit(403, "no") end', "status is not"),
    ('if kong.request.get_host() == "a" then return kong.response.exit(301, "", {Location = "https://b" '
     '.. kong.request.get_header("x")}) end', "computes a value"),
    ('if (', "does not parse as Lua"),
])
def test_other_lua_is_a_loss_that_shows_the_snippet(lua, why):
    result = translate(lua)
    assert result.lost and why in result.why and result.middleware is None
    assert lua.strip().splitlines()[0].strip()[:40] in result.why


def test_more_than_one_access_snippet_is_a_loss():
    result = outcome({"plugins": {"pre-function": "kong-lua-redirect"}}, "KongPlugin", "pre-function",
                     {"access": [HOST_LUA], "header_filter": ["x()"]})
    assert result.lost and "beyond one access-phase snippet" in result.why
