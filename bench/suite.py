"""Time the whole conformance catalog on the built-in simulators, serial and on xdist workers.

    python bench/suite.py [--workers 0,4] [--repeat N] [extra pytest args]

Runs `pytest conformance` once per worker count per round (0 = serial, N = `-n N`), the counts
interleaved round by round so machine noise hits them alike, and prints each run's wall time and
verdict, the median wall per worker count, and, for the last run of each count, the time per
venue, the outcomes and the per-step latencies (median, 90th percentile and worst) from its
merged conformance.json. Targets (issue 15), on 2 cores for four venues: <= 40 s serial, <= 15 s
with `-n 4`, every result in the one merged report.

The runs may write bytecode caches, as Python does on a developer's or CI machine, even where the
environment says PYTHONDONTWRITEBYTECODE (this project's sandbox does): without them every process
— each xdist worker too — compiles xtb and its dependencies again, about 2 s of CPU apiece.
`--as-is` keeps the environment untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from statistics import median, quantiles
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("submit_to_ack_s", "ack_to_first_ws_s", "touch_move_to_repost_s", "time_to_fill_s")


def run_catalog(workers: int, extra: list[str], env: dict[str, str]) -> tuple[float, int, dict[str, Any]]:
    """One catalog run: wall seconds, pytest's exit code, the results document."""
    with tempfile.TemporaryDirectory() as tmp:
        report_dir = Path(tmp)
        command = [sys.executable, "-m", "pytest", "conformance", "-q", "-p", "no:cacheprovider"]
        command += ["--report-dir", str(report_dir), "--junitxml", str(report_dir / "junit.xml")]
        command += ["-n", str(workers)] if workers else []
        started = time.perf_counter()
        proc = subprocess.run([*command, *extra], cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        path = report_dir / "conformance.json"
        if not path.exists():
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
            raise SystemExit(f"no report written by the run with {workers} worker(s) (exit {proc.returncode})")
        return wall, proc.returncode, json.loads(path.read_text())


def describe(document: dict[str, Any]) -> None:
    per_venue: dict[str, float] = defaultdict(float)
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    for result in document["results"]:
        per_venue[result["venue"]] += result["duration_s"]
        outcomes[result["outcome"]] += 1
        for step in STEPS:
            if step in result["metrics"]:
                latencies[step].append(result["metrics"][step])
    for venue, seconds in sorted(per_venue.items()):
        print(f"  {venue:<12}: {seconds:.1f} s in scenarios")
    print("  outcomes    : " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for step in STEPS:
        values = latencies.get(step)
        shown = "n/a"
        if values:
            p90 = quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
            shown = (
                f"{median(values) * 1000:.1f} ms median, p90 {p90 * 1000:.1f}, max {max(values) * 1000:.1f} "
                f"over {len(values)}"
            )
        print(f"  {step:<26}: {shown}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="0", help="comma-separated worker counts, 0 = serial (default 0)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each round runs every worker count once")
    parser.add_argument("--as-is", action="store_true", help="keep PYTHONDONTWRITEBYTECODE if the environment sets it")
    args, extra = parser.parse_known_args()
    env = dict(os.environ)
    if not args.as_is:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    counts = [int(n) for n in args.workers.split(",")]
    walls: dict[int, list[float]] = defaultdict(list)
    last: dict[int, dict[str, Any]] = {}
    worst = 0
    for round_ in range(args.repeat):
        for workers in counts:
            wall, code, document = run_catalog(workers, extra, env)
            walls[workers].append(wall)
            last[workers] = document
            worst = max(worst, code)
            verdict = document["verdict"]["verdict"]
            label = f"-n {workers}" if workers else "serial"
            print(f"round {round_ + 1} {label:<7}: {wall:5.1f} s, {len(document['results'])} results, {verdict}")
    for workers in counts:
        label = f"-n {workers}" if workers else "serial"
        print(f"{label:<7} median wall {median(walls[workers]):.1f} s over {len(walls[workers])} run(s)")
        describe(last[workers])
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
