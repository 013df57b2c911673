"""``migrate report RUN``: an applied run read back from its commits, like its dry run (engine.recorded)."""

from __future__ import annotations

import json
import re
import subprocess

from click.testing import CliRunner

from migrate.cli import main
from migrate.engine.recorded import recorded_run


def invoke(repo, *args):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)], catch_exceptions=False)


def test_an_applied_run_reads_back_like_its_dry_run(applied_master, cb_result):
    result = recorded_run(applied_master, "consolidate-backend")
    planned = {s.name: s for s in cb_result.plan.steps}
    for step in result.plan.steps:
        assert step.display_diff == planned[step.name].display_diff            # the committed diff is the planned one
        assert [f.path for f in step.files] == [f.path for f in planned[step.name].files]
        assert sorted(map(str, step.objects)) == sorted(map(str, planned[step.name].objects))
        assert re.fullmatch(r"[0-9a-f]{40}", step.commit)
    assert {a for a in result.plan.graph_after.applications() if "backend" in a} == {"application:argocd/lumie-backend"}


def test_report_prints_the_verdict_and_writes_the_page(applied_master, tmp_path):
    page = tmp_path / "run.html"
    out = invoke(applied_master, "report", "consolidate-backend", "--html", str(page))
    assert out.exit_code == 0, out.output
    assert "**consolidate-backend: 4 commits made (run cb-" in out.stdout
    assert "Parameters: not recorded (a run keeps only their digest)" in out.stdout
    html = page.read_text()
    assert 'class="verdict applied"' in html and html.count('<section id="step-') == 4
    markdown = invoke(applied_master, "report", "consolidate-backend", "--format", "markdown").stdout
    assert markdown.startswith("## migrate: `consolidate-backend`")
    data = json.loads(invoke(applied_master, "report", "consolidate-backend", "--json").stdout)
    assert data["summary"]["verdict"] == "applied" and len(data["commits"]) == 4


def test_report_of_an_unknown_run_names_the_known_ones(applied_master):
    out = invoke(applied_master, "report", "nope")
    assert out.exit_code == 2 and "no run of 'nope'" in out.output and "consolidate-backend" in out.output


def test_a_rolled_back_run_reads_back_as_rolled_back(applied_example):
    assert invoke(applied_example, "rollback", "consolidate-backend", "--yes").exit_code == 0
    out = invoke(applied_example, "report", "consolidate-backend", "--json")
    summary = json.loads(out.stdout)["summary"]
    assert summary["verdict"] == "rolled-back" and summary["next"] == "none"
    assert {s["state"] for s in summary["steps"]} == {"was reverted"} and all(s["revert"] for s in summary["steps"])


def test_a_stopped_run_reads_back_with_how_to_resume_it(applied_example):
    subprocess.run(["git", "-C", str(applied_example), "reset", "-q", "--hard", "HEAD~1"], check=True)
    summary = json.loads(invoke(applied_example, "report", "consolidate-backend", "--json").stdout)["summary"]
    assert [s["state"] for s in summary["steps"]] == ["applied", "applied", "applied", "not-run"]
    assert "it stopped before step 4" in summary["headline"]
    assert summary["next"] == f"migrate run consolidate-backend --repo {applied_example} --yes"
