"""The units playbooks are made of: ``Operation`` (a step's edit), ``Check`` (an intent check),
their registries, and ``StepResult``.

An operation is a small class, like a LibCST codemod or an OpenRewrite recipe::

    @register_operation
    class SetValue(Operation):
        name = "set-value"
        description = "Set a key of a YAML file."
        options = {"file": Option("The YAML file", example="apps/x.yaml", required=True), ...}

        def prepare(self, ctx) -> StepResult:   # reads ctx.tree, never writes anything
            path = ctx.options["file"]
            ...
            return StepResult({path: new_text}, f"Set ... in {path}", declared={path})

``prepare`` computes the edit once; the result says which paths the operation meant to touch
(``declared``, from what it selected) and what it changed (``changes``); the engine refuses a
change outside the declared paths. ``ctx.options`` holds the step's options already bound
(defaults filled in, types checked). Units register themselves when their package is
imported; a registry's lookups first import every extension package (``migrate.extensions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Generic, Iterable, Mapping, TypeVar

from ..errors import MigrateError, UsageError
from ..extensions import discover
from .context import Context, ReportEntry

_TYPE_NAMES = {bool: "true or false", int: "an integer", str: "a string", list: "a list", dict: "a mapping"}


@dataclass(frozen=True)
class Option:
    """A documented option: what it means, an example value, its default, whether it is required.

    ``type`` is the type (or tuple of types) a value must have; by default the default's type,
    else the example's (a list of strings when the example is one); ``object`` takes anything.
    """

    description: str
    default: Any = None
    example: Any = None
    required: bool = False
    type: Any = None

    def expected(self) -> Any:
        sample = self.default if self.default is not None else self.example
        return self.type or (type(sample) if sample is not None else None)

    def of_strings(self) -> bool:
        """Must a list value hold only strings (its example does)?"""
        return isinstance(self.example, list) and bool(self.example) and all(isinstance(e, str) for e in self.example)

    def to_dict(self) -> dict:
        return {"description": self.description, "default": self.default, "example": self.example,
                "required": self.required}


@dataclass(frozen=True)
class Finding:
    """A failed expectation of a check: what is wrong and where; ``settings``: the ``KEY=VALUE``
    parameters that would satisfy it, when there are (the next command a report proposes)."""

    message: str
    path: str | None = None
    line: int | None = None
    settings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentCheck:
    """A check an operation attaches to its own result: ``test(ctx)`` with ``ctx.tree`` = after."""

    name: str
    test: Callable[[Context], Iterable[Finding]]


@dataclass
class StepResult:
    """What an operation prepared: the edits (path -> new text, None = delete), a one-line
    summary (the commit subject), details (commit body and report), report entries, the
    operation's own intent checks, and ``declared``: the repo paths or folder prefixes it
    meant to touch, from what it selected (the engine refuses an edit outside them). ``carries``:
    graph nodes the run moves into others (a merged service's workload -> the target's), so a
    problem the moved one had before the run is "carried" by the other, not new. ``objects``: object
    rules (the shape of a step's ``objects:``) for what only the operation can name — the Application
    a component turned out to be — added to the step's own rules. ``advice``: per verification check (``no-new-dangling``…),
    what the user can do when it fails after this operation (added to the failure's message)."""

    changes: dict[str, str | None]
    summary: str
    details: list[str] = field(default_factory=list)
    report: list[ReportEntry] = field(default_factory=list)
    checks: list[IntentCheck] = field(default_factory=list)
    declared: set[str] = field(kw_only=True)
    carries: dict[str, str] = field(default_factory=dict, kw_only=True)
    objects: tuple[Mapping[str, Any], ...] = field(default=(), kw_only=True)
    advice: Mapping[str, str] = field(default_factory=dict, kw_only=True)   # check name -> what to do when it fails


class Unsettled(MigrateError):
    """Decisions only the user can make (merge conflicts...), each with the parameter that settles it
    (``settings``: ``--set`` lines). ``provisional``: the step's result with a provisional choice for each,
    so that a dry run still plans every later step; nothing is applied until each is settled."""

    def __init__(self, message: str, settings: list[str], provisional: "StepResult | None" = None,
                 path: str | None = None, line: int | None = None):
        super().__init__(message, path=path, line=line)
        self.settings = settings
        self.provisional = provisional


class Unit:
    """What operations, checks and translators share: a name, a description and documented options."""

    kind: ClassVar[str] = "unit"
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    options: ClassVar[dict[str, Option]] = {}

    @classmethod
    def bind(cls, given: Mapping[str, Any], *, path: str | None = None, line: int | None = None) -> dict:
        """``given`` options checked against the declared ones, defaults filled in."""
        unknown = sorted(set(given) - set(cls.options))
        if unknown:
            raise UsageError(f"{cls.kind} {cls.name!r} has no option {unknown[0]!r} "
                             f"(options: {', '.join(sorted(cls.options)) or 'none'})", path=path, line=line)
        bound = {}
        for key, option in cls.options.items():
            if key not in given and option.required:
                raise UsageError(f"{cls.kind} {cls.name!r} needs option {key!r}: {option.description}",
                                 path=path, line=line)
            bound[key] = given.get(key, option.default)
            _check_type(cls, key, option, bound[key], path, line)
        return bound

    @classmethod
    def describe(cls) -> dict:
        return {"name": cls.name, "description": cls.description,
                "options": {k: o.to_dict() for k, o in cls.options.items()}}


def _check_type(unit, key: str, option: Option, value: Any, path, line) -> None:
    expected = option.expected()
    if expected is None or value is None:
        return
    strings = not isinstance(value, list) or not option.of_strings() or all(isinstance(v, str) for v in value)
    if isinstance(value, expected) and not (isinstance(value, bool) and expected in (int, float)) and strings:
        return
    raise UsageError(f"option {key!r} of {unit.kind} {unit.name!r} expects {_type_name(option)}, got {value!r}",
                     path=path, line=line)


def _type_name(option: Option) -> str:
    expected = option.expected()
    if expected is list and option.of_strings():
        return "a list of strings"
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in (expected if isinstance(expected, tuple) else (expected,)))


class Operation(Unit):
    """One kind of edit. Subclasses set name/description/options and implement ``prepare``."""

    kind = "operation"

    def prepare(self, ctx: Context) -> StepResult:
        """Compute the edit on ``ctx.tree`` in memory, once. Raise a MigrateError when it cannot."""
        raise NotImplementedError

    @classmethod
    def compose(cls, ctx: Context, **options: Any) -> StepResult:
        """Prepare this operation with ``options`` (bound and checked) on ``ctx.tree``, from
        another operation (composed, not copied)."""
        return cls().prepare(ctx.at(ctx.tree, options=cls.bind(options)))


class Check(Unit):
    """A named intent check a playbook lists: ``check(ctx)`` with ``ctx.tree`` = after the step
    and ``ctx.origin`` = before the run; it returns what does not hold (empty = it holds)."""

    kind = "check"

    def check(self, ctx: Context) -> Iterable[Finding]:
        raise NotImplementedError


U = TypeVar("U", bound=Unit)


class Registry(Generic[U]):
    """Name -> class, filled by the ``register`` decorator. Every registry made is listed by
    ``registries()`` (so ``migrate list --operations`` shows the units of every package)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, type[U]] = {}
        _REGISTRIES.append(self)

    def register(self, cls: type[U]) -> type[U]:
        if not cls.name or self._classes.get(cls.name, cls) is not cls:
            raise ValueError(f"{self.kind} name {cls.name!r} is empty or already registered")
        self._classes[cls.name] = cls
        return cls

    def get(self, name: str, *, path: str | None = None, line: int | None = None) -> type[U]:
        discover()
        if name not in self._classes:
            raise UsageError(f"unknown {self.kind} {name!r} (known: {', '.join(self.names())})",
                             path=path, line=line)
        return self._classes[name]

    def names(self) -> list[str]:
        discover()
        return sorted(self._classes)


_REGISTRIES: list["Registry"] = []


def registries() -> list["Registry"]:
    """Every registry of units (operations, checks, and those extension packages add), all filled."""
    discover()
    return list(_REGISTRIES)


OPERATIONS: Registry[Operation] = Registry("operation")
CHECKS: Registry[Check] = Registry("check")
register_operation = OPERATIONS.register
register_check = CHECKS.register
