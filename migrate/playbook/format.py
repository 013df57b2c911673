"""The playbook file: YAML data that composes named operations, validated by a JSON Schema.

A playbook (``<name>.yaml``)::

    name: bump-tag
    description: Set the image tag of one service.
    package: mycompany.migrations        # optional: the package whose operations it uses
    parameters:
      tag: {description: The new image tag, default: "1a2b3c4d", example: "deadbeef"}
      prune: {description: Remove the old folder, default: true}
    steps:
      - name: set-tag                     # [a-z0-9-]; file names and trailers use it
        operation: set-value              # a registered operation
        description: Point the service at the new build.
        with: {file: apps/x/values.yaml, key: image.tag, value: "${tag}"}
        checks: [{check: unchanged, with: {paths: [bootstrap/]}}]   # after this step only
    checks: [...]                         # after every step

The shape is checked against ``playbook.schema.json`` (shipped beside this module; editors
can use it too); then every operation, check and option must exist and fit, with the default
parameters. Every problem is a UsageError naming the file, the line and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping

from jsonschema import Draft202012Validator, ValidationError

from ..errors import UsageError, YamlError
from ..extensions import load_package
from ..version import __version__
from ..roundtrip import YamlFile, line_of, plain
from .parameters import Parameter, substitute
from .units import CHECKS, OPERATIONS

SCHEMA = json.loads(resources.files(__package__).joinpath("playbook.schema.json").read_text(encoding="utf-8"))
_VALIDATOR = Draft202012Validator(SCHEMA)
NAME_PATTERN = SCHEMA["$defs"]["name"]["pattern"]


# --- model ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckUse:
    """A named intent check a playbook (or one step) asks for, with its raw options."""

    check: str
    options: Mapping[str, Any]
    path: str
    line: int


@dataclass(frozen=True)
class Step:
    """One step: a registered operation with raw (unsubstituted) options."""

    name: str
    operation: str
    description: str
    options: Mapping[str, Any]
    checks: tuple[CheckUse, ...]
    path: str
    line: int
    objects: tuple[Mapping[str, Any], ...] = ()     # the object changes it intends (raw, unsubstituted)


@dataclass(frozen=True)
class Playbook:
    """A loaded, validated playbook. ``source`` is the file it came from."""

    name: str
    description: str
    parameters: Mapping[str, Parameter]
    steps: tuple[Step, ...]
    checks: tuple[CheckUse, ...]
    source: str
    shipped: bool
    package: str | None = None
    shadows: bool = False     # a repository's playbook with the name of a shipped one (--allow-shadowing)

    @property
    def origin(self) -> str:
        """Which file runs, as the plan names it."""
        if self.shipped:
            return f"`{self.source}` (shipped with migrate {__version__})"
        return f"`{self.source}` (this repository's own" + (", **shadowing the shipped playbook of that name**)"
                                                          if self.shadows else ")")

    def resolve(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values: defaults overridden by ``given`` (strings from ``--set`` or typed)."""
        given = self._fold_entries(dict(given or {}))
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            raise UsageError(f"playbook {self.name!r} has no parameter {unknown[0]!r} "
                             f"(parameters: {', '.join(self.parameters) or 'none'})")
        return {name: p.convert(given[name]) if name in given else p.default
                for name, p in self.parameters.items()}

    def _fold_entries(self, given: dict[str, Any]) -> dict[str, Any]:
        """``{"env.A": "1"}`` -> ``{"env": {**default, "A": "1"}}`` for mapping parameters."""
        folded: dict[str, Any] = {}
        for key, value in given.items():
            name, dot, entry = key.partition(".")
            parameter = self.parameters.get(name)
            if dot and key not in self.parameters and parameter is not None and isinstance(parameter.default, dict):
                if not entry:
                    raise UsageError(f"--set {key}=...: name the entry of {name!r} ({name}.NAME=VALUE)")
                base = folded.get(name, given.get(name, parameter.default))
                folded[name] = {**parameter.convert(base), entry: value}
            elif key not in folded:
                folded[key] = value
        return folded

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "source": self.source,
                "shipped": self.shipped, "shadows": self.shadows,
                **({"package": self.package} if self.package else {}),
                "parameters": [p.to_dict() for p in self.parameters.values()],
                "steps": [{"name": s.name, "operation": s.operation, "description": s.description}
                          for s in self.steps]}


# --- parsing ---------------------------------------------------------------------------
def parse_playbook(text: str, source: str, *, shipped: bool = False) -> Playbook:
    """Parse and validate a playbook file's text; every problem is a UsageError at file:line."""
    try:
        docs = YamlFile.parse(text, path=source).docs
    except YamlError as exc:
        raise UsageError(f"malformed playbook: {exc.args[0]}", path=source, line=exc.line) from None
    top = docs[0] if len(docs) == 1 else None
    if not isinstance(top, Mapping):
        raise UsageError("the playbook must be a mapping", path=source, line=1)
    data = json.loads(json.dumps(plain(top), default=str))   # JSON data: string keys, lists
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: _rank(top, e))
    if errors:
        raise _schema_error(top, errors[0], source)
    if data.get("package"):
        load_package(data["package"], path=source, line=line_of(top, "package"))
    parameters = {name: Parameter(name, spec["description"], spec["default"], spec.get("example"), spec.get("flag"),
                                spec.get("format"))
                  for name, spec in (data.get("parameters") or {}).items()}
    steps = _steps(top, data, source)
    playbook = Playbook(data["name"], data["description"], parameters, steps,
                        _checks(top.get("checks"), data.get("checks"), source), source, shipped, data.get("package"))
    _validate(playbook)
    return playbook


def _steps(top: Mapping, data: Mapping, source: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for index, (node, spec) in enumerate(zip(top["steps"], data["steps"])):
        if spec["name"] in {s.name for s in steps}:
            raise UsageError(f"step name {spec['name']!r} must be unique and match {NAME_PATTERN}",
                             path=source, line=line_of(node, "name"))
        line = line_of(node, "operation") or line_of(top["steps"], index) or 1
        steps.append(Step(spec["name"], spec["operation"], str(spec.get("description") or ""),
                          spec.get("with") or {}, _checks(node.get("checks"), spec.get("checks"), source),
                          source, line, tuple(spec.get("objects") or ())))
    return tuple(steps)


def _checks(nodes: Any, specs: Any, source: str) -> tuple[CheckUse, ...]:
    uses = []
    for index, spec in enumerate(specs or []):
        spec = {"check": spec} if isinstance(spec, str) else spec
        uses.append(CheckUse(spec["check"], spec.get("with") or {}, source, line_of(nodes, index) or 1))
    return tuple(uses)


def _validate(playbook: Playbook) -> None:
    """Every operation, check and option exists and fits, with the default parameters."""
    defaults = playbook.resolve()
    for step in playbook.steps:
        operation = OPERATIONS.get(step.operation, path=step.path, line=step.line)
        operation.bind(substitute(step.options, defaults, path=step.path, line=step.line),
                       path=step.path, line=step.line)
        for use in (*playbook.checks, *step.checks):
            CHECKS.get(use.check, path=use.path, line=use.line).bind(
                substitute(use.options, defaults, path=use.path, line=use.line), path=use.path, line=use.line)


# --- schema errors as messages at file:line -------------------------------------------------
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "boolean": "true or false", "null": "empty"}


def _rank(top: Mapping, error: ValidationError) -> tuple:
    """Unknown keys first (the likeliest typo), then by line."""
    return (error.validator != "additionalProperties", _line(top, list(error.absolute_path)), str(error.path))


def _node_at(top: Any, path: list) -> tuple[Any, Any]:
    """(the container holding the last key of ``path``, that key) in the loaded nodes."""
    parent, key = None, None
    node = top
    for step in path:
        parent, key = node, step
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return parent, key


def _line(top: Any, path: list) -> int:
    parent, key = _node_at(top, path)
    return (line_of(parent, key) if parent is not None else None) or line_of(top) or 1


def _where(path: list) -> str:
    """The thing at ``path``, as a reader names it."""
    if not path:
        return "the playbook"
    head = path[0]
    if head == "parameters" and len(path) > 1:
        return f"parameter {path[1]!r}"
    if head == "steps" and len(path) > 1 and isinstance(path[1], int):
        if "checks" in path[2:]:
            return "a check"
        return f"step {path[1] + 1}"
    if head == "checks":
        return "a check"
    return repr(".".join(map(str, path)))


def _schema_error(top: Mapping, error: ValidationError, source: str) -> UsageError:
    path = list(error.absolute_path)
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = next(k for k in value if k not in allowed)
        return UsageError(f"unknown key {unknown!r} in {_where(path)} (allowed: {', '.join(allowed)})",
                          path=source, line=_line(top, path + [unknown]))
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in value)
        what = "a default (its type comes from the default)" if missing == "default" else repr(missing)
        return UsageError(f"{_where(path)} needs {what}", path=source, line=_line(top, path))
    parent = _where(path[:-1]) if path else "the playbook"
    key = path[-1] if path else None
    line = _line(top, path)
    if error.validator == "pattern" and isinstance(key, str) and key == "name":
        return UsageError(f"{'playbook' if len(path) == 1 else 'step'} name {value!r} must be unique and match "
                          f"{NAME_PATTERN}", path=source, line=line)
    if error.validator == "pattern" and error.validator_value == r"\S":
        return UsageError(f"{parent} needs a non-empty string {key!r}", path=source, line=line)
    if error.validator == "minItems" and path == ["steps"]:
        return UsageError("the playbook needs a non-empty list 'steps'", path=source, line=line)
    if path[:1] == ["parameters"] and key == "default":
        return UsageError(f"{parent} needs a default that is a string, integer, boolean, list of strings or "
                          "mapping of strings (its type comes from the default)", path=source, line=line)
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted if w != "null")
        return UsageError(f"{_where(path)} must be {words}", path=source, line=line)
    if path[:1] == ["parameters"] and error.validator == "propertyNames":
        return UsageError(f"bad parameter name {value!r}", path=source, line=line)
    return UsageError(f"{_where(path)}: {error.message}", path=source, line=line)
