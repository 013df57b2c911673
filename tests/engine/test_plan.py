"""Planning: the plan, its report and diffs, verification before anything is written (engine.plan, engine.verify)."""

from __future__ import annotations

import gc
import json

import pytest
from click.testing import CliRunner

from migrate import engine
from migrate.engine.report import render_report
from migrate.cli import main
from migrate.errors import VerificationError
from migrate.playbook import Analyses
from migrate.repo.diffs import sha256
from migrate.repo.redact import redact_pair
from migrate.repo.tracked import Tree
from tests.fixtures.engine import SECRET, cli, git, run_yes, state


# --- dry run / plan ---------------------------------------------------------------------------------
def test_dry_run_leaves_head_index_and_files_exactly_as_they_were(repo):
    (repo / "apps" / "web" / "kustomization.yaml").write_text("# edited, not committed\n", encoding="utf-8")
    before = state(repo)
    result = engine.run(repo, "retire-api", options=engine.RunOptions(dry_run=True))
    assert [s.name for s in result.plan.steps if s.changes] == ["repoint-web", "unregister", "retire"]
    assert "planned on uncommitted changes in: apps/web/kustomization.yaml" in result.plan.notes
    for args in (["plan", "retire-api"], ["run", "retire-api", "--dry-run"], ["plan", "retire-api", "--json"]):
        assert cli(repo, *args).exit_code == 0
    assert state(repo) == before


def test_plan_shows_steps_files_checks_and_redacted_diffs(repo):
    out = cli(repo, "plan", "retire-api").output
    assert "## Step 3/3 `retire` — operation `remove-paths`" in out
    assert "- D `apps/api/secret.yaml` (+0 -8)" in out
    assert "Checks passed: yaml-parses, declared-paths, no-new-dangling, object-changes, kubernetes-schema, unchanged, not-synced." in out
    assert ("## Diff of step 1/3 `repoint-web`\n\n```diff\n--- a/apps/web/deployment.yaml\n"
            "+++ b/apps/web/deployment.yaml\n") in out
    assert "-  password: <redacted>\n" in out and SECRET not in out


def test_plan_api_keeps_the_real_diff_for_the_hash(repo):
    plan = engine.plan(repo, "retire-api")
    retire = plan.steps[2]
    assert SECRET in retire.diff and SECRET not in retire.display_diff
    assert retire.diff_sha256 == sha256(retire.diff)
    assert plan.to_dict()["steps"][2]["diff"] == retire.display_diff


def test_plan_on_the_example_repo_reports_pre_existing_and_new_problems(example_repo):
    folder = example_repo / ".migrate" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "unregister-kong.yaml").write_text(
        "name: unregister-kong\ndescription: Stop syncing kong.\nsteps:\n"
        "  - name: unregister\n    operation: edit-kustomization-resources\n"
        "    with: {file: bootstrap, remove: [kong/argocd.yaml]}\n")
    plan = engine.plan(example_repo, "unregister-kong")
    assert [r.target for r in plan.pre_existing if r.synced] == ["service:lumie-platform/auth-svc"]
    error = plan.error
    assert isinstance(error, VerificationError) and error.check == "no-new-dangling"
    assert error.path and error.line and "needs-crd" in str(plan.steps[0].graph.new[0])
    assert "\\ No newline at end of file" in plan.steps[0].display_diff


def test_failed_verification_writes_nothing(repo):
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo, params={"api_url": "http://api.api.svc:8080"})
    error = info.value
    assert error.check == "no-new-dangling"
    assert (error.path, error.line) == ("apps/web/deployment.yaml", 19)
    assert "service:api/api" in str(error)
    assert state(repo) == before
    result = cli(repo, "run", "retire-api", "--yes", "--set", "api_url=http://api.api.svc:8080")
    assert result.exit_code == 1 and "[no-new-dangling]" in result.output
    dry = cli(repo, "plan", "retire-api", "--set", "api_url=http://api.api.svc:8080")
    assert dry.exit_code == 1 and "**Verification failed:**" in dry.output
    assert state(repo) == before


def test_failed_intent_check_names_the_check_and_writes_nothing(repo):
    book = repo / ".migrate" / "playbooks" / "add-notes.yaml"
    book.write_text(book.read_text() + "checks:\n  - check: unchanged\n    with: {paths: [notes/second.txt]}\n")
    git(repo, "commit", "-qam", "guard second note")
    before = state(repo)
    with pytest.raises(VerificationError) as info:
        run_yes(repo, "add-notes")
    assert info.value.check == "unchanged" and info.value.path == "notes/second.txt"
    assert state(repo) == before


def test_operation_error_stops_the_plan(repo):
    plan = engine.plan(repo, "retire-api", {"app": "nothere"})
    assert plan.error is not None and "not listed in resources" in str(plan.error)
    assert [s.planned for s in plan.steps] == [True, True, False]


def test_tree_from_commit_reads_blobs_of_that_commit(repo):
    run_yes(repo)
    old = Tree.from_commit(repo, "HEAD~3")
    assert old.exists("apps/api/secret.yaml") and SECRET in old.read_text("apps/api/secret.yaml")
    assert "http://api.api.svc:8080" in old.read_text("apps/web/deployment.yaml")
    assert not Tree.from_repo(repo).exists("apps/api/secret.yaml")


# --- list / status / json --------------------------------------------------------------------------------
def test_list_and_status_json(repo):
    listed = json.loads(cli(repo, "list", "--json").output)
    retire = next(b for b in listed if b["name"] == "retire-api")
    assert [s["name"] for s in retire["steps"]] == ["repoint-web", "unregister", "retire"]
    assert {p["name"]: p["default"] for p in retire["parameters"]}["prune"] is True
    assert "retire-api" in cli(repo, "list").output
    assert "retire-api" in CliRunner().invoke(main, ["list", "--repo", str(repo / "apps")]).output
    assert cli(repo, "status").output == "no migrate runs in the history\n"
    applied = json.loads(cli(repo, "run", "retire-api", "-y", "--json").output)
    assert len(applied["commits"]) == 3
    [run] = json.loads(cli(repo, "status", "--json").output)["runs"]
    assert (run["playbook"], run["run_id"], run["state"]) == ("retire-api", applied["run_id"], "complete")
    assert applied["run_id"] in cli(repo, "status").output


def test_redaction_masks_secret_values_and_marks_changed_ones():
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\n"
              "stringData:\n  config: |\n    # not a comment\n    token=abc\n  user: admin\n"
              "---\nkind: ConfigMap\ndata:\n  visible: yes\n")
    old, new = redact_pair(secret, secret.replace("token=abc", "token=xyz"))
    assert "c2VjcmV0" not in old + new and "token" not in old + new and "not a comment" not in old
    assert "  config: <redacted: changed>\n    <redacted: changed>\n" in new
    assert "  user: <redacted>\n" in new and "  visible: yes\n" in new
    assert old.count("\n") == secret.count("\n")


def test_a_dry_run_does_not_even_refresh_the_index(repo):
    """A file touched without a content change leaves stale stat data in .git/index: a plain
    `git status` would rewrite the index to refresh it; a dry run must not."""
    import os
    import time

    target = next(p for p in sorted((repo / "apps").rglob("*.yaml")))
    later = time.time() + 100
    os.utime(target, (later, later))
    index = (repo / ".git" / "index").read_bytes()
    assert cli(repo, "run", "retire-api", "--dry-run").exit_code == 0
    assert (repo / ".git" / "index").read_bytes() == index


def test_the_plan_names_what_the_graph_cannot_see(repo):
    (repo / "apps" / "appset.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: previews\nspec:\n"
        "  generators:\n  - pullRequest:\n      github: {owner: o, repo: r}\n  template: {metadata: {name: '{{branch}}'}}\n")
    git(repo, "add", "apps/appset.yaml")
    git(repo, "commit", "-qm", "appset")
    plan = engine.plan(repo, "retire-api")
    assert "apps/appset.yaml:7: ApplicationSet previews: the pullRequest generator needs a network or a cluster: what it generates is not " \
        "in the graph" in plan.blind_spots
    assert "## What the graph cannot see (not rendered, so not checked)" in render_report(plan)


# --- memory: a run holds the origin and the state it works on, not every state -------------------
def test_a_forgotten_state_is_freed_without_the_cyclic_collector(repo):
    analyses = Analyses(repo)
    tree = Tree.from_repo(repo)
    nodes = analyses.graph(tree).g.number_of_nodes()
    assert nodes > 10
    gc.collect()
    analyses.forget(tree)
    gc.set_debug(gc.DEBUG_SAVEALL)      # what only the collector (off during a run) would free: kept in gc.garbage
    try:
        gc.collect()
        left = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left < nodes    # networkx keeps views inside a graph (a cycle): not its node and edge dicts too
    assert analyses.graph(tree).g.number_of_nodes() == nodes   # asked again: built again


def test_planning_forgets_each_state_it_moved_past(repo, monkeypatch):
    forgotten, kept = [], Analyses.forget
    monkeypatch.setattr(Analyses, "forget", lambda self, tree: (forgotten.append(tree), kept(self, tree)))
    plan = engine.plan(repo, "retire-api")
    assert [s.name for s in plan.steps if s.changes] == ["repoint-web", "unregister", "retire"]
    assert len(forgotten) == 2 and len({id(t) for t in forgotten}) == 2   # the states after steps 1 and 2
    assert plan.graph_before.g.number_of_nodes() > 0 and plan.graph_after.g.number_of_nodes() > 0
