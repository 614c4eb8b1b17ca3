"""Hostile payloads against every venue's parsers: how many were tried, how many raised an exception
that is not the project's `VenueProtocolError` (foreign), and how many came back as a value no
venue can truthfully report (impossible: filled above the size, a negative price, NaN, 1e999...).
The goal is 0 / 0.

    python bench/hostile_parsers.py [--venues backpack,lighter,grvt,aster] [--examples N]
                                    [--seconds S] [--seed SEED]

The payloads are the ones the property tests draw (tests/hostile_payloads.py): each venue's valid
samples of each message kind (`KINDS` in tests/<venue>/test_<venue>_hostile_payloads.py), mutated
(wrong JSON types, NaN / Infinity / 1e999, 5,000-digit strings, signs a field cannot have, unknown
enum values, missing and extra keys, deep nesting). `N` examples per message kind, at most `S`
seconds per venue; no network, nothing written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VENUES = ("backpack", "lighter", "grvt", "aster")
COLUMNS = ("kinds", "inputs", "valid", "refused", "foreign", "impossible", "seconds")


class OutOfTime(Exception):
    """The venue's time budget ran out: stop drawing (counted so far stands)."""


def run_venue(name: str, examples: int, seconds: float, seed: int) -> tuple[Counter[str], list[str]]:
    from tests.hostile_payloads import Kind

    module = __import__(f"tests.{name}.test_{name}_hostile_payloads", fromlist=["KINDS"])
    kinds: tuple[Kind, ...] = module.KINDS
    tally: Counter[str] = Counter(kinds=len(kinds))
    findings: list[str] = []
    deadline = time.monotonic() + seconds

    for kind in kinds:
        try:
            _feed(kind, examples, seed, deadline, tally, findings)
        except OutOfTime:
            break
    return tally, findings


def _feed(kind: Any, examples: int, seed: int, deadline: float, tally: Counter[str], findings: list[str]) -> None:
    """Draw `examples` hostile payloads of one message kind (hypothesis, generation only: nothing is
    shrunk or stored) and tally what its parser made of each."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from tests.hostile_payloads import hostile, judge

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(payload=hostile(kind.samples))
    def feed(payload: Any) -> None:
        if time.monotonic() > deadline:
            raise OutOfTime
        verdict = judge(kind.parse, payload)
        tally["inputs"] += 1
        tally[{"ok": "valid"}.get(verdict.kind, verdict.kind)] += 1
        if not verdict.acceptable and len(findings) < 5:
            findings.append(f"{kind.name}: {verdict.kind}: {verdict.detail[:200]}")

    feed()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venues", default=",".join(VENUES))
    parser.add_argument("--examples", type=int, default=500, help="payloads per message kind (default 500)")
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget per venue (default 120)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    venues = [v.strip() for v in args.venues.split(",") if v.strip()]
    unknown = sorted(set(venues) - set(VENUES))
    if unknown:
        parser.error(f"unknown venues: {unknown}")

    rows: list[tuple[str, Counter[str]]] = []
    all_findings: list[str] = []
    for venue in venues:
        started = time.monotonic()
        tally, findings = run_venue(venue, args.examples, args.seconds, args.seed)
        tally["seconds"] = round(time.monotonic() - started)
        rows.append((venue, tally))
        all_findings += [f"{venue}: {f}" for f in findings]

    total: Counter[str] = Counter()
    for _, tally in rows:
        total.update(tally)
    width = max(len(v) for v in [*venues, "total"])
    print(f"{'venue':<{width}}  " + "  ".join(f"{c:>10}" for c in COLUMNS))
    for venue, tally in [*rows, ("total", total)]:
        print(f"{venue:<{width}}  " + "  ".join(f"{tally[c]:>10}" for c in COLUMNS))
    print(f"\nforeign / impossible: {total['foreign']} / {total['impossible']} (goal 0 / 0)")
    for finding in all_findings:
        print(f"  {finding}")
    return 1 if total["foreign"] or total["impossible"] else 0


if __name__ == "__main__":
    sys.exit(main())
