"""The git history of a GitOps repository, read per Application, and earlier `migrate` runs.

``load_history(repo_root, inventory)`` reads the history of HEAD in two ``git log`` passes
(one listing the files each commit touched, one with the ``tag:`` lines of values files)
and answers, per Application: its commits, authors, last change and image-tag bumps;
across Applications: co-change coupling, tags several services were built from together,
and the newest tag a set of services all had. ``find_runs(repo_root)`` reads the commit
trailers that the engine writes (``Migrate-Playbook``, ``Migrate-Step``, ``Migrate-Run``,
``Migrate-Diff-Sha256``, ``Migrate-Revert-Of``) back into ``Run`` records.

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
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import git

from .errors import RepoError, UsageError

RECORD, FIELD = "\x1e", "\x1f"
_HEADER = f"{RECORD}%H{FIELD}%aI{FIELD}%aN{FIELD}%s"
VALUES_PATHSPECS = ("*values*.yaml", "*values*.yml")
_TAG_LINE = re.compile(r"(?m)^([-+])[ \t]*(?:-[ \t]+)?tag:[ \t]*(?P<value>[^#\n]*?)[ \t]*(?:#.*)?$")
_TRAILER = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*):[ \t]*(?P<value>.*)$")
_STEP = re.compile(r"^(?P<index>\d+)/(?P<total>\d+)\s+(?P<name>\S+)$")
_REVERTS_BODY = re.compile(r"^This reverts commit (?P<sha>[0-9a-f]{7,64})", re.MULTILINE)


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

    def coupling(self) -> list[Coupling]:
        """Pairs of applications changed in the same commit, by count desc, then names."""
        apps_of: dict[str, list[str]] = {}
        for name in sorted(self.apps):
            for commit in self.apps[name].commits:
                apps_of.setdefault(commit.sha, []).append(name)
        pairs = Counter(pair for names in apps_of.values() for pair in combinations(names, 2))
        return [Coupling(a, b, n) for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))]

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


# --- opening the repository ----------------------------------------------------------
def open_repo(repo_root: Path | str) -> git.Repo:
    """The git repository at (or above) ``repo_root``, with at least one commit."""
    try:
        repo = git.Repo(repo_root, search_parent_directories=True)
    except git.NoSuchPathError:
        raise RepoError(f"no such folder: {repo_root}") from None
    except git.InvalidGitRepositoryError:
        raise RepoError(f"not a git repository: {repo_root} (run `git init` or pass --repo DIR)") from None
    if repo.bare:
        raise RepoError(f"{repo_root} is a bare repository; pass the folder of a work tree")
    if not repo.head.is_valid():
        raise RepoError(f"the repository at {repo.working_tree_dir} has no commits yet")
    return repo


def _git_log(repo: git.Repo, *args: str) -> str:
    try:
        return repo.git.log("HEAD", "--reverse", "--no-renames", *args)
    except git.GitCommandError as exc:
        raise RepoError(f"git log failed in {repo.working_tree_dir}: {exc.stderr.strip()}") from None


def _parse_header(header: str) -> Commit:
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
    out = _git_log(repo, "-z", "--name-only", f"--format={_HEADER}")
    for record in out.split(RECORD)[1:]:
        header, _, files = record.partition("\0")
        paths = [p for p in files.split("\0") if p.strip("\n")]
        if paths:
            paths[0] = paths[0].removeprefix("\n")
        yield _parse_header(header), paths


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
    out = _git_log(repo, "-p", "-U0", "-G", r"tag:", f"--format={_HEADER}", "--", *pathspecs)
    for record in out.split(RECORD)[1:]:
        header, _, patch = record.partition("\n")
        commit = _parse_header(header)
        for path, old, new in _tag_changes(patch):
            yield path, TagBump(commit.sha, commit.date, commit.author, old, new)


# --- load_history ---------------------------------------------------------------------
def load_history(repo_root: Path | str, inventory) -> History:
    """Read the history of HEAD for every application of ``inventory`` (see module doc)."""
    repo = open_repo(repo_root)
    owners = _Owners(inventory.applications)
    apps = {app.name: AppHistory(app.name) for app in inventory.applications}
    commits = []
    for commit, paths in _commits_with_files(repo):
        commits.append(commit)
        for name in sorted(frozenset().union(*map(owners.of, paths))):
            apps[name].commits.append(commit)
            apps[name].authors[commit.author] += 1
    explicit = {p for app in inventory.applications for p in app.value_files}
    for path, bump in _tag_bumps(repo, explicit):
        for name in sorted(owners.of(path)):
            apps[name].tag_bumps.append(bump)
    return History(commits, apps)


# --- earlier migrate runs (commit trailers) -------------------------------------------
@dataclass(frozen=True)
class StepCommit:
    """A commit made by one step of a run (``Migrate-Step: <index>/<total> <name>``)."""

    sha: str
    index: int
    total: int
    name: str
    diff_sha256: str | None
    date: datetime
    params_sha256: str | None = None   # ``Migrate-Params-Sha256``: which parameters the run had

    def to_dict(self) -> dict:
        return {"sha": self.sha, "index": self.index, "total": self.total, "name": self.name,
                "diff_sha256": self.diff_sha256, "date": self.date.isoformat(),
                "params_sha256": self.params_sha256}


@dataclass(frozen=True)
class RevertCommit:
    """A commit that reverted ``revert_of`` (by ``migrate rollback`` or a plain ``git revert``)."""

    sha: str
    revert_of: str
    date: datetime

    def to_dict(self) -> dict:
        return {"sha": self.sha, "revert_of": self.revert_of, "date": self.date.isoformat()}


@dataclass
class Run:
    """One run of a playbook, as its commits record it: steps and reverts, oldest first."""

    playbook: str
    run_id: str
    steps: list[StepCommit] = field(default_factory=list)
    reverts: list[RevertCommit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return max((s.total for s in self.steps), default=0)

    @property
    def complete(self) -> bool:
        """Every step 1..total has a commit."""
        return bool(self.steps) and {s.index for s in self.steps} >= set(range(1, self.total + 1))

    @property
    def rolled_back(self) -> bool:
        """Every step commit has been reverted."""
        reverted = {r.revert_of for r in self.reverts}
        return bool(self.steps) and all(s.sha in reverted for s in self.steps)

    @property
    def params_sha256(self) -> str | None:
        """The hash of the run's resolved parameters (None: recorded before runs carried it)."""
        return next((s.params_sha256 for s in self.steps if s.params_sha256), None)

    @property
    def last_step(self) -> StepCommit | None:
        """The step with the highest index (where an interrupted run resumes after)."""
        return max(self.steps, key=lambda s: s.index, default=None)

    def to_dict(self) -> dict:
        return {"playbook": self.playbook, "run_id": self.run_id, "total": self.total,
                "complete": self.complete, "rolled_back": self.rolled_back,
                "steps": [s.to_dict() for s in self.steps], "reverts": [r.to_dict() for r in self.reverts]}


def parse_trailers(message: str) -> dict[str, list[str]]:
    """The trailers of a commit message: ``Key: value`` lines forming its last paragraph.

    Strict: the message needs a paragraph before the trailers, and every line of the last
    paragraph must be a trailer (or an indented continuation of one); otherwise ``{}``.
    """
    paragraphs = re.split(r"\n[ \t]*\n", message.strip())
    if len(paragraphs) < 2:
        return {}
    trailers: dict[str, list[str]] = {}
    key = None
    for line in paragraphs[-1].splitlines():
        if key and line[:1] in (" ", "\t"):
            trailers[key][-1] = f"{trailers[key][-1]} {line.strip()}"
            continue
        match = _TRAILER.match(line)
        if not match:
            return {}
        key = match["key"]
        trailers.setdefault(key, []).append(match["value"].strip())
    return trailers


def _first(trailers: dict[str, list[str]], key: str) -> str | None:
    return trailers[key][0] if trailers.get(key) else None


class _RunCollector:
    """Folds migrate commits, oldest first, into runs."""

    def __init__(self):
        self.runs: dict[str, Run] = {}
        self._step_owner: dict[str, Run] = {}

    def add(self, commit: Commit, message: str) -> None:
        trailers = parse_trailers(message)
        reverted = _first(trailers, "Migrate-Revert-Of") or _reverted_in_body(message)
        if reverted:
            self._add_revert(commit, reverted, _first(trailers, "Migrate-Run"))
        else:
            self._add_step(commit, trailers)

    def _add_step(self, commit: Commit, trailers: dict[str, list[str]]) -> None:
        run_id, playbook = _first(trailers, "Migrate-Run"), _first(trailers, "Migrate-Playbook")
        step = _STEP.match(_first(trailers, "Migrate-Step") or "")
        if not (run_id and playbook and step):
            return
        run = self.runs.setdefault(run_id, Run(playbook, run_id))
        run.steps.append(StepCommit(commit.sha, int(step["index"]), int(step["total"]), step["name"],
                                    _first(trailers, "Migrate-Diff-Sha256"), commit.date,
                                    _first(trailers, "Migrate-Params-Sha256")))
        self._step_owner[commit.sha] = run

    def _add_revert(self, commit: Commit, reverted: str, run_id: str | None) -> None:
        target = next((sha for sha in self._step_owner if sha.startswith(reverted)), reverted)
        run = self.runs.get(run_id or "") or self._step_owner.get(target)
        if run is not None:
            run.reverts.append(RevertCommit(commit.sha, target, commit.date))


def _reverted_in_body(message: str) -> str | None:
    match = _REVERTS_BODY.search(message)
    return match["sha"] if match else None


def find_runs(repo_root: Path | str) -> list[Run]:
    """Earlier migrate runs recorded in the history of HEAD, oldest first."""
    repo = open_repo(repo_root)
    out = _git_log(repo, "-E", "--grep=^Migrate-(Run|Revert-Of):", "--grep=^This reverts commit",
                   f"--format={_HEADER}{FIELD}%B")
    collector = _RunCollector()
    for record in out.split(RECORD)[1:]:
        header, _, message = record.rpartition(FIELD)
        collector.add(_parse_header(header), message)
    return list(collector.runs.values())


# --- the report `migrate history` prints ----------------------------------------------
def history_report(repo_root: Path | str, inventory, app: str | None = None, coupling: bool = False) -> dict:
    """JSON-ready summary: one row per application (or only ``app``, with its commits and tag
    bumps), the coupling pairs when asked, and the earlier migrate runs."""
    history = load_history(repo_root, inventory)
    apps = [history.apps[name] for name in sorted(history.apps) if app in (None, name)]
    if app is not None and not apps:
        raise UsageError(f"no application named {app!r} (run `migrate history` for the list)")
    data: dict = {"commits_total": len(history.commits), "apps": [a.summary() for a in apps]}
    if app is not None:
        data["commits"] = [c.to_dict() for c in apps[0].commits]
        data["tag_bumps"] = [b.to_dict() for b in apps[0].tag_bumps]
    if coupling:
        data["coupling"] = [{"apps": [a, b], "commits": n} for a, b, n in history.coupling() if app in (None, a, b)]
    data["runs"] = [r.to_dict() for r in find_runs(repo_root)]
    return data
