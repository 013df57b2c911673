"""Reliability figures: kills survived, hostile inputs and how each ended, property cases, bytes lost.

    python bench/reliability.py [--quick] [--property-cases N]

Kills a real ``migrate run`` of both shipped playbooks, and ``migrate rollback``, on the example
repository with SIGKILL inside every step at every fault point (``MIGRATE_FAULT``, see
``migrate.engine.transaction``) and after random delays, then runs the same command again and checks
that it reaches the tree of an uninterrupted run, that every commit on the branch verifies, that the
user's untracked and ignored files are byte-identical and that ``git fsck`` is clean
(``migrate.faults``). Then feeds hostile repositories to doctor, graph and a dry run (an alias bomb,
an oversized file, non-UTF-8 bytes and names, links out of the repository, hostile ``--set`` values)
and reports how each ended and how long it took; then runs the property-based round-trip tests with
N cases. Prints one line per case and the totals; bytes lost must be 0.
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--property-cases", type=int, default=1000, help="random documents per property")
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
        hostile = _hostile(work)
    properties = _properties(args.property_cases)
    killed = sum(o.killed for o in outcomes)
    recovered = sum(o.recovered for o in outcomes)
    lost = sum(o.bytes_lost for o in outcomes)
    bad = [h for h in hostile if not h[2]]
    print(f"\nkills: {len(outcomes)} cases, {killed} killed with SIGKILL, {recovered} recovered by the next plain "
          f"invocation, {len(outcomes) - recovered} not, {lost} bytes of user files lost")
    print(f"hostile inputs: {len(hostile)} tried, {len(hostile) - len(bad)} ended with a clear message and no "
          f"traceback, {len(bad)} did not")
    print(f"property cases: {properties}")
    return 0 if recovered == len(outcomes) and lost == 0 and not bad else 1


def _hostile(work: Path) -> list[tuple[str, str, bool]]:
    """(input, how it ended, fine) for each hostile input."""
    repo = work / "hostile"
    shutil.copytree(work / "example", repo, symlinks=True)
    bomb = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"a{n}: &a{n} [" + ", ".join(f"*a{n - 1}" for _ in range(9)) + "]" for n in range(1, 10)]
    (repo / "applications/bomb.yaml").write_text("\n".join(bomb) + "\n")
    (repo / "applications/big.yaml").write_text("a: " + "x" * (6 * 1024 * 1024) + "\n")
    (repo / "charts/common/templates/bytes.yaml").write_bytes(b"x: \xff {{ .Values.x }}\n")
    (repo / os.fsdecode(b"applications/odd-\xe9.yaml")).write_text("a: 1\n")
    os.symlink("/etc/passwd", repo / "applications/passwd-values.yaml")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "hostile"], cwd=repo,
                   check=True, capture_output=True)
    tries = [("alias bomb (9 levels), 6 MB file, \\xff in a template, odd name, link to /etc/passwd: doctor",
              ["doctor"]),
             ("the same: graph", ["graph", "--dangling"]),
             ("the same: dry run", ["plan", "consolidate-backend"]),
             ("--set target='x; rm -rf /'", ["plan", "consolidate-backend", "--set", "target=x; rm -rf /"]),
             ("--set target=../../evil", ["plan", "consolidate-backend", "--set", "target=../../evil"]),
             ("--set folder=.git/hooks", ["plan", "consolidate-backend", "--set", "folder=.git/hooks"])]
    results = []
    for label, command in tries:
        start = time.perf_counter()
        done = subprocess.run(migrate_command(*command, "--repo", str(repo)), capture_output=True, text=True,
                              timeout=600)
        seconds = time.perf_counter() - start
        said = next((line for line in (done.stderr + done.stdout).splitlines()
                     if line.startswith(("error", "warning", "skipped"))), "")
        fine = "Traceback" not in done.stderr
        ended = f"exit {done.returncode} in {seconds:.1f} s: {said[:110]}"
        print(f"{label:<92} {ended}", flush=True)
        results.append((label, ended, fine))
    return results


def _properties(cases: int) -> str:
    env = {**os.environ, "MIGRATE_PROPERTY_CASES": str(cases)}
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(root / "tests/roundtrip/test_properties.py")], cwd=root, env=env,
                          capture_output=True, text=True)
    last = (done.stdout.strip().splitlines() or ["?"])[-1]
    return f"2 properties x {cases} random documents: {last}"


def _case(template, work, command, expected, **how):
    start = time.perf_counter()
    outcome = run_case(template, work / "case", command, expected, **how)
    verdict = "recovered" if outcome.recovered else f"NOT RECOVERED: {outcome.detail}"
    print(f"{outcome.case:<48} {'killed' if outcome.killed else 'finished':<8} {verdict} "
          f"({time.perf_counter() - start:.1f} s)", flush=True)
    return outcome


if __name__ == "__main__":
    sys.exit(main())
