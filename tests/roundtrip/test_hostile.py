"""Hostile input is bounded: an alias bomb of any depth is refused after a linear count, a file over the
size limit is not read — each a YamlError naming the file (a blind spot, never a hang or a traceback)."""

from __future__ import annotations

import pytest

from migrate.errors import YamlError
from migrate.repo.doctor import ERROR, doctor
from migrate.repo.tracked import Tree
from migrate.roundtrip import load
from migrate.roundtrip.document import expanded_size
from migrate.testing import make_repo


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join(f"*a{n - 1}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_naming_the_file(tmp_path):
    repo = make_repo(tmp_path / "repo", {"values.yaml": alias_bomb(9), "ok.yaml": "a: 1\n"})
    tree = Tree.from_repo(repo)
    with pytest.raises(YamlError, match=r"values.yaml:1: its aliases expand to more than 1,000,000 nodes"):
        load(tree, "values.yaml")
    report = doctor(tree)
    assert [f.path for f in report.having(ERROR)] == ["values.yaml"]


def test_aliases_are_counted_once_each_so_the_count_is_linear():
    from ruamel.yaml import YAML
    doc = YAML().load(alias_bomb(30))      # 9**30 nodes expanded: counted without expanding
    assert expanded_size(doc, 10**6) > 10**6
    assert expanded_size(YAML().load("a: &x [1, 2]\nb: *x\n"), 10**6) == 1 + 1 + 3 + 1 + 3


def test_a_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo", {"big.yaml": "a: " + "x" * 2000 + "\n"})
    monkeypatch.setenv("MIGRATE_MAX_FILE_BYTES", "1000")
    with pytest.raises(YamlError, match=r"big.yaml: larger than 1,000 bytes \(MIGRATE_MAX_FILE_BYTES\)"):
        load(Tree.from_repo(repo), "big.yaml")
