"""Hostile traffic against each simulator: how many malformed requests and frames it was sent, how
many got a 5xx, how many an answer off the venue's documented error shape, and whether anything
crashed. The goal is 0 / 0 / 0.

    python bench/hostile_sims.py [--venues backpack,lighter,grvt,aster] [--requests N] [--frames M]
                                 [--seconds S] [--seed SEED]

Loopback only. Each venue runs in a child process (so a segfault is counted, not fatal to the
table): its simulator and a client in one event loop, the requests drawn by the same hypothesis
strategies the property tests use (tests/sim/hostile_data.py): half hostile requests to any route,
half hostile payloads, signed, to the routes that take them; then hostile stream frames, one socket
each. Afterwards the child checks that a valid signed order still places and cancels and that the
engine's books and accounts add up. A crash is the child dying, a socket dropped without a close
reason, or the simulator failing that last check. Counts and time are bounded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VENUES = ("backpack", "lighter", "grvt", "aster")
KINDS = ("5xx", "off-shape", "no-answer", "crash")


def venue_fuzz(name: str) -> Any:
    module = __import__(f"tests.sim.fuzz_{name}", fromlist=["x"])
    return getattr(module, name.upper())


def child(name: str, requests: int, frames: int, seconds: float, seed: int) -> dict[str, Any]:
    """Run one venue's traffic in this process; returns the tallies."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    from tests.sim.hostile_data import payloads, ws_frames
    from tests.sim.hostile_data import requests as hostile_requests
    from tests.sim.hostile_harness import Verdict, judge, probe_stream

    venue = venue_fuzz(name)
    deadline = time.monotonic() + seconds
    tally: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}

    def record(verdict: Verdict, what: str) -> None:
        tally[what] += 1
        if not verdict.ok:
            tally[verdict.kind] += 1
            kept = examples.setdefault(verdict.kind, [])
            if len(kept) < 3:
                kept.append(verdict.detail[:300])

    def run(strategy: Any, count: int, body: Any) -> None:
        @hypothesis_seed(seed)
        @settings(max_examples=max(1, count), database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(strategy)
        def drive(example: Any) -> None:
            if time.monotonic() < deadline:
                body(example)

        drive()

    with venue.harness() as h:
        groups = venue.groups or (None,)
        share = requests // 2 // len(groups)
        run(hostile_requests(venue.profile(h)), requests - share * len(groups),
            lambda r: record(judge(r, h.send(r), venue.shape), "requests"))  # fmt: skip
        for group in groups:
            run(
                payloads(venue.profile(h, group)), share, lambda r: record(judge(r, h.send(r), venue.shape), "requests")
            )
        probe = h.run(venue.probe(h))
        run(st.tuples(ws_frames(venue.ws_templates), st.booleans()), frames,
            lambda f: record(h.run(probe_stream(h.http, probe, f[0], f[1])), "frames"))  # fmt: skip
        try:
            h.run(venue.still_serves(h))
        except Exception as exc:  # reported, not raised: the table must print
            record(Verdict("crash", f"no longer serves a valid signed order: {exc!r}"[:300]), "after")
    return {"venue": name, **tally, "examples": examples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venues", default=",".join(VENUES))
    parser.add_argument("--requests", type=int, default=1000, help="hostile REST requests per venue")
    parser.add_argument("--frames", type=int, default=200, help="hostile stream frames per venue")
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget per venue")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(child(args.child, args.requests, args.frames, args.seconds, args.seed)))
        return
    rows = []
    for name in args.venues.split(","):
        started = time.monotonic()
        command = [sys.executable, __file__, "--child", name, "--requests", str(args.requests),
                   "--frames", str(args.frames), "--seconds", str(args.seconds), "--seed", str(args.seed)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=args.seconds * 3 + 120)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            row: dict[str, Any] = {"venue": name, "crash": 1, "examples": {"crash": [done.stderr[-300:]]}}
        else:
            row = json.loads(lines[-1][len("RESULT ") :])
        row["seconds"] = time.monotonic() - started
        rows.append(row)
    print(f"{'venue':<10}{'requests':>10}{'frames':>8}{'5xx':>6}{'off-shape':>11}{'no answer':>11}{'crashes':>9}"
          f"{'seconds':>9}")  # fmt: skip
    for row in rows:
        print(f"{row['venue']:<10}{row.get('requests', 0):>10}{row.get('frames', 0):>8}{row.get('5xx', 0):>6}"
              f"{row.get('off-shape', 0):>11}{row.get('no-answer', 0):>11}{row.get('crash', 0):>9}"
              f"{row['seconds']:>9.1f}")  # fmt: skip
    for row in rows:
        for kind, details in row.get("examples", {}).items():
            for detail in details:
                print(f"  {row['venue']} {kind}: {detail}")


if __name__ == "__main__":
    main()
