"""``move-folder``: every kind of reference to a moved folder, before and after, on a small repository of our own.

The repository mixes what real ones have: a root kustomization listing Application files relatively,
a nested kustomization listing a moved folder, Applications with repository paths, ``$values/`` files
and Helm ``valueFiles`` relative to their source path, an ApplicationSet's git generator, a moved
kustomization whose ``helmGlobals.chartHome`` and ``../`` bases change depth, a CEL filter matching a
path prefix, comments and a runbook naming the folder, and look-alikes that must stay (``apps/ai-extra``,
a value ``ai``).
"""

from __future__ import annotations

import pytest

from migrate.errors import MigrateError, UsageError
from migrate.moves.paths import Move, plan_move
from migrate.repo.tracked import Tree
from migrate.testing import assert_operation, run_operation

ROOT_KUSTOMIZATION = """\
resources:
  # AI 워커
  - ai/grading/argocd.yaml
  - ai-extra/argocd.yaml   # not moved: only a prefix of the name is shared
"""

GRADING_APP = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: grading
spec:
  sources:
  - repoURL: https://example.com/infra.git
    path: apps/ai/grading
    helm:
      valueFiles:
      - values.yaml
      - ../../../shared/values.yaml
      - $values/apps/ai/grading/extra-values.yaml
  - repoURL: https://example.com/infra.git
    ref: values
"""

GRADING_KUSTOMIZATION = """\
helmGlobals:
  chartHome: ../../../charts
resources:
- ../../../base
- manifests/service.yaml
namespace: ai
"""

APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: workers
spec:
  generators:
  - git:
      repoURL: https://example.com/infra.git
      revision: main
      directories:
      - path: "apps/ai/*"
      - path: apps/ai-extra
      - path: apps/ai/grading
        exclude: true           # grading has its own Application file
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      source:
        repoURL: https://example.com/infra.git
        path: '{{path}}'
"""

TRIGGER = """\
# builds when apps/ai/ changes
apiVersion: triggers.tekton.dev/v1beta1
kind: Trigger
metadata:
  name: workers
spec:
  interceptors:
  - params:
    - name: filter
      value: >-
        body.ref == 'refs/heads/main' &&
        body.commits.exists(c, c.modified.exists(f, f.startsWith('apps/ai/')))
"""

FILES = {
    "apps/kustomization.yaml": ROOT_KUSTOMIZATION,
    "apps/ai/grading/argocd.yaml": GRADING_APP,
    "apps/ai/grading/kustomization.yaml": GRADING_KUSTOMIZATION,
    "apps/ai/grading/values.yaml": "replicas: 1\n",
    "apps/ai/grading/extra-values.yaml": "debug: false\n",
    "apps/ai/grading/manifests/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: grading\n",
    "apps/ai/report/kustomization.yaml": "resources: []\n",      # an Application only the ApplicationSet makes
    "apps/ai-extra/argocd.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ai\ndata:\n  folder: ai\n",
    "apps/appset.yaml": APPSET,
    "ci/trigger.yaml": TRIGGER,
    "shared/values.yaml": "team: ml\n",
    "base/kustomization.yaml": "resources: []\n",
    "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\n",
    "docs/runbook.md": "# Runbook\n\nThe graders live in apps/ai/grading (see its values.yaml).\n",
}


def test_the_same_depth_moves_files_and_rewrites_every_reference():
    result = assert_operation("move-folder", FILES, {
        **{p: None for p in FILES if p.startswith("apps/ai/")},
        **{p.replace("apps/ai/", "apps/workers/"): FILES[p] for p in FILES if p.startswith("apps/ai/")},
        "apps/workers/grading/argocd.yaml": GRADING_APP.replace("apps/ai/grading", "apps/workers/grading"),
        "apps/kustomization.yaml": ROOT_KUSTOMIZATION.replace("- ai/grading", "- workers/grading"),
        "apps/appset.yaml": APPSET.replace("apps/ai/", "apps/workers/"),     # the glob and the excluded folder
        "ci/trigger.yaml": TRIGGER.replace("startsWith('apps/ai/')", "startsWith('apps/workers/')"),
    }, **{"from": "apps/ai", "to": "apps/workers"})
    details = "\n".join(result.details)
    assert "apps/kustomization.yaml:3: ai/grading/argocd.yaml -> workers/grading/argocd.yaml (relative path)" in details
    assert "apps/workers/grading/argocd.yaml:8: apps/ai/grading -> apps/workers/grading (repository path)" in details
    notes = {(e.path, e.line) for e in result.report}
    assert ("ci/trigger.yaml", 1) in notes            # a comment: reported, not rewritten
    assert ("docs/runbook.md", 3) in notes            # a runbook line: reported
    assert not any(e.path == "apps/kustomization.yaml" for e in result.report)   # "ai-extra" is not the folder


def test_a_deeper_or_shallower_place_corrects_relative_paths_that_leave_the_folder():
    moved = {p: p.replace("apps/ai/", "workers/") for p in FILES if p.startswith("apps/ai/")}
    after = {**{p: None for p in moved}, **{new: FILES[old] for old, new in moved.items()}}
    after["workers/grading/kustomization.yaml"] = GRADING_KUSTOMIZATION.replace("../../../", "../../")
    after["workers/grading/argocd.yaml"] = GRADING_APP.replace("apps/ai/grading", "workers/grading").replace(
        "- ../../../shared/values.yaml", "- ../../shared/values.yaml")      # relative to the source's path
    after["apps/kustomization.yaml"] = ROOT_KUSTOMIZATION.replace("- ai/grading", "- ../workers/grading")
    after["apps/appset.yaml"] = APPSET.replace("apps/ai/", "workers/")
    after["ci/trigger.yaml"] = TRIGGER.replace("startsWith('apps/ai/')", "startsWith('workers/')")
    assert_operation("move-folder", FILES, after, **{"from": "apps/ai", "to": "workers"})


def test_one_application_folder_moves_alone():
    result, tree = run_operation("move-folder", FILES, **{"from": "apps/ai/grading", "to": "apps/ml/grading"})
    assert tree.exists("apps/ml/grading/values.yaml") and tree.listdir("apps/ai") == ["apps/ai/report/kustomization.yaml"]
    assert "- ml/grading/argocd.yaml" in tree.read_text("apps/kustomization.yaml")
    assert '"apps/ai/*"' in tree.read_text("apps/appset.yaml")      # the glob names apps/ai, not the moved folder
    assert result.summary == "Move apps/ai/grading to apps/ml/grading"


def test_the_folded_filter_keeps_its_line_breaks():
    _, tree = run_operation("move-folder", FILES, **{"from": "apps/ai", "to": "apps/workers"})
    assert "      value: >-\n        body.ref == 'refs/heads/main' &&\n        body.commits" in tree.read_text("ci/trigger.yaml")


def test_renaming_an_application_on_the_way():
    result, tree = run_operation("move-folder", FILES, **{"from": "apps/ai", "to": "apps/workers",
                                                         "rename_apps": {"grading": "workers-grading"}})
    assert "  name: workers-grading\n" in tree.read_text("apps/workers/grading/argocd.yaml")
    assert {"change": "removed", "kind": "Application", "name": "grading"} in result.objects
    assert any("resources-finalizer" in e.message for e in result.report)
    result, tree = run_operation("move-folder", FILES, **{"from": "apps/ai/report", "to": "apps/ai/reports",
                                                         "rename_apps": {"report": "reports"}})
    assert tree.exists("apps/ai/reports/kustomization.yaml") and "ApplicationSet names it" in result.report[-1].message
    with pytest.raises(UsageError, match="rename_apps: no Application 'nope'"):
        run_operation("move-folder", FILES, **{"from": "apps/ai", "to": "apps/workers", "rename_apps": {"nope": "x"}})


def test_a_move_out_of_an_application_sets_patterns_is_refused_naming_it():
    with pytest.raises(MigrateError, match=r"ApplicationSet workers generates Applications from apps/ai/\*, apps/ai-extra; "
                                           r"at apps/ml/report it would no longer generate report") as caught:
        run_operation("move-folder", FILES, **{"from": "apps/ai/report", "to": "apps/ml/report"})
    assert (caught.value.path, caught.value.line) == ("apps/appset.yaml", 1)
    with pytest.raises(MigrateError, match=r"it would rename report to reports: .*pass --set rename_apps.report=reports;"):
        run_operation("move-folder", FILES, **{"from": "apps/ai/report", "to": "apps/ai/reports"})


def test_a_move_under_an_application_sets_patterns_that_would_generate_a_second_application_is_refused():
    """A hand-written Application's folder moved where a git generator looks: Argo CD would make a second
    Application for the same objects, and the two would fight over them."""
    files = {**FILES, "legacy/pay/argocd.yaml": GRADING_APP.replace("grading", "payments").replace(
                 "apps/ai/payments", "legacy/pay"),
             "legacy/pay/kustomization.yaml": "resources:\n- service.yaml\n",
             "legacy/pay/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: pay\n",
             "apps/kustomization.yaml": ROOT_KUSTOMIZATION + "- ../legacy/pay/argocd.yaml\n"}
    with pytest.raises(MigrateError, match=r"at apps/ai/pay it would also generate pay: a second Application for "
                                           r"what is moved there"):
        run_operation("move-folder", files, **{"from": "legacy/pay", "to": "apps/ai/pay"})


def test_a_move_that_would_make_two_applications_of_one_name_is_refused():
    appset = APPSET.replace("'{{path.basename}}'", "'{{path[2]}}-prod'").replace(
        "      - path: apps/ai/grading\n        exclude: true           # grading has its own Application file\n", "")
    files = {**FILES, "apps/appset.yaml": appset}
    run_operation("move-folder", files, **{"from": "apps/ai", "to": "apps/ml"})      # grading-prod, report-prod
    with pytest.raises(MigrateError, match=r"at team/apps/ai it would generate two Applications named ai-prod"):
        run_operation("move-folder", files, **{"from": "apps/ai", "to": "team/apps/ai"})


@pytest.mark.parametrize("given, message", [
    ({"from": "apps/none", "to": "apps/x"}, "no such file or folder"),
    ({"from": "apps/ai", "to": "apps/ai/inner"}, "lies inside apps/ai"),
    ({"from": "apps/ai", "to": "apps"}, "would land on existing ones, e.g. apps/grading"),
    ({"from": "apps/ai", "to": "shared/values.yaml"}, "a file already has this path"),
    ({"from": "", "to": "x"}, "not the repository's root"),
])
def test_a_move_that_cannot_be_made_is_refused_with_what_to_do(given, message):
    files = {**FILES, "apps/grading/argocd.yaml": "kind: ConfigMap\n"}
    with pytest.raises(MigrateError, match=message):
        run_operation("move-folder", files, **given)


def test_a_path_outside_the_repository_is_a_usage_error():
    with pytest.raises(UsageError, match="leaves the repository"):
        run_operation("move-folder", FILES, **{"from": "apps/ai", "to": "../elsewhere"})


def test_a_binary_file_is_refused_naming_it_and_the_way_out():
    tree = Tree(None, ["apps/ai/grading/logo.png"], overlay=FILES, reader=lambda path: b"\x89PNG\xff\xfe")
    with pytest.raises(MigrateError, match="not UTF-8 text.*git mv") as caught:
        plan_move(tree, Move("apps/ai", "apps/workers"))
    assert caught.value.path == "apps/ai/grading/logo.png"


def test_a_one_word_folder_is_a_path_only_where_it_reads_as_one():
    files = {"system/Chart.yaml": "apiVersion: v2\nname: system\ndescription: Bootstrap the system layer\nversion: 1.0.0\n",
             "system/values.yaml": "a: 1\n",
             "ct.yaml": "chart-dirs:\n  - system\n  - apps\nname: system\nremote: system/values.yaml\nother: system/v1\n",
             "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 1.0.0\n"}
    assert_operation("move-folder", files, {
        "system/Chart.yaml": None, "infra/system/Chart.yaml": files["system/Chart.yaml"],
        "system/values.yaml": None, "infra/system/values.yaml": files["system/values.yaml"],
        "ct.yaml": "chart-dirs:\n  - infra/system\n  - apps\nname: system\nremote: infra/system/values.yaml\nother: system/v1\n",
    }, **{"from": "system", "to": "infra/system"})


def test_a_group_version_is_no_path_and_another_repositorys_paths_are_its_own():
    deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: foo\n"
    external = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ext\nspec:\n  sources:\n"
                "  - repoURL: https://github.com/other/charts\n    path: apps/foo\n    helm:\n      valueFiles:\n"
                "      - $ext/apps/foo/values.yaml\n      - $mine/apps/foo/values.yaml\n"
                "  - repoURL: https://github.com/other/config\n    ref: ext\n"
                "  - repoURL: https://example.com/infra.git\n    ref: mine\n")
    mine = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: foo\nspec:\n  source:\n"
            "    repoURL: https://example.com/infra.git\n    path: apps/foo\n")
    files = {"apps/foo/deployment.yaml": deploy, "apps/foo/values.yaml": "a: 1\n", "argo/ext.yaml": external,
             "argo/foo.yaml": mine,   # the other repository has an apps/foo too: the config says which URL is ours
             ".migrate/config.yaml": "repo_urls: [https://example.com/infra.git]\n"}
    assert_operation("move-folder", files, {
        "apps/foo/deployment.yaml": None, "services/foo/deployment.yaml": deploy,
        "apps/foo/values.yaml": None, "services/foo/values.yaml": "a: 1\n",
        "argo/ext.yaml": external.replace("$mine/apps/foo", "$mine/services/foo"),
        "argo/foo.yaml": mine.replace("path: apps/foo", "path: services/foo"),
    }, **{"from": "apps", "to": "services"})


FILES_APPSET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: jobs
spec:
  generators:
  - git:
      repoURL: https://example.com/infra.git
      revision: main
      files:
      - path: "apps/*/config.json"
  template:
    metadata:
      name: '{{name}}'
    spec:
      source:
        repoURL: https://example.com/infra.git
        path: '{{dir}}'
"""


def test_a_files_generators_json_config_is_rewritten_value_by_value_keeping_its_layout():
    config = '{\n    "name": "jobs",\n    "dir":   "apps/jobs/manifests",\n    "note": "apps/jobs"\n}\n'
    files = {"apps/appset.yaml": FILES_APPSET, "apps/jobs/config.json": config,
             "apps/jobs/manifests/kustomization.yaml": "resources: []\n",
             "renovate.json": '{"packageRules": [{"matchPaths": ["apps/jobs/**"]}]}\n'}
    result, tree = run_operation("move-folder", files, **{"from": "apps/jobs", "to": "apps/batch"})
    assert result.changes["apps/batch/config.json"] == config.replace('"apps/jobs', '"apps/batch')
    assert result.changes["renovate.json"] == '{"packageRules": [{"matchPaths": ["apps/batch/**"]}]}\n'
    assert "apps/batch/config.json:3: apps/jobs/manifests -> apps/batch/manifests (repository path)" in \
        "\n".join(result.details)
