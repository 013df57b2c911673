"""Test helper for operations: state before/after pairs, like LibCST's ``CodemodTest``.

    from migrate.testing import assert_operation

    def test_set_tag():
        assert_operation("set-value", {"v.yaml": "tag: '1'\\n"}, {"v.yaml": "tag: '2'\\n"},
                         file="v.yaml", key="tag", value="2")

``before`` holds the files of an in-memory repository; ``after`` names every file the
operation must change (new text, or None for a deleted file); every other file must stay
byte-identical. The helper also checks what the engine checks: the changed paths were
declared and every changed YAML file parses. It returns the StepResult.

A check is tested the same way: ``assert_check("unchanged", before, after, ["changed, but"],
paths=["bootstrap"])`` states the files before the run, the files a step changed, and the
findings expected (``[]``: the check holds).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

from .engine.verify import check_declared, check_parses
from .playbook import CHECKS, OPERATIONS, Check, Context, Finding, Operation, StepResult
from .repo.diffs import diff_files
from .repo.tracked import Tree


def run_operation(operation: str | type[Operation], files: Mapping[str, str], *,
                  params: Mapping[str, Any] | None = None, **options: Any) -> tuple[StepResult, Tree]:
    """Apply ``operation`` (name or class) with ``options`` to an in-memory tree of ``files``;
    the result and the tree after it (declared paths and YAML validity verified)."""
    cls = OPERATIONS.get(operation) if isinstance(operation, str) else operation
    tree = Tree.from_files(files)
    ctx = Context.for_tree(tree, params=dict(params or {})).at(tree, options=cls.bind(options))
    result = cls().prepare(ctx)
    after = tree.with_changes(result.changes)
    check_declared(result.declared, result.changes)
    check_parses(after, result.changes)
    return result, after


def assert_operation(operation: str | type[Operation], before: Mapping[str, str],
                     after: Mapping[str, str | None], *, params: Mapping[str, Any] | None = None,
                     **options: Any) -> StepResult:
    """Apply ``operation`` to ``before`` and assert the files equal ``after`` (see module doc)."""
    result, tree = run_operation(operation, before, params=params, **options)
    expected = {**before, **after}
    actual = {p: tree.read_text(p) for p in tree.paths()}
    expected = {p: t for p, t in expected.items() if t is not None}
    if actual != expected:
        raise AssertionError("the operation's result differs from the expected files "
                             "(diff from expected to actual):\n" + diff_files(expected, actual))
    return result


def make_repo(path: Path | str, files: Mapping[str, str] | Path | str, message: str = "initial") -> Path:
    """A git repository at ``path`` (branch ``main``) whose first commit holds ``files``
    (path -> text, or a folder to copy). Uses the caller's git identity (GIT_AUTHOR_* etc.)."""
    path = Path(path)
    if isinstance(files, (str, Path)):
        shutil.copytree(files, path)
    else:
        for name, text in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(text.encode("utf-8"))
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *command], cwd=path, check=True, capture_output=True)
    return path


def check_findings(check: str | type[Check], before: Mapping[str, str], after: Mapping[str, str | None], *,
                   params: Mapping[str, Any] | None = None, **options: Any) -> list[Finding]:
    """What check ``check`` (name or class) with ``options`` finds on the files ``after`` (the state
    after a step: ``before`` with these files replaced, None = deleted), ``before`` being the
    repository before the run."""
    cls = CHECKS.get(check) if isinstance(check, str) else check
    origin = Tree.from_files(before)
    tree = origin.with_changes(after)
    ctx = Context.for_tree(origin, params=dict(params or {})).at(tree, options=cls.bind(options))
    return list(cls().check(ctx))


def assert_check(check: str | type[Check], before: Mapping[str, str], after: Mapping[str, str | None],
                 expected: list[str], *, params: Mapping[str, Any] | None = None, **options: Any) -> list[Finding]:
    """Run ``check`` on before/after (see ``check_findings``) and assert its findings: one per entry
    of ``expected``, each message containing that text, in order (``[]``: the check holds)."""
    found = check_findings(check, before, after, params=params, **options)
    messages = [f.message for f in found]
    if len(messages) != len(expected) or any(want not in got for want, got in zip(expected, messages)):
        raise AssertionError(f"check {getattr(check, 'name', check)} found {messages}, expected {expected}")
    return found
