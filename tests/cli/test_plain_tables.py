"""Tables printed to a pipe: laid out straight from the widths, exactly as rich lays them out (but for
rich turning a ``:name:`` in a cell into an emoji, which they never do)."""

from __future__ import annotations

import random
import string

import click
import pytest
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrate import console


def rich_layout(title: str, columns: list[str], rows: list[list]) -> str:
    table = Table(*columns, title=title, title_justify="left", box=None)
    for row in rows:
        table.add_row(*("" if cell is None else escape(str(cell)) for cell in row))
    out = Console(highlight=False, no_color=True, width=200)
    with out.capture() as captured:
        out.print(table)
    return "\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n"


def cell(rng: random.Random):
    return rng.choice([None, rng.randint(0, 10 ** rng.randint(0, 6)), "".join(
        rng.choices(string.ascii_letters + " -/[]", k=rng.randint(0, 30))), "릴리스 2026.09 이미지"])


@pytest.mark.parametrize("seed", range(40))
def test_a_plain_table_is_laid_out_as_rich_lays_it_out(seed, capsys):
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    columns = [rng.choice(["app", "commits", "last change", "tag bumps", "상태"]) for _ in range(n)]
    rows = [[cell(rng) for _ in range(n)] for _ in range(rng.randint(0, 8))]
    console.print_table("applications (3), 12 commits", columns, rows)
    # as before: the lines, then a blank one
    assert capsys.readouterr().out == rich_layout("applications (3), 12 commits", columns, rows) + "\n"


def test_a_table_rich_must_wrap_is_left_to_rich(monkeypatch):
    printed = []
    monkeypatch.setattr(click, "echo", lambda text="", **_: printed.append(text))
    assert not console._aligned("t", ["a", "b"], [["x" * 150, "y" * 60]])
    assert not console._aligned("t", ["a"], [["two\nlines"]])
    assert console._aligned("t", ["a", "b"], [["x" * 100, "y" * 60]]) and printed


def test_a_piped_table_never_wraps_a_row(capsys):
    """A pipe has no width: each row stays one line, however wide (``grep`` finds it whole)."""
    console.print_table("wide", ["app", "authors"], [["web", "x" * 300], ["api", "y"]])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "wide" and len(lines) == 5 and lines[2].split() == ["web", "x" * 300]
