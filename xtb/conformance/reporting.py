"""The end of a run: the verdict, the reports, and the exit code that agrees with them.

CONFORMANT (exit 0), NOT CONFORMANT (exit 1) or INCOMPLETE (exit 2), judged by `xtb.report.verdict`
against the catalog, not against what happened to be collected: each catalog scenario without a
result is listed with why (deselected, not reached, not collected). A parallel worker hands what it
selected to the controller instead, which writes the one merged report.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from xtb import catalog
from xtb.conformance import parallel, venue_shapes
from xtb.conformance.items import result_id, scenario_venue
from xtb.conformance.outputs import mark_allure, mark_junit, write_results
from xtb.conformance.scenario_run import is_scenario_run
from xtb.conformance.session import SESSION, XtbSession, session_of
from xtb.drift.shape_file import ShapeFile
from xtb.report import build_report
from xtb.report.model import Result, ScenarioInfo, VenueInfo
from xtb.secrets import redact


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if is_scenario_run(config):
        config.pluginmanager.register(Closer(config), "xtb-closer")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The verdict, the reports, and the exit code that agrees with them."""
    if session.config.option.collectonly:  # nothing ran: no report (an old one is left as it was)
        return
    xtb = session.config.stash.get(SESSION, None)
    interrupted = "" if xtb is None or xtb.interrupts is None else xtb.interrupts.signal_name
    if not interrupted and exitstatus == pytest.ExitCode.INTERRUPTED:
        interrupted = "interrupted"  # a stop pytest handled itself (e.g. Ctrl-C between scenarios)
    if parallel.is_worker(session.config):  # always: a worker that collected no scenario says so too
        session.config.workeroutput[parallel.OUTPUT_KEY] = {  # type: ignore[attr-defined]
            "items": {
                item.nodeid: [venue, result_id(item)]
                for item in session.items
                if (venue := scenario_venue(item)) is not None
            },
            "deselected": {} if xtb is None else {venue: sorted(ids) for venue, ids in xtb.deselected.items()},
            "interrupted": interrupted,
            "shapes": {} if xtb is None else venue_shapes.worker_output(xtb.shapes),
        }
        return
    merge: parallel.Merge | None = session.config.pluginmanager.get_plugin(parallel.MERGE)
    if merge is not None:
        xtb = session_of(session.config)
        if not xtb.checked:  # stopped before any worker started (a usage error): no report
            return
        xtb.selected, xtb.deselected = merge.selected, merge.deselected
        if merge.finished_workers == 0:  # the selection is unknown: every venue is reported, incomplete
            xtb.selected = {t.name: [] for t in xtb.targets}
        rows, scenarios, shapes = merge.rows(), merge.scenarios, merge.shapes
        interrupted = merge.interrupted() or interrupted  # the signal's name, not just "interrupted"
    elif xtb is not None:
        rows, scenarios = [r.as_result() for r in xtb.records], xtb.scenarios
        shapes = venue_shapes.local_files(xtb.shapes)
    if xtb is None or not xtb.selected:
        return
    _write_reports(session, xtb, rows, scenarios, interrupted, shapes)


def _not_run(xtb: XtbSession, rows: list[Result], venue: str) -> dict[str, str]:
    """Each catalog scenario, and each selected one, that has no result for this venue, with why."""
    ran = {r.scenario for r in rows if r.venue == venue}
    selected = set(xtb.selected.get(venue, ()))
    deselected = xtb.deselected.get(venue, set())
    out: dict[str, str] = {}
    for scenario in [*catalog.all_result_ids(), *xtb.selected.get(venue, ())]:
        if scenario in ran or scenario in out:
            continue
        if scenario in selected:
            out[scenario] = "not reached: the run stopped before it"
        elif scenario in deselected or catalog.base_id(scenario) in {catalog.base_id(d) for d in deselected}:
            out[scenario] = "deselected (-k / -m)"
        else:
            out[scenario] = "not collected in this run"
    return out


def _write_reports(
    session: pytest.Session,
    xtb: XtbSession,
    rows: list[Result],
    scenarios: dict[str, ScenarioInfo],
    interrupted: str,
    shapes: dict[str, tuple[ShapeFile, int]],
) -> None:
    """The document (only venues that had something selected, each with what did not run and why,
    and the shapes the run recorded from it), its pages, and the verdict."""
    try:
        written = venue_shapes.write(shapes, xtb.report_dir, xtb.drift_baseline)
        report = build_report(
            results=rows,
            scenarios=scenarios,
            venues=[
                VenueInfo(
                    t.name,
                    environment=t.config.environment,
                    symbol=t.config.symbol,
                    config=t.config.source,
                    quirks=dict(t.config.quirks),
                    not_run=_not_run(xtb, rows, t.name),
                    shapes=written.get(t.name),
                )
                for t in xtb.targets
                if t.name in xtb.selected
            ],
            duration_s=time.monotonic() - xtb.started_at,
            baseline=catalog.BASELINE,
            interrupted=interrupted,
            excluded_venues=[t.name for t in xtb.targets if t.name not in xtb.selected],
        )
        xtb.verdict, _ = write_results(report, xtb.report_dir)
    except (OSError, ValueError) as exc:  # loud, and the run fails: the reports are part of the job
        session.config.get_terminal_writer().line(f"xtb: could not write the conformance reports: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return
    code = xtb.verdict.exit_code
    if code and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED):
        session.exitstatus = code
    elif session.exitstatus == pytest.ExitCode.INTERRUPTED:
        session.exitstatus = pytest.ExitCode.INTERRUPTED


class Closer:
    """Stops the simulators and restores signal handlers after every other sessionfinish (the
    session's leftover teardowns, which may still run a janitor, come first), then marks junit and
    allure with the verdict (their writers are done by then). Also notes stops pytest made itself."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """pytest stopped the run itself: a Ctrl-C between scenarios (nothing was in flight), or
        `pytest.exit()`. Either way the run is cut short, and the report must say so."""
        xtb = self._config.stash.get(SESSION, None)
        if xtb is None or xtb.interrupts is None or xtb.interrupts.signal_name:
            return
        if isinstance(excinfo.value, pytest.exit.Exception):
            xtb.interrupts.signal_name = f"pytest.exit: {excinfo.value.msg}"
        elif not isinstance(excinfo.value, pytest.Session.Interrupted):
            xtb.interrupts.signal_name = "SIGINT"

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        try:
            return (yield)
        finally:
            xtb = session.config.stash.get(SESSION, None)
            merge = session.config.pluginmanager.get_plugin(parallel.MERGE)
            if merge is not None:
                merge.uninstall_stop()
            if xtb is not None:
                if xtb.interrupts is not None:
                    xtb.interrupts.uninstall()
                xtb.close()
                if xtb.verdict is not None:
                    xmlpath = getattr(session.config.option, "xmlpath", None)
                    if xmlpath:
                        mark_junit(Path(xmlpath), xtb.verdict)
                    allure_dir = getattr(session.config.option, "allure_report_dir", None)
                    mark_allure(Path(allure_dir) if allure_dir else None, xtb.verdict)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    xtb = config.stash.get(SESSION, None)
    if xtb is None or xtb.verdict is None:
        return
    verdict = xtb.verdict
    color = {"CONFORMANT": "green", "NOT CONFORMANT": "red", "INCOMPLETE": "yellow"}[verdict.verdict.value]
    terminalreporter.section("xtb conformance verdict", **{color: True})
    for venue in verdict.venues:
        terminalreporter.write_line(redact(venue.summary()))
    terminalreporter.write_line(f"verdict: {verdict.headline()} — reports in {xtb.report_dir}/", bold=True)
