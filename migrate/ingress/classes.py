"""Ingress classes: where a repository selects one, and ``switch-ingress-class``.

Where a repository selects an ingress class (``class_slots``):

- an Ingress manifest's ``spec.ingressClassName``, or its legacy ``kubernetes.io/ingress.class``
  annotation (the form is kept, only the value changes; a trailing comment stays);
- an ingress block of a values file — the local chart's ``ingress`` and ``additionalIngresses``,
  a third-party chart's ``ingress.className``, the local chart's own default in its
  ``values.yaml``: any ``ingressClassName``/``className``/``class``/``ingressClass`` below a key
  naming ``ingress``;
- a literal in a chart template (``default "kong"`` on a line about the class): a text edit,
  since templates are not YAML (``switch_template_class``).

Only synced files outside the component change; unsynced ones are reported and left alone.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from ..errors import UsageError
from ..inventory import kinds
from ..playbook import Context, Operation, Option, StepResult, register_operation
from ..repo.files import is_helm_template
from ..repo.tracked import Tree
from ..roundtrip import is_yaml_path, line_of, load, set_scalar
from ..roundtrip.nodes import is_map, is_seq, text
from .component import Component, is_synced

CLASS_KEYS = frozenset({"ingressClassName", "className", "class", "ingressClass"})


# --- where a class is selected ------------------------------------------------------------
def class_slots(node: Any, inside: bool = False) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every scalar below ``node`` that selects an ingress class: class keys
    below a key naming ``ingress`` (``inside``), and ``kubernetes.io/ingress.class`` annotations."""
    if is_map(node):
        for key, value in node.items():
            name = str(key)
            if name == "annotations" and is_map(value):
                if kinds.INGRESS_CLASS_ANNOTATION in value:
                    yield value, kinds.INGRESS_CLASS_ANNOTATION
            elif inside and name in CLASS_KEYS and not isinstance(value, (dict, list)):
                yield node, key
            elif isinstance(value, (dict, list)):
                yield from class_slots(value, inside or "ingress" in name.lower())
    elif is_seq(node):
        for item in node:
            yield from class_slots(item, inside)


def doc_class_slots(doc: Any, ingress_class: str, skip: Callable[[Any], bool]) -> list[tuple[Any, Any]]:
    """The slots of one document that select ``ingress_class`` (none if ``skip(doc)``)."""
    if not is_map(doc) or skip(doc):
        return []
    return [(c, k) for c, k in class_slots(doc, doc.get("kind") == "Ingress") if text(c[k]) == ingress_class]


def _template_patterns(ingress_class: str) -> tuple[re.Pattern, ...]:
    name = re.escape(ingress_class)
    return (re.compile(rf"""(\|\s*default\s+)(["']){name}\2"""),
            re.compile(rf"""((?i:class\w*)\s*:\s*)(["']?){name}\2(?=\s*(?:#.*)?$)"""))


def switch_template_class(source: str, from_class: str, to_class: str) -> tuple[str, list[int]]:
    """A template's text with the class literal ``from_class`` on class lines now ``to_class``,
    and the 1-based lines changed."""
    patterns, lines, changed = _template_patterns(from_class), [], []
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        new = line
        if "class" in line.lower():
            for pattern in patterns:
                new = pattern.sub(lambda m: f"{m[1]}{m[2]}{to_class}{m[2]}", new)
        lines.append(new)
        if new != line:
            changed.append(number)
    return "".join(lines), changed


def template_class_lines(tree: Tree, path: str, ingress_class: str) -> list[int]:
    """Lines of a chart template that default to ``ingress_class`` (empty for other files)."""
    if not is_helm_template(path, tree):
        return []
    return switch_template_class(tree.read_text(path), ingress_class, ingress_class + "-")[1]


# --- switch-ingress-class --------------------------------------------------------------------
@register_operation
class SwitchIngressClass(Operation):
    name = "switch-ingress-class"
    description = ("Every synced Ingress, values ingress block, chart default and chart template that selects "
                   "one ingress class selects another (forms, quoting and comments kept).")
    options = {
        "component": Option("The component serving the old class; its own files are left alone.", example="kong",
                            required=True),
        "from_class": Option("The ingress class to replace.", example="kong", required=True),
        "to_class": Option("The ingress class to use instead.", example="traefik", required=True),
    }

    def prepare(self, ctx: Context) -> StepResult:
        old, new = ctx.options["from_class"], ctx.options["to_class"]
        if old == new:
            raise UsageError(f"from_class and to_class are both {old!r}")
        _note_controller(ctx, new)
        skip, changes, details = _component_kind(ctx), {}, []
        candidates = self._candidates(ctx, skip)
        for path, synced in candidates:
            edited, lines = _switch(ctx, path, old, new, skip)
            if not synced:
                for line in lines:
                    ctx.report.add("not-synced", f"selects ingress class {old}, but no root syncs this file: "
                                   "left alone", path=path, line=line)
                continue
            changes[path] = edited
            details += [f"{path}:{line}: ingress class {old} -> {new}" for line in lines]
        files = len(changes)
        return StepResult(changes, f"Switch ingress class {old} to {new} in {files} file(s)", details=details,
                          declared={path for path, synced in candidates if synced})

    @staticmethod
    def _candidates(ctx: Context, skip: Callable[[Any], bool]) -> list[tuple[str, bool]]:
        """(path, synced) of every file outside the component that selects the old class."""
        inv, old = ctx.inventory, ctx.options["from_class"]
        component = Component.of(ctx, ctx.options["component"])
        return [(path, is_synced(ctx, path)) for path in inv.files.paths if not component.owns(inv, path) and (
            template_class_lines(ctx.tree, path, old) or any(doc_class_slots(d, old, skip) for d in inv.docs(path)))]


def _switch(ctx: Context, path: str, old: str, new: str, skip: Callable[[Any], bool]) -> tuple[str, list[int]]:
    """The file's text with class ``old`` switched to ``new``, and the lines that changed."""
    if not is_yaml_path(path) or is_helm_template(path, ctx.tree):
        return switch_template_class(ctx.tree.read_text(path), old, new)
    yf, lines = load(ctx.tree, path), []
    for doc in yf.docs:
        for container, key in doc_class_slots(doc, old, skip):
            lines.append(line_of(container, key))
            set_scalar(container, key, new)
    return yf.dump(), lines


def _note_controller(ctx: Context, ingress_class: str) -> None:
    """Report when no synced Application of the repo serves the new class (it may live elsewhere)."""
    serving = kinds.component_for_ingress_class(ingress_class, {a.name for a in ctx.inventory.applications})
    if serving not in ctx.graph.synced_applications():
        ctx.report.add("note", f"no synced Application of this repository serves ingress class {ingress_class}: "
                       "make sure the cluster runs its controller")


def _component_kind(ctx: Context) -> Callable[[Any], bool]:
    """Predicate: a document of a kind the component installs (translate-plugins removes those)."""
    return Component.of(ctx, ctx.options["component"]).installs_kind_of


