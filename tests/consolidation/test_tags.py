"""A YAML tag is part of a value: the same env name tagged in one service and not in another is a
conflict to settle, and a tagged value every service agrees on keeps its tag in the merged file."""

from __future__ import annotations

import json
import re
import subprocess

from click.testing import CliRunner

from migrate.cli import main

VALUES = "applications/lumie/backend/{}/common-values.yaml"


def add_env(repo, service: str, name: str, value: str) -> None:
    path = repo / VALUES.format(service)
    text = path.read_text()
    item = re.search(r"^( *)- name: DB_HOST\n", text, re.M)
    pad = item.group(1)
    path.write_text(text[:item.start()] + f"{pad}- name: {name}\n{pad}  value: {value}\n" + text[item.start():])


def plan(repo) -> dict:
    subprocess.run(["git", "commit", "-qam", "env"], cwd=repo, check=True)
    return json.loads(CliRunner().invoke(main, ["plan", "consolidate-backend", "--repo", str(repo), "--json"]).output)


def test_a_tag_one_service_has_and_another_has_not_is_a_decision(example_repo):
    add_env(example_repo, "exam-svc", "FEATURE_FLAG", "!vault lumie/flags#exam")
    add_env(example_repo, "tenant-svc", "FEATURE_FLAG", "lumie/flags#exam")
    decisions = plan(example_repo)["plan"]["decisions"]
    assert any("FEATURE_FLAG" in json.dumps(d) for d in decisions), decisions


def test_a_tag_every_service_agrees_on_is_kept_in_the_merged_file(example_repo):
    for service in ("exam-svc", "tenant-svc"):
        add_env(example_repo, service, "FEATURE_FLAG", "!vault lumie/flags#exam")
    data = plan(example_repo)["plan"]
    assert not [d for d in data["decisions"] if "FEATURE_FLAG" in json.dumps(d)]
    diff = data["steps"][0]["diff"]
    assert re.search(r"name: FEATURE_FLAG\n\+ +value: !vault lumie/flags#exam\n", diff)
