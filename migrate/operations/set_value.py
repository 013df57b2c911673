"""``set-value``: set one key of a YAML file, keeping its quoting style, comments and layout."""

from __future__ import annotations

import re
from typing import Any

from ..errors import MigrateError
from ..playbook import Context, Operation, Option, StepResult, register_operation
from ..repo.paths import normpath
from ..repo.redact import REDACTED
from ..roundtrip import YamlFile, insert, line_of, load, set_scalar


_KEY_PART = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|\[(\d+)\]|([^.\[\]"']+))\s*(\.|(?=\[)|$)""")


def parse_key_path(key: str | list) -> list[str | int]:
    """``spec.source.helm.valueFiles[0]`` or ``metadata.annotations."a.b/c"`` -> keys and indices.
    A list is taken as the path itself (ints are sequence indices)."""
    if isinstance(key, list):
        return list(key)
    parts, pos = [], 0
    while pos < len(key):
        match = _KEY_PART.match(key, pos)
        if not match or match.end() == pos:
            raise MigrateError(f"bad key path {key!r} near {key[pos:]!r}")
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        index = match.group(3)
        parts.append(int(index) if index is not None else quoted if quoted is not None else match.group(4))
        pos = match.end()
    return parts


def yaml_file(ctx: Context, path: str) -> YamlFile:
    """The YAML file ``path`` of ``ctx.tree``; MigrateError when there is none."""
    if not ctx.tree.exists(path):
        raise MigrateError("no such file in the repository", path=path)
    return load(ctx.tree, path)


@register_operation
class SetValue(Operation):
    name = "set-value"
    description = "Set one key of a YAML file, keeping its quoting style, comments and layout."
    options = {
        "file": Option("The YAML file to edit (repo path).", example="applications/lumie/backend/exam-svc/common-values.yaml",
                       required=True),
        "key": Option("Key path: dotted, [n] for list items, quotes for keys with dots.",
                      example='image.tag or metadata.annotations."argocd.argoproj.io/sync-wave"', required=True,
                      type=(str, list)),
        "value": Option("The new value (string, number, boolean...).", example="1a2b3c4d", required=True,
                        type=object),
        "document": Option("Which document of the file (0 = the first).", default=0, example=1),
        "create": Option("Add the last key if it is missing (its parent must exist).", default=False),
    }

    def prepare(self, ctx: Context) -> StepResult:
        path, keys = normpath(ctx.options["file"]), parse_key_path(ctx.options["key"])
        yf = yaml_file(ctx, path)
        container, last = self._parent(yf, keys, path, ctx.options)
        value, shown = ctx.options["value"], ctx.options["key"]
        secret = _is_secret_value(yf.docs[ctx.options["document"]], keys)
        if _has(container, last) and container[last] == value:
            return StepResult({}, f"{shown} in {path} is already {_show(value, secret)}", declared={path})
        if _has(container, last):
            old = container[last]
            line = line_of(container, last)
            set_scalar(container, last, value)
        elif ctx.options["create"] and isinstance(container, dict):
            old, line = None, line_of(container)
            insert(container, len(container), value, key=last)
        else:
            raise MigrateError(f"key {shown!r} is missing (pass create: true to add it)", path=path)
        where = f"{path}:{line}" if line else path
        return StepResult({path: yf.dump()}, f"Set {shown} to {_show(value, secret)} in {path}",
                          details=[f"{where}: {shown}: {_show(old, secret)} -> {_show(value, secret)}"],
                          declared={path})

    @staticmethod
    def _parent(yf: YamlFile, keys: list, path: str, options) -> tuple[Any, str | int]:
        index = options["document"]
        if not 0 <= index < len(yf.docs):
            raise MigrateError(f"the file has {len(yf.docs)} document(s), no document {index}", path=path)
        node = yf.docs[index]
        for depth, key in enumerate(keys[:-1]):
            if not _has(node, key):
                raise MigrateError(f"key {'.'.join(map(str, keys[:depth + 1]))!r} is missing",
                                   path=path, line=line_of(node))
            node = node[key]
        if not keys or not isinstance(node, (dict, list)):
            raise MigrateError(f"key path {options['key']!r} does not lead into a mapping or list", path=path)
        return node, keys[-1]


def _is_secret_value(doc: Any, keys: list) -> bool:
    """Does the key path lead into a Secret's ``data``/``stringData`` (never shown)?"""
    return isinstance(doc, dict) and doc.get("kind") == "Secret" and bool(keys) and keys[0] in ("data", "stringData")


def _show(value: Any, secret: bool) -> str:
    return REDACTED if secret else repr(value)


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, dict):
        return key in container
    return isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container)
