"""migrate.history on real git repositories built commit by commit in tmp folders."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from migrate.errors import RepoError
from migrate.history import Coupling, SharedTag, find_runs, load_history, parse_trailers


class GitRepo:
    """A scratch git repository; each ``commit`` writes/removes files and commits them."""

    def __init__(self, root: Path):
        self.root = root
        self._day = 0
        root.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, author: str = "Alice") -> str:
        stamp = f"2024-03-{1 + self._day // 24:02d}T{self._day % 24:02d}:00:00+09:00"
        env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.com",
               "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author.lower()}@example.com",
               "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        proc = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    def commit(self, message: str, files: dict[str, str | None] | None = None, author: str = "Alice") -> str:
        for path, text in (files or {}).items():
            target = self.root / path
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, author=author)
        self._day += 1
        return self.git("rev-parse", "HEAD")


def app(name: str, folder: str, value_files: tuple[str, ...] = ()) -> SimpleNamespace:
    """The part of an inventory Application that history reads."""
    return SimpleNamespace(name=name, file=f"{folder}/argocd.yaml", source_paths=[folder],
                           value_files=list(value_files))


def values(tag: str, quote: str = '"') -> str:
    return f"common:\n  name: x\n  image:\n    repository: r\n    tag: {quote}{tag}{quote}  # bumped by CI\n"


SVC = "applications/lumie/backend"
APPS = [
    SimpleNamespace(name="applications", file="applications/application.yaml",
                    source_paths=["applications"], value_files=[]),
    app("exam-svc", f"{SVC}/exam-svc"),
    app("auth-svc", f"{SVC}/auth-svc"),
    app("kong", "bootstrap/kong", ("bootstrap/kong/helm-values.yaml",)),
]
INVENTORY = SimpleNamespace(applications=APPS)


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def lumie(repo) -> tuple[GitRepo, dict[str, str]]:
    """A small history: creation, bursts of tag bumps, a config fix touching two services."""
    shas = {
        "root": repo.commit("add root app", {"applications/application.yaml": "kind: Application\n",
                                             "applications/kustomization.yaml": "resources: []\n"}),
        "exam": repo.commit("add exam-svc", {f"{SVC}/exam-svc/argocd.yaml": "kind: Application\n",
                                             f"{SVC}/exam-svc/common-values.yaml": values("11111111")}),
        "auth": repo.commit("add auth-svc", {f"{SVC}/auth-svc/argocd.yaml": "kind: Application\n",
                                             f"{SVC}/auth-svc/common-values.yaml": values("22222222", "'")},
                            author="Bob"),
        "burst1": repo.commit("release aaaaaaaa", {f"{SVC}/exam-svc/common-values.yaml": values("aaaaaaaa"),
                                                   f"{SVC}/auth-svc/common-values.yaml": values("aaaaaaaa")}),
        "exam-b": repo.commit("update exam-svc image to bbbbbbbb",
                              {f"{SVC}/exam-svc/common-values.yaml": values("bbbbbbbb")}, author="Bob"),
        "fix": repo.commit("fix probes", {f"{SVC}/exam-svc/manifests/grpc.yaml": "kind: Service\n",
                                          f"{SVC}/auth-svc/kustomization.yaml": "resources: []\n",
                                          "applications/kustomization.yaml": "resources: [a]\n"},
                           author="Carol"),
        "kong": repo.commit("kong values", {"bootstrap/kong/helm-values.yaml": "image:\n  tag: '3.6'\n",
                                            "README.md": "hello\n"}),
        "burst2": repo.commit("release cccccccc", {f"{SVC}/exam-svc/common-values.yaml": values("cccccccc"),
                                                   f"{SVC}/auth-svc/common-values.yaml": values("cccccccc")}),
        "auth-d": repo.commit("update auth-svc image to dddddddd",
                              {f"{SVC}/auth-svc/common-values.yaml": values("dddddddd")}),
    }
    return repo, shas


# --- commits per application -----------------------------------------------------------
def test_commits_belong_to_the_app_with_the_deepest_folder(lumie):
    repo, shas = lumie
    h = load_history(repo.root, INVENTORY)
    assert [c.sha for c in h.apps["exam-svc"].commits] == [shas[k] for k in
                                                          ("exam", "burst1", "exam-b", "fix", "burst2")]
    assert [c.sha for c in h.apps["applications"].commits] == [shas["root"], shas["fix"]]
    assert [c.subject for c in h.apps["kong"].commits] == ["kong values"]
    assert len(h.commits) == len(shas)


def test_authors_and_last_change(lumie):
    repo, shas = lumie
    exam = load_history(repo.root, INVENTORY).apps["exam-svc"]
    assert exam.authors == Counter({"Alice": 3, "Bob": 1, "Carol": 1})
    assert exam.last_change.sha == shas["burst2"]
    assert exam.last_change.subject == "release cccccccc"
    assert exam.last_change.date.isoformat() == "2024-03-01T07:00:00+09:00"


def test_an_app_without_commits_has_no_last_change(lumie):
    repo, _ = lumie
    inventory = SimpleNamespace(applications=[*APPS, app("ghost", "nowhere")])
    ghost = load_history(repo.root, inventory).apps["ghost"]
    assert (ghost.commits, ghost.last_change, ghost.last_tag) == ([], None, None)


@pytest.mark.parametrize("path", ["values/exam.yaml", "env/prod[1].yaml"])
def test_value_files_outside_the_source_folder_belong_to_the_app(repo, path):
    repo.commit("shared values", {path: "tag: '1'\n"})
    repo.commit("bump", {path: "tag: '2'\n"})
    inventory = SimpleNamespace(applications=[app("exam-svc", "svc/exam", (path,))])
    exam = load_history(repo.root, inventory).apps["exam-svc"]
    assert [c.subject for c in exam.commits] == ["shared values", "bump"]
    assert [(b.old, b.new) for b in exam.tag_bumps] == [(None, "1"), ("1", "2")]


def test_files_an_app_names_are_its_own_even_inside_a_parent_folder(repo):
    zot = SimpleNamespace(name="zot", file="bootstrap/zot/argocd.yaml", source_paths=[],
                          value_files=["bootstrap/zot/helm-values.yaml"])
    root = SimpleNamespace(name="bootstrap", file="bootstrap/application.yaml", source_paths=["bootstrap"],
                           value_files=[])
    repo.commit("add zot", {"bootstrap/zot/argocd.yaml": "kind: Application\n",
                            "bootstrap/zot/helm-values.yaml": "image:\n  tag: v1\n"})
    repo.commit("register zot", {"bootstrap/kustomization.yaml": "resources: [zot/argocd.yaml]\n"})
    h = load_history(repo.root, SimpleNamespace(applications=[zot, root]))
    assert [c.subject for c in h.apps["zot"].commits] == ["add zot"]
    assert [c.subject for c in h.apps["bootstrap"].commits] == ["register zot"]
    assert [b.new for b in h.apps["zot"].tag_bumps] == ["v1"] and h.apps["bootstrap"].tag_bumps == []


# --- image tags ------------------------------------------------------------------------
def test_tag_bumps_read_old_and_new_values(lumie):
    repo, shas = lumie
    h = load_history(repo.root, INVENTORY)
    bumps = [(b.sha, b.old, b.new) for b in h.apps["auth-svc"].tag_bumps]
    assert bumps == [(shas["auth"], None, "22222222"), (shas["burst1"], "22222222", "aaaaaaaa"),
                     (shas["burst2"], "aaaaaaaa", "cccccccc"), (shas["auth-d"], "cccccccc", "dddddddd")]
    assert h.apps["auth-svc"].tag_bumps[1].author == "Alice"
    assert h.apps["auth-svc"].last_tag == "dddddddd"
    assert [(b.old, b.new) for b in h.apps["kong"].tag_bumps] == [(None, "3.6")]


def test_a_change_that_keeps_the_tag_is_no_bump(repo):
    repo.commit("create", {"svc/exam/common-values.yaml": values("11111111")})
    repo.commit("requote", {"svc/exam/common-values.yaml": values("11111111", "'")})
    repo.commit("other key", {"svc/exam/common-values.yaml": values("11111111", "'") + "  tags: x\n"})
    h = load_history(repo.root, SimpleNamespace(applications=[app("exam-svc", "svc/exam")]))
    assert [(b.old, b.new) for b in h.apps["exam-svc"].tag_bumps] == [(None, "11111111")]
    assert len(h.apps["exam-svc"].commits) == 3


def test_tag_lines_in_files_that_are_not_values_files_are_ignored(repo):
    repo.commit("manifest", {"svc/exam/manifests/job.yaml": "tag: '1'\n"})
    h = load_history(repo.root, SimpleNamespace(applications=[app("exam-svc", "svc/exam")]))
    assert h.apps["exam-svc"].tag_bumps == []


@pytest.mark.parametrize("name", ["프로드 values.yaml", "prod values.yaml", 'a"b-values.yaml'])
def test_paths_git_quotes_are_read_back(repo, name):
    path = f"shared/{name}"  # owned only as a value file: the path must be read back exactly
    repo.commit("odd name", {path: "tag: abc\n"})
    repo.commit("bump", {path: "tag: abd\n"})
    h = load_history(repo.root, SimpleNamespace(applications=[app("exam-svc", "svc/exam", (path,))]))
    assert [(b.old, b.new) for b in h.apps["exam-svc"].tag_bumps] == [(None, "abc"), ("abc", "abd")]


def test_shared_tags_list_tags_of_several_apps_oldest_first(lumie):
    repo, shas = lumie
    shared = load_history(repo.root, INVENTORY).shared_tags()
    assert shared == [SharedTag("aaaaaaaa", ["auth-svc", "exam-svc"], shas["burst1"]),
                      SharedTag("cccccccc", ["auth-svc", "exam-svc"], shas["burst2"])]


def test_newest_common_tag(lumie):
    repo, _ = lumie
    h = load_history(repo.root, INVENTORY)
    assert h.newest_common_tag(["exam-svc", "auth-svc"]) == "cccccccc"
    assert h.newest_common_tag(["auth-svc"]) == "dddddddd"
    assert h.newest_common_tag(["auth-svc", "kong"]) is None
    assert h.newest_common_tag(["auth-svc", "no-such-app"]) is None


def test_newest_common_tag_is_the_one_that_became_common_last(repo):
    a, b = "svc/a/values.yaml", "svc/b/values.yaml"
    repo.commit("a1", {a: "tag: t1\n"})
    repo.commit("b2", {b: "tag: t2\n"})
    repo.commit("a2", {a: "tag: t2\n"})
    repo.commit("b1", {b: "tag: t1\n"})
    h = load_history(repo.root, SimpleNamespace(applications=[app("a", "svc/a"), app("b", "svc/b")]))
    assert h.newest_common_tag(["a", "b"]) == "t1"


# --- coupling --------------------------------------------------------------------------
def test_coupling_counts_commits_changing_two_apps(lumie):
    repo, _ = lumie
    assert load_history(repo.root, INVENTORY).coupling() == [
        Coupling("auth-svc", "exam-svc", 3),
        Coupling("applications", "auth-svc", 1),
        Coupling("applications", "exam-svc", 1),
    ]


# --- errors ----------------------------------------------------------------------------
def test_a_folder_that_is_not_a_repository(tmp_path):
    with pytest.raises(RepoError, match="not a git repository"):
        load_history(tmp_path, INVENTORY)
    with pytest.raises(RepoError, match="not a git repository"):
        find_runs(tmp_path)


def test_a_missing_folder(tmp_path):
    with pytest.raises(RepoError, match="no such folder"):
        load_history(tmp_path / "missing", INVENTORY)


def test_an_empty_repository(repo):
    with pytest.raises(RepoError, match="no commits yet"):
        load_history(repo.root, INVENTORY)
    with pytest.raises(RepoError, match="no commits yet"):
        find_runs(repo.root)


# --- trailers and runs -----------------------------------------------------------------
def step_message(index: int, total: int, name: str, run: str = "cb-1", playbook: str = "consolidate-backend") -> str:
    return (f"consolidate: {name}\n\nWhat and why.\n\nMigrate-Playbook: {playbook}\n"
            f"Migrate-Step: {index}/{total} {name}\nMigrate-Run: {run}\nMigrate-Diff-Sha256: {'ab' * 32}\n")


def revert_message(sha: str, run: str = "cb-1") -> str:
    return (f"Revert step\n\nThis reverts commit {sha}.\n\n"
            f"Migrate-Playbook: consolidate-backend\nMigrate-Run: {run}\nMigrate-Revert-Of: {sha}\n")


def test_parse_trailers_reads_the_last_paragraph():
    message = step_message(2, 4, "register-target") + "Signed-off-by: A <a@x>\n  continued\n"
    trailers = parse_trailers(message)
    assert trailers["Migrate-Step"] == ["2/4 register-target"]
    assert trailers["Migrate-Diff-Sha256"] == ["ab" * 32]
    assert trailers["Signed-off-by"] == ["A <a@x> continued"]


@pytest.mark.parametrize("message", [
    "Migrate-Run: x",                                  # a subject is never a trailer
    "subject\n\nMigrate-Run: x\nnot a trailer line",   # the whole last paragraph must be trailers
    "subject\n\nMigrate-Run: x\n\nplain body",         # trailers must come last
])
def test_parse_trailers_is_strict(message):
    assert parse_trailers(message) == {}


def test_find_runs_reads_steps_in_order(repo):
    repo.commit("unrelated", {"a.txt": "1\n"})
    shas = [repo.commit(step_message(i, 3, n), {f"s{i}.txt": "x\n"})
            for i, n in enumerate(["create-target", "register-target", "rewrite-consumers"], 1)]
    repo.commit("Migrate-Run: in a subject only", {"b.txt": "1\n"})
    [run] = find_runs(repo.root)
    assert (run.playbook, run.run_id, run.total) == ("consolidate-backend", "cb-1", 3)
    assert [(s.sha, s.index, s.name) for s in run.steps] == list(zip(shas, [1, 2, 3], [
        "create-target", "register-target", "rewrite-consumers"]))
    assert run.steps[0].diff_sha256 == "ab" * 32
    assert run.complete and not run.rolled_back
    assert run.last_step.name == "rewrite-consumers"


def test_an_interrupted_run_is_not_complete(repo):
    repo.commit(step_message(1, 4, "create-target"), {"a.txt": "1\n"})
    repo.commit(step_message(2, 4, "register-target"), {"b.txt": "1\n"})
    [run] = find_runs(repo.root)
    assert not run.complete
    assert (run.last_step.index, run.total) == (2, 4)


def test_runs_are_told_apart_by_run_id_oldest_first(repo):
    repo.commit(step_message(1, 1, "switch", run="dk-1", playbook="drop-kong"), {"a.txt": "1\n"})
    repo.commit(step_message(1, 1, "create-target", run="cb-1"), {"b.txt": "1\n"})
    repo.commit(step_message(1, 1, "switch", run="dk-2", playbook="drop-kong"), {"c.txt": "1\n"})
    assert [(r.playbook, r.run_id) for r in find_runs(repo.root)] == [
        ("drop-kong", "dk-1"), ("consolidate-backend", "cb-1"), ("drop-kong", "dk-2")]


def test_a_run_rolled_back_by_migrate(repo):
    one = repo.commit(step_message(1, 2, "create-target"), {"a.txt": "1\n"})
    two = repo.commit(step_message(2, 2, "register-target"), {"b.txt": "1\n"})
    back_two = repo.commit(revert_message(two), {"b.txt": None})
    [run] = find_runs(repo.root)
    assert not run.rolled_back
    assert [(r.sha, r.revert_of) for r in run.reverts] == [(back_two, two)]
    repo.commit(revert_message(one), {"a.txt": None})
    [run] = find_runs(repo.root)
    assert run.rolled_back and run.complete


def test_a_plain_git_revert_by_hand_counts(repo):
    step = repo.commit(step_message(1, 1, "create-target"), {"a.txt": "1\n"})
    repo.git("revert", "--no-edit", step)
    [run] = find_runs(repo.root)
    assert run.rolled_back
    assert run.reverts[0].revert_of == step


def test_a_revert_of_an_unrelated_commit_is_ignored(repo):
    other = repo.commit("plain change", {"a.txt": "1\n"})
    repo.commit(step_message(1, 1, "create-target"), {"b.txt": "1\n"})
    repo.git("revert", "--no-edit", other)
    [run] = find_runs(repo.root)
    assert run.reverts == [] and not run.rolled_back


def test_no_runs_in_a_plain_history(repo):
    repo.commit("plain change", {"a.txt": "1\n"})
    assert find_runs(repo.root) == []


# --- the example repository ---------------------------------------------------------------
BACKEND = ["tenant-svc", "auth-svc", "academy-svc", "admin-svc", "exam-svc", "content-svc", "attendance-svc",
           "billing-svc", "file-svc", "ai-svc"]


@pytest.fixture(scope="module")
def example_history(example_repo_master):
    from migrate.inventory import Inventory
    from migrate.tree import Tree

    return load_history(example_repo_master, Inventory.load(Tree.from_repo(example_repo_master)))


def test_example_release_tag_is_the_newest_common_tag_of_the_backend(example_history):
    from migrate.example import RELEASE_TAG

    assert example_history.newest_common_tag(BACKEND) == RELEASE_TAG
    assert any(s.tag == RELEASE_TAG and set(BACKEND) <= set(s.apps) for s in example_history.shared_tags())


def test_example_services_have_commits_authors_and_tag_bumps(example_history):
    for name in BACKEND:
        app_history = example_history.apps[name]
        assert app_history.commits and app_history.tag_bumps, name
        assert app_history.last_change.sha == app_history.commits[-1].sha
    assert len({a for name in BACKEND for a in example_history.apps[name].authors}) >= 2


def test_example_backend_services_change_together(example_history):
    top = example_history.coupling()[0]
    assert top.count >= 2
    assert {top.app_a, top.app_b} <= set(BACKEND) | {"grading-svc", "report-svc", "analysis-svc"}


def test_example_has_no_migrate_runs(example_repo_master):
    assert find_runs(example_repo_master) == []


# --- CLI -------------------------------------------------------------------------------------
def application(name: str, folder: str, namespace: str) -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n"
            f"  namespace: argocd\nspec:\n  project: default\n  source:\n"
            f"    repoURL: https://git.example.com/infra.git\n    targetRevision: main\n    path: {folder}\n"
            f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n")


@pytest.fixture
def small(repo) -> tuple[GitRepo, dict[str, str]]:
    """Two Applications with real manifests, two releases and a migrate run."""
    exam, auth = f"{SVC}/exam-svc", f"{SVC}/auth-svc"
    repo.commit("add exam-svc", {f"{exam}/argocd.yaml": application("exam-svc", exam, "lumie-exam"),
                                 f"{exam}/common-values.yaml": values("11111111")})
    repo.commit("add auth-svc", {f"{auth}/argocd.yaml": application("auth-svc", auth, "lumie-auth"),
                                 f"{auth}/common-values.yaml": values("11111111")}, author="Bob")
    repo.commit("release 22222222", {f"{exam}/common-values.yaml": values("22222222"),
                                     f"{auth}/common-values.yaml": values("22222222")})
    step = repo.commit(step_message(1, 2, "create-target"), {"applications/lumie/backend/README.md": "x\n"})
    return repo, {"step": step}


def run_cli(*args: str):
    from click.testing import CliRunner

    from migrate.cli import main

    return CliRunner().invoke(main, ["history", *args], catch_exceptions=False)


def test_cli_prints_a_row_per_app_and_the_runs(small):
    repo, shas = small
    result = run_cli("--repo", str(repo.root))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    exam = next(line for line in lines if line.lstrip().startswith("exam-svc"))
    assert exam.split()[1:3] == ["2", "1"]                           # commits, authors
    assert "release 22222222" in exam
    assert exam.split()[-2:] == ["1", "22222222"]                    # one bump (creation is none), last tag
    run = next(line for line in lines if "consolidate-backend" in line)
    assert run.split()[1:4] == ["cb-1", "1/2", "partial"]
    assert shas["step"][:8] in run
    assert "\x1b[" not in result.output and "─" not in result.output   # plain text when not a terminal


def test_cli_json(small):
    repo, shas = small
    data = json.loads(run_cli("--repo", str(repo.root), "--json", "--coupling").output)
    assert [a["app"] for a in data["apps"]] == ["auth-svc", "exam-svc"]
    assert data["apps"][0]["authors"] == {"Bob": 1, "Alice": 1}
    assert data["coupling"] == [{"apps": ["auth-svc", "exam-svc"], "commits": 1}]
    assert [s["sha"] for r in data["runs"] for s in r["steps"]] == [shas["step"]]
    assert data["commits_total"] == 4


def test_cli_one_app_lists_its_commits_and_tag_bumps(small):
    repo, _ = small
    result = run_cli("--repo", str(repo.root), "--app", "auth-svc", "--coupling")
    assert result.exit_code == 0, result.output
    assert "add auth-svc" in result.output and "add exam-svc" not in result.output
    assert any(line.split()[-2:] == ["11111111", "22222222"] for line in result.output.splitlines())
    assert any(line.split()[-3:] == ["auth-svc", "exam-svc", "1"] for line in result.output.splitlines())


def test_cli_unknown_app_is_a_usage_error(small):
    repo, _ = small
    result = run_cli("--repo", str(repo.root), "--app", "nope")
    assert result.exit_code == 2
    assert "no application named 'nope'" in result.output


def test_cli_outside_a_repository(tmp_path):
    result = run_cli("--repo", str(tmp_path))
    assert result.exit_code == 1
    assert "not a git repository" in result.output
    assert "Traceback" not in result.output


def test_cli_tables_print_brackets_literally(example_repo):
    """Commit subjects such as `[skip ci]` are text, not rich markup."""
    values = example_repo / "applications/lumie/backend/exam-svc/common-values.yaml"
    values.write_text(values.read_text().replace("replicaCount: 2", "replicaCount: 3"))
    subprocess.run(["git", "commit", "-qam", "exam-svc: scale up [skip ci]"], cwd=example_repo, check=True)
    result = run_cli("--repo", str(example_repo))
    exam = next(line for line in result.output.splitlines() if line.lstrip().startswith("exam-svc"))
    assert "scale up [skip ci]" in exam
