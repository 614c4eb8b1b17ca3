"""ConnectorSmokeTestStrategy in process, on the scripted fake venue: the same steps as the
conformance baseline, and what it does when a step cannot pass, when the symbol is not flat to
begin with, when the run is stopped mid-entry, and when the connection dies."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from tests.fake_venue import FakeConnector, FakeVenue
from xtb.config.venue_file import parse_venue_config
from xtb.errors import AuthError
from xtb.report import Outcome
from xtb.report.document import parse_result, result_to_json
from xtb.runtime.core import TradingCore
from xtb.strategies.connector_smoke import ConnectorSmokeTestStrategy

D = Decimal
VENUE = {
    "venue": "fake",
    "connector": "tests.fake_venue:FakeConnector",
    "environment": "testnet",
    "hosts": {"rest": "http://fake.invalid", "ws": "ws://fake.invalid"},
    "symbol": "BTC-PERP",
    "credentials": {},
    "tracking": {"interval": 5, "timeout": 3, "cancel_wait": 1, "settle_time": 0.5},
}


def smoke(venue: FakeVenue, **settings: Any) -> tuple[TradingCore, ConnectorSmokeTestStrategy, FakeConnector]:
    connector = FakeConnector(venue)
    parsed = ConnectorSmokeTestStrategy.parse_settings(
        {"connectors": {"fake": settings}}, "run.yaml", "strategy", ["fake"]
    )
    strategy = ConnectorSmokeTestStrategy(parsed, {"fake": connector}, {"fake": parse_venue_config(VENUE, "fake.yaml")})
    return TradingCore({"fake": connector}, strategy, tick_interval=0.01), strategy, connector


def steps_of(strategy: ConnectorSmokeTestStrategy) -> dict[str, str]:
    return {s.name: s.outcome for s in strategy.runs["fake"].steps}


async def test_a_round_trip_passes_and_leaves_nothing() -> None:
    venue = FakeVenue()
    core, strategy, _ = smoke(venue)
    run = asyncio.ensure_future(core.run(timeout=10))
    order = await venue.wait_resting()
    assert order.request.post_only and order.request.price == venue.bid  # at the touch
    venue.fill(order.venue_id)
    assert await run is Outcome.PASSED
    assert steps_of(strategy) == dict.fromkeys(["ready", "entry", "cross_check", "flatten", "zero_exposure"], "passed")
    assert venue.position == 0 and not venue.resting()
    (result,) = strategy.results()
    assert result.outcome is Outcome.PASSED and result.venue == "fake" and result.scenario == "smoke_test"
    assert result.metrics["attempts"] == 1 and [o.reduce_only for o in result.orders] == [False, True]
    assert [s.outcome for s in result.steps] == [Outcome.PASSED] * 5 and result.attempts
    assert parse_result(json.loads(json.dumps(result_to_json(result)))) == result  # the report holds it exactly
    assert strategy.summary().rows[0][-1] == "PASS"


async def test_a_position_already_open_is_never_touched() -> None:
    venue = FakeVenue(position=D("0.5"))
    core, strategy, _ = smoke(venue)
    assert await core.run(timeout=10) is Outcome.FAILED
    assert "ready: fake BTC-PERP: a position of 0.5 is already open" in strategy.reasons[0]
    assert venue.position == D("0.5") and not [c for c in venue.calls if c.startswith("submit")]
    assert steps_of(strategy) == {"ready": "failed", "cleanup": "passed"}


async def test_a_stop_mid_entry_cancels_and_flattens() -> None:
    venue = FakeVenue()
    core, strategy, _ = smoke(venue)
    run = asyncio.ensure_future(core.run(timeout=10))
    order = await venue.wait_resting()
    venue.fill(order.venue_id, D("0.02"))
    core.request_stop("interrupted by SIGINT")
    assert await run is Outcome.INTERRUPTED
    assert venue.position == 0 and not venue.resting()
    assert steps_of(strategy) == {"ready": "passed", "entry": "interrupted", "cleanup": "passed"}
    assert strategy.runs["fake"].reason == "interrupted by SIGINT during entry"
    assert strategy.results()[0].outcome is Outcome.INTERRUPTED  # cut short: never a pass, never a skip


async def test_a_refused_flatten_fails_and_says_what_is_left() -> None:
    venue = FakeVenue(refuse_reduce_only=True)
    core, strategy, _ = smoke(venue)
    run = asyncio.ensure_future(core.run(timeout=10))
    venue.fill((await venue.wait_resting()).venue_id)
    assert await run is Outcome.FAILED
    smoke_run = strategy.runs["fake"]
    refused = "FlattenError: fake BTC-PERP: venue refused the reduce-only close of 0.050"
    assert smoke_run.reason.startswith(f"flatten: {refused}") and f"; cleanup: {refused}" in smoke_run.reason
    assert venue.position == D("0.050")  # the failure is real, and reported
    cells = [smoke_run.cell(step) for step in ("flatten", "zero_exposure", "cleanup")]
    assert cells == ["FAIL", "-", "FAIL"] and strategy.summary().rows[0][-1] == "FAIL"


async def test_a_connector_that_dies_ends_its_smoke_runas_a_connection_error() -> None:
    venue = FakeVenue()
    core, strategy, connector = smoke(venue)
    run = asyncio.ensure_future(core.run(timeout=10))
    await venue.wait_resting()
    connector.fatal_error = AuthError("stream login refused", venue="fake")
    assert await run is Outcome.ERROR
    assert strategy.runs["fake"].reason == "entry: AuthError: fake: stream login refused"
    assert not venue.resting() and venue.position == 0


async def test_an_explicit_size_the_venue_refuses_is_a_configuration_error() -> None:
    venue = FakeVenue()
    core, strategy, _ = smoke(venue, size="0.0001")
    assert await core.run(timeout=10) is Outcome.ERROR
    assert strategy.runs["fake"].reason.startswith(
        "entry: ConfigError: run.yaml: strategy.connectors.fake.size: fake BTC-PERP: order size 0.0001"
    )
    assert not [c for c in venue.calls if c.startswith("submit")]
