"""Playbooks: YAML data that composes named operations, with typed parameters.

A playbook (``<name>.yaml``)::

    name: bump-tag
    description: Set the image tag of one service.
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

A parameter's type comes from its default (str, int, bool, list of str, mapping of str to
str). ``${p}`` as a whole string yields the typed value; inside a longer string it
interpolates (lists joined with commas); ``$${`` is a literal ``${``. A mapping's entries are
set one by one: ``--set env.JAVA_OPTS=-Xmx1g``. Playbooks are looked up in the target repo's
``.migrate/playbooks/`` first, then among those shipped with migrate (``migrate.playbooks``).
Every problem is a UsageError naming the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from .errors import UsageError, YamlError
from .operations.base import CHECKS, OPERATIONS
from .yamlio import YamlFile, line_of

REPO_PLAYBOOKS = ".migrate/playbooks"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_WHOLE = re.compile(r"^\$\{([^}]*)\}$")
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}
_TYPES = {bool: "bool", int: "int", str: "str", list: "list", dict: "dict"}


# --- model ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    """A playbook parameter; its type is the type of its default."""

    name: str
    description: str
    default: Any
    example: Any = None

    @property
    def type_name(self) -> str:
        return _TYPES[type(self.default)]

    def convert(self, value: Any) -> Any:
        """``value`` (a ``--set`` string or an already typed value) as this parameter's type."""
        if isinstance(value, str) and isinstance(self.default, dict):
            raise UsageError(f"parameter {self.name!r} is a mapping: set its entries with "
                             f"--set {self.name}.NAME=VALUE")
        if isinstance(value, str) and not isinstance(self.default, str):
            return self._parse(value)
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(value, Mapping) and isinstance(self.default, dict):
            value = dict(value)
        if type(value) is not type(self.default) or not _of_strings(value):
            raise UsageError(f"parameter {self.name!r} expects {self.type_name}, got {value!r}")
        return value

    def _parse(self, text: str) -> Any:
        if isinstance(self.default, bool):
            if text.strip().lower() in _TRUE | _FALSE:
                return text.strip().lower() in _TRUE
            raise UsageError(f"parameter {self.name!r} expects true or false, got {text!r}")
        if isinstance(self.default, int):
            try:
                return int(text)
            except ValueError:
                raise UsageError(f"parameter {self.name!r} expects an integer, got {text!r}") from None
        return [item.strip() for item in text.split(",") if item.strip()]

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type_name, "description": self.description,
                "default": self.default, "example": self.example}


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
                "shipped": self.shipped, "parameters": [p.to_dict() for p in self.parameters.values()],
                "steps": [{"name": s.name, "operation": s.operation, "description": s.description}
                          for s in self.steps]}


# --- parameters: --set and ${...} -------------------------------------------------------
def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` (from ``--set``) -> ``{"k": "v"}``; the last of a repeated key wins."""
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set expects key=value, got {item!r}")
        values[key.strip()] = value
    return values


def substitute(value: Any, params: Mapping[str, Any], *, path: str | None = None,
               line: int | None = None) -> Any:
    """``value`` with ``${name}`` references replaced (recursively in lists and mappings)."""
    if isinstance(value, Mapping):
        return {k: substitute(v, params, path=path, line=line) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params, path=path, line=line) for v in value]
    if not isinstance(value, str):
        return value
    whole = _WHOLE.match(value)
    if whole:
        return _lookup(whole.group(1), params, path, line)

    def interpolate(match: re.Match) -> str:
        if match.group(1):
            return "${" + match.group(2) + "}"
        found = _lookup(match.group(2), params, path, line)
        if isinstance(found, bool):
            return "true" if found else "false"
        return ",".join(found) if isinstance(found, list) else str(found)

    return _REFERENCE.sub(interpolate, value)


def referenced(value: Any) -> set[str]:
    """The parameter names ``value`` (raw options: strings, lists, mappings) refers to by ``${name}``."""
    if isinstance(value, Mapping):
        return set().union(*map(referenced, value.values()))
    if isinstance(value, list):
        return set().union(*map(referenced, value))
    return {m.group(2) for m in _REFERENCE.finditer(value) if not m.group(1)} if isinstance(value, str) else set()


def _of_strings(value: Any) -> bool:
    """A list holds only strings; a mapping only string keys and values; anything else: True."""
    if isinstance(value, list):
        return all(isinstance(v, str) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return True


def _lookup(name: str, params: Mapping[str, Any], path, line) -> Any:
    if name not in params:
        raise UsageError(f"unknown parameter ${{{name}}} (parameters: {', '.join(params) or 'none'})",
                         path=path, line=line)
    return params[name]


# --- parsing ---------------------------------------------------------------------------
def parse_playbook(text: str, source: str, *, shipped: bool = False) -> Playbook:
    """Parse and validate a playbook file's text; every problem is a UsageError at file:line."""
    try:
        docs = YamlFile.parse(text, path=source).docs
    except YamlError as exc:
        raise UsageError(f"malformed playbook: {exc.args[0]}", path=source, line=exc.line) from None
    top = _mapping(docs[0] if len(docs) == 1 else None, "the playbook", source, 1)
    _only_keys(top, {"name", "description", "parameters", "steps", "checks"}, "playbook", source)
    name = _string(top, "name", source)
    if not NAME.match(name):
        raise UsageError(f"playbook name {name!r} must match [a-z0-9][a-z0-9-]*", path=source,
                         line=line_of(top, "name"))
    parameters = _parameters(top.get("parameters") or {}, source, _line(top, "parameters"))
    steps = _steps(top, source)
    playbook = Playbook(name, _string(top, "description", source), parameters, steps,
                        _checks(top.get("checks"), source, _line(top, "checks")), source, shipped)
    _validate(playbook)
    return playbook


def _line(node, key) -> int:
    try:
        return line_of(node, key) or 1
    except (KeyError, IndexError, TypeError):
        return 1


def _mapping(node, what: str, source: str, line: int) -> Mapping:
    if not isinstance(node, Mapping):
        raise UsageError(f"{what} must be a mapping", path=source, line=line)
    return node


def _only_keys(node: Mapping, allowed: set[str], what: str, source: str) -> None:
    for key in node:
        if key not in allowed:
            raise UsageError(f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})",
                             path=source, line=_line(node, key))


def _string(node: Mapping, key: str, source: str, *, where: str = "the playbook") -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where} needs a non-empty string {key!r}", path=source,
                         line=_line(node, key) if key in node else _first_line(node))
    return str(value)


def _first_line(node: Mapping) -> int:
    return _line(node, next(iter(node))) if node else 1


def _parameters(node, source: str, line: int) -> dict[str, Parameter]:
    node = _mapping(node, "parameters", source, line)
    parameters = {}
    for name, spec in node.items():
        where = _line(node, name)
        if not PARAM_NAME.match(str(name)):
            raise UsageError(f"bad parameter name {name!r}", path=source, line=where)
        spec = _mapping(spec, f"parameter {name!r}", source, where)
        _only_keys(spec, {"description", "default", "example"}, f"parameter {name!r}", source)
        default = plain(spec.get("default"))
        if type(default) not in _TYPES or not _of_strings(default):
            raise UsageError(f"parameter {name!r} needs a default that is a string, integer, boolean, "
                             "list of strings or mapping of strings (its type comes from the default)",
                             path=source, line=where)
        parameters[str(name)] = Parameter(str(name), _string(spec, "description", source,
                                                             where=f"parameter {name!r}"),
                                          default, plain(spec.get("example")))
    return parameters


def _steps(top: Mapping, source: str) -> tuple[Step, ...]:
    node = top.get("steps")
    if not isinstance(node, list) or not node:
        raise UsageError("the playbook needs a non-empty list 'steps'", path=source,
                         line=_line(top, "steps") if "steps" in top else 1)
    steps = []
    for index, spec in enumerate(node):
        line = _line(node, index)
        spec = _mapping(spec, f"step {index + 1}", source, line)
        _only_keys(spec, {"name", "operation", "description", "with", "checks"}, f"step {index + 1}", source)
        name = _string(spec, "name", source, where=f"step {index + 1}")
        if not NAME.match(name) or name in {s.name for s in steps}:
            raise UsageError(f"step name {name!r} must be unique and match [a-z0-9][a-z0-9-]*",
                             path=source, line=_line(spec, "name"))
        options = _mapping(plain(spec.get("with") or {}), f"step {name!r} 'with'", source, line)
        steps.append(Step(name, _string(spec, "operation", source, where=f"step {name!r}"),
                          str(spec.get("description") or ""), options,
                          _checks(spec.get("checks"), source, _line(spec, "checks")), source,
                          _line(spec, "operation") if "operation" in spec else line))
    return tuple(steps)


def _checks(node, source: str, line: int) -> tuple[CheckUse, ...]:
    if node is None:
        return ()
    if not isinstance(node, list):
        raise UsageError("'checks' must be a list", path=source, line=line)
    uses = []
    for index, spec in enumerate(node):
        where = _line(node, index)
        if isinstance(spec, str):
            spec = {"check": spec}
        spec = _mapping(spec, "a check", source, where)
        _only_keys(spec, {"check", "with"}, "a check", source)
        options = _mapping(plain(spec.get("with") or {}), "a check's 'with'", source, where)
        uses.append(CheckUse(_string(spec, "check", source, where="a check"), options, source, where))
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


def plain(node: Any) -> Any:
    """A ruamel round-trip node as plain Python data (dict, list, str, int, bool, float, None)."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    for kind in (bool, int, float, str):
        if isinstance(node, kind):
            return kind(node)
    return node


# --- finding playbooks --------------------------------------------------------------------
def _shipped() -> dict[str, Any]:
    """Shipped playbook files by name (``migrate.playbooks`` package data)."""
    folder = resources.files("migrate.playbooks")
    return {entry.name[:-5]: entry for entry in folder.iterdir() if entry.name.endswith(".yaml")}


def _in_repo(repo: Path | None) -> dict[str, Path]:
    folder = Path(repo) / REPO_PLAYBOOKS if repo is not None else None
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()}


def _sources(repo: Path | None) -> dict[str, tuple[Any, str, bool]]:
    """name -> (file, shown source, shipped); the repo's playbooks shadow shipped ones."""
    found = {name: (entry, f"migrate.playbooks/{entry.name}", True) for name, entry in _shipped().items()}
    for name, path in _in_repo(repo).items():
        found[name] = (path, f"{REPO_PLAYBOOKS}/{path.name}", False)
    return found


def playbook_names(repo: Path | None = None) -> list[str]:
    return sorted(_sources(repo))


def load_playbook(name: str, repo: Path | None = None) -> Playbook:
    """The playbook ``name``: from ``<repo>/.migrate/playbooks/`` if there, else shipped."""
    sources = _sources(repo)
    if name not in sources:
        raise UsageError(f"unknown playbook {name!r} (known: {', '.join(sorted(sources)) or 'none'})")
    entry, shown, shipped = sources[name]
    playbook = parse_playbook(entry.read_text(encoding="utf-8"), shown, shipped=shipped)
    if playbook.name != name:
        raise UsageError(f"the playbook in {shown} is named {playbook.name!r}; its file must be "
                         f"{playbook.name}.yaml", path=shown)
    return playbook


def list_playbooks(repo: Path | None = None) -> list[Playbook]:
    """Every playbook available for ``repo`` (its own and the shipped ones), by name."""
    return [load_playbook(name, repo) for name in playbook_names(repo)]
