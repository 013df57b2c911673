"""Packages that extend migrate, found by the ``migrate.extensions`` entry point group.

A playbook package (``migrate.consolidation``, ``migrate.ingress``, or a user's own package)
registers on import what it adds: operations, checks and translators (``playbook.units``), and
what the shared model must know of the components it deals with (``inventory.extensions``:
kinds of objects that attach to routes, how annotations name them, which component installs
an API group or serves an ingress class). ``discover()`` imports every package the entry point
group names, once; a package named by a playbook file (``package:``) is imported with
``load_package``. Nothing here knows what the packages are.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from .errors import UsageError

GROUP = "migrate.extensions"
_loaded: set[str] = set()
_discovered = False


def discover() -> None:
    """Import every package registered in the ``migrate.extensions`` entry point group (once)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        load_package(entry.value)


def load_package(name: str, *, path: str | None = None, line: int | None = None) -> None:
    """Import package ``name`` (it registers its units); UsageError naming the file if it cannot be."""
    if name in _loaded:
        return
    try:
        importlib.import_module(name)
    except ImportError as exc:
        raise UsageError(f"cannot import package {name!r}: {exc}", path=path, line=line) from None
    _loaded.add(name)


def loaded() -> list[str]:
    """The extension packages imported so far, in name order."""
    discover()
    return sorted(_loaded)
