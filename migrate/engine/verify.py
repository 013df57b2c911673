"""Verification of one planned step, before anything is written.

Each check either passes or raises ``VerificationError(check, message, path=, line=)``
naming the check, the file and the value. In order:

- ``yaml-parses``: every changed YAML file (except Helm templates) parses again;
- ``declared-paths``: the step changed only paths (or folders) its operation declared;
- ``no-new-dangling``: the graph after the step has no dangling or suspect reference of a
  synced app that was not already there before the run (compared by ``Reference.key``);
  references that disappeared are reported as fixed, old ones as pre-existing;
- intent checks: the playbook's named checks and the operation's own;
- ``snapshot``: where approved snapshots exist, the step's (redacted) diff equals its file.
"""

from __future__ import annotations

from pathlib import Path
from collections import Counter
from typing import Iterable, Mapping

from yamllint.config import YamlLintConfig
from yamllint.linter import run as yamllint_run

from ..errors import VerificationError, YamlError
from ..graph import UNSYNCED
from ..playbook import Context, IntentCheck
from ..repo.diffs import renames
from ..repo.files import is_helm_template
from ..repo.paths import normpath
from ..repo.tracked import Tree
from ..roundtrip import YamlFile, is_yaml_path
from .records import GraphChanges
from .report import snapshot_name
from .snapshots import approved_diff


def check_parses(after: Tree, changes: Mapping[str, str | None]) -> None:
    for path, text in sorted(changes.items()):
        if text is None or not is_yaml_path(path) or is_helm_template(path, after):
            continue
        try:
            YamlFile.parse(text, path=path, root=after.root)
        except YamlError as exc:
            raise VerificationError("yaml-parses", f"the edited file no longer parses: {exc.args[0]}",
                                    path=path, line=exc.line) from None


def covered(path: str, declared: Iterable[str]) -> bool:
    """Is ``path`` one of ``declared`` or below one of them (folder prefixes)?"""
    for entry in declared:
        prefix = normpath(entry)
        if prefix == "" or path == prefix or path.startswith(prefix + "/"):
            return True
    return False


def check_declared(declared: set[str], changes: Mapping[str, str | None]) -> None:
    for path in sorted(changes):
        if not covered(path, declared):
            raise VerificationError("declared-paths", f"the step changed a path it did not declare "
                                    f"(declared: {', '.join(sorted(declared)) or 'nothing'})", path=path)


YAMLLINT_CONFIGS = (".yamllint", ".yamllint.yaml", ".yamllint.yml")


def check_yamllint(before: Tree, after: Tree, changes: Mapping[str, str | None]) -> None:
    """When the repository has a yamllint config, a step adds no yamllint problem to a file it edits
    (problems the file already had, or the file it was moved from, are not the step's: compared by rule
    and message)."""
    config_path = next((p for p in YAMLLINT_CONFIGS if after.exists(p)), None)
    if config_path is None:
        return
    try:
        config = YamlLintConfig(after.read_text(config_path))
    except Exception as exc:  # noqa: BLE001  (yamllint's own config errors)
        raise VerificationError("yamllint", f"the yamllint config does not load: {exc}", path=config_path) from None
    gone = {p: before.read_text(p) for p, t in changes.items() if t is None and before.exists(p) and is_yaml_path(p)}
    moved = renames({**gone, **{p: None for p in changes if p not in gone}},
                    {**dict.fromkeys(gone), **{p: t for p, t in changes.items() if t is not None and not before.exists(p)}})
    for path, text in sorted(changes.items()):
        if text is None or not is_yaml_path(path) or is_helm_template(path, after) or config.is_file_ignored(path):
            continue
        was = moved.get(path, path)      # a moved file is compared with the file it was
        old = Counter((p.rule, p.message) for p in _lint(before.read_text(was), config, was)) \
            if before.exists(was) else Counter()
        for problem in _lint(text, config, path):
            key = (problem.rule, problem.message)
            if old[key]:
                old[key] -= 1
                continue
            shown = problem.message if problem.message.endswith(f"({problem.rule})") else \
                f"{problem.message} ({problem.rule})"
            raise VerificationError("yamllint", f"the edit adds a yamllint problem: {shown}", path=path,
                                    line=problem.line)


def _lint(text: str, config, path: str) -> list:
    return [p for p in yamllint_run(text, config, path) if p.level == "error" or p.level == "warning"]


def graph_changes(origin: Iterable, before: Iterable, after: Iterable,
                  carries: Mapping[str, str] | None = None) -> GraphChanges:
    """Compare the graph problems (References) before the run, before and after the step, by ``.key``;
    an origin problem of a node the run moved (``carries``: node -> node) is carried by where it went."""
    origin = list(origin)
    origin_keys = {r.key for r in origin}
    moved = {(r.kind, r.edge, carries[r.source], r.target) for r in origin if carries and r.source in carries}
    after = sorted(after, key=lambda r: r.key)
    after_keys = {r.key for r in after}
    return GraphChanges(
        new=tuple(r for r in after if r.key not in origin_keys and r.key not in moved),
        fixed=tuple(sorted((r for r in before if r.key not in after_keys), key=lambda r: r.key)),
        pre_existing=tuple(r for r in after if r.key in origin_keys),
        carried=tuple(r for r in after if r.key not in origin_keys and r.key in moved),
    )


def check_graph(changes: GraphChanges) -> None:
    """No new synced problem after a step. A reference to a service nothing syncs any more may
    live between steps (consumers are rewritten after the sources are unregistered):
    ``check_run_end`` makes sure none is left when the run ends."""
    _refuse_references([r for r in changes.new if r.synced and r.kind != UNSYNCED],
                       lambda ref: f"the step leaves a new {ref.kind} reference {ref.source} -> {ref.target}")


def check_run_end(pre_existing: Iterable, final: Iterable) -> None:
    """No synced reference to a service nothing syncs is left after the last step: it would be
    a dead URL once Argo CD prunes the service."""
    before = {r.key for r in pre_existing}
    _refuse_references([r for r in final if r.kind == UNSYNCED and r.synced and r.key not in before],
                       lambda ref: f"after the run, {ref.source} still refers to {ref.target}, which nothing "
                                   "syncs any more")


def _refuse_references(refs: list, what) -> None:
    if refs:
        ref = refs[0]
        more = f" (and {len(refs) - 1} more)" if len(refs) > 1 else ""
        raise VerificationError("no-new-dangling", f"{what(ref)}: {ref.reason}{more}", path=ref.file, line=ref.line)


def check_intents(after: Context, checks: Iterable[IntentCheck]) -> list[str]:
    """Run intent checks on the after-step context; the names of those that passed."""
    passed = []
    for check in checks:
        findings = list(check.test(after))
        if findings:
            first = findings[0]
            more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
            raise VerificationError(check.name, first.message + more, path=first.path, line=first.line,
                                    settings=first.settings)
        passed.append(check.name)
    return passed


def check_snapshot(folder: Path, index: int, step: str, display_diff: str) -> None:
    """The approved ``NN-<step>.diff`` in ``folder`` must equal the step's displayed diff."""
    approved = approved_diff(folder, index, step)
    name = snapshot_name(index, step)
    if approved is None:
        raise VerificationError("snapshot", f"no approved snapshot {name} in {folder} "
                                "(regenerate with --dry-run --update-snapshots)", path=str(folder / name))
    if approved != display_diff:
        line = _first_differing_line(approved, display_diff)
        raise VerificationError("snapshot", "the step's diff differs from the approved snapshot "
                                "(review it with --dry-run; approve with --update-snapshots)",
                                path=str(folder / name), line=line)


def _first_differing_line(a: str, b: str) -> int:
    a_lines, b_lines = a.splitlines(keepends=True), b.splitlines(keepends=True)
    for number, (x, y) in enumerate(zip(a_lines, b_lines), start=1):
        if x != y:
            return number
    return min(len(a_lines), len(b_lines)) + 1
