"""The corpus table: how migrate reads real repositories nobody here wrote.

    python bench/corpus.py DIR [DIR ...] [--json] [--problems]

For each repository (a git clone), in a fresh child process: its YAML files; how many of those
``migrate doctor`` reads (templates excluded) re-emit byte for byte; the roots found and the synced
Applications (of all Applications, generated ones included); the Applications rendered and not (with
the most common reasons); the graph's references by class (dangling, suspect, unsynced — the problems —
and unverified); parse errors; tracebacks (any exception is one: the tool must never crash on a
repository); and the time it all took. ``--problems`` lists every dangling and suspect reference,
to be judged one by one.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import time
import traceback
from pathlib import Path


def measure(repo: Path) -> dict:
    """In the child: every figure of one repository (see module doc)."""
    from migrate.graph import build_graph
    from migrate.inventory import Inventory
    from migrate.repo.doctor import DIFFERS, ERROR, OK, doctor
    from migrate.repo.tracked import Tree

    start = time.perf_counter()
    out: dict = {"repo": repo.name, "tracebacks": []}
    try:
        tree = Tree.from_repo(repo)
        report = doctor(tree)
        out["yaml"] = len(report.files)
        out["doctor_ok"] = len(report.having(OK))
        out["doctor_read"] = len(report.having(OK)) + len(report.having(DIFFERS))
        out["doctor_differs"] = [f"{f.path}:{f.line}" for f in report.having(DIFFERS)]
        out["parse_errors"] = [f"{f.path}:{f.line}: {f.reason}" for f in report.having(ERROR)]
        inv = Inventory.load(tree)
        graph = build_graph(inv)
        view = graph.view
        out["roots"] = [view.apps[r].name if r in view.apps else r.partition(":")[2] for r in view.roots]
        out["apps"] = len(view.apps)
        out["synced"] = len([a for a in view.apps if a in view.synced])
        renders = [r for a, r in view.renders.items() if a in view.synced]
        out["rendered"] = sum(1 for r in renders if r.complete)
        out["partly"] = sum(1 for r in renders if r.rendered and not r.complete)
        out["unrendered"] = sum(1 for r in renders if not r.rendered)
        reasons = collections.Counter(_reason(r.error or r.unrendered[0]) for r in renders if not r.complete)
        out["reasons"] = reasons.most_common(4)
        refs = graph.references()
        counts = collections.Counter(r.kind for r in refs if r.synced)
        out["classes"] = {k: counts.get(k, 0) for k in ("dangling", "suspect", "unsynced", "unverified")}
        out["problems"] = [str(p) for p in graph.failures()]
        out["warnings"] = len(inv.warnings)
    except Exception:  # noqa: BLE001  (the table reports it: a crash on a real repository is a bug)
        out["tracebacks"].append(traceback.format_exc())
    out["seconds"] = time.perf_counter() - start
    return out


def _reason(text: str) -> str:
    """A render failure's class: its words up to the first detail."""
    text = text.removeprefix("not rendered: ")
    for cut in (" (", ": ", " https://", " http://", " oci://"):
        text = text.split(cut)[0]
    return text[:60]


def child(repo: Path) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--measure", str(repo)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"repo": repo.name, "tracebacks": [proc.stderr[-2000:]], "seconds": 0.0}
    return json.loads(proc.stdout)


def table(rows: list[dict]) -> str:
    header = ["repository", "YAML", "doctor identical", "roots", "synced/apps", "rendered/partly/not",
              "dangling", "suspect", "unsynced", "unverified", "parse errors", "tracebacks", "s"]
    lines = []
    for r in rows:
        if "yaml" not in r or "classes" not in r:
            lines.append([r["repo"], "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", str(len(r["tracebacks"])),
                          f"{r['seconds']:.1f}"])
            continue
        read = r["doctor_read"] or 1
        c = r["classes"]
        lines.append([r["repo"], str(r["yaml"]), f"{r['doctor_ok']}/{r['doctor_read']} ({100 * r['doctor_ok'] / read:.1f}%)",
                      str(len(r["roots"])), f"{r['synced']}/{r['apps']}",
                      f"{r['rendered']}/{r['partly']}/{r['unrendered']}", str(c["dangling"]), str(c["suspect"]),
                      str(c["unsynced"]), str(c["unverified"]), str(len(r["parse_errors"])), str(len(r["tracebacks"])),
                      f"{r['seconds']:.1f}"])
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    text = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
            "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    text += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in lines]
    return "\n".join(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", type=Path)
    parser.add_argument("--json", action="store_true", help="every figure, as JSON")
    parser.add_argument("--problems", action="store_true", help="list every problem, render reason and traceback")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if not args.repos:
        parser.error("give one or more repositories")
    rows = [child(repo.resolve()) for repo in args.repos]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(table(rows))
    if args.problems:
        for r in rows:
            print(f"\n## {r['repo']}")
            for key in ("roots", "reasons", "problems", "parse_errors", "doctor_differs", "tracebacks"):
                for item in r.get(key) or []:
                    print(f"- {key}: {item}")


if __name__ == "__main__":
    main()
