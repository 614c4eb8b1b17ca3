"""Time the whole conformance catalog on the built-in simulators.

    python bench/suite.py [extra pytest args]

Runs `pytest conformance` once (simulators started once), then prints the wall time, the time per
venue and the per-step latencies (median, 90th percentile and worst) from the run's
conformance.json. Target (issue 15): <= 40 s wall on 2 cores for four venues, serial.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from statistics import median, quantiles

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("submit_to_ack_s", "ack_to_first_ws_s", "touch_move_to_repost_s", "time_to_fill_s")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_dir = Path(tmp)
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "conformance",
                "-q",
                "-p",
                "no:cacheprovider",
                "--report-dir",
                str(report_dir),
                "--junitxml",
                str(report_dir / "junit.xml"),
                *sys.argv[1:],
            ],
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
        document = json.loads((report_dir / "conformance.json").read_text())
    per_venue: dict[str, float] = defaultdict(float)
    latencies: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    for result in document["results"]:
        per_venue[result["venue"]] += result["duration_s"]
        outcomes[result["outcome"]] += 1
        for step in STEPS:
            if step in result["metrics"]:
                latencies[step].append(result["metrics"][step])
    print(f"wall          : {wall:.1f} s for {len(per_venue)} venue(s) (pytest exit {proc.returncode})")
    for venue, seconds in sorted(per_venue.items()):
        print(f"  {venue:<12}: {seconds:.1f} s in scenarios")
    print("outcomes      : " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    for step in STEPS:
        values = latencies.get(step)
        shown = "n/a"
        if values:
            p90 = quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
            shown = (
                f"{median(values) * 1000:.1f} ms median, p90 {p90 * 1000:.1f}, max {max(values) * 1000:.1f} "
                f"over {len(values)}"
            )
        print(f"{step:<26}: {shown}")
    return proc.returncode


if __name__ == "__main__":
    raise SystemExit(main())
