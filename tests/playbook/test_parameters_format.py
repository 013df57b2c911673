"""Parameter formats (``format:`` in a playbook): what becomes a Kubernetes name or a repository path is
checked before planning, so a hostile ``--set`` never reaches a file or a commit."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.errors import UsageError
from migrate.playbook.parameters import Parameter


@pytest.mark.parametrize("value", ["x; rm -rf /", "../../evil", "Lumie", "-x", "a" * 64, "a.b"])
def test_a_kubernetes_name_parameter_refuses_what_is_not_a_dns_1123_label(value):
    with pytest.raises(UsageError, match="is not a Kubernetes name"):
        Parameter("target", "d", "lumie-backend", format="k8s-name").convert(value)


def test_every_item_of_a_list_is_checked_and_empty_strings_pass():
    names = Parameter("services", "d", ["a"], format="k8s-name")
    assert names.convert("a,b-2") == ["a", "b-2"]
    with pytest.raises(UsageError, match="'B' is not a Kubernetes name"):
        names.convert("a,B")
    assert Parameter("namespace", "d", "", format="k8s-name").convert("") == ""


@pytest.mark.parametrize("value", [".git/hooks", "/etc", "../outside", "a/../../b", "apps/.git"])
def test_a_repo_path_parameter_stays_in_the_work_tree_and_out_of_git(value):
    with pytest.raises(UsageError, match="is not a folder inside the repository's work tree"):
        Parameter("folder", "d", "apps", format="repo-path").convert(value)
    assert Parameter("folder", "d", "apps", format="repo-path").convert("apps/backend") == "apps/backend"


def test_the_shipped_playbook_refuses_a_hostile_target_before_planning(example_repo):
    result = CliRunner().invoke(main, ["plan", "consolidate-backend", "--repo", str(example_repo),
                                       "--set", "target=x; rm -rf /"])
    assert result.exit_code == 2
    assert "parameter 'target': 'x; rm -rf /' is not a Kubernetes name" in result.output
