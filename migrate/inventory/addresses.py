"""Find in-cluster service addresses inside strings.

Recognised forms: ``name.ns.svc`` and ``name.ns.svc.cluster.local``, each with an optional
``scheme://`` before and ``:port`` and ``/path`` after, anywhere in a string (several per
string, e.g. comma-separated lists). A match keeps its span so an edit can replace it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_HOST_RE = re.compile(
    rf"(?<![\w.-])(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://)?"
    rf"(?P<name>{_LABEL})\.(?P<namespace>{_LABEL})\.svc(?P<cluster>\.cluster\.local)?"
    rf"(?![\w-])(?::(?P<port>\d+))?(?P<path>/[^\s,;\"'`]*)?"
)


@dataclass(frozen=True)
class ServiceAddress:
    """One service address found in a string: ``http://exam-svc.lumie-exam.svc:8080/x``."""

    name: str
    namespace: str
    port: int | None
    scheme: str | None
    path: str | None
    text: str          # the matched text, as written
    start: int         # span of ``text`` in the searched string
    end: int

    @property
    def host(self) -> str:
        """The canonical host, ``name.ns.svc``."""
        return f"{self.name}.{self.namespace}.svc"


def find_service_addresses(value: str) -> list[ServiceAddress]:
    """Every service address in ``value``, in order."""
    if ".svc" not in value:
        return []
    return [
        ServiceAddress(
            name=m["name"], namespace=m["namespace"], port=int(m["port"]) if m["port"] else None,
            scheme=m["scheme"], path=m["path"], text=m[0], start=m.start(), end=m.end(),
        )
        for m in _HOST_RE.finditer(value)
    ]
