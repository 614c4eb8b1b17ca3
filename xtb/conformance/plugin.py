"""The conformance suite's pytest plugin: options, venue targets, the `venue` fixture (with the
janitor around every scenario), built-in simulators, the verdict and the reports.

    pytest conformance                                   every venue file with a simulator, on it
    pytest conformance -k grvt --venue-config venues/grvt.yaml          the real venue (testnet)
    pytest conformance --venue-config venues/grvt.yaml --sim            that file, on the simulator

The run ends with a verdict per venue and for the run (`xtb.report.verdict`): CONFORMANT (exit 0),
NOT CONFORMANT (exit 1) or INCOMPLETE (exit 2). Everything that could make it claim more than ran is
handled here: a selection that leaves out baseline scenarios, venue-file skips, a Ctrl-C / SIGTERM
/ timeout mid-scenario (`interrupts.py`), and residue one scenario leaves for the next.
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from xtb import catalog
from xtb.checks import steps
from xtb.checks.record import ScenarioRecord
from xtb.config.venue_file import VenueConfig, load_venue_config
from xtb.conformance import parallel
from xtb.conformance.interrupts import Interrupts, ScenarioStopped
from xtb.conformance.outputs import mark_allure, mark_junit, write_results
from xtb.connectors import CONNECTORS, load_connector_class
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.errors import ConfigError, XtbError
from xtb.report import build_report
from xtb.report.document import result_to_json
from xtb.report.model import FAILING, Outcome, Result, ScenarioInfo, VenueInfo
from xtb.report.verdict import RunVerdict
from xtb.secrets import redact
from xtb.sim.cluster import SimulatorCluster
from xtb.sim.control_client import SimControlClient
from xtb.sim.registry import simulator_markets

log = logging.getLogger(__name__)

SESSION = pytest.StashKey["XtbSession"]()
MERGE = "xtb-parallel-merge"  # the controller's plugin that gathers the workers' results (parallel.py)
RECORD = pytest.StashKey[ScenarioRecord]()
STOPPED = frozenset({Outcome.INTERRUPTED, Outcome.TIMED_OUT})  # cut short by a signal or the timeout
REACH_TIMEOUT_S = 5.0  # how long the up-front check waits for a real venue's host to accept a connection


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xtb", "xtb connector conformance suite")
    group.addoption(
        "--venue-config", action="append", default=[], metavar="PATH", help="venue file to test (repeatable)"
    )
    group.addoption("--sim", action="store_true", help="run the given venue files against their built-in simulators")
    group.addoption("--allow-mainnet", action="store_true", help="allow orders on a mainnet venue (within its cap)")
    group.addoption("--report-dir", default="reports", metavar="DIR", help="where reports are written")
    group.addoption("--sim-seed", type=int, default=0, help="seed of the built-in simulators")
    group.addoption(
        "--scenario-order",
        choices=("catalog", "reverse", "random"),
        default="catalog",
        help="run scenarios in catalog order, reversed, or shuffled (seeded by --scenario-seed): a scenario "
        "that passes only because of what ran before it is a bug",
    )
    group.addoption("--scenario-seed", type=int, default=None, help="seed for --scenario-order random")
    group.addoption(
        "--venue-connector",
        action="append",
        default=[],
        metavar="VENUE=module:Class",
        help="use another connector class for a venue (the suite's self-test)",
    )


@dataclass
class Target:
    config: VenueConfig
    connector: str  # a venue name or "module:Class", imported at first use: a parallel worker imports its own only
    _class: type[BaseConnector] | None = field(default=None, repr=False)
    _client_ids: ClientIdGenerator | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.config.venue

    @property
    def connector_class(self) -> type[BaseConnector]:
        if self._class is None:
            self._class = load_connector_class(self.connector)
        return self._class

    @property
    def client_ids(self) -> ClientIdGenerator:
        """One per venue per session: unique ids under one run tag."""
        if self._client_ids is None:
            self._client_ids = ClientIdGenerator(self.connector_class.client_id_policy, random.Random())
        return self._client_ids


@dataclass
class Residue:
    """What the janitor could not clean up, and which scenario left it."""

    scenario: str
    message: str


@dataclass
class XtbSession:
    targets: list[Target]
    report_dir: Path
    allow_mainnet: bool
    seed: int
    records: list[ScenarioRecord] = field(default_factory=list)
    scenarios: dict[str, ScenarioInfo] = field(default_factory=dict)  # result id → its title and doc
    started_at: float = field(default_factory=time.monotonic)
    selected: dict[str, list[str]] = field(default_factory=dict)  # venue → result ids selected to run
    deselected: dict[str, set[str]] = field(default_factory=dict)  # venue → result ids -k / -m left out
    residue: dict[str, Residue] = field(default_factory=dict)  # venue → what the janitor left
    interrupts: Interrupts | None = None
    checked: bool = False  # a parallel run's controller passed the up-front checks: workers were started
    verdict: RunVerdict | None = None
    _cluster: SimulatorCluster | None = None

    def target(self, name: str) -> Target:
        return next(t for t in self.targets if t.name == name)

    def simulator(self, name: str) -> dict[str, Any]:
        """The running simulator's description (URLs, test account), started the first time a
        scenario needs it: a parallel worker starts only the simulators of the venues it runs."""
        if self._cluster is None:
            self._cluster = SimulatorCluster(seed=self.seed)
        return self._cluster.ensure(name)

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None


# ---------------------------------------------------------------------------------- configuration


def _default_venue_files(root: Path) -> list[Path]:
    from xtb.sim.registry import default_registry

    simulated = set(default_registry().names())
    files = []
    for path in sorted((root / "venues").glob("*.yaml")):
        shown = Path(os.path.relpath(path))
        config = load_venue_config(shown)
        if config.simulator in simulated:
            files.append(shown)
    return files


def _build_session(config: pytest.Config) -> XtbSession:
    from xtb.sim.registry import default_registry

    files = [Path(p) for p in config.getoption("venue_config")]
    on_sim = config.getoption("sim") or not files
    if not files:
        files = _default_venue_files(config.rootpath)
    overrides = dict(_split_override(o) for o in config.getoption("venue_connector"))
    simulators = default_registry().names()
    targets = []
    for path in files:
        venue_config = load_venue_config(path)
        if on_sim:
            venue_config = venue_config.for_simulator()
            if venue_config.simulator not in simulators:
                raise ConfigError(
                    f"{path}: simulator.venue {venue_config.simulator!r} is not a built-in simulator; "
                    f"known: {', '.join(simulators)}"
                )
        elif venue_config.environment == "mainnet" and not config.getoption("allow_mainnet"):
            raise ConfigError(
                f"{path}: {venue_config.venue} is a mainnet venue; pass --allow-mainnet to trade on it "
                f"(orders stay under order_size.max_notional), or --sim for its simulator"
            )
        else:
            venue_config.read_credentials()  # fail now, naming the missing or unusable variables
            venue_config.read_identifiers()
        target = Target(venue_config, overrides.get(venue_config.venue, venue_config.connector))
        if target.connector not in (*CONNECTORS, *CONNECTORS.values()):
            target.connector_class  # noqa: B018 - another team's class: a bad path stops the run now
        targets.append(target)
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise ConfigError(f"two venue files name the same venue: {names}")
    return XtbSession(
        targets=targets,
        report_dir=Path(config.getoption("report_dir")),
        allow_mainnet=config.getoption("allow_mainnet"),
        seed=config.getoption("sim_seed"),
    )


def _split_override(text: str) -> tuple[str, str]:
    venue, sep, target = text.partition("=")
    if not sep or ":" not in target:
        raise ConfigError(f"--venue-connector expects VENUE=module:Class, got {text!r}")
    return venue, target


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_Closer(config), "xtb-closer")
    if parallel.is_controller(config):
        config.pluginmanager.register(parallel.Merge(), MERGE)
    if config.getoption("venue_config"):
        _session(config)  # a bad file or a missing credential stops the run here, before collection


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default the JUnit and allure outputs into the report directory (before their plugins read
    them). A defaulted allure directory is cleaned per run, as `--clean-alluredir` does."""
    parallel.choose_distribution(config)
    report_dir = Path(config.getoption("report_dir"))
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(report_dir / "allure-results")
        # cleaned once per run: by the controller, never by a worker (it would delete what another wrote)
        config.option.clean_alluredir = not parallel.is_worker(config)


def _session(config: pytest.Config) -> XtbSession:
    if SESSION not in config.stash:
        try:
            config.stash[SESSION] = _build_session(config)
        except XtbError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[SESSION]


# ---------------------------------------------------------------------------------- collection


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "venue" not in metafunc.fixturenames or not _uses_plugin_venue(metafunc):
        return
    session = _session(metafunc.config)
    doc = inspect.cleandoc(metafunc.function.__doc__ or "")
    scenario = scenario_id(metafunc.function.__name__)
    session.scenarios[scenario] = ScenarioInfo(
        scenario,
        title=doc.splitlines()[0] if doc else scenario,
        doc=doc,
        sim_only=metafunc.definition.get_closest_marker("sim_only") is not None,
    )
    # the parameter is the venue's name: readable, and stable across runs (allure's history ids)
    names = [t.name for t in session.targets]
    metafunc.parametrize("venue_target", names, ids=names, indirect=True)


def scenario_id(test_name: str) -> str:
    """A scenario's id is its test function's name without `test_` (`post_top_of_book`)."""
    return test_name.removeprefix("test_")


def result_id(item: pytest.Item) -> str:
    """The result row of one scenario item: `post_top_of_book`, or `ambiguous_submit[drop_response]`."""
    base = scenario_id(getattr(item, "originalname", item.name))
    params = {k: v for k, v in item.callspec.params.items() if k != "venue_target"}  # type: ignore[attr-defined]
    return f"{base}[{'-'.join(str(v) for v in params.values())}]" if params else base


def _scenario_venue(item: pytest.Item) -> str | None:
    """The venue a conformance scenario item runs on; None for any other test."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or "venue_target" not in callspec.params or "venue" not in getattr(item, "fixturenames", ()):
        return None
    return str(callspec.params["venue_target"])


def _uses_plugin_venue(metafunc: pytest.Metafunc) -> bool:
    """True when `venue` resolves to this plugin's fixture, not a test package's own `venue`."""
    definitions = metafunc._arg2fixturedefs.get("venue", ())  # the fixtures pytest will use, closest last
    return bool(definitions) and definitions[-1].baseid == ""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """--scenario-order: the scenarios' positions among themselves change; other tests stay put."""
    order = config.getoption("scenario_order")
    if order == "catalog":
        return
    slots = [i for i, item in enumerate(items) if _scenario_venue(item) is not None]
    scenarios = [items[i] for i in slots]
    if order == "reverse":
        scenarios.reverse()
    else:
        seed = config.getoption("scenario_seed")
        seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        random.Random(seed).shuffle(scenarios)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(f"xtb: scenarios shuffled with --scenario-seed {seed}")
    for slot, item in zip(slots, scenarios, strict=True):
        items[slot] = item


def pytest_deselected(items: list[pytest.Item]) -> None:
    for item in items:
        venue = _scenario_venue(item)
        if venue is not None:
            session = item.config.stash.get(SESSION, None)
            if session is not None:
                session.deselected.setdefault(venue, set()).add(result_id(item))


def pytest_collection_finish(session: pytest.Session) -> None:
    """What will run, per venue; then the up-front checks, so a mistake stops the run before any order."""
    xtb = session.config.stash.get(SESSION, None)
    if xtb is None:
        return
    for item in session.items:
        venue = _scenario_venue(item)
        if venue is not None:
            xtb.selected.setdefault(venue, []).append(result_id(item))
    if session.config.option.collectonly or not xtb.selected:
        return
    try:
        if not parallel.is_worker(session.config):  # a worker's controller checked every target already
            _check_targets([xtb.target(name) for name in xtb.selected])
    except ConfigError as exc:
        xtb.close()
        xtb.selected.clear()  # nothing ran: no report, no verdict
        raise pytest.UsageError(str(exc)) from None
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if terminal is None:
            log.warning("%s", text)
            return
        terminal.ensure_newline()
        terminal.write_line(text)

    xtb.interrupts = Interrupts(say, lambda why: setattr(session, "shouldstop", why))
    xtb.interrupts.install()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist a venue's scenarios stay on one worker (`parallel.py`)."""
    return parallel.venue_scheduling(config, log, [t.name for t in _session(config).targets])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A parallel run's controller collects nothing, so it checks every venue file's targets up
    front, before any worker starts: a mistake stops the run once, not once per worker."""
    if parallel.is_controller(session.config):
        xtb = _session(session.config)
        try:
            _check_targets(xtb.targets)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        xtb.checked = True
        merge: parallel.Merge = session.config.pluginmanager.get_plugin(MERGE)
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        merge.install_stop(session.config, terminal.write_line if terminal is not None else log.warning)


def _check_targets(targets: list[Target]) -> None:
    """Simulators: each venue's symbols are markets its simulator lists (the simulators start
    later, as scenarios need them). Real venues: the REST and WS hosts accept a connection (one
    clear error, not one per scenario)."""
    for t in targets:
        if t.config.on_simulator and t.config.simulator:
            listed = simulator_markets(t.config.simulator)
            if t.config.symbol not in listed:
                raise ConfigError(
                    f"{t.config.source}: {t.config.symbol_key} {t.config.symbol!r} is not a market of the "
                    f"{t.config.simulator} simulator; it lists: {', '.join(listed)}"
                )
            second = t.config.second_symbol
            if second is not None and second not in listed:
                raise ConfigError(
                    f"{t.config.source}: simulator.second_symbol {second!r} is not a market of the "
                    f"{t.config.simulator} simulator; it lists: {', '.join(listed)}"
                )
        elif not t.config.on_simulator:
            for key in ("rest", "ws"):
                _check_reachable(t.config, key)


def _check_reachable(config: VenueConfig, key: str) -> None:
    url = str(config.hosts.get(key, ""))
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"{config.source}: hosts.{key} {url!r} is not a URL with a host")
    port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=REACH_TIMEOUT_S):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{config.source}: hosts.{key} {url} cannot be reached ({exc.strerror or exc}); "
            f"check the host and the network before blaming the connector"
        ) from None


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture
def venue_target(request: pytest.FixtureRequest) -> Target:
    return _session(request.config).target(request.param)


@pytest.fixture
async def venue(request: pytest.FixtureRequest, venue_target: Target) -> AsyncIterator[steps.VenueUnderTest]:
    """A started connector for one venue, with the janitor before and after the scenario."""
    session = _session(request.config)
    config = venue_target.config
    base = scenario_id(request.node.originalname)
    scenario = result_id(request.node)
    if scenario != base:  # a parametrized scenario: one row per variant, e.g. ambiguous_submit[drop_response]
        shared = session.scenarios.get(base) or ScenarioInfo(base, title=scenario)
        session.scenarios.setdefault(scenario, replace(shared, id=scenario))
    record = ScenarioRecord(config.venue, scenario, time.monotonic())
    request.node.stash[RECORD] = record
    session.records.append(record)
    skip = config.skips.get(scenario, config.skips.get(base))  # a variant, or the whole scenario
    if skip is not None:
        pytest.skip(f"{config.source}: {skip}")
    lacking = config.capabilities.lacking(catalog.needs(scenario))
    if lacking:
        pytest.skip(f"{config.source}: capabilities.{lacking[0]} is false; {base} needs it")
    if request.node.get_closest_marker("sim_only") and not config.on_simulator:
        pytest.skip("needs the simulator's control API (scripted fills or faults); skipped on a real venue")
    control = None
    if config.on_simulator:
        assert config.simulator is not None
        described = session.simulator(config.simulator)
        connector_config = steps.simulator_connector_config(config, described)
        control = SimControlClient(described["control"])
        await control.clear_faults()
        await control.unfreeze(config.symbol)
        await control.configure(config.simulator_settings)  # the venue file's simulator.settings
    else:
        connector_config = config.connector_config(allow_mainnet=session.allow_mainnet)
    connector = venue_target.connector_class(connector_config, client_ids=venue_target.client_ids)
    record.t0 = connector.clock.monotonic()
    vut = steps.VenueUnderTest(config, connector, record, control)
    try:
        await connector.start()
        record.attach(connector)
        await steps.wait_for_book(connector, config.symbol, config.tracking.timeout)
        await _janitor_before(session, vut, scenario)
        yield vut
    finally:
        try:
            if connector.started and record.outcome is not Outcome.BLOCKED:  # the same residue, reported once
                if control is not None:
                    await control.clear_faults()
                    for symbol in (config.symbol, config.second_symbol):
                        if symbol is not None:  # a scenario about scope may freeze the second market
                            await control.unfreeze(symbol)
                await _janitor_after(session, vut, scenario)
        finally:
            record.finish()
            await connector.stop()
            if control is not None:
                await control.close()


async def _janitor_before(session: XtbSession, vut: steps.VenueUnderTest, scenario: str) -> None:
    """Start clean. Residue that an earlier scenario left (and this janitor cannot clear either)
    blocks the scenario, naming the one that left it: one root cause, not one failure per scenario."""
    earlier = session.residue.get(vut.name)
    try:
        await steps.janitor(vut)
    except Exception as exc:
        if earlier is not None:
            vut.record.outcome = Outcome.BLOCKED
            pytest.skip(f"blocked: residue left by {earlier.scenario} is still there: {_first_line(exc)}")
        session.residue[vut.name] = Residue(f"{scenario} (found before it ran)", _first_line(exc))
        raise
    session.residue.pop(vut.name, None)


async def _janitor_after(session: XtbSession, vut: steps.VenueUnderTest, scenario: str) -> None:
    try:
        await steps.janitor(vut)
    except Exception as exc:
        session.residue[vut.name] = Residue(scenario, _first_line(exc))
        raise
    session.residue.pop(vut.name, None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ---------------------------------------------------------------------------------- stopping early


def _interrupts(item: pytest.Item) -> Interrupts | None:
    if _scenario_venue(item) is None:
        return None
    xtb = item.config.stash.get(SESSION, None)
    return None if xtb is None else xtb.interrupts


def _guard(item: pytest.Item, phase: str) -> Generator[None, Any, Any]:
    """Run one phase of a scenario; a stop request becomes ScenarioStopped (an ordinary failure), so
    pytest runs the scenario's cleanup next and reports it by name."""
    interrupts = _interrupts(item)
    if interrupts is None:
        return (yield)
    interrupts.enter(phase, f"{_scenario_venue(item)}::{result_id(item)}")
    if phase == "setup" and interrupts.stopping:  # the stop came between scenarios: do not start this one
        interrupts.leave()
        raise ScenarioStopped(Outcome.INTERRUPTED, f"not started: the run was stopping ({interrupts.signal_name})")
    try:
        result = yield
    except KeyboardInterrupt:
        stop = interrupts.on_keyboard_interrupt()
        interrupts.take_pending()
        raise stop from None
    except BaseException as exc:
        if phase == "teardown":
            _say_stopped(item, interrupts, f"its cleanup FAILED: {_first_line(exc)}")
        raise
    finally:
        interrupts.leave()
    if phase == "teardown":
        _say_stopped(item, interrupts, "its cleanup passed: this run's orders cancelled, the position flat")
    pending = interrupts.take_pending()
    if pending is not None:  # the scenario swallowed the cancellation: it still did not finish
        raise pending
    return result


def _say_stopped(item: pytest.Item, interrupts: Interrupts, cleanup: str) -> None:
    """One line after a stopped scenario's cleanup: what was cut short, and what was cleaned."""
    record = item.stash.get(RECORD, None)
    if record is not None and record.outcome in STOPPED:
        interrupts.say(f"xtb: {record.reason} — {record.venue}::{record.scenario}; {cleanup}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _guard(item, "teardown"))


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> bool | None:
    """pytest-timeout's per-test timer, taken over for scenarios: a timeout cancels the scenario like
    Ctrl-C would, and its cleanup still runs (pytest-timeout's own handler raises mid-anything)."""
    interrupts = _interrupts(item)
    if interrupts is None or settings.method != "signal":
        return None
    return interrupts.arm_timer(settings.timeout) or None


@pytest.hookimpl(optionalhook=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> bool | None:
    interrupts = _interrupts(item)
    if interrupts is None:
        return None
    interrupts.cancel_timer()
    return True


# ---------------------------------------------------------------------------------- results


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


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The verdict, the reports, and the exit code that agrees with them. A parallel worker hands
    what it selected to the controller instead, which writes the one merged report."""
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
                if (venue := _scenario_venue(item)) is not None
            },
            "deselected": {} if xtb is None else {venue: sorted(ids) for venue, ids in xtb.deselected.items()},
            "interrupted": interrupted,
        }
        return
    merge: parallel.Merge | None = session.config.pluginmanager.get_plugin(MERGE)
    if merge is not None:
        xtb = _session(session.config)
        if not xtb.checked:  # stopped before any worker started (a usage error): no report
            return
        xtb.selected, xtb.deselected = merge.selected, merge.deselected
        if merge.finished_workers == 0:  # the selection is unknown: every venue is reported, incomplete
            xtb.selected = {t.name: [] for t in xtb.targets}
        rows, scenarios = merge.rows(), merge.scenarios
        interrupted = merge.interrupted() or interrupted  # the signal's name, not just "interrupted"
    elif xtb is not None:
        rows, scenarios = [r.as_result() for r in xtb.records], xtb.scenarios
    if xtb is None or not xtb.selected:
        return
    _write_reports(session, xtb, rows, scenarios, interrupted)


def _write_reports(
    session: pytest.Session,
    xtb: XtbSession,
    rows: list[Result],
    scenarios: dict[str, ScenarioInfo],
    interrupted: str,
) -> None:
    """The document (only venues that had something selected, each with what did not run and why),
    its pages, and the verdict."""
    try:
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
    except ValueError as exc:  # loud, and the run fails: the reports are part of the job
        session.config.get_terminal_writer().line(f"xtb: could not write the conformance reports: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return
    code = xtb.verdict.exit_code
    if code and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED):
        session.exitstatus = code
    elif session.exitstatus == pytest.ExitCode.INTERRUPTED:
        session.exitstatus = pytest.ExitCode.INTERRUPTED


class _Closer:
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
            merge = session.config.pluginmanager.get_plugin(MERGE)
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
