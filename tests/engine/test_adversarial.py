"""The engine's safety promises under hostile input: Secret values in odd YAML layouts,
parameters that feed a Secret, tracked symbolic links leaving the repository, options of
the wrong type in a repository's own playbook. Real git repositories in tmp folders."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import main
from migrate.repo.redact import redact_pair
from migrate.testing import make_repo

DATA = Path(__file__).parents[1] / "data"
TOP = "TOPSECRET"


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def _repo(tmp_path: Path, extra: dict[str, str]) -> Path:
    return make_repo(tmp_path / "repo", {**_files(DATA / "engine-repo"), **extra})


def _state(repo: Path) -> tuple:
    run = lambda *a: subprocess.run(["git", *a], cwd=repo, capture_output=True, text=True).stdout  # noqa: E731
    return run("rev-parse", "HEAD"), run("diff", "--cached"), run("status", "--porcelain", "--ignored")


# --- redaction ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    # an anchor (or tag) on the section line: the entries below it are values too
    f"kind: Secret\nstringData: &creds\n  password: {TOP}\n",
    f"kind: Secret\ndata: !!map\n  password: {TOP}\n",
    # a comment at column 0 between two entries does not end the section
    f"kind: Secret\nstringData:\n  user: admin\n# the password\n  password: {TOP}\n",
    # a flow mapping over several lines
    f"kind: Secret\nstringData: {{user: admin,\n  password: {TOP}}}\ntype: Opaque\n",
    # a whole document in flow style, and JSON-style quoted keys
    f"{{kind: Secret, metadata: {{name: x}}, stringData: {{password: {TOP}}}}}\n",
    f'"kind": "Secret"\n"stringData":\n  "password": {TOP}\n',
    # a complex key
    f"kind: Secret\nstringData:\n  ? password\n  : {TOP}\n",
    # a commented-out old value inside the section
    f"kind: Secret\nstringData:\n  user: admin\n  # password: {TOP}\n",
])
def test_secret_values_never_survive_redaction_whatever_the_layout(text):
    for before, after in (redact_pair(text, text), redact_pair(None, text),
                          redact_pair(text, text.replace(TOP, "NEWVALUE"))):
        shown = (before or "") + after
        assert TOP not in shown and "NEWVALUE" not in shown
        assert after.count("\n") == text.count("\n")  # line numbers kept


def test_redaction_keeps_non_secret_lines_readable():
    text = f"kind: Secret\nmetadata:\n  name: db\nstringData: &creds\n  password: {TOP}\ntype: Opaque\n"
    _, after = redact_pair(text, text.replace(TOP, "NEWVALUE"))
    assert "  name: db\n" in after and "type: Opaque\n" in after
    assert "<redacted: changed>" in after


PLAYBOOK_SECRET = """\
name: rotate
description: Set the api database password.
parameters:
  password: {description: The new password, default: changeme-default}
steps:
  - name: set-password
    operation: set-value
    with: {file: apps/api/secret.yaml, key: stringData.password, value: "${password}"}
    objects: [{change: changed, kind: Secret, name: api-db, fields: stringData.password}]
"""


def test_a_parameter_that_becomes_a_secret_value_is_redacted_everywhere(tmp_path):
    repo = _repo(tmp_path, {".migrate/playbooks/rotate.yaml": PLAYBOOK_SECRET})
    secret = "n3w-Passw0rd-value"
    runner = CliRunner()
    outputs = [runner.invoke(main, ["plan", "rotate", "--repo", str(repo), "--set", f"password={secret}",
                                    *extra]).output
               for extra in ([], ["--json"], ["--snapshot-dir", str(tmp_path / "snap")])]
    outputs.append((tmp_path / "snap" / "report.md").read_text())
    applied = runner.invoke(main, ["run", "rotate", "--repo", str(repo), "--yes", "--json",
                                   "--set", f"password={secret}"])
    assert applied.exit_code == 0, applied.output
    outputs.append(applied.output)
    outputs.append(subprocess.run(["git", "log", "--format=%B"], cwd=repo, capture_output=True,
                                  text=True).stdout)
    for out in outputs:
        assert secret not in out
    plan = json.loads(applied.output)["plan"]
    assert plan["params"]["password"] == "<redacted>"
    assert secret in (repo / "apps/api/secret.yaml").read_text()  # the file itself has it, of course


# --- paths leaving the repository ------------------------------------------------------------------
PLAYBOOK_LINK = """\
name: through-link
description: Edit a file that is a symbolic link.
parameters: {}
steps:
  - name: edit
    operation: set-value
    with: {file: apps/web/outside.yaml, key: data.leaked, value: changed}
"""


def test_a_tracked_symbolic_link_to_a_file_outside_is_never_read(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"kind: ConfigMap\ndata:\n  leaked: {TOP}\n")
    repo = _repo(tmp_path, {".migrate/playbooks/through-link.yaml": PLAYBOOK_LINK})
    (repo / "apps/web/outside.yaml").symlink_to(outside)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "a link leaving the repository"], cwd=repo, check=True)
    before = _state(repo)
    for args in (["plan", "through-link"], ["plan", "through-link", "--json"], ["run", "through-link", "-y"]):
        result = CliRunner().invoke(main, [*args, "--repo", str(repo)])
        assert TOP not in result.output and "Traceback" not in result.output
        assert result.exit_code == 1
    assert outside.read_text().endswith(f"{TOP}\n") and _state(repo) == before


def test_a_symbolic_link_inside_the_repository_is_still_read(tmp_path):
    repo = _repo(tmp_path, {})
    (repo / "apps/web/alias.yaml").symlink_to("deployment.yaml")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "an alias"], cwd=repo, check=True)
    from migrate.repo.tracked import Tree

    tree = Tree.from_repo(repo)
    assert tree.read_text("apps/web/alias.yaml") == tree.read_text("apps/web/deployment.yaml")


# --- options of the wrong type in a user playbook ------------------------------------------------
@pytest.mark.parametrize("options", ["{file: 5, key: a, value: b}",
                                     "{file: apps/web/deployment.yaml, key: 5, value: b}",
                                     "{file: [apps/web/deployment.yaml], key: a, value: b}"])
def test_an_option_of_the_wrong_type_is_a_usage_error_not_a_traceback(tmp_path, options):
    book = ("name: typed\ndescription: x\nparameters: {}\nsteps:\n  - name: a\n    operation: set-value\n"
            f"    with: {options}\n")
    repo = _repo(tmp_path, {".migrate/playbooks/typed.yaml": book})
    result = CliRunner().invoke(main, ["plan", "typed", "--repo", str(repo)])
    assert result.exit_code == 2, result.output
    assert ".migrate/playbooks/typed.yaml:6:" in result.output and "expects a string" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_integer_parameter_used_as_a_path_is_a_usage_error(tmp_path):
    book = ("name: typed\ndescription: x\nparameters:\n  n: {description: d, default: 3}\nsteps:\n"
            "  - name: a\n    operation: remove-paths\n    with: {paths: [\"${n}\"]}\n"
            "  - name: b\n    operation: set-value\n    with: {file: \"${n}\", key: a, value: b}\n")
    repo = _repo(tmp_path, {".migrate/playbooks/typed.yaml": book})
    result = CliRunner().invoke(main, ["plan", "typed", "--repo", str(repo)])
    assert result.exit_code == 2, result.output
    assert "option 'paths' of operation 'remove-paths' expects a list of strings, got [3]" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
