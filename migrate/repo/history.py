"""The git history of a GitOps repository, read per Application.

``load_history(repo_root, applications)`` reads the history of HEAD in two ``git log`` passes
(one listing the files each commit touched, one with the ``tag:`` lines of values files)
and answers, per Application: its commits, authors, last change and image-tag bumps;
across Applications: co-change coupling, tags several services were built from together,
and the newest tag a set of services all had.

A commit belongs to an Application when it touches a file the Application owns: its own
file and its values files; any other file belongs to the Application(s) with the deepest
source folder holding it (a root App-of-Apps deploys ``bootstrap/`` but does not own
``bootstrap/zot/argocd.yaml`` nor zot's ``$values`` file there). Paths are those of the
current inventory: history from before a file moved is not followed.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from functools import cached_property, lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import git

from ..errors import UsageError
from .git import git_log, open_repo
from .log_cache import cached_log

RECORD, FIELD = "\x1e", "\x1f"
HEADER = f"{RECORD}%H{FIELD}%aI{FIELD}%aN{FIELD}%s"
VALUES_PATHSPECS = ("*values*.yaml", "*values*.yml")
_TAG_LINE = re.compile(r"(?m)^([-+])[ \t]*(?:-[ \t]+)?tag:[ \t]*(?P<value>[^#\n]*?)[ \t]*(?:#.*)?$")


# --- records -------------------------------------------------------------------------
@dataclass(frozen=True)
class Commit:
    """One commit: full sha, author date, author name (mailmap applied), subject line."""

    sha: str
    date: datetime
    author: str
    subject: str

    def to_dict(self) -> dict:
        return {"sha": self.sha, "date": self.date.isoformat(), "author": self.author, "subject": self.subject}


@dataclass(frozen=True)
class TagBump:
    """An image tag set in one of an app's values files: ``old`` is None when the line is new
    (the tag the app was first deployed with); otherwise a real bump from ``old`` to ``new``."""

    sha: str
    date: datetime
    author: str
    old: str | None
    new: str

    def to_dict(self) -> dict:
        return {"sha": self.sha, "date": self.date.isoformat(), "author": self.author,
                "old": self.old, "new": self.new}


@dataclass
class AppHistory:
    """Everything the history says about one Application, oldest first."""

    name: str
    commits: list[Commit] = field(default_factory=list)
    authors: Counter = field(default_factory=Counter)
    tag_bumps: list[TagBump] = field(default_factory=list)

    @property
    def last_change(self) -> Commit | None:
        return self.commits[-1] if self.commits else None

    @property
    def last_tag(self) -> str | None:
        return self.tag_bumps[-1].new if self.tag_bumps else None

    def tags(self) -> dict[str, int]:
        """Every tag the app was built from -> index in ``tag_bumps`` of the bump where it first appears."""
        first: dict[str, int] = {}
        for position, bump in enumerate(self.tag_bumps):
            for tag in (bump.old, bump.new):
                if tag is not None:
                    first.setdefault(tag, position)
        return first

    def summary(self) -> dict:
        """The one-line view the CLI prints (JSON-ready)."""
        last = self.last_change
        return {
            "app": self.name,
            "commits": len(self.commits),
            "authors": dict(self.authors.most_common()),
            "last_change": last.to_dict() if last else None,
            "tag_bumps": sum(b.old is not None for b in self.tag_bumps),
            "last_tag": self.last_tag,
        }


COUPLING_MAX_APPS = 30   # commits changing more applications are left out of the coupling


class Coupling(NamedTuple):
    """Two applications changed together in ``count`` commits."""

    app_a: str
    app_b: str
    count: int


class SharedTag(NamedTuple):
    """A tag several applications were built from, and the first commit that set it."""

    tag: str
    apps: list[str]
    first_sha: str


@dataclass
class History:
    """The history of HEAD: every commit (oldest first) and one ``AppHistory`` per application."""

    commits: list[Commit]
    apps: dict[str, AppHistory]
    _order: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self):
        self._order = {c.sha: i for i, c in enumerate(self.commits)}

    def coupling(self, max_apps: int = COUPLING_MAX_APPS) -> list[Coupling]:
        """Pairs of applications changed in the same commit, by count desc, then names. A commit that
        changes more than ``max_apps`` applications (a release bumping every image, a mass rename) says
        nothing of which ones belong together, and its pairs grow as the square: it is left out
        (``mass_commits`` counts them), as code-maat's ``--max-changeset-size`` does."""
        pairs = Counter(pair for names in self._apps_of.values() if len(names) <= max_apps
                        for pair in combinations(names, 2))
        return [Coupling(a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))]

    def mass_commits(self, max_apps: int = COUPLING_MAX_APPS) -> int:
        """How many commits ``coupling`` leaves out (they change more than ``max_apps`` applications)."""
        return sum(len(names) > max_apps for names in self._apps_of.values())

    @cached_property
    def _apps_of(self) -> dict[str, list[str]]:
        """commit sha -> the applications it changed, by name (``coupling`` and ``mass_commits`` ask both)."""
        apps_of: dict[str, list[str]] = {}
        for name in sorted(self.apps):
            for commit in self.apps[name].commits:
                apps_of.setdefault(commit.sha, []).append(name)
        return apps_of

    def _first_seen(self) -> dict[str, dict[str, TagBump]]:
        """tag -> app -> the first bump that gave the app that tag (or the bump that replaced it)."""
        seen: dict[str, dict[str, TagBump]] = {}
        for name, app in self.apps.items():
            for tag, position in app.tags().items():
                seen.setdefault(tag, {})[name] = app.tag_bumps[position]
        return seen

    def shared_tags(self) -> list[SharedTag]:
        """Tags that two or more applications were built from, oldest first."""
        shared = []
        for tag, by_app in self._first_seen().items():
            if len(by_app) >= 2:
                first = min(by_app.values(), key=lambda b: self._order[b.sha])
                shared.append((self._order[first.sha], SharedTag(tag, sorted(by_app), first.sha)))
        return [s for _, s in sorted(shared, key=lambda p: (p[0], p[1].tag))]

    def newest_common_tag(self, apps: Iterable[str]) -> str | None:
        """The tag that ALL ``apps`` had at some point and that became common last; None if none.

        Unknown application names have no tags, so they make the answer None.
        """
        wanted = set(apps)
        if not wanted:
            return None
        common = [(max(self._order[by_app[a].sha] for a in wanted), tag)
                  for tag, by_app in self._first_seen().items() if wanted <= by_app.keys()]
        return max(common)[1] if common else None


def parse_header(header: str) -> Commit:
    sha, date, author, subject = header.split(FIELD, 3)
    return Commit(sha, datetime.fromisoformat(date), author, subject)



# --- which application owns a path ----------------------------------------------------
class _Owners:
    """Answers "which applications does a change to this path belong to?" (memoised)."""

    def __init__(self, applications):
        self._exact: dict[str, set[str]] = {}
        self._folders: dict[str, set[str]] = {}
        for app in applications:
            for path in (app.file, *app.value_files):
                self._exact.setdefault(path, set()).add(app.name)
            for folder in app.source_paths:
                self._folders.setdefault(folder.strip("/"), set()).add(app.name)
        self.of = lru_cache(maxsize=None)(self._owners)

    def _owners(self, path: str) -> frozenset[str]:
        return frozenset(self._exact.get(path) or self._deepest_folder_owners(path))

    def _deepest_folder_owners(self, path: str) -> set[str]:
        folder = posixpath.dirname(path)
        while True:
            if folder in self._folders:
                return self._folders[folder]
            if not folder:
                return set()
            folder = posixpath.dirname(folder)


# --- pass 1: files per commit ---------------------------------------------------------
def _commits_with_files(repo: git.Repo) -> Iterator[tuple[Commit, list[str]]]:
    """Every commit of HEAD, oldest first, with the paths it touched."""
    out = git_log(repo, "-z", "--name-only", f"--format={HEADER}")
    for record in out.split(RECORD)[1:]:
        header, _, files = record.partition("\0")
        paths = [p for p in files.split("\0") if p.strip("\n")]
        if paths:
            paths[0] = paths[0].removeprefix("\n")
        yield parse_header(header), paths


# --- pass 2: tag lines of values files ------------------------------------------------
def _unquote(path: str) -> str:
    """A path as git prints it in a diff header (C-quoted when it has special bytes)."""
    if path.startswith('"'):
        return ast.literal_eval("b" + path).decode("utf-8", "surrogateescape")
    return path


def _tag_changes(patch: str) -> Iterator[tuple[str, str | None, str]]:
    """(path, old, new) for each tag value changed in one commit's -U0 patch."""
    for section in re.split(r"^diff --git .*\n", patch, flags=re.MULTILINE)[1:]:
        headers, _, hunks = section.partition("\n@@")
        names = [_unquote(n) for n in re.findall(r"^(?:---|\+\+\+) (.*?)\t?$", headers, flags=re.MULTILINE)]
        path = next((n[2:] for n in reversed(names) if n != "/dev/null"), None)
        values: dict[str, list[str]] = {"-": [], "+": []}
        for match in _TAG_LINE.finditer(hunks):
            value = match["value"].strip("'\"")
            if value:
                values[match[1]].append(value)
        olds, news = values["-"], values["+"]
        for i, new in enumerate(news):
            old = olds[i] if i < len(olds) else None
            if path and old != new:
                yield path, old, new


def _tag_bumps(repo: git.Repo, value_files: Iterable[str]) -> Iterator[tuple[str, TagBump]]:
    """(values file path, TagBump) for every commit that changed a ``tag:`` line, oldest first."""
    others = sorted(p for p in set(value_files) if not any(fnmatchcase(p, g) for g in VALUES_PATHSPECS))
    pathspecs = [*VALUES_PATHSPECS, *(f":(literal){p}" for p in others)]  # each pathspec costs: few
    out = git_log(repo, "-p", "-U0", "-G", r"tag:", f"--format={HEADER}", "--", *pathspecs)
    for record in out.split(RECORD)[1:]:
        header, _, patch = record.partition("\n")
        commit = parse_header(header)
        for path, old, new in _tag_changes(patch):
            yield path, TagBump(commit.sha, commit.date, commit.author, old, new)


# --- load_history ---------------------------------------------------------------------
def load_history(repo_root: Path | str, applications: Iterable) -> History:
    """Read the history of HEAD for ``applications`` (records with ``name``, ``file``,
    ``value_files`` and ``source_paths``; see module doc)."""
    applications = list(applications)
    repo = open_repo(repo_root)
    owners = _Owners(applications)
    apps = {app.name: AppHistory(app.name) for app in applications}
    commits = []
    for commit, paths in cached_log(repo, "files", (), lambda: list(_commits_with_files(repo))):
        commits.append(commit)
        for name in sorted(frozenset().union(*map(owners.of, paths))):
            apps[name].commits.append(commit)
            apps[name].authors[commit.author] += 1
    explicit = {p for app in applications for p in app.value_files}
    for path, bump in cached_log(repo, "tags", tuple(sorted(explicit)), lambda: list(_tag_bumps(repo, explicit))):
        for name in sorted(owners.of(path)):
            apps[name].tag_bumps.append(bump)
    return History(commits, apps)


# --- the report `migrate history` prints ----------------------------------------------
def history_report(repo_root: Path | str, applications: Iterable, app: str | None = None,
                   coupling: bool = False) -> dict:
    """JSON-ready summary: one row per application (or only ``app``, with its commits and tag
    bumps) and the coupling pairs when asked."""
    history = load_history(repo_root, applications)
    apps = [history.apps[name] for name in sorted(history.apps) if app in (None, name)]
    if app is not None and not apps:
        raise UsageError(f"no application named {app!r} (run `migrate history` for the list)")
    data: dict = {"commits_total": len(history.commits), "apps": [a.summary() for a in apps]}
    if app is not None:
        data["commits"] = [c.to_dict() for c in apps[0].commits]
        data["tag_bumps"] = [b.to_dict() for b in apps[0].tag_bumps]
    if coupling:
        data["coupling"] = [{"apps": [a, b], "commits": n} for a, b, n in history.coupling() if app in (None, a, b)]
        data["coupling_left_out"] = history.mass_commits()
    return data
