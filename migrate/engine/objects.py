"""Object-level verification of a step: what Argo CD would apply before and after it, object by object.

``object_changes(before, after)`` compares the rendered objects of the synced Applications of two
trees, keyed by (group, kind, namespace, name): objects added, removed, and changed with a
field-level diff (paths like ``spec.template.spec.containers.app.env.DB_URL.value``: list items that
have a ``name`` are named by it). Secret values are never shown.

A playbook step declares the object changes it intends (``objects:``, see ``ObjectRule``); every
change must match a rule, else the step fails naming the object (``check_intended``). Objects a
step adds or changes in Kubernetes' own API groups are validated against the Kubernetes schemas
of the configured version (``kubernetes-validate``; ``check_schemas``).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections import OrderedDict
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Iterable, Mapping

from ..errors import VerificationError
from ..inventory import kinds
from ..render.view import ArgoView
from ..repo.redact import REDACTED
from ..roundtrip.nodes import line_of

MISSING = object()
CHANGES = ("added", "removed", "changed")


@dataclass(frozen=True)
class FieldChange:
    """One field of a changed object: its path, the old and the new value (``MISSING``: absent)."""

    path: str
    old: Any
    new: Any

    def __str__(self) -> str:
        if self.old is MISSING:
            return f"{self.path} added ({_short(self.new)})"
        if self.new is MISSING:
            return f"{self.path} removed (was {_short(self.old)})"
        return f"{self.path}: {_short(self.old)} -> {_short(self.new)}"


@dataclass(frozen=True)
class ObjectChange:
    """An object the step adds, removes or changes, in which Application, and where a user edits it."""

    change: str
    group: str
    kind: str
    namespace: str
    name: str
    app: str
    file: str
    line: int
    fields: tuple[FieldChange, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"

    def __str__(self) -> str:
        head = {"added": "+", "removed": "-", "changed": "~"}[self.change]
        detail = f": {'; '.join(map(str, self.fields[:4]))}" + ("; ..." if len(self.fields) > 4 else "") \
            if self.fields else ""
        return f"{head} {self.label} (application {self.app}){detail}"

    def to_dict(self) -> dict:
        return {"change": self.change, "group": self.group, "kind": self.kind, "namespace": self.namespace,
                "name": self.name, "application": self.app, "file": self.file, "line": self.line,
                "fields": [{"path": f.path, "old": _json(f.old), "new": _json(f.new)} for f in self.fields]}


def _json(value: Any) -> Any:
    return None if value is MISSING else value


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- the diff ----------------------------------------------------------------------------------------
def synced_objects(view: ArgoView) -> dict[tuple, tuple[Any, str]]:
    """(group, kind, namespace, name) -> (rendered object, Application name) of every synced Application
    (computed once per view: every step compares with the run's first view)."""
    known = view.__dict__.get("_synced_objects")
    if known is not None:
        return known
    found: dict[tuple, tuple[Any, str]] = {}
    makers: dict[tuple, dict[str, tuple[Any, str]]] = {}    # an identity several Applications render, by id
    for app_id in sorted(view.synced):
        render = view.renders.get(app_id)
        if render is None or not render.rendered:
            continue
        name = view.apps[app_id].name
        for key, obj in _identified(render):
            found.setdefault(key, (obj, name))
            makers.setdefault(key, {}).setdefault(app_id, (obj, name))
    view.__dict__["_synced_objects"] = found
    view.__dict__["_object_makers"] = makers
    return found


_IDENTIFIED: "OrderedDict[int, tuple[Any, list]]" = OrderedDict()   # id(render) -> (render, its keyed objects)


def _identified(render: Any) -> list[tuple[tuple, Any]]:
    """(identity, object) of a render's objects, once per render (a step's after-state shares most renders)."""
    known = _IDENTIFIED.get(id(render))
    if known is None or known[0] is not render:
        known = _IDENTIFIED[id(render)] = (render, [(obj.identity, obj) for obj in render.objects])
        if len(_IDENTIFIED) > 50_000:
            _IDENTIFIED.popitem(last=False)
    return known[1]


def _touched(before: ArgoView, after: ArgoView) -> set[tuple]:
    """The identities an Application whose render (or whether it is synced) differs between the views makes:
    every other identity has the same makers in both, so the same object."""
    touched: set[tuple] = set()
    for app_id in before.synced | after.synced:
        was = before.renders.get(app_id) if app_id in before.synced else None
        now = after.renders.get(app_id) if app_id in after.synced else None
        if was is not now:
            touched.update(key for render in (was, now) if render is not None and render.rendered
                           for key, _ in _identified(render))
    return touched


def _same_maker(before: ArgoView, after: ArgoView, key: tuple) -> tuple[tuple[Any, str], tuple[Any, str]]:
    """The object ``key`` before and after, from one Application that renders it in both when several do
    (two Applications of one object: a step that moves one's copy leaves the other's, unchanged)."""
    old, new = before.__dict__["_object_makers"][key], after.__dict__["_object_makers"][key]
    common = sorted(old.keys() & new.keys())
    if common:
        return old[common[0]], new[common[0]]
    return synced_objects(before)[key], synced_objects(after)[key]


def object_changes(before: ArgoView, after: ArgoView) -> list[ObjectChange]:
    """Every object added, removed or changed between two views (see module doc), in key order."""
    old, new = synced_objects(before), synced_objects(after)
    changes: list[ObjectChange] = []
    for key in sorted(_touched(before, after)):
        if key not in old and key not in new:
            continue
        if key not in new:
            obj, app = old[key]
            changes.append(_change("removed", key, obj, app, ()))
        elif key not in old:
            obj, app = new[key]
            changes.append(_change("added", key, obj, app, ()))
        elif old[key][0] is not new[key][0]:      # the same object: an Application whose inputs the step kept
            was, now = _same_maker(before, after, key)
            fields = tuple(field_changes(was[0].doc, now[0].doc, secret=key[1] == "Secret"))
            if fields:
                changes.append(_change("changed", key, now[0], now[1], fields))
    return changes


def _change(change: str, key: tuple, obj: Any, app: str, fields: tuple) -> ObjectChange:
    lc = getattr(obj.located.doc, "lc", None)
    line = lc.line + 1 if lc is not None and lc.line is not None else 1
    return ObjectChange(change, *key, app=app, file=obj.located.file, line=line, fields=fields)


def field_changes(old: Any, new: Any, path: str = "", secret: bool = False) -> Iterable[FieldChange]:
    """The fields that differ between two values (mappings key by key, lists of named items by name);
    ``secret``: the values under ``data``/``stringData`` are shown redacted."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            yield from field_changes(old.get(key, MISSING), new.get(key, MISSING), f"{path}.{key}" if path else str(key),
                                     secret)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_items, new_items = _items(old), _items(new)
        if old_items is not None and new_items is not None:
            for name in list(old_items) + [n for n in new_items if n not in old_items]:
                yield from field_changes(old_items.get(name, MISSING), new_items.get(name, MISSING), f"{path}.{name}",
                                         secret)
            return
        for index in range(max(len(old), len(new))):
            yield from field_changes(old[index] if index < len(old) else MISSING,
                                     new[index] if index < len(new) else MISSING, f"{path}.{index}", secret)
        return
    if old == new and isinstance(old, bool) == isinstance(new, bool):
        return
    if secret and path.split(".")[0] in ("data", "stringData"):
        old, new = (v if v is MISSING else REDACTED for v in (old, new))
    yield FieldChange(path, old, new)


def _items(items: list) -> dict[str, Any] | None:
    """A list of mappings that all have a distinct ``name``, by name (None otherwise)."""
    if not items or not all(isinstance(i, Mapping) and isinstance(i.get("name"), str) for i in items):
        return None
    named = {i["name"]: i for i in items}
    return named if len(named) == len(items) else None


# --- intents ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ObjectRule:
    """One object change a step intends (``objects:`` of a playbook step; strings may be globs):

    ``change`` added | removed | changed | any; ``kind``, ``group``, ``namespace``, ``name``: the
    object; ``app``: the Application whose render holds it; ``fields``: for a change, the field paths
    that may differ (a path covers what is below it); ``to``: for a change, what the changed values may
    become (globs over the new value as text, e.g. ``"*${target}*"``)."""

    change: str = "any"
    kinds: tuple[str, ...] = ("*",)
    group: str | None = None
    namespaces: tuple[str, ...] = ("*",)
    names: tuple[str, ...] = ("*",)
    apps: tuple[str, ...] = ("*",)
    fields: tuple[str, ...] = ("*",)
    to: tuple[str, ...] | None = None

    @classmethod
    def of(cls, raw: Mapping) -> "ObjectRule":
        def many(key: str) -> tuple[str, ...]:
            value = raw.get(key, "*")
            return tuple(str(v) for v in (value if isinstance(value, list) else [value])) or ("*",)
        return cls(str(raw.get("change", "any")), many("kind"), raw.get("group"), many("namespace"), many("name"),
                   many("app"), many("fields") if "fields" in raw else ("*",), many("to") if "to" in raw else None)

    def matches(self, change: ObjectChange) -> bool:
        """The rule is about this object and this kind of change (fields aside)."""
        if self.change not in ("any", change.change):
            return False
        if self.group is not None and self.group != change.group:
            return False
        return all(any(fnmatchcase(value, p) for p in patterns)
                   for patterns, value in ((self.kinds, change.kind), (self.namespaces, change.namespace),
                                           (self.names, change.name), (self.apps, change.app)))

    def covers_field(self, field: FieldChange) -> bool:
        if not any(fnmatchcase(field.path, p) or fnmatchcase(field.path, p + ".*") for p in self.fields):
            return False
        return self.to is None or (field.new is not MISSING and any(fnmatchcase(str(field.new), p) for p in self.to))


def undeclared(change: ObjectChange, rules: list[ObjectRule]) -> tuple[FieldChange, ...] | None:
    """What of ``change`` no rule declares: None when all of it is declared; the fields no rule about the
    object covers for a change (every field must be covered by some rule), else ``()``."""
    about = [rule for rule in rules if rule.matches(change)]
    if change.change != "changed":
        return None if about else ()
    left = tuple(f for f in change.fields if not any(rule.covers_field(f) for rule in about))
    return left or None


def check_intended(changes: list[ObjectChange], rules: list[ObjectRule]) -> None:
    """Every object change is declared by the step's rules; else VerificationError naming the object."""
    unexpected = [(c, left) for c in changes if (left := undeclared(c, rules)) is not None]
    if not unexpected:
        return
    first, fields = unexpected[0]
    more = f" (and {len(unexpected) - 1} more)" if len(unexpected) > 1 else ""
    detail = f": {'; '.join(map(str, fields[:3]))}" if fields else ""
    raise VerificationError("object-changes", f"the step {first.change} {first.label} (application {first.app}) "
                            f"and its playbook does not declare that change{detail}{more}; if it is meant, add to "
                            f"the step's `objects:` a rule such as {suggested_rule(first, fields)}",
                            path=first.file, line=first.line)


def suggested_rule(change: ObjectChange, fields: tuple[FieldChange, ...]) -> str:
    """A rule (flow YAML) that declares ``change``: its kind and change, and for a change its fields' parents."""
    parts = [f"change: {change.change}", f"kind: {change.kind}"]
    if fields:
        parents = sorted({f.path.rsplit(".", 1)[0] if "." in f.path else f.path for f in fields})
        parts.append(f"fields: [{', '.join(parents)}]" if len(parents) > 1 else f"fields: {parents[0]}")
    return "{" + ", ".join(parts) + "}"


# --- Kubernetes schemas ---------------------------------------------------------------------------------
def check_schemas(changes: list[ObjectChange], after: ArgoView, kube_version: str) -> None:
    """Objects of Kubernetes' own API groups that the step adds or changes are valid for ``kube_version``."""
    if importlib.util.find_spec("kubernetes_validate") is None:
        return
    validator = importlib.import_module("kubernetes_validate")
    objects = synced_objects(after)
    for change in changes:
        if change.change == "removed" or kinds.is_custom_group(change.group) or change.group == "argoproj.io":
            continue
        obj = objects[(change.group, change.kind, change.namespace, change.name)][0]
        try:
            _validate(validator, obj.doc, _minor(kube_version))
        except validator.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path) or "the object"
            raise VerificationError("kubernetes-schema", f"{change.label}: {where}: {exc.message}",
                                    path=change.file, line=_line_at(obj.located.doc, list(exc.path)) or change.line
                                    ) from None
        except (validator.SchemaNotFoundError, validator.InvalidSchemaError):
            continue


def _validate(validator: Any, doc: Any, version: str) -> None:
    """``kubernetes_validate.validate(doc, version)``, with the schema of each kind read once per run: the
    library reads and resolves the 1.8 MB of definitions on every call (16 ms an object)."""
    check = _schema_for(validator, version, str(doc.get("apiVersion", "")), str(doc.get("kind", "")))
    if check is None:
        validator.validate(doc, version, strict=False)   # as the library says (its errors, versions, names)
        return
    error = next(iter(check.iter_errors(doc)), None)
    if error is not None:
        raise validator.ValidationError(error, version=version)


@lru_cache(maxsize=256)
def _schema_for(validator: Any, version: str, api_version: str, kind: str) -> Any:
    """A jsonschema validator of ``kind`` for ``version`` the way ``kubernetes_validate.validate`` builds
    it (None where this cannot, e.g. another release of the library: it is then asked directly)."""
    try:
        utils = validator.utils
        if utils.major_minor(version) > utils.latest_version():
            return None
        chosen = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(version)][-1]
        folder = f"kubernetes-json-schema/v{chosen}-local"
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        schema = utils.schema_contents(f"{folder}/{kind.lower()}-{api}.json", version)
        registry = utils.Resource.from_contents(_definitions(utils, folder, version)) @ (
            utils.Resource.from_contents(schema) @ utils.Registry())
        return utils.jsonschema.validators.Draft202012Validator(schema, registry=registry)
    except Exception:  # noqa: BLE001  (no schema, a newer library: its own validate says what is wrong)
        return None


@lru_cache(maxsize=8)
def _definitions(utils: Any, folder: str, version: str) -> Any:
    return utils.schema_contents(f"{folder}/_definitions.json", version)


def _line_at(node: Any, path: list) -> int | None:
    """The line of the value at ``path`` in a located object (None when it has no line)."""
    line = None
    for key in path:
        try:
            here = line_of(node, key)
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        line = here or line
    return line


def _minor(version: str) -> str:
    parts = version.lstrip("v").split(".")
    return ".".join(parts[:2])
