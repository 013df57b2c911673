"""The parts of ApplicationSet templating that are plain data: parameters of paths, fasttemplate,
template rendering over a whole Application, merges and selectors (``appsets`` composes them)."""

from __future__ import annotations

import posixpath
import re
from fnmatch import fnmatchcase
from typing import Any, Callable, Mapping

from ..roundtrip.nodes import as_map, as_seq, text
from .gotemplate import sanitize_name
from .manifests import RenderError


def render_template(template: Any, params: Mapping, go: bool, strict: bool, render_many) -> Any:
    """Every string and string key of ``template`` rendered with ``params`` (non-strings kept)."""
    if not params:
        return template
    if go:
        strings: list[str] = []

        def collect(node: Any) -> None:
            if isinstance(node, Mapping):
                for key, value in node.items():
                    collect(key)
                    collect(value)
            elif isinstance(node, list):
                for value in node:
                    collect(value)
            elif isinstance(node, str) and "{{" in node and node not in strings:
                strings.append(node)
        collect(template)
        rendered = dict(zip(strings, render_many(strings, params, strict)))
        return map_strings(template, lambda s: rendered.get(s, s))
    return map_strings(template, lambda s: fasttemplate(s, params))


def map_strings(node: Any, change: Callable[[str], str]) -> Any:
    if isinstance(node, Mapping):
        return {change(k) if isinstance(k, str) else k: map_strings(v, change) for k, v in node.items()
                if v is not None}
    if isinstance(node, list):
        return [map_strings(v, change) for v in node]
    return change(node) if isinstance(node, str) else node


_TAG = re.compile(r"{{(.*?)}}", re.S)


def fasttemplate(value: str, params: Mapping) -> str:
    """The default ApplicationSet substitution: ``{{ key }}`` -> params[key] when it is a string."""
    if "{{" not in value:
        return value
    if value.count("{{") > value.count("}}"):
        raise RenderError(f"invalid template {value!r}: a {{{{ without }}}}")

    def replace(match: re.Match) -> str:
        found = params.get(match.group(1).strip())
        return found if isinstance(found, str) else match.group(0)
    return _TAG.sub(replace, value)


# --- parameters of paths -------------------------------------------------------------------------------
def path_params(folder: str, file: str | None, go: bool, prefix: str) -> dict:
    base = posixpath.basename(folder)
    if go:
        path: dict[str, Any] = {"path": folder, "basename": base, "basenameNormalized": sanitize_name(base),
                                "segments": folder.split("/")}
        if file is not None:
            name = posixpath.basename(file)
            path.update(filename=name, filenameNormalized=sanitize_name(name))
        return {prefix: {"path": path}} if prefix else {"path": path}
    key = f"{prefix}.path" if prefix else "path"
    params = {key: folder, f"{key}.basename": base, f"{key}.basenameNormalized": sanitize_name(base)}
    if file is not None:
        name = posixpath.basename(file)
        params.update({f"{key}.filename": name, f"{key}.filenameNormalized": sanitize_name(name)})
    params.update({f"{key}[{i}]": seg for i, seg in enumerate(folder.split("/")) if seg})
    return params


def parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def path_match(pattern: str, path: str) -> bool:
    """Go's ``path.Match``: ``*`` stays within a segment; no ``**``."""
    return len(pattern.split("/")) == len(path.split("/")) and all(
        fnmatchcase(seg, pat) for seg, pat in zip(path.split("/"), pattern.split("/")))


def pathspec(pattern: str, path: str) -> bool:
    """``git ls-files -- <pattern>`` matching: ``*`` crosses ``/``."""
    return fnmatchcase(path, pattern) or (not any(c in pattern for c in "*?[") and path.startswith(pattern + "/"))


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, list):
        out = {}
        for i, value in enumerate(node):
            out.update(flatten(value, f"{prefix}.{i}" if prefix else str(i)))
        return out
    return {prefix: node}


def go_format(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def combine(a: Mapping, b: Mapping) -> dict:
    """fasttemplate's matrix: the two parameter sets side by side (the same key must agree)."""
    for key, value in b.items():
        if key in a and a[key] != value:
            raise RenderError(f"matrix generators disagree on {key}: {a[key]!r} and {value!r}")
    return {**a, **b}


def merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base``: mappings key by key, anything else replaced; None deletes."""
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        out = dict(base)
        for key, value in over.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = merge(out.get(key), value) if key in out else value
        return out
    return over


def plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def selected(selector: Mapping, params: Mapping, labels: Mapping | None = None) -> bool:
    """A label selector over a generator's parameters (or a cluster's labels)."""
    values = labels if labels is not None else params
    for key, want in as_map(selector.get("matchLabels")).items():
        if str(values.get(key)) != str(want):
            return False
    for expression in as_seq(selector.get("matchExpressions")):
        key, op = text(as_map(expression).get("key")), text(as_map(expression).get("operator"))
        wanted = [str(v) for v in as_seq(as_map(expression).get("values"))]
        have = values.get(key)
        if op == "In" and str(have) not in wanted or op == "NotIn" and str(have) in wanted:
            return False
        if op == "Exists" and key not in values or op == "DoesNotExist" and key in values:
            return False
    return True
