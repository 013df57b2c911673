"""The benchmark harness: every command a reviewer or a CI job waits for, on the example and on real repos.

    python bench/harness.py [--scale 1,20,100] [REPO ...] [--commands ...] [--modes off,first,warm]
                            [--playbook P --set K=V ...] [--json]

For each target (the example generated at each ``--scale``, and each REPO given by path, measured on a
clone so the apply and rollback change nothing of yours) it runs, each in a fresh ``migrate`` process,
and prints wall time and peak RSS (the child's ``ru_maxrss``) of:

    doctor, graph, graph --dangling, history --coupling, the consolidate-backend dry run,
    its apply and its rollback (on a REPO: ``--playbook`` with its ``--set`` parameters)

in three cache states (``--modes``): ``off`` (MIGRATE_PARSE_CACHE=0 and MIGRATE_RENDER_CACHE=0: no
cache at all), ``first`` (caches enabled but empty: the run that writes them) and ``warm`` (a later
run, which reads them). Beside each, measured in the same run, the naive baseline: one process that
loads every tracked YAML file once with ruamel's round-trip parser, and the ratio command / baseline.
Between consecutive example scales it prints the growth factor: how much each time grew, divided by
how much the file count grew (1.0 = linear; above 1 = faster than linear). A command that does not
apply to a repository (a dry run the playbook refuses) is shown with its exit code; apply and
rollback only run where the dry run planned changes.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import migrate
from migrate.example import init_repo

MIB = 1024 * 1024
PLAYBOOK = "consolidate-backend"
COMMANDS = {                         # name -> migrate arguments (run in the target repository)
    "doctor": ["doctor"],
    "graph": ["graph"],
    "graph --dangling": ["graph", "--dangling"],
    "history --coupling": ["history", "--coupling"],
    "dry run": ["run", PLAYBOOK, "--dry-run"],
    "apply": ["run", PLAYBOOK, "--yes"],
    "rollback": ["rollback", PLAYBOOK, "--yes"],
}
MODES = ("off", "first", "warm")
NAIVE = """
import subprocess, sys
from ruamel.yaml import YAML
paths = subprocess.run(["git", "ls-files", "-z", "*.yaml", "*.yml"], capture_output=True, text=True,
                       check=True).stdout.split("\\0")
yaml = YAML(typ="rt")
for path in filter(None, paths):
    try:
        with open(path, encoding="utf-8") as f:
            list(yaml.load_all(f))
    except Exception:
        pass
"""


def timed(cmd: list[str], cwd: Path, env: dict) -> dict:
    """Run ``cmd``; its wall time, peak RSS (MiB) and exit code."""
    with tempfile.TemporaryFile() as errors:   # a file, not a pipe: a child writing much would block on a full pipe
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": seconds, "rss_mib": usage.ru_maxrss * 1024 / MIB, "rc": proc.returncode,
            "stderr": stderr[-2000:]}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


class Target:
    """One repository to measure: a clone in the work folder, reset between measurements."""

    def __init__(self, label: str, repo: Path, work: Path, playbook: str = PLAYBOOK, settings: tuple = ()):
        self.label, self.repo, self.work = label, repo, work
        self.playbook, self.settings = playbook, settings
        self.head = git(repo, "rev-parse", "HEAD").strip()
        self.cache_dir = work / f"cache-{label.replace('/', '_')}"

    def sizes(self) -> dict:
        files = git(self.repo, "ls-files").splitlines()
        return {"files": len(files), "yaml": sum(f.endswith((".yaml", ".yml")) for f in files),
                "commits": int(git(self.repo, "rev-list", "--count", "HEAD"))}

    def env(self, mode: str) -> dict:
        env = {**os.environ, "MIGRATE_CACHE_DIR": str(self.cache_dir), "NO_COLOR": "1", "TERM": "dumb"}
        if mode == "off":
            env.update(MIGRATE_PARSE_CACHE="0", MIGRATE_RENDER_CACHE="0")
        return env

    def clear_caches(self) -> None:
        shutil.rmtree(self.repo / ".git" / "migrate" / "parse-cache", ignore_errors=True)
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def reset(self) -> None:
        git(self.repo, "reset", "-q", "--hard", self.head)
        git(self.repo, "clean", "-qfdx")

    def migrate(self, name: str, mode: str) -> dict:
        args = list(COMMANDS[name])
        if args[0] in ("run", "rollback"):
            args[1] = self.playbook
        if args[0] == "run":
            args += [f"--set={setting}" for setting in self.settings]
        return timed([sys.executable, "-m", "migrate", *args], self.repo, self.env(mode))

    def naive(self) -> dict:
        return timed([sys.executable, "-c", NAIVE], self.repo, self.env("off"))


def measure(target: Target, commands: list[str], modes: list[str]) -> dict:
    """Every command in every mode (first: caches cleared just before; warm: right after first)."""
    result = {"label": target.label, "sizes": target.sizes(), "naive": target.naive(), "runs": {}}
    planned = None
    for mode in modes:
        for name in commands:
            if name in ("apply", "rollback") and planned is False:
                continue
            if mode in ("off", "first"):
                target.clear_caches()
            elif mode == "warm":
                _warm_up(target, name)
            run = target.migrate(name, mode)
            result["runs"][f"{name}|{mode}"] = run
            if name == "dry run":
                planned = run["rc"] == 0
            if name == "rollback":
                target.reset()
    target.reset()
    return result


def _warm_up(target: Target, name: str) -> None:
    """The run before a warm one (not counted): the same command with caches enabled."""
    target.migrate(name, "first")
    if name == "apply":
        target.reset()
    elif name == "rollback":
        target.reset()
        target.migrate("apply", "first")
        target.migrate(name, "first")
        target.reset()
        target.migrate("apply", "first")


# --- reporting ---------------------------------------------------------------------------------
def table(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
                     for row in cells)


def report(results: list[dict], commands: list[str], modes: list[str]) -> str:
    sizes = table(["target", "files", "yaml files", "commits", "naive load s", "naive MiB"],
                  [[r["label"], *r["sizes"].values(), f"{r['naive']['seconds']:.2f}", f"{r['naive']['rss_mib']:.0f}"]
                   for r in results])
    header = ["target", "command"] + [f"{m} s" for m in modes] + [f"{m} MiB" for m in modes] + \
        [f"{m} / naive" for m in modes]
    rows = []
    for r in results:
        naive = r["naive"]["seconds"]
        for name in commands:
            runs = [r["runs"].get(f"{name}|{m}") for m in modes]
            if not any(runs):
                continue
            rows.append([r["label"], name]
                        + [_seconds(run) for run in runs]
                        + [f"{run['rss_mib']:.0f}" if run else "-" for run in runs]
                        + [f"{run['seconds'] / naive:.2f}" if run else "-" for run in runs])
    out = f"{sizes}\n\n{table(header, rows)}\n"
    growth = _growth(results, commands, modes)
    if growth:
        out += f"\ngrowth (time ratio / files ratio; 1.0 = linear, below = sub-linear)\n{growth}\n"
    out += ("\n(each figure: one fresh `python -m migrate` process, wall time and peak RSS. off: no caches;\n"
            " first: caches empty, this run writes them; warm: a later run. naive: one process loading every\n"
            " tracked YAML file with ruamel round-trip. `(rc N)`: the command exited N)")
    return out


def _seconds(run: dict | None) -> str:
    if not run:
        return "-"
    return f"{run['seconds']:.2f}" + ("" if run["rc"] == 0 else f" (rc {run['rc']})")


def _growth(results: list[dict], commands: list[str], modes: list[str]) -> str:
    examples = [r for r in results if r["label"].startswith("example x")]
    rows = []
    for small, big in zip(examples, examples[1:]):
        files = big["sizes"]["files"] / small["sizes"]["files"]
        commits = big["sizes"]["commits"] / small["sizes"]["commits"]
        row = [f"{small['label']} -> {big['label']}", f"files x{files:.1f}, commits x{commits:.1f}"]
        naive = big["naive"]["seconds"] / small["naive"]["seconds"]
        row.append(f"naive {naive / files:.2f}")
        for name in commands:
            for mode in modes:
                a, b = small["runs"].get(f"{name}|{mode}"), big["runs"].get(f"{name}|{mode}")
                if a and b:
                    base = commits if name.startswith("history") else files
                    row.append(f"{name} ({mode}) {b['seconds'] / a['seconds'] / base:.2f}")
        rows.append(row)
    return "\n".join("  ".join(row[:3]) + "\n    " + "\n    ".join(row[3:]) for row in rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", type=Path, help="git repositories to measure too (cloned first)")
    parser.add_argument("--scale", default="1,20,100", help="example scales, comma-separated ('' for none)")
    parser.add_argument("--commands", default=",".join(COMMANDS), help=f"subset of: {', '.join(COMMANDS)}")
    parser.add_argument("--modes", default=",".join(MODES), help="subset of: off, first, warm")
    parser.add_argument("--playbook", default=PLAYBOOK, help="for the REPOs: the playbook of the dry run, apply "
                        "and rollback (default: consolidate-backend)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="for the REPOs: a parameter of that playbook (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = sorted(set(commands) - set(COMMANDS)) + sorted(set(modes) - set(MODES))
    if bad:
        parser.error(f"unknown command or mode {bad[0]!r}")
    # The package's bytecode, as `pip install` writes it: a checkout run with PYTHONDONTWRITEBYTECODE would
    # otherwise compile every module in every measured process (0.1-0.2 s each, not what users wait for).
    compileall.compile_dir(Path(migrate.__file__).parent, quiet=1)
    results = []
    with tempfile.TemporaryDirectory(prefix="migrate-harness-") as tmp:
        work = Path(tmp)
        targets = []
        for scale in filter(None, args.scale.split(",")):
            repo = work / f"example-x{scale}"
            init_repo(repo, scale=int(scale))
            targets.append(Target(f"example x{scale}", repo, work))
        for given in args.repos:
            clone = work / given.resolve().name
            subprocess.run(["git", "clone", "-q", str(given.resolve()), str(clone)], check=True)
            targets.append(Target(given.resolve().name, clone, work, args.playbook, tuple(args.set)))
        for target in targets:
            print(f"measuring {target.label} ...", file=sys.stderr, flush=True)
            results.append(measure(target, commands, modes))
    print(json.dumps(results, indent=1) if args.json else report(results, commands, modes))


if __name__ == "__main__":
    main()
