"""Redirects written as Kong pre-function Lua: ``kong-lua-redirect``, recognised by meaning, not spelling.

The snippet is parsed with a real Lua parser (luaparser) and evaluated symbolically: locals are
followed, strings are concatenated, and the request values Kong and nginx expose become symbols
(the host, the scheme, the path, the path with its query). A snippet is a redirect when what it does
is: optionally test the host or the scheme against a literal, then ``return kong.response.exit(<301|302|
307|308>, <any body>, {Location = ...})`` (or ``ngx.redirect(url, status)``), with a Location built
from literals and those symbols. That becomes a Traefik Middleware:

- scheme is ``http`` and the Location is ``https://`` + host + path → ``redirectScheme`` (https);
- host is H and the Location is a literal origin + path (with or without the query) → ``redirectRegex``
  from H to that origin (the query kept or dropped as the Lua did); a literal URL alone → to that URL;
- no test, the Location a literal origin + path → ``redirectRegex`` from any host.

301/308 are permanent, 302/307 not. Anything else stays a loss, with the snippet shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from luaparser import ast as lua_ast
from luaparser import astnodes as lua

from .base import Feature, Outcome, Translator, lost, register_translator

HOST, SCHEME, PATH, PATH_QUERY = "host", "scheme", "path", "path+query"
_SYMBOLS = {
    "kong.request.get_host": HOST, "kong.request.get_forwarded_host": HOST, "ngx.var.host": HOST,
    "ngx.var.http_host": HOST, "kong.request.get_scheme": SCHEME, "kong.request.get_forwarded_scheme": SCHEME,
    "ngx.var.scheme": SCHEME, "kong.request.get_path": PATH, "ngx.var.uri": PATH,
    "kong.request.get_path_with_query": PATH_QUERY, "ngx.var.request_uri": PATH_QUERY,
}
_STATUSES = {301: True, 308: True, 302: False, 307: False}
_ORIGIN = re.compile(r"^https?://[^/?#]+/?$")


class NotARedirect(Exception):
    """The snippet does something else (the message says what migrate could not follow)."""


@dataclass(frozen=True)
class Redirect:
    """What a snippet does: when (``test``: (symbol, literal) or None), with which status, to where
    (``location``: literals and symbols, in order)."""

    test: tuple[str, str] | None
    status: int
    location: tuple[Any, ...]


def read_redirect(source: str) -> Redirect:
    """The redirect a Lua snippet performs; NotARedirect when it does anything else."""
    try:
        chunk = lua_ast.parse(source)
    except Exception as exc:  # noqa: BLE001  (luaparser raises its own syntax errors)
        raise NotARedirect(f"it does not parse as Lua ({str(exc).splitlines()[0] if str(exc) else exc})") from None
    env: dict[str, tuple] = {}
    statements = [s for s in chunk.body.body if not isinstance(s, lua.SemiColon)]
    while statements and isinstance(statements[0], (lua.LocalAssign, lua.Assign)):
        _assign(statements.pop(0), env)
    if len(statements) != 1:
        raise NotARedirect("it is not one redirect after its locals")
    statement = statements[0]
    if isinstance(statement, lua.If):
        if statement.orelse is not None and _body(statement.orelse):
            raise NotARedirect("its if has an else branch")
        test = _test(statement.test, env)
        body = [s for s in statement.body.body if not isinstance(s, lua.SemiColon)]
        while body and isinstance(body[0], (lua.LocalAssign, lua.Assign)):
            _assign(body.pop(0), env)
        if len(body) != 1:
            raise NotARedirect("its if does more than return a redirect")
        status, location = _exit(body[0], env)
        return Redirect(test, status, location)
    status, location = _exit(statement, env)
    return Redirect(None, status, location)


def _body(node: Any) -> list:
    return list(getattr(node, "body", []) or [])


def _assign(statement: Any, env: dict[str, tuple]) -> None:
    for target, value in zip(statement.targets, statement.values):
        if not isinstance(target, lua.Name):
            raise NotARedirect("it assigns to something other than a local")
        env[target.id] = _value(value, env)


def _dotted(node: Any) -> str | None:
    """``kong.request.get_host`` for that Index chain (None for anything else)."""
    if isinstance(node, lua.Name):
        return node.id
    if isinstance(node, lua.Index) and isinstance(node.idx, lua.Name) and node.notation == lua.IndexNotation.DOT:
        base = _dotted(node.value)
        return f"{base}.{node.idx.id}" if base else None
    return None


def _value(node: Any, env: Mapping[str, tuple]) -> tuple:
    """An expression as literals and symbols, in order."""
    if isinstance(node, lua.String):
        return (node.s.decode() if isinstance(node.s, bytes) else str(node.s),)
    if isinstance(node, lua.Concat):
        return _value(node.left, env) + _value(node.right, env)
    if isinstance(node, lua.Name) and node.id in env:
        return env[node.id]
    if isinstance(node, lua.Call) and not node.args and _dotted(node.func) in _SYMBOLS:
        return (Symbol(_SYMBOLS[_dotted(node.func)]),)
    if isinstance(node, lua.Index) and _dotted(node) in _SYMBOLS:
        return (Symbol(_SYMBOLS[_dotted(node)]),)
    raise NotARedirect(f"it computes a value migrate cannot follow ({type(node).__name__})")


@dataclass(frozen=True)
class Symbol:
    """A value of the request (``host``, ``scheme``, ``path``, ``path+query``)."""

    name: str


def _test(node: Any, env: Mapping[str, tuple]) -> tuple[str, str]:
    """``<host|scheme> == "literal"`` (either side)."""
    if not isinstance(node, lua.EqToOp):
        raise NotARedirect("its condition is not a comparison of the host or the scheme with a literal")
    left, right = _value(node.left, env), _value(node.right, env)
    for one, other in ((left, right), (right, left)):
        if len(one) == 1 and isinstance(one[0], Symbol) and one[0].name in (HOST, SCHEME) and \
                len(other) == 1 and isinstance(other[0], str):
            return one[0].name, other[0]
    raise NotARedirect("its condition is not a comparison of the host or the scheme with a literal")


def _exit(statement: Any, env: Mapping[str, tuple]) -> tuple[int, tuple]:
    """(status, Location) of ``return kong.response.exit(...)`` or ``return ngx.redirect(...)``."""
    call = statement.values[0] if isinstance(statement, lua.Return) and len(statement.values) == 1 else statement
    if not isinstance(call, lua.Call):
        raise NotARedirect("it does not end the request with a redirect")
    name, args = _dotted(call.func), list(call.args)
    if name == "kong.response.exit" and 1 <= len(args) <= 3:
        status = _status(args[0])
        if len(args) < 3:
            raise NotARedirect("its response sets no Location header")
        location = _location(args[2], env)
    elif name == "ngx.redirect" and 1 <= len(args) <= 2:
        status, location = (_status(args[1]) if len(args) == 2 else 302), _value(args[0], env)
    else:
        raise NotARedirect("it does not end the request with kong.response.exit(status, body, headers) or "
                           "ngx.redirect(url, status)")
    return status, location


def _status(node: Any) -> int:
    if isinstance(node, lua.Number) and node.n in _STATUSES:
        return int(node.n)
    raise NotARedirect("its status is not 301, 302, 307 or 308")


def _location(node: Any, env: Mapping[str, tuple]) -> tuple:
    if isinstance(node, lua.Table):
        for field in node.fields:
            key = field.key
            name = key.s.decode() if isinstance(key, lua.String) and isinstance(key.s, bytes) else \
                getattr(key, "s", None) or getattr(key, "id", None)
            if str(name).lower() == "location":
                return _value(field.value, env)
    raise NotARedirect("its headers set no Location")


def middleware_spec(redirect: Redirect) -> dict:
    """The Traefik Middleware spec doing what ``redirect`` does; NotARedirect when none does exactly that."""
    permanent = _STATUSES[redirect.status]
    parts = _joined(redirect.location)
    test = redirect.test
    if test == (SCHEME, "http") and len(parts) == 3 and parts[0] == "https://" and parts[1] == Symbol(HOST) \
            and parts[2] in (Symbol(PATH_QUERY), Symbol(PATH)):
        return {"redirectScheme": {"scheme": "https", "permanent": permanent}}
    if test is not None and test[0] != HOST:
        raise NotARedirect(f"it redirects only when the {test[0]} is {test[1]!r}, to a Location migrate cannot "
                           "express for every request")
    source = re.escape(test[1]) if test else r"[^/:]+"
    if parts and isinstance(parts[0], str) and _ORIGIN.match(parts[0]):
        origin = parts[0].rstrip("/")
        if parts[1:] == [Symbol(PATH_QUERY)]:
            return {"redirectRegex": {"regex": rf"^https?://{source}(?::\d+)?/(.*)$",
                                      "replacement": origin + "/${1}", "permanent": permanent}}
        if parts[1:] == [Symbol(PATH)]:
            return {"redirectRegex": {"regex": rf"^https?://{source}(?::\d+)?/([^?]*)",
                                      "replacement": origin + "/${1}", "permanent": permanent}}
    if len(parts) == 1 and isinstance(parts[0], str) and parts[0].startswith(("https://", "http://")):
        return {"redirectRegex": {"regex": rf"^https?://{source}(?::\d+)?/.*$", "replacement": parts[0],
                                  "permanent": permanent}}
    raise NotARedirect("its Location is not https:// + the host + the path, or a literal origin + the path")


def _joined(parts: tuple) -> list:
    """Adjacent literals joined into one."""
    out: list = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def _shown(snippet: str) -> str:
    lines = [line.strip() for line in snippet.strip().splitlines() if line.strip()]
    text = " | ".join(lines)
    return text if len(text) <= 160 else text[:157] + "..."


@register_translator
class KongLuaRedirect(Translator):
    name = "kong-lua-redirect"
    description = ("A redirectScheme/redirectRegex Middleware named like a Kong pre-function plugin whose Lua, "
                   "parsed and followed, is a redirect (http -> https; a host, or any, to a literal origin + path); "
                   "any other Lua is a loss, shown.")

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        config = feature.value if isinstance(feature.value, Mapping) else {}
        chunks = config.get("access") or []
        if set(config) - {"access"} or len(chunks) != 1:
            return lost("custom Lua beyond one access-phase snippet")
        snippet = str(chunks[0])
        try:
            spec = middleware_spec(read_redirect(snippet))
        except NotARedirect as exc:
            return lost(f"custom Lua that is not a redirect migrate can express ({exc}): {_shown(snippet)}")
        return self.middleware(feature, feature.name, spec)
