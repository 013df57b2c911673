"""The ``migrate`` command line: a thin click layer over the library API.

Each command parses its options, calls one library function and prints the result (human text by
default, JSON with ``--json``; the human output is ``console``'s). Errors a user can cause are
``MigrateError``s: printed as one clear message, exit 1 (refused/failed) or 2 (usage). ``app`` is the
command group and its shared options; ``repository`` the commands that read a repository;
``playbooks`` those that run playbooks; ``audit`` the ``verify`` command.
"""

from . import audit, playbooks, repository, review  # noqa: F401  (they add their commands to main)
from .app import entry, main

__all__ = ["entry", "main"]
