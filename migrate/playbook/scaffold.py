"""``new_playbook(repo, name)``: the files a user starts a playbook of their own from.

Written into the repository (nothing else is touched, nothing committed):

- ``.migrate/playbooks/<name>.yaml``: a playbook composed of shipped operations — parameters with
  descriptions and examples, a step with its ``objects:`` rules and a check — with comments that say
  what each part is and where to find the rest (``migrate list --operations``);
- ``.migrate/playbooks/playbook.schema.json``: the schema, which the first line of the playbook names
  for editors (the YAML language server validates and completes against it);
- ``.migrate/tests/test_<name>.py``: a pytest test that runs the playbook's dry run on a small git
  repository it builds, and asserts the diff — the way migrate's own operations are tested.

A file that exists already is never overwritten: the call refuses, naming it.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from ..errors import UsageError
from .library import REPO_PLAYBOOKS

TESTS = ".migrate/tests"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

PLAYBOOK = """\
# yaml-language-server: $schema=playbook.schema.json
# A playbook of this repository: `migrate list` shows it, `migrate run {name} --dry-run` plans it.
# Compose shipped operations (`migrate list --operations` lists them with their options) in steps;
# each step is one verified commit, and `migrate rollback {name}` reverts them.
name: {name}
description: >-
  Bump an image tag in one values file (replace this with what your playbook does).
parameters:            # --set NAME=VALUE on the command line; `${{NAME}}` in the steps
  file:
    description: The values file to edit.
    format: repo-path
    default: ""
    example: apps/web/values.yaml
  tag:
    description: The new image tag.
    default: ""
    example: "1.2.3"
steps:
  - name: bump-tag
    operation: set-value
    description: The image tag changes; nothing else in the file does.
    with:
      file: ${{file}}
      key: image.tag
      value: ${{tag}}
    # What Argo CD applies differently afterwards: any change of a rendered object that no rule
    # declares fails the step, naming the object and a rule that would declare it.
    objects:
      - {{change: changed, kind: Deployment, fields: spec.template.spec.containers, to: "*:${{tag}}"}}
# Intent checks of the whole run (`migrate list --operations` lists the checks), e.g.:
checks:
  - check: unchanged
    with: {{paths: [.migrate]}}
"""

TEST = '''\
"""`{name}`: its dry run on a small repository, and the diff it plans (run: python -m pytest {path})."""

from pathlib import Path

from migrate import engine
from migrate.testing import make_repo

PLAYBOOK = Path(__file__).resolve().parents[1] / "playbooks" / "{name}.yaml"
FILES = {{
    "apps/web/values.yaml": 'image:\\n  repository: web\\n  tag: "1.0.0" # bumped by CI\\n',
}}


def test_the_dry_run_plans_the_intended_diff(tmp_path):
    repo = make_repo(tmp_path / "repo", {{**FILES, ".migrate/playbooks/{name}.yaml": PLAYBOOK.read_text()}})
    plan = engine.plan(repo, "{name}", {{"file": "apps/web/values.yaml", "tag": "1.2.3"}})
    assert plan.error is None, plan.error
    [step] = plan.steps
    assert '-  tag: "1.0.0" # bumped by CI\\n+  tag: "1.2.3" # bumped by CI\\n' in step.diff
'''


def new_playbook(repo: Path | str, name: str) -> list[Path]:
    """Write the playbook, schema and test files of a new playbook ``name`` into ``repo`` (see module doc)."""
    if not _NAME.match(name):
        raise UsageError(f"playbook name {name!r}: use lowercase letters, digits and dashes (e.g. retire-docs)")
    root = Path(repo)
    playbook = root / REPO_PLAYBOOKS / f"{name}.yaml"
    test = root / TESTS / f"test_{name.replace('-', '_')}.py"
    schema = root / REPO_PLAYBOOKS / "playbook.schema.json"
    taken = [p for p in (playbook, test) if p.exists()]
    if taken:
        raise UsageError(f"{taken[0].relative_to(root)} exists already: choose another name, or remove it first")
    files = {playbook: PLAYBOOK.format(name=name),
             test: TEST.format(name=name, path=test.relative_to(root).as_posix())}
    if not schema.exists():
        files[schema] = resources.files(__package__).joinpath("playbook.schema.json").read_text(encoding="utf-8")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
