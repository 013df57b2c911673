"""The on-disk parse cache in .git: reused across processes, never stale, never in the way."""

from __future__ import annotations

import hashlib
import pickle
import subprocess
import sys

import pytest
import ruamel.yaml

from migrate.errors import YamlError
from migrate.repo.tracked import Tree
from migrate.roundtrip import document
from migrate.testing import make_repo
from migrate.version import __version__

TEXT = "# 설정\ncommon:\n  image:\n    tag: \"047989b1\" # bumped by CI\n  env:\n  - name: A\n    value: b\n"


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {"values.yaml": TEXT, "other.yaml": "a: 1\n"})


def cached_files(repo):
    folder = repo / ".git" / "migrate" / "parse-cache"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def load_in_new_process(repo) -> str:
    """Load values.yaml in a fresh interpreter (empty in-memory cache); print its dump and data."""
    code = ("import sys; from migrate.repo import Tree; from migrate.roundtrip import load\n"
            "yf = load(Tree.from_repo(sys.argv[1]), 'values.yaml')\n"
            "yf.docs[0]['common']['image']['tag'] = 'deadbeef'\n"
            "print(yf.dump(), end='')")
    return subprocess.run([sys.executable, "-c", code, str(repo)], capture_output=True, text=True,
                          check=True).stdout


def test_a_parse_is_written_once_and_read_back_by_the_next_process(repo):
    first = load_in_new_process(repo)
    entries = cached_files(repo)
    assert len(entries) == 2    # the file's parse, and the edited text's (the dump's check re-reads it)
    stamps = [e.stat().st_mtime_ns for e in entries]
    assert load_in_new_process(repo) == first == TEXT.replace("047989b1", "deadbeef")
    assert cached_files(repo) == entries and [e.stat().st_mtime_ns for e in entries] == stamps  # read, not rewritten
    assert subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                          text=True).stdout == ""  # the cache lives in .git, not in the work tree


def test_a_changed_file_is_a_new_key(repo):
    load_in_new_process(repo)
    (repo / "values.yaml").write_text(TEXT.replace("value: b", "value: c"))
    assert "value: c" in load_in_new_process(repo)
    assert len(cached_files(repo)) == 4     # each text and its edited text


def test_a_damaged_entry_is_parsed_again(repo):
    load_in_new_process(repo)
    cached_files(repo)[0].write_bytes(b"not a pickle")
    assert load_in_new_process(repo) == TEXT.replace("047989b1", "deadbeef")


def test_it_can_be_turned_off(repo, monkeypatch):
    monkeypatch.setenv("MIGRATE_PARSE_CACHE", "0")
    document._CACHE.clear()
    assert document.load(Tree.from_repo(repo), "values.yaml").dump() == TEXT
    assert cached_files(repo) == []


def test_files_that_do_not_parse_are_not_cached(repo):
    (repo / "bad.yaml").write_text("a: [1,\n")
    subprocess.run(["git", "add", "bad.yaml"], cwd=repo, check=True)
    document._CACHE.clear()
    with pytest.raises(YamlError):
        document.load(Tree.from_repo(repo), "bad.yaml")
    assert cached_files(repo) == []


def test_an_entry_written_by_an_earlier_parser_of_the_same_version_is_not_reused(repo):
    """Parses are keyed by the parser's own code too: a changed parser never reads old pickles
    (here: the key an earlier parser of the same release wrote, from versions only)."""
    versions_only = f"migrate {__version__}, ruamel.yaml {ruamel.yaml.__version__}"
    key = hashlib.sha256(f"{versions_only}\0values.yaml\0{TEXT}".encode()).hexdigest()
    target = repo / ".git" / "migrate" / "parse-cache" / key[:2] / key[2:]
    target.parent.mkdir(parents=True)
    target.write_bytes(pickle.dumps(document.Parsed.from_text("stale: true\n", "values.yaml")))
    assert load_in_new_process(repo) == TEXT.replace("047989b1", "deadbeef")


def test_files_that_may_hold_a_secret_are_never_cached(tmp_path):
    from migrate.roundtrip.cache import cacheable
    assert not cacheable("kind: Secret\nstringData: {a: b}\n")
    assert not cacheable("env:\n- name: DB_PASSWORD\n  value: x\n")
    assert cacheable(TEXT)


def test_the_cache_stays_under_its_size_evicting_the_least_recently_used(tmp_path, monkeypatch):
    import os
    import time
    from migrate.roundtrip.cache import ParseCache
    monkeypatch.setenv("MIGRATE_PARSE_CACHE_MB", "0.01")      # ~10 KB
    folder = tmp_path / "cache"
    old = ParseCache(folder)
    for n in range(12):
        old.put(f"{n:02d}" + "0" * 62, "x" * 2000)
    entries = sorted(folder.glob("*/*"))
    for n, entry in enumerate(entries):
        os.utime(entry, (time.time() - 1000 + n, time.time() - 1000 + n))
    ParseCache(folder).put("ff" + "0" * 62, "y" * 2000)     # a new process: bounds once
    left = sum(e.stat().st_size for e in folder.glob("*/*"))
    assert left <= 0.01 * 1024 * 1024
    assert (folder / "ff" / ("0" * 62)).exists() and not (folder / "00" / ("0" * 62)).exists()
    count = len(list(folder.glob("*/*")))
    assert ParseCache(folder).clear() == count and not folder.exists()


def test_the_render_cache_stays_under_its_size_too(tmp_path, monkeypatch):
    import os
    import time
    from migrate.render.cache import RenderCache
    monkeypatch.setenv("MIGRATE_RENDER_CACHE_MB", "0.01")
    folder = tmp_path / "renders"
    old = RenderCache(folder)
    for n in range(12):
        old.put(f"{n:02d}" + "0" * 62, "x" * 2000)
    for n, entry in enumerate(sorted(folder.glob("*/*"))):
        os.utime(entry, (time.time() - 1000 + n, time.time() - 1000 + n))
    RenderCache(folder).put("ff" + "0" * 62, "y" * 2000)    # a new process: bounds once, on its first write
    assert sum(e.stat().st_size for e in folder.glob("*/*")) <= 0.01 * 1024 * 1024
    assert (folder / "ff" / ("0" * 62)).exists() and not (folder / "00" / ("0" * 62)).exists()
