"""The suite's self-test: each deliberately broken connector must fail the scenario meant to catch it.

Each variant runs in its own pytest process against the built-in Backpack simulator, so a broken
connector cannot leak into this process; the verdict is read from the conformance.json it writes.
A good connector must pass the same scenario (the control run), so a failure is the bug's doing.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.selftest.broken_connectors import EXPECTED_FAILURES
from tests.suite_runs import ROOT, suite_command, suite_env


def run_suite(tmp_path: Path, scenario: str, connector: str | None) -> dict[str, str]:
    report_dir = tmp_path / (connector or "control")
    args = suite_command(report_dir, "-k", f"({scenario}) and backpack", "--junitxml", str(report_dir / "junit.xml"))
    if connector is not None:
        args += ["--venue-connector", f"backpack=tests.selftest.broken_connectors:{connector}"]
    proc = subprocess.run(args, cwd=ROOT, env=suite_env(), capture_output=True, text=True, timeout=240)
    report = report_dir / "conformance.json"
    assert report.exists(), f"no report written:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert (report_dir / "conformance.html").exists(), "the report pages were not rendered"
    results = json.loads(report.read_text())["results"]
    return {r["scenario"]: r["outcome"] for r in results}


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("variant", "scenario"), sorted(EXPECTED_FAILURES.items()))
def test_broken_connector_fails_its_scenario(tmp_path: Path, variant: str, scenario: str) -> None:
    outcomes = run_suite(tmp_path, scenario, variant)
    assert outcomes.get(scenario) == "failed", f"{variant} was not caught by {scenario}: {outcomes}"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_real_connector_passes_those_scenarios(tmp_path: Path) -> None:
    scenarios = sorted(set(EXPECTED_FAILURES.values()))
    outcomes = run_suite(tmp_path, " or ".join(scenarios), None)
    assert {s: outcomes.get(s) for s in scenarios} == dict.fromkeys(scenarios, "passed")
