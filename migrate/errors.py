"""Errors a user can cause, each with the exit code the CLI returns for it.

Every error names the file and line, or the value, that caused it. The CLI prints
``str(error)`` and exits with ``error.exit_code``; it never shows a traceback for these.
"""

from __future__ import annotations


class MigrateError(Exception):
    """Base class: a problem the user can fix. Exit code 1 (refused / failed)."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        msg = super().__str__()
        if self.path and self.line:
            return f"{self.path}:{self.line}: {msg}"
        if self.path:
            return f"{self.path}: {msg}"
        return msg


class UsageError(MigrateError):
    """Wrong command-line use: unknown playbook, unknown parameter, bad value. Exit 2."""

    exit_code = 2


class RepoError(MigrateError):
    """The target is not a usable git repository (not a repo, empty, dirty, detached...)."""


class YamlError(MigrateError):
    """A YAML file does not parse."""


class VerificationError(MigrateError):
    """A step's verification failed; nothing was written."""

    def __init__(self, check: str, message: str, *, path: str | None = None, line: int | None = None,
                 settings: tuple[str, ...] = ()):
        self.check = check
        self.settings = settings      # KEY=VALUE parameters that would satisfy the check
        super().__init__(f"[{check}] {message}", path=path, line=line)
