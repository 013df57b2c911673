"""Reliability figures: kills survived, bytes lost.

    python bench/reliability.py [--quick]

Kills a real ``migrate run`` of both shipped playbooks, and ``migrate rollback``, on the example
repository with SIGKILL inside every step at every fault point (``MIGRATE_FAULT``, see
``migrate.engine.transaction``) and after random delays, then runs the same command again and checks
that it reaches the tree of an uninterrupted run, that every commit on the branch verifies, that the
user's untracked and ignored files are byte-identical and that ``git fsck`` is clean
(``migrate.faults``). Prints one line per case and the totals; bytes lost must be 0.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from migrate.example import init_repo
from migrate.faults import FAULT_POINTS, expected_tree, git, migrate_command, run_case

LOSSES = "konghq.com/connect-timeout,konghq.com/read-timeout,lumie-jwt,lumie-jwt-claims,upload-size-limit"
RUNS = {"consolidate-backend": (["run", "consolidate-backend", "--yes"], 4),
        "drop-kong": (["run", "drop-kong", "--yes", "--set", f"accept_loss={LOSSES}"], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one step per playbook instead of every step")
    parser.add_argument("--delays", type=int, default=10, help="random-delay kills per playbook")
    args = parser.parse_args()
    rng = random.Random(20261202)
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        template = work / "example"
        init_repo(template)
        for name, (command, steps) in RUNS.items():
            expected = expected_tree(template, work / "expected", command)
            for step in ([2] if args.quick else range(1, steps + 1)):
                for point in FAULT_POINTS:
                    outcomes.append(_case(template, work, command, expected, fault=f"{point}:{step}",
                                          name=f"run {name} {point}:{step}"))
            for _ in range(args.delays):
                delay = rng.uniform(1.5, 6.0)
                outcomes.append(_case(template, work, command, expected, delay=delay,
                                      name=f"run {name} after {delay:.2f}s"))
        consolidated = work / "consolidated"
        shutil.copytree(template, consolidated, symlinks=True)
        subprocess.run(migrate_command(*RUNS["consolidate-backend"][0], "--repo", str(consolidated)), check=True,
                       capture_output=True)
        original = git(template, "rev-parse", "HEAD^{tree}")
        for revert in ([1] if args.quick else range(1, 5)):
            for point in FAULT_POINTS:
                outcomes.append(_case(consolidated, work, ["rollback", "consolidate-backend", "--yes"], original,
                                      fault=f"{point}:{revert}", name=f"rollback consolidate-backend {point}:{revert}"))
    killed = sum(o.killed for o in outcomes)
    recovered = sum(o.recovered for o in outcomes)
    lost = sum(o.bytes_lost for o in outcomes)
    print(f"\n{len(outcomes)} cases: {killed} killed with SIGKILL, {recovered} recovered by the next plain "
          f"invocation, {len(outcomes) - recovered} not, {lost} bytes of user files lost")
    return 0 if recovered == len(outcomes) and lost == 0 else 1


def _case(template, work, command, expected, **how):
    start = time.perf_counter()
    outcome = run_case(template, work / "case", command, expected, **how)
    verdict = "recovered" if outcome.recovered else f"NOT RECOVERED: {outcome.detail}"
    print(f"{outcome.case:<48} {'killed' if outcome.killed else 'finished':<8} {verdict} "
          f"({time.perf_counter() - start:.1f} s)", flush=True)
    return outcome


if __name__ == "__main__":
    sys.exit(main())
