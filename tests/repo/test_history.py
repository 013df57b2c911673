"""The git history per Application: commits, authors, tag bumps, coupling (history_repo.history)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from migrate.engine.ledger import find_runs
from migrate.errors import RepoError
from migrate.repo.history import Coupling, SharedTag, load_history
from tests.fixtures.history import (
    APPS,
    app,
    values,
)

# --- trailers and runs -----------------------------------------------------------------


# --- the example repository ---------------------------------------------------------------
BACKEND = ["tenant-svc", "auth-svc", "academy-svc", "admin-svc", "exam-svc", "content-svc", "attendance-svc",
           "billing-svc", "file-svc", "ai-svc"]


@pytest.fixture(scope="module")
def example_history(example_repo_master):
    from migrate.inventory import Inventory
    from migrate.repo.tracked import Tree

    return load_history(example_repo_master, Inventory.load(Tree.from_repo(example_repo_master)).applications)


# --- CLI -------------------------------------------------------------------------------------




# --- commits per application -----------------------------------------------------------
def test_commits_belong_to_the_app_with_the_deepest_folder(lumie):
    history_repo, shas = lumie
    h = load_history(history_repo.root, APPS)
    assert [c.sha for c in h.apps["exam-svc"].commits] == [shas[k] for k in
                                                          ("exam", "burst1", "exam-b", "fix", "burst2")]
    assert [c.sha for c in h.apps["applications"].commits] == [shas["root"], shas["fix"]]
    assert [c.subject for c in h.apps["kong"].commits] == ["kong values"]
    assert len(h.commits) == len(shas)


def test_authors_and_last_change(lumie):
    history_repo, shas = lumie
    exam = load_history(history_repo.root, APPS).apps["exam-svc"]
    assert exam.authors == Counter({"Alice": 3, "Bob": 1, "Carol": 1})
    assert exam.last_change.sha == shas["burst2"]
    assert exam.last_change.subject == "release cccccccc"
    assert exam.last_change.date.isoformat() == "2024-03-01T07:00:00+09:00"


def test_an_app_without_commits_has_no_last_change(lumie):
    history_repo, _ = lumie
    inventory = [*APPS, app("ghost", "nowhere")]
    ghost = load_history(history_repo.root, inventory).apps["ghost"]
    assert (ghost.commits, ghost.last_change, ghost.last_tag) == ([], None, None)


@pytest.mark.parametrize("path", ["values/exam.yaml", "env/prod[1].yaml"])
def test_value_files_outside_the_source_folder_belong_to_the_app(history_repo, path):
    history_repo.commit("shared values", {path: "tag: '1'\n"})
    history_repo.commit("bump", {path: "tag: '2'\n"})
    inventory = [app("exam-svc", "svc/exam", (path,))]
    exam = load_history(history_repo.root, inventory).apps["exam-svc"]
    assert [c.subject for c in exam.commits] == ["shared values", "bump"]
    assert [(b.old, b.new) for b in exam.tag_bumps] == [(None, "1"), ("1", "2")]


def test_files_an_app_names_are_its_own_even_inside_a_parent_folder(history_repo):
    zot = SimpleNamespace(name="zot", file="bootstrap/zot/argocd.yaml", source_paths=[],
                          value_files=["bootstrap/zot/helm-values.yaml"])
    root = SimpleNamespace(name="bootstrap", file="bootstrap/application.yaml", source_paths=["bootstrap"],
                           value_files=[])
    history_repo.commit("add zot", {"bootstrap/zot/argocd.yaml": "kind: Application\n",
                            "bootstrap/zot/helm-values.yaml": "image:\n  tag: v1\n"})
    history_repo.commit("register zot", {"bootstrap/kustomization.yaml": "resources: [zot/argocd.yaml]\n"})
    h = load_history(history_repo.root, [zot, root])
    assert [c.subject for c in h.apps["zot"].commits] == ["add zot"]
    assert [c.subject for c in h.apps["bootstrap"].commits] == ["register zot"]
    assert [b.new for b in h.apps["zot"].tag_bumps] == ["v1"] and h.apps["bootstrap"].tag_bumps == []


# --- image tags ------------------------------------------------------------------------
def test_tag_bumps_read_old_and_new_values(lumie):
    history_repo, shas = lumie
    h = load_history(history_repo.root, APPS)
    bumps = [(b.sha, b.old, b.new) for b in h.apps["auth-svc"].tag_bumps]
    assert bumps == [(shas["auth"], None, "22222222"), (shas["burst1"], "22222222", "aaaaaaaa"),
                     (shas["burst2"], "aaaaaaaa", "cccccccc"), (shas["auth-d"], "cccccccc", "dddddddd")]
    assert h.apps["auth-svc"].tag_bumps[1].author == "Alice"
    assert h.apps["auth-svc"].last_tag == "dddddddd"
    assert [(b.old, b.new) for b in h.apps["kong"].tag_bumps] == [(None, "3.6")]


def test_a_change_that_keeps_the_tag_is_no_bump(history_repo):
    history_repo.commit("create", {"svc/exam/common-values.yaml": values("11111111")})
    history_repo.commit("requote", {"svc/exam/common-values.yaml": values("11111111", "'")})
    history_repo.commit("other key", {"svc/exam/common-values.yaml": values("11111111", "'") + "  tags: x\n"})
    h = load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    assert [(b.old, b.new) for b in h.apps["exam-svc"].tag_bumps] == [(None, "11111111")]
    assert len(h.apps["exam-svc"].commits) == 3


def test_tag_lines_in_files_that_are_not_values_files_are_ignored(history_repo):
    history_repo.commit("manifest", {"svc/exam/manifests/job.yaml": "tag: '1'\n"})
    h = load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    assert h.apps["exam-svc"].tag_bumps == []


@pytest.mark.parametrize("name", ["프로드 values.yaml", "prod values.yaml", 'a"b-values.yaml'])
def test_paths_git_quotes_are_read_back(history_repo, name):
    path = f"shared/{name}"  # owned only as a value file: the path must be read back exactly
    history_repo.commit("odd name", {path: "tag: abc\n"})
    history_repo.commit("bump", {path: "tag: abd\n"})
    h = load_history(history_repo.root, [app("exam-svc", "svc/exam", (path,))])
    assert [(b.old, b.new) for b in h.apps["exam-svc"].tag_bumps] == [(None, "abc"), ("abc", "abd")]


def test_shared_tags_list_tags_of_several_apps_oldest_first(lumie):
    history_repo, shas = lumie
    shared = load_history(history_repo.root, APPS).shared_tags()
    assert shared == [SharedTag("aaaaaaaa", ["auth-svc", "exam-svc"], shas["burst1"]),
                      SharedTag("cccccccc", ["auth-svc", "exam-svc"], shas["burst2"])]


def test_newest_common_tag(lumie):
    history_repo, _ = lumie
    h = load_history(history_repo.root, APPS)
    assert h.newest_common_tag(["exam-svc", "auth-svc"]) == "cccccccc"
    assert h.newest_common_tag(["auth-svc"]) == "dddddddd"
    assert h.newest_common_tag(["auth-svc", "kong"]) is None
    assert h.newest_common_tag(["auth-svc", "no-such-app"]) is None


def test_newest_common_tag_is_the_one_that_became_common_last(history_repo):
    a, b = "svc/a/values.yaml", "svc/b/values.yaml"
    history_repo.commit("a1", {a: "tag: t1\n"})
    history_repo.commit("b2", {b: "tag: t2\n"})
    history_repo.commit("a2", {a: "tag: t2\n"})
    history_repo.commit("b1", {b: "tag: t1\n"})
    h = load_history(history_repo.root, [app("a", "svc/a"), app("b", "svc/b")])
    assert h.newest_common_tag(["a", "b"]) == "t1"


# --- coupling --------------------------------------------------------------------------
def test_coupling_counts_commits_changing_two_apps(lumie):
    history_repo, _ = lumie
    assert load_history(history_repo.root, APPS).coupling() == [
        Coupling("auth-svc", "exam-svc", 3),
        Coupling("applications", "auth-svc", 1),
        Coupling("applications", "exam-svc", 1),
    ]


def test_a_commit_changing_more_apps_than_the_limit_is_left_out_of_the_coupling(lumie):
    history_repo, _ = lumie
    history = load_history(history_repo.root, APPS)
    # "fix probes" changes applications, auth-svc and exam-svc: over a limit of 2, it says nothing
    assert history.coupling(max_apps=2) == [Coupling("auth-svc", "exam-svc", 2)]
    assert (history.mass_commits(max_apps=2), history.mass_commits()) == (1, 0)


# --- errors ----------------------------------------------------------------------------
def test_a_folder_that_is_not_a_repository(tmp_path):
    with pytest.raises(RepoError, match="not a git repository"):
        load_history(tmp_path, APPS)
    with pytest.raises(RepoError, match="not a git repository"):
        find_runs(tmp_path)


def test_a_missing_folder(tmp_path):
    with pytest.raises(RepoError, match="no such folder"):
        load_history(tmp_path / "missing", APPS)


def test_an_empty_repository(history_repo):
    with pytest.raises(RepoError, match="no commits yet"):
        load_history(history_repo.root, APPS)
    with pytest.raises(RepoError, match="no commits yet"):
        find_runs(history_repo.root)


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


# --- read once per HEAD ------------------------------------------------------------------------
def test_the_history_of_a_head_is_read_once_and_a_new_commit_reads_it_again(history_repo, monkeypatch):
    from migrate.repo import history as module
    history_repo.commit("create", {"svc/exam/common-values.yaml": values("11111111")})
    first = load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    real_log = module.git_log
    monkeypatch.setattr(module, "git_log", lambda *args: pytest.fail("git log read again at the same HEAD"))
    again = load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    assert again.commits == first.commits and again.apps["exam-svc"].tag_bumps == first.apps["exam-svc"].tag_bumps
    history_repo.commit("bump", {"svc/exam/common-values.yaml": values("22222222")})
    calls = []
    monkeypatch.setattr(module, "git_log", lambda *args: calls.append(args) or real_log(*args))
    later = load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    assert len(calls) == 2 and [b.new for b in later.apps["exam-svc"].tag_bumps] == ["11111111", "22222222"]
    (history_repo.root / ".mailmap").write_text("Alicia <alice@example.com> Alice <alice@example.com>\n")
    renamed = load_history(history_repo.root, [app("exam-svc", "svc/exam")])   # authors' names changed
    assert len(calls) == 4 and renamed.commits[0].author == "Alicia"


def test_without_the_parse_cache_the_history_is_read_each_time(history_repo, monkeypatch):
    from migrate.repo import history as module
    monkeypatch.setenv("MIGRATE_PARSE_CACHE", "0")
    history_repo.commit("create", {"svc/exam/common-values.yaml": values("11111111")})
    load_history(history_repo.root, [app("exam-svc", "svc/exam")])
    monkeypatch.setattr(module, "git_log", lambda *args: pytest.fail("read again: as it should be"))
    with pytest.raises(pytest.fail.Exception):
        load_history(history_repo.root, [app("exam-svc", "svc/exam")])
