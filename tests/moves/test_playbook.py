"""move-apps on the example repository (a real git repo per test): dry run, the verified commit git
records as renames, history that follows the files, the graph afterwards, rollback, and the intent checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from migrate.cli import main
from migrate.graph import build_graph
from migrate.inventory import Inventory
from migrate.playbook import Context, OPERATIONS
from migrate.repo.tracked import Tree

OLD, NEW = "applications/lumie/ai", "applications/lumie/worker"
WORKERS = ["ai-svc", "grading-svc", "report-svc", "analysis-svc"]
SNAPSHOT = Path(__file__).resolve().parents[2] / "snapshots" / "move-apps" / "01-move.diff"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def cli(repo: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--repo", str(repo)])


def test_the_dry_run_writes_nothing_and_its_diff_applies_with_git(example_repo):
    head, status = git(example_repo, "rev-parse", "HEAD"), git(example_repo, "status", "--porcelain")
    result = cli(example_repo, "run", "move-apps", "--dry-run")
    assert result.exit_code == 0, result.output
    assert git(example_repo, "rev-parse", "HEAD") == head and git(example_repo, "status", "--porcelain") == status
    subprocess.run(["git", "apply", "--check", str(SNAPSHOT)], cwd=example_repo, check=True)


def test_the_move_is_one_verified_commit_of_renames_that_history_follows_and_rollback_undoes(example_repo):
    before = {p: (example_repo / p).read_bytes() for p in git(example_repo, "ls-files").splitlines()}
    result = cli(example_repo, "run", "move-apps", "--yes")
    assert result.exit_code == 0, result.output
    renames = [line.split("\t") for line in git(example_repo, "diff", "-M", "--name-status", "HEAD~", "HEAD").splitlines()
               if line.startswith("R")]
    assert {(old, new) for _, old, new in renames} >= {
        (f"{OLD}/{w}/argocd.yaml", f"{NEW}/{w}/argocd.yaml") for w in WORKERS}
    assert not git(example_repo, "ls-files", OLD)
    follows = git(example_repo, "log", "--follow", "--format=%s", "--", f"{NEW}/grading-svc/common-values.yaml")
    assert "add grading-svc worker" in follows

    inv = Inventory.load(Tree.from_repo(example_repo))
    graph = build_graph(inv)
    assert set(WORKERS) <= graph.synced_applications()
    for worker in WORKERS:
        app = inv.application(worker)
        assert app.file == f"{NEW}/{worker}/argocd.yaml" and app.source_paths == [f"{NEW}/{worker}"]
    assert not [p for p in git(example_repo, "grep", "-l", f"{OLD}/", "--", "*.yaml").splitlines()
                if p != "applications/tekton/ci-cd/trigger.yaml"]      # only its comments name the old folder
    trigger = (example_repo / "applications/tekton/ci-cd/trigger.yaml").read_text()
    assert f"startsWith('{NEW}/')" in trigger and trigger.startswith(f"# AI 워커 이미지 빌드 트리거 — {OLD}/")

    rolled = cli(example_repo, "rollback", "move-apps", "--yes")
    assert rolled.exit_code == 0, rolled.output
    assert {p: (example_repo / p).read_bytes() for p in git(example_repo, "ls-files").splitlines()} == before


def test_the_run_is_found_in_history_and_not_applied_twice(example_repo):
    assert cli(example_repo, "run", "move-apps", "--yes").exit_code == 0
    again = cli(example_repo, "run", "move-apps", "--yes")
    assert "already applied" in again.output


def test_the_intent_checks_catch_an_old_path_left_and_an_application_no_root_reaches(example_repo):
    tree = Tree.from_repo(example_repo)
    move = OPERATIONS.get("move-folder")
    ctx = Context.for_tree(tree, repo=example_repo)
    result = move().prepare(ctx.at(tree, options=move.bind({"from": OLD, "to": NEW})))
    after = tree.with_changes(result.changes)
    checks = {c.name: c for c in result.checks}
    assert not list(checks["old-path-unreferenced"].test(ctx.at(after)))
    assert not list(checks["moved-apps-synced"].test(ctx.at(after)))
    root = "applications/kustomization.yaml"
    broken = after.with_changes({
        root: after.read_text(root).replace("- lumie/worker/grading-svc/argocd.yaml\n", ""),
        "applications/tekton/ci-cd/pipeline.yaml": after.read_text("applications/tekton/ci-cd/pipeline.yaml")
        + f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: left\ndata:\n  path: {OLD}/grading-svc\n"})
    left = list(checks["old-path-unreferenced"].test(ctx.at(broken)))
    assert [(f.path, f.message) for f in left] == [
        ("applications/tekton/ci-cd/pipeline.yaml", f"still names {OLD}: {OLD}/grading-svc")]
    lost = list(checks["moved-apps-synced"].test(ctx.at(broken)))
    assert [f.message for f in lost] == ["Application grading-svc was synced before the move and no root reaches it now"]


LINTED = {
    ".yamllint": "extends: default\nrules:\n  line-length: {max: 60}\n",
    "root.yaml": "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\nspec:\n"
                 "  source:\n    repoURL: https://example.com/infra.git\n    path: apps\n"
                 "  destination:\n    namespace: argocd\n",
    "apps/kustomization.yaml": "---\nresources:\n  - ai/x/argocd.yaml\n",
    "apps/ai/x/argocd.yaml": "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: x\n"
                             "spec:\n  source:\n    repoURL: https://example.com/infra.git\n    path: apps/ai/x\n"
                             "  destination:\n    namespace: x\n",
    "apps/ai/x/kustomization.yaml": "---\nresources:\n  - cm.yaml\n",
    "apps/ai/x/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",   # no "---": a warning already
}


def test_yamllint_counts_a_moved_files_problems_against_the_file_it_was(tmp_path):
    from migrate.testing import make_repo
    repo = make_repo(tmp_path / "linted", LINTED)
    moved = cli(repo, "run", "move-apps", "--set", "from=apps/ai", "--set", "to=apps/ml", "--yes")
    assert moved.exit_code == 0, moved.output
    assert (repo / "apps/ml/x/cm.yaml").read_text() == LINTED["apps/ai/x/cm.yaml"]
    long = "apps/" + "a-folder-name-long-enough-to-break-the-line-limit"
    refused = cli(repo, "run", "move-apps", "--set", "from=apps/ml", "--set", f"to={long}", "--yes")
    assert refused.exit_code == 1
    assert f"{long}/x/argocd.yaml:9: [yamllint] the edit adds a yamllint problem: line too long (66 > 60 characters) (line-length)\n" in refused.output


CHART_MADE = {   # an App-of-Apps chart whose template makes each Application's path from a value
    "root.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\nspec:\n"
                 "  source:\n    repoURL: https://example.com/infra.git\n    path: apps\n"
                 "  destination:\n    namespace: argocd\n",
    "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
    "apps/values.yaml": "applications:\n  - name: guestbook\n",
    "apps/templates/applications.yaml": (
        "{{- range .Values.applications }}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata:\n  name: {{ .name }}\nspec:\n  source:\n    repoURL: https://example.com/infra.git\n"
        "    path: {{ .path | default .name }}\n  destination:\n    namespace: {{ .name }}\n{{- end }}\n"),
    "guestbook/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guestbook\n",
}


def test_a_path_a_chart_makes_from_a_name_refuses_with_what_to_do_and_moves_once_it_is_a_path(tmp_path):
    from migrate.testing import make_repo
    repo = make_repo(tmp_path / "charted", CHART_MADE)
    refused = cli(repo, "run", "move-apps", "--set", "from=guestbook", "--set", "to=examples/guestbook", "--yes")
    assert refused.exit_code == 1
    assert "apps/values.yaml:2: [no-new-dangling]" in refused.output and "a `path:` key" in refused.output
    (repo / "apps/values.yaml").write_text("applications:\n  - name: guestbook\n    path: guestbook\n")
    git(repo, "commit", "-qam", "apps: give each Application its path")
    moved = cli(repo, "run", "move-apps", "--set", "from=guestbook", "--set", "to=examples/guestbook", "--yes")
    assert moved.exit_code == 0, moved.output
    assert (repo / "apps/values.yaml").read_text().endswith("    path: examples/guestbook\n")


DEPTH = {
    "root.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\nspec:\n"
                 "  source:\n    repoURL: https://example.com/infra.git\n    path: apps\n"
                 "  destination:\n    namespace: argocd\n",
    "apps/kustomization.yaml": "resources:\n- api.yaml\n",
    "apps/api.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: api\nspec:\n"
                     "  source:\n    repoURL: https://example.com/infra.git\n    path: charts/api\n    helm:\n"
                     "      valueFiles: [values.yaml, ../../values/api/extra.yaml]\n  destination:\n    namespace: api\n",
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
    "charts/api/values.yaml": "size: small\n",
    "charts/api/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n"
                                    "  size: {{ .Values.size }}\n",
    "values/api/extra.yaml": "size: large\n",
}


def test_a_depth_only_fix_of_a_deployed_applications_value_file_is_a_declared_object_change(tmp_path):
    from migrate.testing import make_repo
    repo = make_repo(tmp_path / "depth", DEPTH)
    moved = cli(repo, "run", "move-apps", "--set", "from=charts/api", "--set", "to=charts/backend/api", "--yes")
    assert moved.exit_code == 0, moved.output
    assert "valueFiles: [values.yaml, ../../../values/api/extra.yaml]" in (repo / "apps/api.yaml").read_text()


SCRIPTED = {   # an Application folder with a script beside its manifests (and one a step edits in place)
    "root.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: root\nspec:\n"
                 "  source:\n    repoURL: https://example.com/infra.git\n    path: apps\n"
                 "  destination:\n    namespace: argocd\n",
    "apps/kustomization.yaml": "resources:\n  - ai/x/argocd.yaml\n",
    "apps/ai/x/argocd.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: x\n"
                             "spec:\n  source:\n    repoURL: https://example.com/infra.git\n    path: apps/ai/x\n"
                             "  destination:\n    namespace: x\n",
    "apps/ai/x/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "apps/ai/x/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    "apps/ai/x/hack/seed.sh": "#!/bin/sh\necho seeding\n",
    "apps/ai/x/hack/notes.txt": "not a script\n",
}


def test_a_moved_script_stays_executable_and_the_tree_is_clean(tmp_path):
    from migrate.testing import make_repo
    repo = make_repo(tmp_path / "scripted", SCRIPTED)
    (repo / "apps/ai/x/hack/seed.sh").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "seed is a script")
    moved = cli(repo, "run", "move-apps", "--set", "from=apps/ai", "--set", "to=apps/ml", "--yes")
    assert moved.exit_code == 0, moved.output
    modes = {line.split("\t")[1]: line.split(" ")[0] for line in git(repo, "ls-tree", "-r", "HEAD").splitlines()}
    assert (modes["apps/ml/x/hack/seed.sh"], modes["apps/ml/x/hack/notes.txt"]) == ("100755", "100644")
    assert (repo / "apps/ml/x/hack/seed.sh").stat().st_mode & 0o111 and \
        not (repo / "apps/ml/x/hack/notes.txt").stat().st_mode & 0o111
    assert git(repo, "status", "--porcelain") == ""
    assert cli(repo, "rollback", "move-apps", "--yes").exit_code == 0
    assert git(repo, "ls-tree", "HEAD", "apps/ai/x/hack/seed.sh").startswith("100755")
    assert git(repo, "status", "--porcelain") == ""


def test_a_path_in_a_source_of_another_url_is_left_and_the_check_says_how_to_claim_the_url(tmp_path):
    """Values naming a git generator over a URL migrate does not take for this repository (a mirror, the URL of a
    seed install): the move leaves them; the check names them with the way out, and once the URL is listed
    under repo_urls the move rewrites them too."""
    from migrate.testing import make_repo
    seed = ("appsets:\n  root:\n    generators:\n      - git:\n          repoURL: https://github.com/someone/infra.git\n"
            "          directories:\n            - path: apps/*\n")
    repo = make_repo(tmp_path / "seeded", {**LINTED, ".yamllint": "extends: relaxed\n", "seed/values.yaml": seed})
    refused = cli(repo, "run", "move-apps", "--set", "from=apps", "--set", "to=workloads", "--yes")
    assert refused.exit_code == 1
    assert ("seed/values.yaml:7: [old-path-unreferenced] still names apps: apps/* — in a source whose repoURL migrate "
            "takes for another repository") in refused.output and "list it under repo_urls in .migrate/config.yaml" in refused.output
    (repo / ".migrate").mkdir()
    (repo / ".migrate/config.yaml").write_text("repo_urls: [https://github.com/someone/infra.git]\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the seed URL is this repository")
    moved = cli(repo, "run", "move-apps", "--set", "from=apps", "--set", "to=workloads", "--yes")
    assert moved.exit_code == 0, moved.output
    assert (repo / "seed/values.yaml").read_text() == seed.replace("apps/*", "workloads/*")
