"""Finding playbooks: the repository's own (``.migrate/playbooks/``) and the shipped ones.

The shipped playbooks are the files of the ``migrate.playbooks`` package (the top-level
``playbooks/`` folder of the source tree). A repository's playbook of the same name is used
instead of the shipped one only when asked (``allow_shadowing``); ``Playbook.origin`` says which file runs.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .format import Playbook, parse_playbook

REPO_PLAYBOOKS = ".migrate/playbooks"


def _shipped() -> dict[str, Any]:
    """Shipped playbook files by name (``migrate.playbooks`` package data)."""
    folder = resources.files("migrate.playbooks")
    return {entry.name[:-5]: entry for entry in folder.iterdir() if entry.name.endswith(".yaml")}


def _in_repo(repo: Path | None) -> dict[str, Path]:
    folder = Path(repo) / REPO_PLAYBOOKS if repo is not None else None
    if folder is None or not folder.is_dir():
        return {}
    return {p.stem: p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()}


def _sources(repo: Path | None) -> dict[str, tuple[Any, str, bool]]:
    """name -> (file, shown source, shipped); the repo's playbooks shadow shipped ones."""
    found = {name: (entry, f"migrate.playbooks/{entry.name}", True) for name, entry in _shipped().items()}
    for name, path in _in_repo(repo).items():
        found[name] = (path, f"{REPO_PLAYBOOKS}/{path.name}", False)
    return found


def playbook_names(repo: Path | None = None) -> list[str]:
    return sorted(_sources(repo))


def load_playbook(name: str, repo: Path | None = None, *, allow_shadowing: bool = False) -> Playbook:
    """The playbook ``name``: from ``<repo>/.migrate/playbooks/`` if there, else shipped. A repository's
    playbook with the name of a shipped one runs only with ``allow_shadowing`` (``--allow-shadowing``)."""
    sources = _sources(repo)
    if name not in sources:
        raise UsageError(f"unknown playbook {name!r} (known: {', '.join(sorted(sources)) or 'none'})")
    entry, shown, shipped = sources[name]
    shadows = not shipped and name in _shipped()
    if shadows and not allow_shadowing:
        raise UsageError(f"{shown} has the name of a shipped playbook: pass --allow-shadowing to run the "
                         f"repository's own, or rename it to run the shipped one", path=shown)
    playbook = parse_playbook(entry.read_text(encoding="utf-8"), shown, shipped=shipped)
    if shadows:
        playbook = replace(playbook, shadows=True)
    if playbook.name != name:
        raise UsageError(f"the playbook in {shown} is named {playbook.name!r}; its file must be "
                         f"{playbook.name}.yaml", path=shown)
    return playbook


def list_playbooks(repo: Path | None = None) -> list[Playbook]:
    """Every playbook available for ``repo`` (its own and the shipped ones), by name."""
    return [load_playbook(name, repo, allow_shadowing=True) for name in playbook_names(repo)]
