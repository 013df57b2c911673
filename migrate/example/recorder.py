"""Records a scripted history: the tree after each commit, and the state changes each commit made.

The story (``story.py``) mutates model objects through ``Recorder.set`` and then commits the
re-rendered files; the recorder keeps only the files whose text changed. ``revert`` undoes a
commit exactly like ``git revert`` would (file texts and model state back to before it),
refusing if a later commit touched the same files. ``schedule`` spreads the commits over
working days. Nothing here knows about git: ``fastimport.py`` writes the result.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from typing import Any, Mapping

from .model import pick

REVERTED_SHA = "@@REVERTED_SHA@@"  # placeholder in a revert message, replaced by the real sha when written
KST = 9 * 3600


@dataclass(frozen=True)
class Person:
    """A commit author (also the committer)."""

    name: str
    email: str


@dataclass
class Commit:
    """One commit of the script: who, what message, which files (text, or None = deleted)."""

    author: Person
    message: str
    changes: dict[str, str | None]
    previous: dict[str, str | None]  # texts before this commit, for reverts
    undo: list[tuple[Any, str, Any]] = field(default_factory=list)  # (object, attribute, old value)
    reverts: int | None = None  # index of the commit this one reverts
    when: int = 0  # epoch seconds, set by schedule()

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


class Recorder:
    """The history being scripted: current file texts, commits so far, pending model changes."""

    def __init__(self) -> None:
        self.tree: dict[str, str] = {}
        self.commits: list[Commit] = []
        self._pending: list[tuple[Any, str, Any]] = []

    def set(self, obj: Any, attribute: str, value: Any) -> None:
        """Change model state; the next commit remembers the old value (so it can be reverted)."""
        self._pending.append((obj, attribute, getattr(obj, attribute)))
        setattr(obj, attribute, value)

    def commit(self, author: Person, message: str, files: Mapping[str, str | None]) -> Commit:
        """Commit the files whose text differs from the tree (None deletes); refuses an empty commit."""
        changes = {path: text for path, text in files.items() if self.tree.get(path) != text}
        if not changes:
            raise AssertionError(f"example history: commit {message!r} changes nothing")
        commit = Commit(author, message, changes, {path: self.tree.get(path) for path in changes},
                        undo=self._pending)
        self._pending = []
        self._apply(changes)
        self.commits.append(commit)
        return commit

    def revert(self, commit: Commit, author: Person, reason: str) -> Commit:
        """A ``git revert`` of ``commit``: its files and model changes restored, with git's message."""
        for path, text in commit.changes.items():
            if self.tree.get(path) != text:
                raise AssertionError(f"example history: {path} changed after {commit.subject!r}; cannot revert")
        for obj, attribute, old in reversed(commit.undo):
            setattr(obj, attribute, old)
        message = f'Revert "{commit.subject}"\n\nThis reverts commit {REVERTED_SHA}.\n\n{reason}\n'
        revert = Commit(author, message, dict(commit.previous), dict(commit.changes),
                        reverts=self.commits.index(commit))
        self._apply(revert.changes)
        self.commits.append(revert)
        return revert

    def _apply(self, changes: Mapping[str, str | None]) -> None:
        for path, text in changes.items():
            if text is None:
                self.tree.pop(path, None)
            else:
                self.tree[path] = text


def schedule(commits: list[Commit], start: tuple[int, int, int], working_days: int) -> None:
    """Spread the commits over ``working_days`` weekdays from ``start`` (KST office hours, increasing)."""
    day0 = calendar.timegm((*start, 0, 0, 0)) - KST
    weekdays = [day for day in range(working_days * 2) if (day % 7) < 5][:working_days]  # start is a Monday
    per_day: dict[int, list[Commit]] = {}
    for index, commit in enumerate(commits):
        per_day.setdefault(weekdays[index * working_days // len(commits)], []).append(commit)
    for day, todays in per_day.items():
        spacing = 10 * 3600 // (len(todays) + 1)  # 09:30 .. 19:30
        for slot, commit in enumerate(todays, 1):
            jitter = pick(f"{day}:{slot}", max(spacing // 2, 1)) - spacing // 4
            commit.when = day0 + day * 86400 + 9 * 3600 + 1800 + slot * spacing + jitter
