"""The suite under pytest-xdist: every venue's scenarios on one worker, one merged report.

A venue under test is one account, so two workers running its scenarios at once would see each
other's orders and position. A scheduler of our own keeps a venue's scenarios on one worker (other
tests spread freely); distribution modes that would split a venue are refused.

Workers run scenarios and write no reports. Each scenario's row rides to the controller on its
test reports (`xtb_record`, a JSON-safe attribute that pytest's report serialisation carries,
written and read by the results document's own codec, so it arrives exactly as it left), and
each worker's selection — which scenario items exist and what `-k` left out — on its
`workeroutput` when it finishes. The controller merges them into the one results document the
serial run writes. What could make that document claim more than ran is named, not dropped:

* a worker that crashed mid-scenario: that scenario is an error ("lost: worker gw1 crashed while
  running it");
* scenarios a crashed or stopped worker never reached: "not reached", and the run is marked
  interrupted so they count against the verdict even when outside the baseline;
* no worker finishing at all: nothing is known about the selection, the run is interrupted;
* a SIGINT or SIGTERM to the controller is passed to every local worker, which stops its scenario
  in flight and cleans up exactly as a serial run does, then starts no other (a worker on another
  machine gets xdist's shutdown: it finishes what it was sent, cleanup included); the run is
  interrupted. A second signal abandons the workers.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from xtb.conformance import venue_shapes
from xtb.drift.shape_file import ShapeFile
from xtb.report.document import parse_result, parse_scenario, result_to_json, scenario_to_json
from xtb.report.model import Outcome, Result, ScenarioInfo

log = logging.getLogger(__name__)
RECORD_ATTR = "xtb_record"  # on a scenario's TestReport: its result row so far, and its scenario's title and doc
OUTPUT_KEY = "xtb"  # in a worker's workeroutput
MERGE = "xtb-parallel-merge"  # the name the controller's `Merge` is registered under
ALLOWED_DIST = ("no", "load", "loadgroup")  # "no" becomes "load" in xdist right after


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def is_controller(config: pytest.Config) -> bool:
    """True in the process that hands tests to xdist workers and runs none itself (xdist's
    distributed session is registered: not with `-n 0`, not with --collect-only)."""
    return not is_worker(config) and config.pluginmanager.has_plugin("dsession")


def choose_distribution(config: pytest.Config) -> None:
    """Keep each venue on one worker: `-n N` runs with the venue scheduler below (`--dist load`,
    xdist's default, and `loadgroup` mean it); modes that would split a venue or run it on every
    worker are refused."""
    option = config.option
    if is_worker(config) or not (getattr(option, "numprocesses", None) or getattr(option, "tx", None)):
        return
    if getattr(option, "dist", "no") not in ALLOWED_DIST:
        raise pytest.UsageError(
            f"--dist {option.dist} would run one venue's scenarios on several workers at once (a venue is "
            f"one account); use --dist load (the default with -n), which keeps each venue on one worker"
        )


def venue_scheduling(config: pytest.Config, log: Any, venues: list[str]) -> Any:
    """xdist's scope scheduler with a venue's scenarios as one scope (any other test is a scope
    of its own). A scenario's id carries its venue as the first parameter: `test_x[grvt]`,
    `test_ambiguous_submit[grvt-drop_response]`. (xdist's own loadgroup cannot do this on pytest 9:
    it renames item ids through an attribute pytest no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    names = set(venues)

    class VenueScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid, names)

    return VenueScheduling(config, log)


def scope_of(nodeid: str, venues: set[str]) -> str:
    """The scheduling scope of a test id: `venue:NAME` for a scenario, else the id itself."""
    _, bracket, params = nodeid.partition("[")
    first = params.rstrip("]").split("-", 1)[0] if bracket else ""
    return f"venue:{first}" if first in venues else nodeid


def record_payload(result: Result, scenario: ScenarioInfo | None) -> dict[str, Any]:
    """What a worker attaches to a scenario's test report (`RECORD_ATTR`): plain JSON values."""
    return {"result": result_to_json(result), "scenario": None if scenario is None else scenario_to_json(scenario)}


@dataclass
class Merge:
    """What the controller gathers from its workers while they run."""

    results: dict[str, Result] = field(default_factory=dict)  # nodeid → latest result row
    scenarios: dict[str, ScenarioInfo] = field(default_factory=dict)  # result id → title, doc, sim_only
    items: dict[str, tuple[str, str]] = field(default_factory=dict)  # nodeid → (venue, result id)
    selected: dict[str, list[str]] = field(default_factory=dict)
    deselected: dict[str, set[str]] = field(default_factory=dict)
    stops: list[str] = field(default_factory=list)  # why workers ended early
    finished_workers: int = 0
    crashed: dict[str, str] = field(default_factory=dict)  # nodeid → which worker crashed running it
    shapes: dict[str, tuple[ShapeFile, int]] = field(default_factory=dict)  # venue → merged file, not recorded

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, RECORD_ATTR, None)
        if isinstance(payload, dict):
            row = parse_result(payload["result"], f"{report.nodeid}: {RECORD_ATTR}.result")
            self.results[report.nodeid] = row
            self.items.setdefault(report.nodeid, (row.venue, row.scenario))
            if payload["scenario"] is not None and row.scenario not in self.scenarios:
                where = f"{report.nodeid}: {RECORD_ATTR}.scenario"
                self.scenarios[row.scenario] = parse_scenario(row.scenario, payload["scenario"], where)
        elif report.failed and report.when not in ("setup", "call", "teardown"):
            # xdist's report for the test a worker was running when it died (when="???")
            worker = getattr(getattr(report, "node", None), "gateway", None)
            self.crashed[report.nodeid] = f"worker {getattr(worker, 'id', '?')} crashed while running it"

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None) or {}
        ours = output.get(OUTPUT_KEY)
        worker = getattr(getattr(node, "gateway", None), "id", "?")
        if error is not None:
            self.stops.append(f"worker {worker} went down ({_first_line(str(error))})")
        if not isinstance(ours, dict):
            return
        self.finished_workers += 1
        venue_shapes.merge_output(self.shapes, ours.get("shapes"))
        for nodeid, (venue, rid) in ours["items"].items():
            self.items.setdefault(nodeid, (venue, rid))
        if not self.selected:  # every worker collects the same items: its scenario items are the selection
            for venue, rid in ours["items"].values():
                self.selected.setdefault(venue, []).append(rid)
            self.deselected = {v: set(ids) for v, ids in ours["deselected"].items()}
        if ours.get("interrupted") and ours["interrupted"] != self.signal_name:  # not just the one we passed on
            self.stops.append(f"worker {worker}: {ours['interrupted']}")

    # ------------------------------------------------------------------ stopping

    signal_name: str = ""
    _previous: dict[int, Any] = field(default_factory=dict)
    _dsession: Any = None
    _say: Any = None

    def install_stop(self, config: pytest.Config, say: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        self._dsession = config.pluginmanager.get_plugin("dsession")
        self._say = say
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._on_signal)

    def uninstall_stop(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signal_name:  # the second one: abandon the workers (pytest's own Ctrl-C path)
            self.uninstall_stop()
            raise KeyboardInterrupt
        self.signal_name = name
        self._say(
            f"xtb: {name} — passed to the workers: each stops its scenario in flight and cleans up, then stops; "
            f"send it again to abandon them"
        )
        for pid in local_workers():
            try:  # its own handlers stop the scenario in flight, clean up, and end its run
                os.kill(pid, signum)
            except ProcessLookupError:  # already gone: nothing in flight
                pass
        if self._dsession is not None and not self._dsession.shouldstop:
            # then xdist shuts the workers down; a worker on another machine finishes its queue first
            self._dsession.shouldstop = f"{name} received"

    def rows(self) -> list[Result]:
        """The merged result rows: each scenario's last word, and an error row for each lost one."""
        rows = dict(self.results)
        for nodeid, why in self.crashed.items():
            if nodeid not in self.items:  # no worker said what it was: the run is marked interrupted
                continue
            venue, rid = self.items[nodeid]
            row = rows.get(nodeid) or Result(venue, rid, Outcome.ERROR, duration_s=0.0)  # lost before its first report
            prior = f"; {row.reason}" if row.reason else ""
            rows[nodeid] = replace(row, outcome=Outcome.ERROR, reason=f"lost: {why}{prior}")
        return list(rows.values())

    def interrupted(self) -> str:
        """Why the merged run is incomplete as a whole ("" when every worker finished its work)."""
        parts = [self.signal_name] if self.signal_name else []
        if self.finished_workers == 0:
            parts.append("no parallel worker finished: what was selected is unknown")
        parts += [f"{why}: {nodeid}" for nodeid, why in self.crashed.items()]
        return "; ".join(dict.fromkeys([*parts, *self.stops]))


def local_workers() -> list[int]:
    """The pids of this machine's workers: xdist starts them as this process's children (the
    controller starts no other process; its simulators, if any, are threads). Empty where /proc
    does not list children: the workers then get xdist's shutdown only."""
    pids: list[int] = []
    for children in Path("/proc/self/task").glob("*/children"):
        try:
            pids += [int(pid) for pid in children.read_text().split()]
        except OSError:
            continue
    return pids


def _first_line(text: str) -> str:
    text = text.strip()
    return text.splitlines()[0] if text else "no reason given"
