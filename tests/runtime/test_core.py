"""TradingCore: start, tick, stop. Stop happens exactly once however many ask (and from wherever),
cancels this run's orders only, closes every connector once, and a run always ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from tests.fake_venue import SYMBOL, FakeConnector, FakeVenue
from xtb.change_signal import Changed
from xtb.clock import ManualClock
from xtb.connectors.client_ids import ClientIdGenerator
from xtb.model import OrderRequest, OrderState, OrderType, Side, Source
from xtb.report import Outcome
from xtb.runtime.core import StartFailed, TradingCore
from xtb.strategies.base import StrategyBase

D = Decimal
Script = Callable[["ScriptedStrategy"], Awaitable[None]]


class CountingConnector(FakeConnector):
    """Counts real closes (the venue hook runs once per close; repeated `stop()` calls are no-ops)."""

    def __init__(self, venue: FakeVenue) -> None:
        super().__init__(venue)
        self.closes = 0

    async def _on_stop(self) -> None:
        self.closes += 1


class ScriptedStrategy(StrategyBase):
    """Runs `script` as a core task; records what the core asked of it."""

    name = "scripted"

    def __init__(self, script: Script | None = None, on_stop: Script | None = None) -> None:
        super().__init__(None, {}, {})
        self.script = script
        self.on_stop = on_stop
        self.started = False
        self.stops: list[str] = []
        self.ticks: list[float] = []
        self.ticked = Changed()
        self.running = asyncio.Event()  # set once the core started it

    @classmethod
    def parse_settings(cls, raw: Mapping[str, Any], where: str, key: str, connectors: Sequence[str]) -> Any:
        return None

    @classmethod
    def wanted_connectors(cls, settings: Any) -> list[str]:
        return []

    async def start(self) -> None:
        self.started = True
        self.running.set()
        if self.script is not None:
            self.core.spawn(self.script(self), "script")

    async def on_tick(self, now: float) -> None:
        self.ticks.append(now)
        self.ticked.notify()

    async def stop(self, reason: str) -> None:
        self.stops.append(reason)
        if self.on_stop is not None:
            await self.on_stop(self)


async def forever(strategy: ScriptedStrategy) -> None:
    await asyncio.Event().wait()


def make_core(strategy: StrategyBase, *venues: FakeVenue, **kwargs: Any) -> TradingCore:
    connectors = {f"c{i}": CountingConnector(v) for i, v in enumerate(venues or [FakeVenue()])}
    return TradingCore(connectors, strategy, tick_interval=0.01, **kwargs)


def closes(core: TradingCore) -> list[int]:
    assert core.closed == list(core.connectors)  # the core closed each connector, once
    return [c.closes for c in core.connectors.values()]  # type: ignore[attr-defined]


async def test_stop_happens_once_however_many_ask() -> None:
    strategy = ScriptedStrategy(forever)
    core = make_core(strategy, FakeVenue(), FakeVenue())
    await core.start()
    await asyncio.gather(core.stop(), core.stop(), core.stop())
    await core.stop()
    assert strategy.stops == ["stopped"]
    assert closes(core) == [1, 1]


async def test_stop_cancels_this_runs_orders_and_never_anyone_elses() -> None:
    venue = FakeVenue()
    core = make_core(ScriptedStrategy(forever), venue)
    connector = core.connectors["c0"]
    await core.start()
    ours = await connector.submit_limit_order(SYMBOL, Side.BUY, D("0.1"), D("99"))
    other_run = ClientIdGenerator(connector.client_id_policy).next()
    theirs = venue.submit(OrderRequest(SYMBOL, Side.BUY, D("0.1"), OrderType.LIMIT, other_run, D("98")))
    adopted = connector.adopt(theirs.snapshot(Source.REST))  # tracked, but another run's
    await core.stop()
    assert ours.state is OrderState.CANCELLED
    assert adopted.state is OrderState.OPEN and theirs.state is OrderState.OPEN
    assert f"cancel {other_run}" not in venue.calls and not core.stop_errors


async def test_a_strategy_task_that_stops_the_core_ends_the_run() -> None:
    async def stop_from_inside(strategy: ScriptedStrategy) -> None:
        strategy.succeed()
        await strategy.core.stop()

    strategy = ScriptedStrategy(stop_from_inside)
    core = make_core(strategy)
    assert await asyncio.wait_for(core.run(timeout=5), 5) is Outcome.PASSED
    assert closes(core) == [1] and strategy.stops == ["stopped"]


async def test_a_strategy_stop_that_asks_the_core_to_stop_does_not_wait_for_itself() -> None:
    async def stop_again(strategy: ScriptedStrategy) -> None:
        await strategy.core.stop()

    strategy = ScriptedStrategy(forever, on_stop=stop_again)
    core = make_core(strategy)
    await core.start()
    await asyncio.wait_for(core.stop(), 5)
    assert closes(core) == [1]


async def test_a_stop_request_interrupts_the_run() -> None:
    strategy = ScriptedStrategy(forever)
    core = make_core(strategy)
    run = asyncio.ensure_future(core.run())
    await asyncio.wait_for(strategy.running.wait(), 5)
    core.request_stop("interrupted by SIGINT")
    assert await asyncio.wait_for(run, 5) is Outcome.INTERRUPTED
    assert strategy.stops == ["interrupted by SIGINT"] and strategy.reasons == ["interrupted by SIGINT"]


async def test_a_connector_that_cannot_start_closes_everything_and_starts_nothing() -> None:
    broken = FakeVenue(stream_auth_fails=True)
    strategy = ScriptedStrategy(forever)
    core = make_core(strategy, FakeVenue(), broken)
    with pytest.raises(StartFailed) as info:
        await core.run()
    assert list(info.value.failures) == ["c1"] and "AuthError" in str(info.value)
    assert not strategy.started and not strategy.stops
    assert closes(core) == [1, 1]


async def test_a_crashed_strategy_task_fails_the_run_instead_of_hanging_it() -> None:
    async def crash(strategy: ScriptedStrategy) -> None:
        raise RuntimeError("boom")

    strategy = ScriptedStrategy(crash)
    assert await asyncio.wait_for(make_core(strategy).run(), 5) is Outcome.FAILED
    assert strategy.reasons == ["script crashed: RuntimeError: boom"]


async def test_a_run_that_never_ends_times_out_as_a_failure() -> None:
    strategy = ScriptedStrategy(forever)
    core = make_core(strategy)
    assert await asyncio.wait_for(core.run(timeout=0.05), 5) is Outcome.FAILED
    assert strategy.reasons == ["the run did not finish within 0.05s"]
    assert strategy.stops == ["the run did not finish within 0.05s"]  # what the strategy's cleanup is told
    assert closes(core) == [1]


async def test_the_strategy_ticks_on_the_cores_clock() -> None:
    clock = ManualClock(start=50.0)
    seen: list[TradingCore] = []

    async def finish_after_ticks(strategy: ScriptedStrategy) -> None:
        while len(strategy.ticks) < 3:
            await strategy.ticked.wait(strategy.ticked.version)
        strategy.succeed("done")

    strategy = ScriptedStrategy(finish_after_ticks)
    core = make_core(strategy, clock=clock)
    core.add_tick_listener(seen.append)
    assert await asyncio.wait_for(core.run(), 5) is Outcome.PASSED
    assert set(strategy.ticks) == {50.0} and seen and seen[0] is core


def test_an_outcome_only_gets_worse() -> None:
    strategy = ScriptedStrategy()
    assert strategy.outcome is None and not strategy.done  # a running strategy has no result yet
    strategy.succeed()
    strategy.interrupt("stopped")
    assert strategy.outcome is Outcome.INTERRUPTED
    strategy.fail("cleanup left a position")
    strategy.succeed()
    strategy.interrupt("again")
    assert strategy.outcome is Outcome.FAILED
    strategy.fail("no connection", Outcome.ERROR)
    assert strategy.outcome is Outcome.ERROR
    assert strategy.reasons == ["stopped", "cleanup left a position", "again", "no connection"]
    with pytest.raises(ValueError, match="failing outcome"):
        strategy.fail("?", Outcome.PASSED)
