"""Playbook parameters: typed values with defaults, ``--set`` assignments and ``${...}`` substitution.

A parameter's type comes from its default (str, int, bool, list of str, mapping of str to
str). ``${p}`` as a whole string yields the typed value; inside a longer string it
interpolates (lists joined with commas); ``$${`` is a literal ``${``. A mapping's entries are
set one by one: ``--set env.JAVA_OPTS=-Xmx1g``. A parameter may declare a ``flag``: the
command line then also takes ``--<flag> VALUE`` for it (repeatable for a list parameter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ..errors import UsageError

_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_WHOLE = re.compile(r"^\$\{([^}]*)\}$")
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}
TYPES = {bool: "bool", int: "int", str: "str", list: "list", dict: "dict"}


@dataclass(frozen=True)
class Parameter:
    """A playbook parameter; its type is the type of its default."""

    name: str
    description: str
    default: Any
    example: Any = None
    flag: str | None = None          # the command line's --<flag> VALUE sets it too
    format: str | None = None        # k8s-name | k8s-subdomain | repo-path: checked in convert()

    @property
    def type_name(self) -> str:
        return TYPES[type(self.default)]

    def convert(self, value: Any) -> Any:
        """``value`` (a ``--set`` string or an already typed value) as this parameter's type, in its format."""
        converted = self._convert(value)
        for item in ([converted] if isinstance(converted, str) else converted if isinstance(converted, list) else []):
            problem = _format_problem(self.format, item) if item else None
            if problem:
                raise UsageError(f"parameter {self.name!r}: {item!r} {problem}")
        return converted

    def _convert(self, value: Any) -> Any:
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
        shown = {"name": self.name, "type": self.type_name, "description": self.description,
                 "default": self.default, "example": self.example}
        return {**shown, "flag": self.flag} if self.flag else shown


LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _format_problem(fmt: str | None, value: str) -> str | None:
    """Why ``value`` is not of format ``fmt`` (None: it is)."""
    if fmt == "k8s-name":
        if len(value) > 63 or not LABEL.match(value):
            return ("is not a Kubernetes name: lowercase letters, digits and '-', starting and ending with a letter "
                    "or digit, at most 63 characters (DNS-1123 label)")
    elif fmt == "k8s-subdomain":
        if len(value) > 253 or not all(LABEL.match(part) for part in value.split(".")):
            return "is not a DNS-1123 subdomain (lowercase labels of letters, digits and '-', separated by dots)"
    elif fmt == "repo-path":
        parts = value.replace("\\", "/").split("/")
        if value.startswith("/") or ".." in parts or ".git" in parts or "\0" in value:
            return "is not a folder inside the repository's work tree (relative, no '..', not under .git)"
    return None


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` (from ``--set``) -> ``{"k": "v"}``; the last of a repeated key wins."""
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set expects key=value, got {item!r}")
        values[key.strip()] = value
    return values


def params_assignments(path) -> tuple[str, ...]:
    """The ``--set`` assignments a parameters file (``--params FILE``: a YAML mapping) stands for: a
    mapping parameter's entries as ``name.KEY=VALUE``, a list joined with commas, booleans as true/false."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"{path}: not valid YAML ({getattr(exc, 'problem', exc)})", path=str(path),
                         line=mark.line + 1 if mark else None) from None
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise UsageError(f"{path}: a parameters file is a mapping of parameter names to values", path=str(path))
    out = []
    for name, value in data.items():
        if isinstance(value, Mapping):
            out += [f"{name}.{key}={_text(v)}" for key, v in value.items()]
        else:
            out.append(f"{name}={_text(value)}")
    return tuple(out)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return "" if value is None else str(value)


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




def with_flags(values: dict[str, Any], parameters: Mapping[str, "Parameter"], flags: Iterable[tuple[str, str]],
               owner: str = "the playbook") -> dict:
    """``values`` (``--set`` strings) with ``(flag, value)`` pairs from the command line added to the
    parameters that declare those flags (a list parameter collects every value, after its --set ones);
    ``owner`` names the playbook in errors."""
    by_flag = {p.flag: p for p in parameters.values() if p.flag}
    out = dict(values)
    for flag, value in flags:
        parameter = by_flag.get(flag)
        if parameter is None:
            known = ", ".join(f"--{f}" for f in sorted(by_flag)) or "none"
            raise UsageError(f"no such option: --{flag} ({owner} has no parameter with that flag; its flags: {known}; "
                             "set parameters with --set KEY=VALUE)")
        if isinstance(parameter.default, list):
            given = out.get(parameter.name, [])
            items = [i.strip() for i in given.split(",") if i.strip()] if isinstance(given, str) else list(given)
            out[parameter.name] = list(dict.fromkeys([*items, value]))
        else:
            out[parameter.name] = value
    return out
