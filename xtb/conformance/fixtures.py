"""The scenarios' fixtures: `venue` is a started connector for one venue under test, with the
janitor before and after every scenario, and the venue file's skips applied.

Residue one scenario leaves (orders or a position the janitor cannot clear) blocks the next one,
naming the scenario that left it: one root cause, not one failure per scenario. `venue` is a
pytest-asyncio fixture of its own, so it runs in any project whatever its asyncio mode.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio

from xtb import catalog
from xtb.checks import steps
from xtb.checks.record import ScenarioRecord
from xtb.conformance import venue_shapes
from xtb.conformance.items import result_id, scenario_id
from xtb.conformance.session import RECORD, Residue, Target, XtbSession, first_line, session_of
from xtb.report.model import Outcome, ScenarioInfo
from xtb.sim.control_client import SimControlClient


@pytest.fixture
def venue_target(request: pytest.FixtureRequest) -> Target:
    return session_of(request.config).target(request.param)


@pytest_asyncio.fixture
async def venue(request: pytest.FixtureRequest, venue_target: Target) -> AsyncIterator[steps.VenueUnderTest]:
    """A started connector for one venue, with the janitor before and after the scenario."""
    session = session_of(request.config)
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
    venue_shapes.attach(session.shapes, connector, connector_config, on_simulator=config.on_simulator)
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
    blocks the scenario, naming the one that left it."""
    earlier = session.residue.get(vut.name)
    try:
        await steps.janitor(vut)
    except Exception as exc:
        if earlier is not None:
            vut.record.outcome = Outcome.BLOCKED
            pytest.skip(f"blocked: residue left by {earlier.scenario} is still there: {first_line(exc)}")
        session.residue[vut.name] = Residue(f"{scenario} (found before it ran)", first_line(exc))
        raise
    session.residue.pop(vut.name, None)


async def _janitor_after(session: XtbSession, vut: steps.VenueUnderTest, scenario: str) -> None:
    try:
        await steps.janitor(vut)
    except Exception as exc:
        session.residue[vut.name] = Residue(scenario, first_line(exc))
        raise
    session.residue.pop(vut.name, None)
