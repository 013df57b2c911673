"""The playbook format: parsing, validation with file:line, parameters, ${...}, the loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.errors import UsageError
from migrate.playbook import library as playbook_module
from migrate.playbook import (
    list_playbooks,
    load_playbook,
    parse_assignments,
    parse_playbook,
    playbook_names,
    substitute,
)

DATA = Path(__file__).parents[1] / "data" / "playbooks"
GOOD = """\
name: demo
description: A demo.
parameters:
  services: {description: Apps, default: [a, b], example: [x]}
  prune: {description: Remove folders, default: true}
  replicas: {description: Count, default: 2}
  target: {description: Target, default: backend}
steps:
  - name: one
    operation: remove-paths
    description: Remove them.
    with: {paths: ["apps/${target}"], enabled: "${prune}"}
    checks: [unchanged-placeholder]
checks:
  - check: unchanged
    with: {paths: [bootstrap]}
"""


def parse(text: str):
    return parse_playbook(text, "pb.yaml")


def usage_error(text: str) -> UsageError:
    with pytest.raises(UsageError) as info:
        parse(text)
    assert info.value.exit_code == 2 and info.value.path == "pb.yaml"
    return info.value


def test_a_valid_playbook_parses_with_typed_parameters():
    book = parse(GOOD.replace("    checks: [unchanged-placeholder]\n", ""))
    assert book.name == "demo" and [s.name for s in book.steps] == ["one"]
    assert {n: p.type_name for n, p in book.parameters.items()} == {
        "services": "list", "prune": "bool", "replicas": "int", "target": "str"}
    assert book.steps[0].options == {"paths": ["apps/${target}"], "enabled": "${prune}"}
    assert book.checks[0].check == "unchanged" and book.checks[0].line == 14
    assert book.to_dict()["parameters"][0] == {"name": "services", "type": "list", "description": "Apps",
                                               "default": ["a", "b"], "example": ["x"]}


def test_unknown_check_is_reported_with_its_line():
    error = usage_error(GOOD)
    assert error.line == 13 and "unknown check 'unchanged-placeholder'" in str(error)
    assert "not-synced" in str(error)


@pytest.mark.parametrize("old, new, line, message", [
    ("operation: remove-paths", "operation: nope", 10, "unknown operation 'nope' (known: "),
    ("enabled: \"${prune}\"", "enabled: \"${prune}\", nope: 1", 10, "has no option 'nope'"),
    ("enabled: \"${prune}\"", "enabled: \"${nothere}\"", 10, "unknown parameter ${nothere}"),
    ("enabled: \"${prune}\"", "enabled: \"${target}\"", 10, "expects true or false"),
    ("  - name: one\n", "  - name: One Two\n", 9, "step name 'One Two'"),
    ("name: demo\n", "name: demo\nextra: 1\n", 2, "unknown key 'extra'"),
    ("  replicas: {description: Count, default: 2}\n", "  replicas: {description: Count}\n", 6,
     "needs a default"),
    ("steps:\n", "steps: []\nold_steps:\n", 9, "unknown key 'old_steps'"),
    ("description: A demo.\n", "description: A demo.\n  bad: [\n", 3, "malformed playbook"),
])
def test_malformed_playbooks_name_file_and_line(old, new, line, message):
    error = usage_error(GOOD.replace("    checks: [unchanged-placeholder]\n", "").replace(old, new, 1))
    assert message in str(error)
    assert error.line == line


def test_duplicate_step_names_are_refused():
    text = GOOD.replace("    checks: [unchanged-placeholder]\n", "")
    steps = text.split("steps:\n")[1].split("checks:")[0]
    error = usage_error(text.replace(steps, steps + steps))
    assert "must be unique" in str(error) and error.line == 13


def test_resolve_parameters_from_set_strings_and_typed_values():
    book = parse(GOOD.replace("    checks: [unchanged-placeholder]\n", ""))
    assert book.resolve() == {"services": ["a", "b"], "prune": True, "replicas": 2, "target": "backend"}
    values = book.resolve(parse_assignments(["services=x, y,,z", "prune=false", "replicas=5", "target=a=b"]))
    assert values == {"services": ["x", "y", "z"], "prune": False, "replicas": 5, "target": "a=b"}
    assert book.resolve({"services": ("q",), "prune": False})["services"] == ["q"]


@pytest.mark.parametrize("given, message", [
    ({"prune": "maybe"}, "parameter 'prune' expects true or false, got 'maybe'"),
    ({"replicas": "many"}, "parameter 'replicas' expects an integer"),
    ({"replicas": True}, "parameter 'replicas' expects int"),
    ({"services": [1]}, "parameter 'services' expects list"),
    ({"nope": "1"}, "has no parameter 'nope' (parameters: services, prune, replicas, target)"),
])
def test_bad_parameters_are_usage_errors(given, message):
    book = parse(GOOD.replace("    checks: [unchanged-placeholder]\n", ""))
    with pytest.raises(UsageError) as info:
        book.resolve(given)
    assert message in str(info.value)


def test_set_needs_key_value():
    with pytest.raises(UsageError, match="key=value"):
        parse_assignments(["prune"])


def test_substitution_whole_string_is_typed_inside_a_string_interpolates():
    params = {"services": ["a", "b"], "prune": False, "n": 3, "name": "x"}
    assert substitute("${services}", params) == ["a", "b"]
    assert substitute("${prune}", params) is False
    assert substitute({"k": ["${n}", "apps/${name}/${n}", "${services}+${prune}"]}, params) == {
        "k": [3, "apps/x/3", "a,b+false"]}
    assert substitute("literal $${name} and ${name}", params) == "literal ${name} and x"
    with pytest.raises(UsageError, match=r"unknown parameter \$\{other\}"):
        substitute("${other}", params, path="p.yaml", line=4)


def test_loader_finds_repo_playbooks_and_lists_known_names(tmp_path):
    folder = tmp_path / ".migrate" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "retire-api.yaml").write_text((DATA / "retire-api.yaml").read_text())
    book = load_playbook("retire-api", tmp_path)
    assert book.source == ".migrate/playbooks/retire-api.yaml" and not book.shipped
    assert "retire-api" in playbook_names(tmp_path)
    assert [b.name for b in list_playbooks(tmp_path) if not b.shipped] == ["retire-api"]
    with pytest.raises(UsageError) as info:
        load_playbook("nope", tmp_path)
    assert "unknown playbook 'nope' (known: " in str(info.value) and "retire-api" in str(info.value)


def test_playbook_name_must_match_its_file(tmp_path):
    folder = tmp_path / ".migrate" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "other.yaml").write_text((DATA / "retire-api.yaml").read_text())
    with pytest.raises(UsageError, match="named 'retire-api'; its file must be retire-api.yaml"):
        load_playbook("other", tmp_path)


def test_repo_playbook_shadows_a_shipped_one_only_when_asked_and_the_plan_says_so(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "retire-api.yaml").write_text((DATA / "retire-api.yaml").read_text())
    monkeypatch.setattr(playbook_module, "_shipped", lambda: {"retire-api": shipped / "retire-api.yaml"})
    assert load_playbook("retire-api", tmp_path).shipped
    repo_folder = tmp_path / "repo" / ".migrate" / "playbooks"
    repo_folder.mkdir(parents=True)
    (repo_folder / "retire-api.yaml").write_text((DATA / "retire-api.yaml").read_text().replace(
        "description: Point web", "description: Repo copy. Point web"))
    with pytest.raises(UsageError, match=r"\.migrate/playbooks/retire-api.yaml has the name of a shipped playbook: "
                                         r"pass --allow-shadowing"):
        load_playbook("retire-api", tmp_path / "repo")
    book = load_playbook("retire-api", tmp_path / "repo", allow_shadowing=True)
    assert not book.shipped and book.description.startswith("Repo copy.") and book.shadows
    assert book.origin == ("`.migrate/playbooks/retire-api.yaml` (this repository's own, **shadowing the shipped "
                           "playbook of that name**)")
    assert load_playbook("retire-api", tmp_path).origin.endswith("(shipped with migrate 0.1.0)")


def test_shipped_playbooks_all_load():
    """Every playbook shipped in the package (top-level playbooks/) is valid."""
    for name in playbook_names():
        assert load_playbook(name).shipped
