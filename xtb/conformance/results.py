"""Each scenario's result row, from pytest's reports of its setup, body and cleanup: the first
failure names the outcome, a stop says what cut it short, a skip keeps its reason. Under xdist the
row rides to the controller on the test report (`parallel.py`); the order timelines and request
transcript go to allure.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import pytest

from xtb.checks.record import ScenarioRecord
from xtb.conformance import parallel
from xtb.conformance.interrupts import STOPPED, ScenarioStopped
from xtb.conformance.session import RECORD, SESSION
from xtb.report.document import result_to_json
from xtb.report.model import FAILING, Outcome
from xtb.secrets import redact


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    record = item.stash.get(RECORD, None)
    stopped = call.excinfo.value if call.excinfo is not None else None
    if isinstance(stopped, ScenarioStopped):  # one plain line, no traceback: it was asked for
        report.longrepr = f"{stopped.why} during {call.when}; the scenario's cleanup {_cleanup_note(call.when)}"
    if record is None:
        return report
    record.duration_s += report.duration
    if isinstance(stopped, ScenarioStopped):
        record.outcome = stopped.kind
        record.reason = f"{stopped.why} during {call.when}"
    elif report.skipped and record.outcome not in FAILING:
        if record.outcome is not Outcome.BLOCKED:
            record.outcome = Outcome.SKIPPED
        longrepr = report.longrepr
        record.reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    elif report.failed:
        reason = f"{report.when}: {_failure_message(call)}"
        if record.outcome in STOPPED:
            record.reason = f"{record.reason}; {reason}"  # cleanup failed after a stop: keep both
            record.outcome = Outcome.ERROR
        elif record.outcome in FAILING:
            record.reason = f"{record.reason}; {reason}"  # the first failure names the outcome
        else:
            record.reason = reason
            record.outcome = Outcome.FAILED if report.when == "call" else Outcome.ERROR
    elif report.when == "call" and report.passed and record.outcome not in FAILING:
        record.outcome = Outcome.PASSED
    if report.when == "call":
        _attach_to_allure(record)
    if parallel.is_worker(item.config):  # the controller writes the report: the record travels with this one
        scenario = item.config.stash[SESSION].scenarios.get(record.scenario)
        setattr(report, parallel.RECORD_ATTR, parallel.record_payload(record.as_result(), scenario))
    return report


def _cleanup_note(when: str) -> str:
    return "ran next" if when in ("setup", "call") else "was finished first"


def _failure_message(call: pytest.CallInfo[None]) -> str:
    """The assertion's (or error's) own message, first line: what a person needs in a table cell."""
    if call.excinfo is None:
        return ""
    exc = call.excinfo.value
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    if isinstance(exc, AssertionError):
        return first or "assertion failed"
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _attach_to_allure(record: ScenarioRecord) -> None:
    """The scenario's order timelines and transcript, attached to the test body (not its teardown)."""
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dependency
        return
    record.finish()
    result = result_to_json(record.as_result())
    allure.attach(
        json.dumps(result["orders"], indent=1), name="order timelines", attachment_type=allure.attachment_type.JSON
    )
    allure.attach(
        redact(json.dumps(result["transcript"], indent=1)),
        name="request transcript (redacted)",
        attachment_type=allure.attachment_type.JSON,
    )
