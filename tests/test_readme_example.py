"""The README's worked example of a playbook with its own operation runs as written, on the example repo."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from migrate import engine
from migrate.playbook import OPERATIONS
from migrate.testing import assert_operation

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- example: (?P<path>\S+) -->\n```\w+\n(?P<text>.*?)```", re.S)


def examples() -> dict[str, str]:
    return {m["path"]: m["text"] for m in BLOCK.finditer(README.read_text())}


def test_the_worked_example_plans_one_line_per_service(example_repo, tmp_path, monkeypatch):
    files = examples()
    assert set(files) == {"mycompany_migrate/__init__.py", ".migrate/playbooks/release-tag.yaml"}
    package = tmp_path / "site" / "mycompany_migrate" / "__init__.py"
    package.parent.mkdir(parents=True)
    package.write_text(files["mycompany_migrate/__init__.py"])
    monkeypatch.syspath_prepend(str(package.parents[1]))
    monkeypatch.delitem(sys.modules, "mycompany_migrate", raising=False)
    playbook = example_repo / ".migrate" / "playbooks" / "release-tag.yaml"
    playbook.parent.mkdir(parents=True)
    playbook.write_text(files[".migrate/playbooks/release-tag.yaml"])
    plan = engine.plan(example_repo, "release-tag", {"tag": "feedf00d"})
    assert plan.error is None and plan.playbook.package == "mycompany_migrate"
    step = plan.steps[0]
    assert [f.path for f in step.files] == ["applications/lumie/backend/auth-svc/common-values.yaml",
                                            "applications/lumie/backend/exam-svc/common-values.yaml"]
    assert all((f.added, f.removed) == (1, 1) for f in step.files)
    assert '+    tag: "feedf00d"' in step.diff
    assert step.passed == ["yaml-parses", "declared-paths", "no-new-dangling", "object-changes", "kubernetes-schema",
                           "unchanged"]
    assert [(c.change, c.label, [f.path for f in c.fields]) for c in step.objects] == [
        ("changed", f"Deployment lumie-{app}/{app}-svc", [f"spec.template.spec.containers.{app}-svc.image"])
        for app in ("auth", "exam")]
    assert_operation(OPERATIONS.get("set-image-tag"), {
        "a/argocd.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
                         "spec:\n  source: {repoURL: x, path: a, helm: {valueFiles: [v.yaml]}}\n",
        "a/v.yaml": "common:\n  image:\n    tag: '1'   # CI bumps it\n"},
        {"a/v.yaml": "common:\n  image:\n    tag: '2'   # CI bumps it\n"}, apps=["a"], tag="2")
