"""The committed snapshots of the shipped playbooks: each one dry-run on a fresh example repository.

``snapshots/<playbook>/`` (at the top of the migrate source tree) holds ``NN-<step>.diff`` per
step and ``report.md``, exactly as ``migrate run <playbook> --dry-run --snapshot-dir`` writes
them on the example repository. Regenerate them on purpose, review the diff, commit::

    migrate example snapshots --out snapshots             # every shipped playbook
    migrate example snapshots --out snapshots drop-kong   # one playbook

``--check`` writes nothing and fails (exit 1), naming the first file whose content drifted
(tests/test_snapshots.py does the same). ``PARAMETERS`` holds each playbook's parameters
for the example repository (a playbook without a row runs with its defaults).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable

from ..engine import plan
from ..engine.snapshots import write_snapshots
from ..errors import MigrateError, UsageError
from ..playbook import playbook_names
from . import init_repo

DEMO_PLAYBOOK = "consolidate-backend"   # the main job `migrate demo` dry-runs
# playbook -> parameters (as --set would give them) for the example repository; None: the
# playbook does not apply to it (no snapshot unless asked for by name)
PARAMETERS: dict[str, dict[str, str] | None] = {
    "consolidate-backend": {},
    # every loss accepted, so that the snapshot shows the whole change and the loss report
    "drop-kong": {"accept_loss": "konghq.com/connect-timeout,konghq.com/read-timeout,lumie-jwt,lumie-jwt-claims,"
                                "upload-size-limit"},
    "drop-nginx-ingress": None,   # no ingress-nginx here (tests/test_drop_kong_nginx.py runs it)
    "drop-traefik": None,         # Traefik is what the example moves to (tests/ingress/test_drop_traefik.py runs it)
}


def render_all(folder: Path, playbooks: Iterable[str] | None = None) -> list[str]:
    """Create the example repository in a temporary folder, dry-run ``playbooks`` (default:
    every shipped one) there and write their snapshots into ``folder/<playbook>/``; the names."""
    shipped = playbook_names()
    names = list(playbooks or [n for n in shipped if PARAMETERS.get(n, {}) is not None])
    unknown = [n for n in names if n not in shipped]
    if unknown:
        raise UsageError(f"no shipped playbook {unknown[0]!r} (shipped: {', '.join(shipped)})")
    with tempfile.TemporaryDirectory(prefix="migrate-snapshots-") as tmp:
        repo = Path(tmp) / "lumie-infra"
        init_repo(repo)
        for name in names:
            the_plan = plan(repo, name, PARAMETERS.get(name) or {}, check_snapshots=False)
            if the_plan.error is not None:
                raise MigrateError(f"{name} fails on the example repository ({the_plan.error}); give it "
                                   "parameters in migrate/example/snapshots.py PARAMETERS")
            write_snapshots(Path(folder) / name, the_plan)
    return names


def drift(expected: Path, actual: Path) -> str | None:
    """The first file (relative path) that differs between two snapshot folders, or None."""
    names = sorted({p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()} |
                   {p.relative_to(actual).as_posix() for p in actual.rglob("*") if p.is_file()})
    for name in names:
        left, right = expected / name, actual / name
        if not left.is_file() or not right.is_file() or left.read_bytes() != right.read_bytes():
            return name
    return None


def check_all(out: Path, playbooks: Iterable[str] | None = None) -> str | None:
    """The first committed snapshot file under ``out`` that the playbooks no longer produce
    byte for byte (``<playbook>/<file>``), or None when all match."""
    with tempfile.TemporaryDirectory(prefix="migrate-snapshots-check-") as tmp:
        fresh = Path(tmp)
        for name in render_all(fresh, playbooks):
            different = drift(Path(out) / name, fresh / name)
            if different:
                return f"{name}/{different}"
    return None
