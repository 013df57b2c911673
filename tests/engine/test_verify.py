"""Verification of a planned step: the declared-paths check can fail (an operation's claim is checked)."""

from __future__ import annotations

import pytest

from migrate.engine.verify import check_declared
from migrate.errors import VerificationError
from migrate.playbook import Context, Operation, Option, StepResult, register_operation
from migrate.testing import run_operation


@register_operation
class WriteBeside(Operation):
    """A faulty operation: declares the file it was asked for, but writes the one beside it too."""

    name = "test-write-beside"
    description = "Write a file, and (wrongly) another one beside it."
    options = {"path": Option("Where.", required=True)}

    def prepare(self, ctx: Context) -> StepResult:
        path = ctx.options["path"]
        return StepResult({path: "a: 1\n", path + ".bak": "a: 0\n"}, f"Write {path}", declared={path})


def test_a_change_outside_the_declared_paths_fails_the_step():
    with pytest.raises(VerificationError) as info:
        run_operation(WriteBeside, {"x.yaml": "a: 0\n"}, path="x.yaml")
    assert info.value.check == "declared-paths" and info.value.path == "x.yaml.bak"
    assert "declared: x.yaml" in str(info.value)


def test_a_folder_prefix_declares_everything_below_it():
    check_declared({"apps"}, {"apps/x.yaml": "", "apps/deep/y.yaml": None})
    with pytest.raises(VerificationError, match="declared: apps"):
        check_declared({"apps"}, {"apps2/x.yaml": ""})
