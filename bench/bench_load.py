"""Benchmark: how long loading and dry-running on the example repository take, and how much memory.

    python bench/bench_load.py [--scale 1,20] [--suite load,dry-run]

For each scale the example repository is generated in a temp folder
(``migrate.example.init_repo(path, scale=N)``), then measured in fresh child processes so
that one scale's (or the generator's) memory does not count for the next:
one run times the phases, a second run traces allocations (``tracemalloc`` slows code down,
so its run is not timed). A suite is a list of phases measured together in one cold
process; each phase runs on the state the previous ones left. Suites: ``load`` (Tree +
Inventory, graph + problems, history) and ``dry-run`` (``migrate plan consolidate-backend``
from a cold start: everything a reviewer waits for). Add a phase or a suite in ``SUITES``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable, NamedTuple

MIB = 1024 * 1024


class Phase(NamedTuple):
    """A named step of loading: reads and extends ``state`` (repo path -> tree -> inventory...)."""

    name: str
    run: Callable[[dict], None]


def load(state: dict) -> None:
    from migrate.inventory import Inventory
    from migrate.repo.tracked import Tree

    state["tree"] = Tree.from_repo(state["repo"])
    state["inventory"] = Inventory.load(state["tree"])


def graph(state: dict) -> None:
    """Build the graph and ask it for problems, as every verified step does."""
    from migrate.graph import build_graph

    state["graph"] = build_graph(state["inventory"])
    state["problems"] = state["graph"].problems()


def history(state: dict) -> None:
    from migrate.engine.ledger import find_runs
    from migrate.repo.history import load_history

    state["history"] = load_history(state["repo"], state["inventory"].applications)
    state["runs"] = find_runs(state["repo"])


def dry_run(state: dict) -> None:
    """``migrate run consolidate-backend --dry-run``: load, graph, history, plan, verify, diffs."""
    from migrate import engine

    the_plan = engine.plan(state["repo"], "consolidate-backend")
    if the_plan.error is not None:
        raise SystemExit(f"dry run failed: {the_plan.error}")


SUITES: dict[str, list[Phase]] = {
    "load": [Phase("load", load), Phase("graph", graph), Phase("history", history)],
    "dry-run": [Phase("dry-run consolidate-backend", dry_run)],
}


# --- child process: measure one repository ----------------------------------------------
def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # Linux: KiB


def measure(repo: Path, trace: bool, suite: str) -> dict:
    """Run the suite's phases on ``repo``; per phase: seconds, or tracemalloc peak; and maxrss after it."""
    import migrate.engine, migrate.graph, migrate.history, migrate.inventory  # noqa: E401,F401 (not timed)

    state: dict = {"repo": repo}
    phases = {}
    if trace:
        tracemalloc.start()
    for phase in SUITES[suite]:
        if trace:
            tracemalloc.reset_peak()
        start = time.perf_counter()
        phase.run(state)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / MIB if trace else None
        phases[phase.name] = {"seconds": seconds, "peak_mib": peak, "maxrss_mib": maxrss_mib()}
    if suite != "load":
        return {"phases": phases}
    tree = state["tree"]
    sizes = {"files": len(tree.paths()), "yaml": sum(p.endswith((".yaml", ".yml")) for p in tree.paths()),
             "apps": len(state["inventory"].applications), "commits": len(state["history"].commits)}
    return {"sizes": sizes, "phases": phases}


CACHE_MODES = ("off", "empty", "warm")  # parse cache disabled; enabled but empty (a first run); filled


def measure_in_child(repo: Path, trace: bool, suite: str, cache: str) -> dict:
    """One suite in a fresh interpreter, with the on-disk parse cache in state ``cache``."""
    folder = repo / ".git" / "migrate" / "parse-cache"
    if cache == "empty":
        shutil.rmtree(folder, ignore_errors=True)
    elif cache == "warm" and not folder.exists():
        measure_in_child(repo, False, "load", "empty")  # fills it (not counted)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(repo), "--suite", suite]
    cmd += ["--trace"] if trace else []
    env = {**os.environ, "MIGRATE_PARSE_CACHE": "0" if cache == "off" else "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"measuring {repo} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


# --- parent: generate, measure, print ---------------------------------------------------
def bench_scale(scale: int, workdir: Path, suites: list[str]) -> dict:
    from migrate.example import init_repo

    repo = workdir / f"lumie-x{scale}"
    start = time.perf_counter()
    init_repo(repo, scale=scale)
    generated = time.perf_counter() - start
    result: dict = {"scale": scale, "generate_seconds": generated, "sizes": None, "suites": {}}
    for cache in CACHE_MODES:
        for suite in ["load"] + [s for s in suites if s != "load"]:
            timed, traced = (measure_in_child(repo, trace, suite, cache) for trace in (False, True))
            for name, phase in timed["phases"].items():
                phase["peak_mib"] = traced["phases"][name]["peak_mib"]
            result["sizes"] = result["sizes"] or timed.get("sizes")
            if suite in suites:
                result["suites"][f"{suite} ({cache})"] = timed["phases"]
    return result


def table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
                     for row in cells)


def report(results: list[dict]) -> str:
    sizes = table(["scale", "files", "yaml files", "apps", "commits", "generate s"],
                  [[f"x{r['scale']}", *r["sizes"].values(), f"{r['generate_seconds']:.2f}"] for r in results])
    rows = []
    for r in results:
        for suite, phases in r["suites"].items():
            cache = suite.rpartition("(")[2].rstrip(")")
            for name, p in phases.items():
                rows.append([f"x{r['scale']}", cache, name, f"{p['seconds']:.3f}", f"{p['peak_mib']:.1f}",
                             f"{p['maxrss_mib']:.1f}"])
            if len(phases) > 1:
                rows.append([f"x{r['scale']}", cache, "total", f"{sum(p['seconds'] for p in phases.values()):.3f}",
                             f"{max(p['peak_mib'] for p in phases.values()):.1f}",
                             f"{max(p['maxrss_mib'] for p in phases.values()):.1f}"])
    timings = table(["scale", "parse cache", "phase", "time s", "tracemalloc peak MiB", "maxrss MiB"], rows)
    return (f"{sizes}\n\n{timings}\n"
            "(each suite in its own fresh process. parse cache: off = MIGRATE_PARSE_CACHE=0; empty = a first\n"
            " run, which parses and fills the cache in .git; warm = a later run, which reads it.\n"
            " tracemalloc peak: highest traced Python memory during the phase, incl. what earlier phases hold;\n"
            " maxrss: the process high-water mark after the phase, interpreter and imports included)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1,20", help="comma-separated scales (default: 1,20)")
    parser.add_argument("--suite", default="load,dry-run", help="comma-separated suites (default: load,dry-run)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.trace, args.suite)))
        return
    suites = args.suite.split(",")
    unknown = sorted(set(suites) - set(SUITES))
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r} (known: {', '.join(SUITES)})")
    with tempfile.TemporaryDirectory(prefix="migrate-bench-") as workdir:
        results = [bench_scale(int(s), Path(workdir), suites) for s in args.scale.split(",")]
    print(report(results))


if __name__ == "__main__":
    main()
