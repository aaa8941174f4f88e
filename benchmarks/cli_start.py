"""CPU seconds a ``raqib`` command costs to start (issue 26: the suite starts hundreds).

Run:  .venv/bin/python benchmarks/cli_start.py --runs 9
      (--repo PATH measures another checkout, e.g. a worktree of main, with this script;
      --bytecode lets Python cache compiled modules in a temporary PYTHONPYCACHEPREFIX
      even where PYTHONDONTWRITEBYTECODE is set, to show what compiling costs)

Each case runs ``python -m raqib ...`` as a subprocess ``--runs`` times, in an environment
with no RAQIB_*/DJANGO_*/DATABASE_URL of the caller's except RAQIB_LOCALE_DIR, an empty
raqib.toml and SQLite; its CPU is the user + system time of the finished child
(``resource.getrusage(RUSAGE_CHILDREN)`` before and after). Cases:

- ``help``: ``raqib --help`` (parsers only, no Django);
- ``migrate_check``: ``raqib migrate --check`` on a migrated data dir;
- ``broadcasts_list``: ``raqib broadcasts list --format json`` on a migrated data dir;
- ``fresh_first``: the same command on a new, empty data dir each run (it migrates).

The migrated data dir is made once with ``raqib migrate`` (not counted). It prints one
JSON object: per case the median and every run's CPU and wall seconds, with the load
average before and after. To add a case: add a line to ``CASES``.
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

ROOT = Path(__file__).resolve().parent.parent

# name -> (arguments, whether each run gets a fresh data dir)
CASES: dict[str, tuple[tuple[str, ...], bool]] = {
    "help": (("--help",), False),
    "migrate_check": (("migrate", "--check"), False),
    "broadcasts_list": (("broadcasts", "list", "--format", "json"), False),
    "fresh_first": (("broadcasts", "list", "--format", "json"), True),
}


def _environment(repo: Path, work: Path, bytecode: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RAQIB_", "DJANGO_")) and k != "DATABASE_URL"
    }
    if "RAQIB_LOCALE_DIR" in os.environ:
        env["RAQIB_LOCALE_DIR"] = os.environ["RAQIB_LOCALE_DIR"]
    config = work / "raqib.toml"
    config.write_text("")
    env |= {"PYTHONPATH": str(repo), "RAQIB_CONFIG": str(config)}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _run(repo: Path, env: dict[str, str], args: tuple[str, ...]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "raqib", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"raqib {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def measure(repo: Path, runs: int, bytecode: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="raqib-cli-start-") as tmp:
        work = Path(tmp)
        env = _environment(repo, work, bytecode)
        migrated = {**env, "RAQIB_DATA_DIR": str(work / "migrated")}
        _run(repo, migrated, ("migrate",))  # also warms the bytecode cache (--bytecode)
        load_before = os.getloadavg()
        results: dict[str, object] = {}
        for name, (args, fresh) in CASES.items():
            cpu, wall = [], []
            for i in range(runs):
                data = work / f"fresh-{name}-{i}" if fresh else work / "migrated"
                one_cpu, one_wall = _run(repo, {**env, "RAQIB_DATA_DIR": str(data)}, args)
                cpu.append(round(one_cpu, 3))
                wall.append(round(one_wall, 3))
            results[name] = {
                "median_cpu_s": round(statistics.median(cpu), 3),
                "median_wall_s": round(statistics.median(wall), 3),
                "cpu_s": cpu,
                "wall_s": wall,
            }
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        return {
            "repo": str(repo),
            "commit": commit,
            "runs": runs,
            "python": sys.version.split()[0],
            "cores": os.cpu_count(),
            "dont_write_bytecode": "PYTHONDONTWRITEBYTECODE" in env,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "cases": results,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per case (default 9)")
    parser.add_argument(
        "--repo",
        type=Path,
        default=ROOT,
        help="the checkout whose raqib to start (default: this one)",
    )
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="cache compiled modules (a temporary PYTHONPYCACHEPREFIX)",
    )
    args = parser.parse_args()
    print(json.dumps(measure(args.repo.resolve(), args.runs, args.bytecode), indent=1))


if __name__ == "__main__":
    main()
