"""The suite on pytest-xdist workers says exactly what a serial run says, in one merged report,
and names what a lost or stopped worker did not check (`xtb/conformance/parallel.py`).

Each test runs the real suite in a child process against the built-in simulators.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.suite_runs import ROOT, Run, run_suite, suite_env
from tests.test_verdict_integrity import BASELINE_K, USAGE_ERROR, junit_properties, run_and_signal, venue_file
from xtb.conformance.parallel import RECORD_ATTR, Merge, record_payload, scope_of
from xtb.report.model import Attempt, Exchange, Outcome, Result, ScenarioInfo

# backpack fails its flatten (the rest of its scenarios are then blocked by the residue); aster passes
SELECTION = f"(backpack or aster) and ({BASELINE_K} or cancel_resting)"
BUGGY_BACKPACK = "backpack=tests.selftest.shared_bugs:BackpackCannotFlatten"
XDIST_READY = b"nodes...\n\n"  # xdist's "bringing up nodes..." lines end; progress dots follow


def verdicts(run: Run) -> dict[str, str]:
    return {venue: v["verdict"] for venue, v in run.document()["verdict"]["venues"].items()}


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_parallel_run_gives_the_serial_verdicts_in_one_merged_report(tmp_path: Path) -> None:
    serial = run_suite(tmp_path / "serial", "-k", SELECTION, "--venue-connector", BUGGY_BACKPACK)
    spread = run_suite(tmp_path / "parallel", "-n", "2", "-k", SELECTION, "--venue-connector", BUGGY_BACKPACK)

    assert serial.code == spread.code == 1, spread.tail()
    assert spread.outcomes() == serial.outcomes(), spread.tail()
    assert spread.outcomes()["backpack/cancel_resting"] == "blocked"  # residue is per venue, on its worker
    assert set(spread.outcomes().values()) >= {"passed", "failed", "blocked"}
    assert verdicts(spread) == verdicts(serial) == {"aster": "CONFORMANT", "backpack": "NOT CONFORMANT"}
    document = spread.document()
    assert document["interrupted"] == ""
    assert set(document["scenarios"]) == {r.split("/")[1] for r in serial.outcomes()}
    assert (
        document["scenarios"]["post_top_of_book"]["title"]
        == serial.document()["scenarios"]["post_top_of_book"]["title"]
    )
    transcripts = [r["transcript"] for r in document["results"] if r["outcome"] == "passed"]
    assert transcripts and all(transcripts), "a worker's request transcript did not reach the merged report"

    def junit_counts(run: Run) -> tuple[str | None, ...]:
        suite = ET.parse(run.report_dir / "junit.xml").getroot().find("testsuite")
        assert suite is not None
        return tuple(suite.get(key) for key in ("tests", "failures", "errors", "skipped"))

    assert junit_counts(spread) == junit_counts(serial)
    assert junit_properties(spread)["xtb.verdict"].startswith("NOT CONFORMANT")
    allure_results = [json.loads(p.read_text()) for p in (spread.report_dir / "allure-results").glob("*-result.json")]
    assert len(allure_results) == len(document["results"])  # none cleaned away by another worker
    headline = (spread.report_dir / "conformance.md").read_text().split("\n")[2]
    assert "NOT CONFORMANT" in headline


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_worker_that_dies_mid_scenario_is_reported_as_lost_never_as_passed(tmp_path: Path) -> None:
    marker = tmp_path / "died"
    run = run_suite(
        tmp_path / "reports",
        "-n",
        "2",
        "-k",
        "(backpack or aster) and (metadata or post_top_of_book or cancel_resting)",
        "--venue-connector",
        "backpack=tests.selftest.dying:BackpackDiesOnce",
        env={"XTB_DIE_ONCE": str(marker)},
    )
    assert marker.exists(), "the planted crash never happened:\n" + run.tail()
    assert run.code == 1, run.tail()
    outcomes = run.outcomes()
    assert outcomes["backpack/post_top_of_book"] == "error"  # the scenario the worker died in
    reason = next(
        r["reason"]
        for r in run.document()["results"]
        if r["scenario"] == "post_top_of_book" and r["venue"] == "backpack"
    )
    assert reason.startswith("lost: worker gw") and "crashed while running it" in reason
    assert outcomes["backpack/metadata"] == "passed"  # what the worker finished before dying is kept
    assert outcomes["aster/post_top_of_book"] == "passed"
    assert run.verdict("backpack") == "NOT CONFORMANT" and run.verdict() == "NOT CONFORMANT"
    assert "crashed" in run.document()["interrupted"]


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_parallel_run_is_incomplete_and_keeps_what_ran(tmp_path: Path, sig: signal.Signals) -> None:
    run = run_and_signal(tmp_path, sig, "-n", "2", "-k", f"(backpack or aster) and ({BASELINE_K})", after=XDIST_READY)
    assert run.code == 2, run.tail()
    assert "Traceback" not in run.output, run.tail()
    document = run.document()
    assert document["interrupted"] == sig.name
    assert run.verdict() == "INCOMPLETE"
    outcomes = run.outcomes()
    assert "passed" in outcomes.values()  # the scenarios that finished before the stop are in the report
    assert len(outcomes) < 10, "the stop did not stop anything"
    assert all(o in ("passed", "interrupted") for o in outcomes.values()), outcomes
    assert junit_properties(run)["xtb.verdict"].startswith("INCOMPLETE")


def test_a_distribution_that_would_split_a_venue_is_refused(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "-n", "2", "--dist", "loadfile", "-k", "backpack and metadata")
    assert run.code == USAGE_ERROR, run.tail()
    assert "--dist loadfile would run one venue's scenarios on several workers at once" in run.output
    assert not (tmp_path / "conformance.json").exists()


def test_a_config_mistake_stops_a_parallel_run_once_before_any_worker(tmp_path: Path) -> None:
    path = venue_file(tmp_path, "backpack", simulator={"symbol": "DOGE_USDC_PERP"})
    run = run_suite(tmp_path / "reports", "-n", "2", "--venue-config", str(path), "--sim")
    assert run.code == USAGE_ERROR, run.tail()
    assert run.output.count("simulator.symbol 'DOGE_USDC_PERP' is not a market of the backpack simulator") == 1
    assert "INTERNALERROR" not in run.output and "bringing up nodes" not in run.output
    assert not (tmp_path / "reports" / "conformance.json").exists()


def test_a_workers_row_reaches_the_controller_exactly_as_it_left() -> None:
    row = Result(
        "backpack",
        "ambiguous_submit[drop_response]",
        Outcome.FAILED,
        reason="call: the order was counted twice",
        duration_s=1.5,
        metrics={"requests": 3.0},
        attempts=(Attempt("c1", price=Decimal("150.10"), size=Decimal("0.1"), state="open", submitted_at=0.01),),
        transcript=(Exchange(0.1, "POST", "http://127.0.0.1:1/api/v1/order", None, 0.5, "dropped", 1),),
    )
    scenario = ScenarioInfo(row.scenario, title="Ambiguous submit", doc="Purpose: ...", sim_only=True)
    nodeid = "conformance/test_resilience.py::test_ambiguous_submit[backpack-drop_response]"
    report = SimpleNamespace(nodeid=nodeid, failed=True, when="call")
    # what xdist's report serialisation carries from the worker: plain JSON values
    setattr(report, RECORD_ATTR, json.loads(json.dumps(record_payload(row, scenario))))
    merge = Merge()
    merge.pytest_runtest_logreport(report)  # type: ignore[arg-type]
    assert merge.rows() == [row] and merge.scenarios == {row.scenario: scenario}
    merge.crashed[nodeid] = "worker gw1 crashed while running it"
    (lost,) = merge.rows()
    assert lost == replace(
        row, outcome=Outcome.ERROR, reason=f"lost: worker gw1 crashed while running it; {row.reason}"
    )


@pytest.mark.parametrize(
    ("nodeid", "scope"),
    [
        ("conformance/test_baseline.py::test_metadata[grvt]", "venue:grvt"),
        ("conformance/test_resilience.py::test_ambiguous_submit[grvt-drop_response]", "venue:grvt"),
        ("tests/test_model.py::test_decimal[grvt]", "venue:grvt"),  # a venue-parametrized test is kept together too
        ("tests/test_model.py::test_rounding[up-1]", "tests/test_model.py::test_rounding[up-1]"),
        ("tests/test_model.py::test_plain", "tests/test_model.py::test_plain"),
        ("conformance/test_baseline.py::test_metadata[grvtx]", "conformance/test_baseline.py::test_metadata[grvtx]"),
    ],
)
def test_the_scheduler_keeps_a_venue_on_one_worker_and_spreads_the_rest(nodeid: str, scope: str) -> None:
    assert scope_of(nodeid, {"grvt", "aster"}) == scope


def test_collect_only_writes_no_report(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--collect-only", "-k", "backpack and metadata")
    assert run.code == 0, run.tail()
    assert not (tmp_path / "conformance.json").exists()


def test_a_parallel_run_without_scenarios_writes_no_report(tmp_path: Path) -> None:
    """Only xtb's own tests, on workers: no venue session exists anywhere, and no report may claim one."""
    command = [sys.executable, "-m", "pytest", "tests/test_model.py", "-q", "-p", "no:cacheprovider", "-n", "2"]
    proc = subprocess.run(
        [*command, "--report-dir", str(tmp_path)],
        cwd=ROOT,
        env=suite_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert not (tmp_path / "conformance.json").exists()
