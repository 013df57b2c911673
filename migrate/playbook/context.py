"""The context an operation or a check works in: one frozen object, passed in, no globals.

``Context`` holds the repository, the tree before this step (``tree``), the tree before the
run (``origin``), the playbook's parameters, the step's bound options and a ``Report``
collector. Inventory, graph and history are built lazily and cached per tree in a shared
``Analyses`` object (building them is the costly part of a run), so every step and check
of a run reuses what an earlier one built for the same tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import MigrateError
from ..graph import DepGraph, build_graph
from ..inventory import Inventory
from ..repo.history import History, load_history
from ..repo.tracked import Tree


@dataclass(frozen=True)
class ReportEntry:
    """One line of the risk report: ``kind`` (e.g. ``dropped-reference``, ``pre-existing``,
    ``conflict``, ``rule``, ``loss``, ``note``), a message, and where it comes from. A loss names
    what is lost (``subject``, the name to accept it by) and whether the user ``accepted`` it."""

    kind: str
    message: str
    path: str | None = None
    line: int | None = None
    subject: str | None = None
    accepted: bool | None = None

    def location(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or ""

    def __str__(self) -> str:
        where = self.location()
        return f"[{self.kind}] {where + ': ' if where else ''}{self.message}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "path": self.path, "line": self.line,
                "subject": self.subject, "accepted": self.accepted}


class Report:
    """Collects report entries while an operation runs (helpers add to it without threading)."""

    def __init__(self) -> None:
        self.entries: list[ReportEntry] = []

    def add(self, kind: str, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.entries.append(ReportEntry(kind, message, path, line))


class Analyses:
    """Inventory and graph per Tree (by identity), and the repository history, built once."""

    def __init__(self, repo: Path | None = None) -> None:
        self.repo = repo
        self._inventories: dict[int, tuple[Tree, Any]] = {}
        self._graphs: dict[int, tuple[Tree, Any]] = {}
        self._history: History | None = None
        self._shared: dict[tuple, Any] = {}

    def inventory(self, tree: Tree) -> Inventory:
        return self._cached(self._inventories, tree, lambda: Inventory.load(tree))

    def graph(self, tree: Tree) -> DepGraph:
        return self._cached(self._graphs, tree, lambda: build_graph(self.inventory(tree)))

    def forget(self, tree: Tree) -> None:
        """Drop what was built for ``tree`` (a state a run has moved past: its memory is freed by
        reference counting, so a run holds the origin and the states of one step, not every state)."""
        self._inventories.pop(id(tree), None)
        _, graph = self._graphs.pop(id(tree), (None, None))
        if graph is not None:
            graph.g.clear()   # networkx keeps views of a graph inside it: a cycle only the collector (off) frees

    def history(self, tree: Tree) -> History:
        """The git history of HEAD, attributed to the applications of ``tree``."""
        if self.repo is None:
            raise MigrateError("this operation reads the git history: it needs a repository, not files")
        if self._history is None:
            self._history = load_history(self.repo, self.inventory(tree).applications)
        return self._history

    def shared(self, key: tuple, build: Callable[[], Any]) -> Any:
        """Scratch space shared by every step and check of a run: ``build()`` once per ``key``
        (a consolidation's selection, say, which every check of the playbook asks for again)."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    @staticmethod
    def _cached(table: dict, tree: Tree, build):
        if id(tree) not in table:
            table[id(tree)] = (tree, build())
        return table[id(tree)][1]


@dataclass(frozen=True)
class Context:
    """What one step (or check) sees. ``tree``: the state it works on (for a check, the state
    after the step); ``origin``: the state before the run; ``options``: the bound options."""

    tree: Tree
    origin: Tree
    repo: Path | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    playbook: str = ""
    step: str = ""
    report: Report = field(default_factory=Report)
    analyses: Analyses = field(default_factory=Analyses)

    @classmethod
    def for_tree(cls, tree: Tree, **fields) -> "Context":
        """A context whose origin is ``tree`` itself (the first step of a run, tests)."""
        return cls(tree=tree, origin=tree, analyses=Analyses(fields.get("repo")), **fields)

    def at(self, tree: Tree, **fields) -> "Context":
        """The same run seen at another tree (next step, after-step checks), with a fresh report."""
        return dataclasses.replace(self, tree=tree, report=Report(), **fields)

    @property
    def inventory(self) -> Inventory:
        return self.analyses.inventory(self.tree)

    @property
    def graph(self) -> DepGraph:
        return self.analyses.graph(self.tree)

    @property
    def origin_inventory(self) -> Inventory:
        return self.analyses.inventory(self.origin)

    @property
    def origin_graph(self) -> DepGraph:
        return self.analyses.graph(self.origin)

    @property
    def history(self) -> History:
        """The repository's history (of HEAD), with applications as the run found them."""
        return self.analyses.history(self.origin)
