"""The conformance suite's pytest plugin: options, venue targets, the `venue` fixture (with the
janitor around every scenario), built-in simulators, and the reports.

    pytest conformance                                   every venue file with a simulator, on it
    pytest conformance -k grvt --venue-config venues/grvt.yaml          the real venue (testnet)
    pytest conformance --venue-config venues/grvt.yaml --sim            that file, on the simulator
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from xtb.conformance import steps
from xtb.conformance.record import ScenarioRecord
from xtb.conformance.simulators import SimControlClient, SimulatorCluster
from xtb.conformance.venue_config import VenueConfig, load_venue_config
from xtb.connectors import load_connector_class
from xtb.connectors.base import BaseConnector
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.errors import ConfigError, XtbError
from xtb.secrets import redact

log = logging.getLogger(__name__)

SESSION = pytest.StashKey["XtbSession"]()
RECORD = pytest.StashKey[ScenarioRecord]()


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
        "--venue-connector",
        action="append",
        default=[],
        metavar="VENUE=module:Class",
        help="use another connector class for a venue (the suite's self-test)",
    )


@dataclass
class Target:
    config: VenueConfig
    connector_class: type[BaseConnector]
    client_ids: ClientIdGenerator  # one per venue per session: unique ids under one run tag

    @property
    def name(self) -> str:
        return self.config.venue


@dataclass
class XtbSession:
    targets: list[Target]
    report_dir: Path
    allow_mainnet: bool
    seed: int
    records: list[ScenarioRecord] = field(default_factory=list)
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    started_at: float = field(default_factory=time.monotonic)
    _cluster: SimulatorCluster | None = None

    def simulator(self, name: str) -> dict[str, Any]:
        """The running simulator's description (URLs, test account); starts them all on first use."""
        if self._cluster is None:
            names = sorted({t.config.simulator for t in self.targets if t.config.on_simulator and t.config.simulator})
            self._cluster = SimulatorCluster(names, seed=self.seed)
            self._cluster.start()
        return self._cluster.described[name]

    def close(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()


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
    files = [Path(p) for p in config.getoption("venue_config")]
    on_sim = config.getoption("sim") or not files
    if not files:
        files = _default_venue_files(config.rootpath)
    overrides = dict(_split_override(o) for o in config.getoption("venue_connector"))
    targets = []
    for path in files:
        venue_config = load_venue_config(path)
        if on_sim:
            venue_config = venue_config.for_simulator()
        elif venue_config.environment == "mainnet" and not config.getoption("allow_mainnet"):
            raise ConfigError(
                f"{path}: {venue_config.venue} is a mainnet venue; pass --allow-mainnet to trade on it "
                f"(orders stay under order_size.max_notional), or --sim for its simulator"
            )
        else:
            venue_config.read_credentials()  # fail now, naming the missing variables
        connector_class = load_connector_class(overrides.get(venue_config.venue, venue_config.connector))
        rng = random.Random()
        targets.append(Target(venue_config, connector_class, ClientIdGenerator(connector_class.client_id_policy, rng)))
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
    if config.getoption("venue_config"):
        _session(config)  # a bad file or a missing credential stops the run here, before collection


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Default the JUnit and allure outputs into the report directory (before their plugins read them)."""
    report_dir = Path(config.getoption("report_dir"))
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(report_dir / "junit.xml")
    if hasattr(config.option, "allure_report_dir") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(report_dir / "allure-results")


def _session(config: pytest.Config) -> XtbSession:
    if SESSION not in config.stash:
        try:
            config.stash[SESSION] = _build_session(config)
        except XtbError as exc:
            raise pytest.UsageError(str(exc)) from None
    return config.stash[SESSION]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "venue" not in metafunc.fixturenames or not _uses_plugin_venue(metafunc):
        return
    session = _session(metafunc.config)
    doc = inspect.cleandoc(metafunc.function.__doc__ or "")
    scenario = scenario_id(metafunc.function.__name__)
    session.scenarios[scenario] = {
        "title": doc.splitlines()[0] if doc else scenario,
        "doc": doc,
        "sim_only": metafunc.definition.get_closest_marker("sim_only") is not None,
    }
    metafunc.parametrize("venue_target", session.targets, ids=[t.name for t in session.targets], indirect=True)


def scenario_id(test_name: str) -> str:
    """A scenario's id is its test function's name without `test_` (`post_top_of_book`)."""
    return test_name.removeprefix("test_")


def _uses_plugin_venue(metafunc: pytest.Metafunc) -> bool:
    """True when `venue` resolves to this plugin's fixture, not a test package's own `venue`."""
    definitions = metafunc._arg2fixturedefs.get("venue", ())  # the fixtures pytest will use, closest last
    return bool(definitions) and definitions[-1].baseid == ""


@pytest.fixture
def venue_target(request: pytest.FixtureRequest) -> Target:
    return request.param


@pytest.fixture
async def venue(request: pytest.FixtureRequest, venue_target: Target) -> AsyncIterator[steps.VenueUnderTest]:
    """A started connector for one venue, with the janitor before and after the scenario."""
    session = _session(request.config)
    config = venue_target.config
    base = scenario = scenario_id(request.node.originalname)
    variant = {k: v for k, v in request.node.callspec.params.items() if k != "venue_target"}
    if variant:  # a parametrized scenario: one row per variant, e.g. ambiguous_submit[drop_response]
        scenario = f"{base}[{'-'.join(str(v) for v in variant.values())}]"
        session.scenarios.setdefault(
            scenario, session.scenarios.get(base, {"title": scenario, "doc": "", "sim_only": False})
        )
    record = ScenarioRecord(config.venue, scenario, time.monotonic())
    request.node.stash[RECORD] = record
    session.records.append(record)
    skip = config.skips.get(scenario, config.skips.get(base))  # a variant, or the whole scenario
    if skip is not None:
        pytest.skip(f"{config.source}: {skip}")
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
    else:
        connector_config = config.connector_config(allow_mainnet=session.allow_mainnet)
    connector = venue_target.connector_class(connector_config, client_ids=venue_target.client_ids)
    record.t0 = connector.clock.monotonic()
    vut = steps.VenueUnderTest(config, connector, record, control)
    try:
        await connector.start()
        record.attach(connector)
        await steps.wait_for_book(connector, config.symbol, config.tracking.timeout)
        await steps.janitor(vut)
        yield vut
    finally:
        try:
            if connector.started:
                if control is not None:
                    await control.clear_faults()
                    await control.unfreeze(config.symbol)
                await steps.janitor(vut)
        finally:
            record.finish()
            await connector.stop()
            if control is not None:
                await control.close()
            _attach_to_allure(record)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    record = item.stash.get(RECORD, None)
    if record is None:
        return
    record.duration_s += report.duration
    if report.skipped and record.outcome != "failed":
        record.outcome = "skipped"
        longrepr = report.longrepr
        record.reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
    elif report.failed:
        message = report.longreprtext.strip().splitlines()
        summary = next((line for line in reversed(message) if line.startswith("E ")), message[-1] if message else "")
        reason = f"{report.when}: {summary.removeprefix('E').strip()}"
        record.reason = reason if record.outcome != "failed" else f"{record.reason}; {reason}"
        record.outcome = "failed"
    elif report.when == "call" and report.passed and record.outcome != "failed":
        record.outcome = "passed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    xtb = session.config.stash.get(SESSION, None)
    if xtb is None:
        return
    try:
        if xtb.records:
            write_conformance_reports(xtb)
    except ValueError as exc:  # loud, and the run fails: the reports are part of the job
        session.config.get_terminal_writer().line(f"xtb: could not write the conformance reports: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    finally:
        xtb.close()


def write_conformance_reports(xtb: XtbSession) -> list[Path]:
    environments = {t.config.environment for t in xtb.targets}
    document = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(time.monotonic() - xtb.started_at, 3),
        "target": next(iter(environments)) if len(environments) == 1 else "mixed",
        # scenarios that ran (a -k selection, or a parametrized base name, adds no empty column)
        "scenarios": {k: v for k, v in xtb.scenarios.items() if any(r.scenario == k for r in xtb.records)},
        "venues": {
            t.name: {"environment": t.config.environment, "symbol": t.config.symbol, "config": t.config.source}
            for t in xtb.targets
        },
        "results": [r.as_result() for r in xtb.records],
    }
    xtb.report_dir.mkdir(parents=True, exist_ok=True)
    path = xtb.report_dir / "conformance.json"
    path.write_text(json.dumps(document, indent=1))
    from xtb.report import write_reports

    return [path, *write_reports(document, xtb.report_dir)]


def _attach_to_allure(record: ScenarioRecord) -> None:
    try:
        import allure
    except ImportError:  # pragma: no cover - allure-pytest is a dependency
        return
    result = record.as_result()
    allure.attach(
        json.dumps(result["orders"], indent=1), name="order timelines", attachment_type=allure.attachment_type.JSON
    )
    allure.attach(
        redact(json.dumps(result["transcript"], indent=1)),
        name="request transcript (redacted)",
        attachment_type=allure.attachment_type.JSON,
    )
