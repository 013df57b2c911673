"""Benchmark: how long loading the example repository takes, and how much memory, per scale.

    python bench/bench_load.py [--scale 1,20]

For each scale the example repository is generated in a temp folder
(``migrate.example.init_repo(path, scale=N)``), then measured in fresh child processes so
that one scale's (or the generator's) memory does not count for the next:
one run times the phases, a second run traces allocations (``tracemalloc`` slows code down,
so its run is not timed). Each phase runs on the state the previous ones left; add a phase
by appending to ``PHASES``.
"""

from __future__ import annotations

import argparse
import json
import resource
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
    from migrate.tree import Tree

    state["tree"] = Tree.from_repo(state["repo"])
    state["inventory"] = Inventory.load(state["tree"])


def graph(state: dict) -> None:
    """Build the graph and ask it for problems, as every verified step does."""
    from migrate.graph import build_graph

    state["graph"] = build_graph(state["inventory"])
    state["problems"] = state["graph"].problems()


def history(state: dict) -> None:
    from migrate.history import find_runs, load_history

    state["history"] = load_history(state["repo"], state["inventory"])
    state["runs"] = find_runs(state["repo"])


PHASES: list[Phase] = [Phase("load", load), Phase("graph", graph), Phase("history", history)]


# --- child process: measure one repository ----------------------------------------------
def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MIB  # Linux: KiB


def measure(repo: Path, trace: bool) -> dict:
    """Run every phase on ``repo``; per phase: seconds, or tracemalloc peak; and maxrss after it."""
    import migrate.graph, migrate.history, migrate.inventory  # noqa: E401,F401  (imports are not load time)

    state: dict = {"repo": repo}
    phases = {}
    if trace:
        tracemalloc.start()
    for phase in PHASES:
        if trace:
            tracemalloc.reset_peak()
        start = time.perf_counter()
        phase.run(state)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / MIB if trace else None
        phases[phase.name] = {"seconds": seconds, "peak_mib": peak, "maxrss_mib": maxrss_mib()}
    tree = state["tree"]
    sizes = {"files": len(tree.paths()), "yaml": sum(p.endswith((".yaml", ".yml")) for p in tree.paths()),
             "apps": len(state["inventory"].applications), "commits": len(state["history"].commits)}
    return {"sizes": sizes, "phases": phases}


def measure_in_child(repo: Path, trace: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(repo)] + (["--trace"] if trace else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"measuring {repo} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


# --- parent: generate, measure, print ---------------------------------------------------
def bench_scale(scale: int, workdir: Path) -> dict:
    from migrate.example import init_repo

    repo = workdir / f"lumie-x{scale}"
    start = time.perf_counter()
    init_repo(repo, scale=scale)
    generated = time.perf_counter() - start
    timed, traced = measure_in_child(repo, trace=False), measure_in_child(repo, trace=True)
    for name, phase in timed["phases"].items():
        phase["peak_mib"] = traced["phases"][name]["peak_mib"]
    return {"scale": scale, "generate_seconds": generated, **timed}


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
        phases = r["phases"]
        for name, p in phases.items():
            rows.append([f"x{r['scale']}", name, f"{p['seconds']:.3f}", f"{p['peak_mib']:.1f}", f"{p['maxrss_mib']:.1f}"])
        rows.append([f"x{r['scale']}", "total", f"{sum(p['seconds'] for p in phases.values()):.3f}",
                     f"{max(p['peak_mib'] for p in phases.values()):.1f}",
                     f"{max(p['maxrss_mib'] for p in phases.values()):.1f}"])
    timings = table(["scale", "phase", "time s", "tracemalloc peak MiB", "maxrss MiB"], rows)
    return (f"{sizes}\n\n{timings}\n"
            "(tracemalloc peak: highest traced Python memory during the phase, incl. what earlier phases hold;\n"
            " maxrss: the process high-water mark after the phase, interpreter and imports included)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="1,20", help="comma-separated scales (default: 1,20)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.trace)))
        return
    with tempfile.TemporaryDirectory(prefix="migrate-bench-") as workdir:
        results = [bench_scale(int(s), Path(workdir)) for s in args.scale.split(",")]
    print(report(results))


if __name__ == "__main__":
    main()
