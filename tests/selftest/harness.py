"""Runs the catalog with deliberately broken connectors: the kill table.

Every broken variant runs in its own pytest process against its venue's built-in simulator (a
broken connector cannot leak into another run), selecting only the scenario meant to catch it; the
outcome is read from the conformance.json the run writes. The real connector runs the same
scenarios (the control row), so a failure is the bug's doing. Runs go `workers` at a time: each is
mostly waiting on its simulator.

`python -m tests.selftest.harness` prints the whole table as Markdown (the closing-note figure).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tests.suite_runs import ROOT, suite_command, suite_env
from xtb.connectors import CONNECTORS

VENUES = tuple(CONNECTORS)  # every built-in venue; its own bugs live in tests/selftest/venues/VENUE.py


@dataclass(frozen=True)
class Variant:
    """One broken connector on one venue, and the scenario that must fail with it."""

    venue: str
    name: str
    connector: str | None  # "module:Class", None for the venue's real connector (the control row)
    scenarios: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.venue}-{self.name}"


@dataclass
class Outcome:
    variant: Variant
    outcomes: dict[str, str]  # scenario → outcome
    reasons: dict[str, str]
    seconds: float
    problem: str = ""  # why the run produced no report


def variants() -> list[Variant]:
    """Every broken variant the self-test knows: the shared-base bugs on each venue, each venue's
    own bugs, the market-data bugs; plus one control row per venue with the real connector."""
    from tests.selftest import book_bugs, shared_bugs

    found: list[Variant] = []
    for venue in VENUES:
        for name in shared_bugs.EXPECTED_FAILURES:
            cls = shared_bugs.BROKEN[venue][name]
            scenario = shared_bugs.expected_scenario(venue, name)
            if scenario is None:
                continue  # cannot occur on this venue (shared_bugs.VENUE_EXPECTATIONS says why)
            found.append(Variant(venue, name, f"tests.selftest.shared_bugs:{cls.__name__}", (scenario,)))
    for venue, module in venue_modules().items():
        for name, scenario in module.EXPECTED_FAILURES.items():
            found.append(Variant(venue, name, f"{module.__name__}:{name}", (scenario,)))
    for name, (venue, scenario) in book_bugs.EXPECTED_FAILURES.items():
        found.append(Variant(venue, name, f"tests.selftest.book_bugs:{name}", (scenario,)))
    for venue in VENUES:
        expected = tuple(sorted({s for v in found if v.venue == venue for s in v.scenarios}))
        found.append(Variant(venue, "real connector", None, expected))
    return found


def venue_modules() -> dict[str, ModuleType]:
    """Each built-in venue's module of its own bugs (`EXPECTED_FAILURES`), where it has one."""
    found = {}
    for venue in VENUES:
        name = f"tests.selftest.venues.{venue}"
        if importlib.util.find_spec(name) is not None:
            found[venue] = importlib.import_module(name)
    return found


def run_one(variant: Variant, out: Path, timeout: float = 240) -> Outcome:
    report_dir = out / variant.key.replace(" ", "_")
    selection = " or ".join(variant.scenarios)
    args = suite_command(report_dir, "-k", f"({selection}) and {variant.venue}")
    if variant.connector is not None:
        args += ["--venue-connector", f"{variant.venue}={variant.connector}"]
    started = time.monotonic()
    proc = subprocess.run(args, cwd=ROOT, env=suite_env(), capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    report = report_dir / "conformance.json"
    if not report.exists():
        tail = (proc.stdout[-1500:] + proc.stderr[-1500:]).strip()
        return Outcome(variant, {}, {}, seconds, f"no report written (exit {proc.returncode}): {tail}")
    results = json.loads(report.read_text())["results"]
    return Outcome(
        variant,
        {r["scenario"]: r["outcome"] for r in results},
        {r["scenario"]: r.get("reason", "") for r in results},
        seconds,
    )


def run_all(selected: Iterable[Variant], out: Path, workers: int = 3) -> dict[str, Outcome]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda v: run_one(v, out), list(selected))
        return {o.variant.key: o for o in done}


def caught(outcome: Outcome) -> bool:
    return all(outcome.outcomes.get(s) == "failed" for s in outcome.variant.scenarios)


def table(outcomes: dict[str, Outcome]) -> str:
    rows = ["| venue | broken variant | scenario | outcome | reason (first line) |", "|---|---|---|---|---|"]
    for o in sorted(outcomes.values(), key=lambda o: (o.variant.venue, o.variant.connector is None, o.variant.name)):
        for scenario in o.variant.scenarios:
            outcome = o.outcomes.get(scenario, o.problem[:60] or "not run")
            reason = o.reasons.get(scenario, "").replace("|", "\\|")[:140]
            rows.append(f"| {o.variant.venue} | {o.variant.name} | {scenario} | {outcome} | {reason} |")
    return "\n".join(rows)


def matrix(outcomes: dict[str, Outcome]) -> str:
    """The kill table at a glance: broken variant × venue → the scenario that caught it (✗ when
    none did, n/a when the variant does not exist on that venue)."""
    broken = [o for o in outcomes.values() if o.variant.connector is not None]
    names = sorted({_family(o.variant) for o in broken})
    cells = {(_family(o.variant), o.variant.venue): o for o in broken}
    rows = ["| broken variant | " + " | ".join(VENUES) + " |", "|---|" + "---|" * len(VENUES)]
    for name in names:
        row = []
        for venue in VENUES:
            o = cells.get((name, venue))
            row.append("n/a" if o is None else (o.variant.scenarios[0] if caught(o) else "✗ NOT CAUGHT"))
        rows.append(f"| {name} | " + " | ".join(row) + " |")
    return "\n".join(rows)


def _family(variant: Variant) -> str:
    """A variant's name without its venue prefix (`BackpackBookGapIgnored` → `BookGapIgnored`)."""
    name = variant.name
    prefix = variant.venue.capitalize()
    return name[len(prefix) :] if name.startswith(prefix) and name != prefix else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("/tmp/xtb-selftest"))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("-k", dest="match", default="", help="only variants whose venue-name contains this")
    args = parser.parse_args(argv)
    started = time.monotonic()
    selected = [v for v in variants() if args.match in v.key]
    outcomes = run_all(selected, args.out, args.workers)
    print(matrix(outcomes))
    print()
    print(table(outcomes))
    broken = [o for o in outcomes.values() if o.variant.connector is not None]
    real = [o for o in outcomes.values() if o.variant.connector is None]
    killed = sum(caught(o) for o in broken)
    passed = sum(all(v == "passed" for v in o.outcomes.values()) and bool(o.outcomes) for o in real)
    print(
        f"\ncaught {killed}/{len(broken)} broken variants; real connector passed on {passed}/{len(real)} venues; "
        f"{time.monotonic() - started:.0f}s with {args.workers} workers"
    )
    return 0 if killed == len(broken) and passed == len(real) else 1


if __name__ == "__main__":
    sys.exit(main())
