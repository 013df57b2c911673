"""Redirects written as Kong pre-function Lua: ``kong-lua-redirect`` and the Lua shapes it recognises."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Mapping

from .base import Feature, Outcome, Translator, lost, register_translator


_STATUS = r"kong\.response\.exit\((?P<status>30[1278]),\s*\"\",\s*\{\s*\[\"Location\"\]\s*=\s*"
_PATH = r"\s*\.\.\s*kong\.request\.get_path_with_query\(\)\s*\}\)"
_HOST = r"kong\.request\.get_(?:forwarded_)?host\(\)"


class LuaShape:
    """A Lua snippet shape migrate recognises (whitespace-insensitive) and its Middleware spec."""

    pattern: ClassVar[re.Pattern]

    def spec(self, match: re.Match, permanent: bool) -> dict:
        raise NotImplementedError

    def match(self, lua: str) -> dict | None:
        found = self.pattern.match(" ".join(lua.split()))
        return self.spec(found, found["status"] in ("301", "308")) if found else None


class HttpsRedirect(LuaShape):
    """``if scheme == "http" then exit(301, Location = "https://" .. host .. path) end``"""

    pattern = re.compile(r"^if kong\.request\.get_(?:forwarded_)?scheme\(\) == \"http\" then return " + _STATUS
                         + r"\"https://\"\s*\.\.\s*" + _HOST + _PATH + r" end$")

    def spec(self, match: re.Match, permanent: bool) -> dict:
        return {"redirectScheme": {"scheme": "https", "permanent": permanent}}


class HostRedirect(LuaShape):
    """``if host == "www.a" then exit(301, Location = "https://a" .. path) end`` (host in a local or inline)."""

    pattern = re.compile(r"^(?:local (?P<var>\w+) = " + _HOST + r" )?if (?:(?P=var)|" + _HOST
                         + r") == \"(?P<host>[^\"]+)\" then return " + _STATUS
                         + r"\"(?P<target>https?://[^\"/]+)\"" + _PATH + r" end$")

    def spec(self, match: re.Match, permanent: bool) -> dict:
        regex = rf"^https?://{re.escape(match['host'])}(?::\d+)?/(.*)$"
        return {"redirectRegex": {"regex": regex, "replacement": match["target"] + "/${1}", "permanent": permanent}}


LUA_SHAPES: tuple[LuaShape, ...] = (HttpsRedirect(), HostRedirect())


@register_translator
class KongLuaRedirect(Translator):
    name = "kong-lua-redirect"
    description = ("A redirectScheme/redirectRegex Middleware named like a Kong pre-function plugin whose Lua "
                   "is a recognised redirect (http -> https, host -> other host); any other Lua is a loss.")

    def translate(self, feature: Feature, options: Mapping[str, Any]) -> Outcome:
        config = feature.value if isinstance(feature.value, Mapping) else {}
        chunks = config.get("access") or []
        if set(config) - {"access"} or len(chunks) != 1:
            return lost("custom Lua beyond one access-phase snippet")
        spec = next((s for s in (shape.match(str(chunks[0])) for shape in LUA_SHAPES) if s), None)
        if spec is None:
            return lost("custom Lua that is not a redirect migrate recognises")
        return self.middleware(feature, feature.name, spec)


