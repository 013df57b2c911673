"""The house rules of the package layout, checked on the source tree itself.

- no import circle between modules, type-only imports included, and no import hidden inside a function;
- the core (everything but the playbook packages ``consolidation`` and ``ingress`` and the
  ``example`` fixture) names Kong, Traefik or the consolidation only in docstrings and comments;
- every package says what it is in its ``__init__`` docstring; no module over ~400 lines, but the
  example's file texts (one concept each);
- pyproject's package list names every package of the source tree.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "migrate"
PLAYBOOK_PACKAGES = ("consolidation", "ingress", "moves", "namespaces")
NAMES = re.compile(r"kong|traefik|konghq|consolidat", re.IGNORECASE)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The modules of the package that module ``name`` imports (``from . import x`` names module x)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            for alias in node.names:
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_no_import_circles():
    graph = nx.DiGraph((name, other) for name, path in MODULES.items() for other in imported(name, path))
    cycles = sorted(" -> ".join(c) for c in nx.simple_cycles(graph))
    assert cycles == []


def test_no_import_inside_a_function():
    hidden = [f"{path.relative_to(ROOT)}:{sub.lineno}" for path in MODULES.values()
              for fn in ast.walk(ast.parse(path.read_text())) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
              for sub in ast.walk(fn) if isinstance(sub, (ast.Import, ast.ImportFrom))]
    assert hidden == []


def _code_mentions(path: Path) -> list[str]:
    """Names and strings of a module that mention a playbook package's subject (docstrings, comments aside)."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = [f"{path.relative_to(ROOT)}:{n.lineno}: {n.value!r}" for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
             and NAMES.search(n.value)]
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    found += [f"{path.relative_to(ROOT)}:{t.start[0]}: {t.string}" for t in tokens
              if t.type == tokenize.NAME and NAMES.search(t.string)]
    return found


def test_the_core_does_not_know_the_playbook_packages_subjects():
    core = [p for name, p in MODULES.items()
            if name.split(".")[1:2] not in ([pkg] for pkg in (*PLAYBOOK_PACKAGES, "example"))]
    assert [m for path in core for m in _code_mentions(path)] == []


def test_every_package_says_what_it_is_and_modules_stay_small():
    for path in PACKAGE.rglob("__init__.py"):
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} has no docstring"
    big = [f"{name} ({len(path.read_text().splitlines())} lines)" for name, path in MODULES.items()
           if len(path.read_text().splitlines()) > 410 and not name.startswith("migrate.example.texts_")
           and name != "migrate.example.story"]
    assert big == []


def test_pyproject_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {module_name(p) for p in PACKAGE.rglob("__init__.py")} | {"migrate.playbooks"}
    assert listed == packages
