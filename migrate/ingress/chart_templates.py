"""Switching off an Application that a local chart's template makes (``unregister-component``).

An App-of-Apps chart often gates each Application's template on a values flag
(``{{- if .Values.ingress_nginx.enabled }}``): the component is switched off by setting that flag to
``false`` in the values file that decides it (the highest-precedence file of the parent's render that
sets it: its ``valueFiles`` last to first, then the chart's ``values.yaml``), a one-line edit. A template
that makes nothing but that Application and has no such flag is removed. Anything else is refused by the
operation, naming the template.
"""

from __future__ import annotations

import re

from ..inventory.records import Application
from ..operations.set_value import SetValue
from ..playbook import Context, StepResult
from ..repo.paths import join
from ..roundtrip import load
from ..roundtrip.nodes import is_map

_GATE = re.compile(r"\A(?:\s*\{\{-?\s*/\*.*?\*/\s*-?\}\})*\s*\{\{-?\s*if\s+\.Values\.([A-Za-z_][\w.]*)\s*-?\}\}", re.S)
_DOCUMENT = re.compile(r"^---\s*$", re.M)


def values_files(ctx: Context, parent: Application) -> list[str]:
    """The values files of ``parent``'s chart render, highest precedence first (existing ones only): its
    ``valueFiles`` (relative to the chart folder) last to first, then the chart's ``values.yaml``."""
    chart = parent.source_paths[0] if parent.source_paths else None
    given = list(parent.value_files)
    for source in parent.sources:
        helm = source.spec.get("helm") if is_map(source.spec) else None
        for name in (helm.get("valueFiles") or []) if is_map(helm) else []:
            if chart and isinstance(name, str) and not name.startswith("$") and "://" not in name:
                given.append(join(chart, name))
    files = [*reversed(given), *([join(chart, "values.yaml")] if chart else [])]
    return [f for f in dict.fromkeys(files) if ctx.tree.exists(f)]


def _setting(ctx: Context, path: str, keys: list[str]):
    """The value ``keys`` reach in the values file ``path`` (None when it does not set it)."""
    node = load(ctx.tree, path).docs[0]
    for key in keys:
        if not is_map(node) or key not in node:
            return None
        node = node[key]
    return node


def _note_others(ctx: Context, parent: Application, edited: str, keys: list[str], flag: str) -> None:
    """Other values files of the chart folder that switch the flag on (another environment's): named, left alone."""
    chart = parent.source_paths[0] if parent.source_paths else ""
    read = set(values_files(ctx, parent))
    for path in sorted(ctx.tree.paths()):
        folder, _, name = path.rpartition("/")
        if folder != chart or path == edited or not name.startswith("values") or not name.endswith((".yaml", ".yml")):
            continue
        if _setting(ctx, path, keys) is True:
            why = (f"{edited} overrides it" if path in read else
                   f"{parent.name}'s render does not read this file; switch it off there when that environment "
                   "drops the component")
            ctx.report.add("note", f"{flag} is true here too: left alone ({why})", path=path)


def disable_template(ctx: Context, name: str, parent: Application | None, template: str) -> StepResult | None:
    """The change that stops ``template`` making the component's Application, or None when there is none."""
    if parent is None or not ctx.tree.exists(template):
        return None
    text = ctx.tree.read_text(template)
    gate = _GATE.match(text)
    if gate:
        keys = gate.group(1).split(".")
        for path in values_files(ctx, parent):
            value = _setting(ctx, path, keys)
            if value is None:
                continue
            if value is False:
                return StepResult({}, f"{name} is already switched off ({path}: {gate.group(1)} is false)",
                                  declared={path})
            result = SetValue.compose(ctx, file=path, key=keys, value=False)
            _note_others(ctx, parent, path, keys, gate.group(1))
            return StepResult(result.changes, f"Unregister {name}: {gate.group(1)} = false in {path} (the chart "
                              f"template {template} makes it only when it is true); the template stays",
                              details=[f"{path}: {gate.group(1)}: {value} -> false", *result.details],
                              declared={path})
        return None
    if len([d for d in _DOCUMENT.split(text) if d.strip()]) == 1:
        return StepResult({template: None}, f"Unregister {name}: remove the chart template {template}, which makes "
                          "nothing but its Application (git history keeps it)",
                          details=[f"{template}: removed"], declared={template})
    return None
