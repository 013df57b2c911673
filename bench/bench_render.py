"""Benchmark: how long rendering takes (kustomize, Helm), per Application and for a whole repository,
with the render cache cold and warm.

    python bench/bench_render.py [--repo PATH ...] [--scale 1] [--top 10]

Without ``--repo`` the example repository is generated (``--scale``). Each repository is measured in
fresh child processes: ``cold`` with an empty render cache (``MIGRATE_CACHE_DIR`` a new folder: every
Application rendered), ``warm`` with the cache the cold run filled (a later run: nothing rendered),
and ``one edit`` with one values file changed (what a step costs: only the Applications reading it
render again). Printed: the whole-repository figures (building the Argo CD view: ApplicationSets
expanded, every Application rendered, roots found; and the graph on top), the slowest Applications
of the cold run, and the median; and the floor the tools set: the CPU the render tools' processes
used in the cold run, that divided by the cores (no scheduling of migrate's can render faster), and
what one ``kubectl kustomize`` of a one-object kustomization costs (the tool's own start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(repo: Path, edit: bool) -> dict:
    """In the child: build the view (and the graph) of ``repo``; the time of each and of each render."""
    from migrate.graph import build_graph
    from migrate.inventory import Inventory
    from migrate.render.cache import shared_cache
    from migrate.render.view import ArgoView
    from migrate.repo.tracked import Tree

    tree = Tree.from_repo(repo)
    if edit:
        path = next(p for p in tree.paths() if p.endswith("values.yaml"))
        tree = tree.with_changes({path: tree.read_text(path) + "\n# edited\n"})
    inv = Inventory.load(tree)
    start = time.perf_counter()
    view = ArgoView.build(inv)
    view_seconds = time.perf_counter() - start
    start = time.perf_counter()
    build_graph(inv, view)
    graph_seconds = time.perf_counter() - start
    cache = shared_cache()
    per_app = {view.apps[a].name: r.seconds for a, r in view.renders.items()}
    return {"view": view_seconds, "graph": graph_seconds, "apps": len(view.renders),
            "rendered": cache.misses, "cached": cache.hits, "per_app": per_app,
            "failed": sum(1 for r in view.renders.values() if not r.rendered), "off": view.off,
            "tools_cpu": _children_cpu()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_kustomize() -> float:
    """Wall seconds of ``kubectl kustomize`` on a kustomization of one ConfigMap (median of 5)."""
    from migrate.render.tools import Tools
    kubectl = Tools.detect().kubectl or "kubectl"
    with tempfile.TemporaryDirectory(prefix="migrate-bench-kust-") as folder:
        Path(folder, "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
        Path(folder, "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([kubectl, "kustomize", folder], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(repo: Path, cache_dir: Path, edit: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(repo)] + (["--edit"] if edit else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "MIGRATE_CACHE_DIR": str(cache_dir)})
    if proc.returncode != 0:
        raise SystemExit(f"measuring {repo} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def bench(repo: Path, top: int) -> str:
    with tempfile.TemporaryDirectory(prefix="migrate-bench-cache-") as cache:
        runs = {"cold": child(repo, Path(cache)), "warm": child(repo, Path(cache)),
                "one edit": child(repo, Path(cache), edit=True)}
    cold = runs["cold"]
    if cold["off"]:
        return f"{repo}: {cold['off']}"
    lines = [f"{repo.name}: {cold['apps']} Applications ({cold['failed']} not rendered)",
             f"  {'run':<9} {'view s':>7} {'graph s':>8} {'rendered':>9} {'from cache':>11}"]
    for name, r in runs.items():
        lines.append(f"  {name:<9} {r['view']:>7.2f} {r['graph']:>8.2f} {r['rendered']:>9} {r['cached']:>11}")
    times = sorted(cold["per_app"].items(), key=lambda kv: -kv[1])
    lines.append(f"  per Application (cold, rendered in parallel threads): median {statistics.median(t for _, t in times):.3f} s,"
                 f" slowest:")
    lines += [f"    {name:<28} {seconds:.3f} s" for name, seconds in times[:top]]
    cores = os.cpu_count() or 1
    lines.append(f"  floor (cold): the render tools' processes used {cold['tools_cpu']:.2f} s of CPU, "
                 f"{cold['tools_cpu'] / cores:.2f} s of wall time on {cores} cores at best; one kubectl kustomize "
                 f"of a single object: {one_kustomize():.3f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, action="append", help="a repository to measure (repeatable)")
    parser.add_argument("--scale", type=int, default=1, help="scale of the generated example (without --repo)")
    parser.add_argument("--top", type=int, default=8, help="how many of the slowest Applications to list")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--edit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.edit)))
        return
    if args.repo:
        print("\n\n".join(bench(repo.resolve(), args.top) for repo in args.repo))
        return
    from migrate.example import init_repo
    with tempfile.TemporaryDirectory(prefix="migrate-bench-") as workdir:
        repo = Path(workdir) / f"lumie-x{args.scale}"
        init_repo(repo, scale=args.scale)
        print(bench(repo, args.top))


if __name__ == "__main__":
    main()
