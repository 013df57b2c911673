"""JSON Schemas of every ``--json`` output (``<name>.schema.json``), and the version they describe.

Every JSON object ``migrate`` prints starts with ``"version": SCHEMA_VERSION``; a change that could
break a reader of the output raises it. ``schema(name)`` loads one of the shipped schemas.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

SCHEMA_VERSION = 1


@cache
def schema(name: str) -> dict:
    """The shipped JSON Schema of the ``--json`` output ``name`` (plan, run, rollback, status, graph, doctor...)."""
    return json.loads(resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8"))
