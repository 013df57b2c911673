"""Shared fixtures: the example repository, generated once per session, copied per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.identity import GIT_IDENTITY, copy_repo

# Fixtures shared across folders: the engine's test repository (``repo``) and scripted histories
# (``history_repo``, ``lumie``, ``small``).
pytest_plugins = ["tests.fixtures.engine", "tests.fixtures.history", "tests.fixtures.review"]


@pytest.fixture(scope="session")
def example_repo_master(tmp_path_factory) -> Path:
    from migrate.example import init_repo

    path = tmp_path_factory.mktemp("example") / "lumie-infra"
    init_repo(path)
    return path


@pytest.fixture
def example_repo(example_repo_master, tmp_path) -> Path:
    """A private copy of the example repository (a real git repo) for one test."""
    return copy_repo(example_repo_master, tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _render_cache(tmp_path_factory):
    """Renders are cached for the test session only (never the user's ~/.cache/migrate)."""
    folder = tmp_path_factory.mktemp("render-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("MIGRATE_CACHE_DIR", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch):
    """Commits made by tests (and by the engine under test) get a fixed identity,
    whatever the machine's git config says."""
    for var, value in GIT_IDENTITY.items():
        monkeypatch.setenv(var, value)
