"""Aster's request limits: the weight table, the limits read from exchangeInfo, and the connector
against a simulator whose limits are set low: a burst over them is held back, never refused (no 429
or 418, no -1015), and what the connector counts is what the venue reports in X-MBX-USED-WEIGHT-1M.

The simulator's engine and the connector share a manual clock (the venue's weight window runs on
the engine's clock), so a minute-long window is waited out in no time; request signatures still use
the real clock."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from yarl import URL

from tests.aster.conftest import ETH, TIMEOUT
from tests.manual_time import ManualTime
from tests.waiting import eventually
from xtb.clock import SYSTEM_CLOCK
from xtb.connectors import venue_clock
from xtb.connectors.aster import AsterConnector
from xtb.connectors.aster import rest as aster_rest
from xtb.connectors.aster.limits import DEFAULT_LIMITS, published_limits, request_cost
from xtb.connectors.config import ConnectorConfig, ReconnectPolicy
from xtb.connectors.pacing import Cost, Limit
from xtb.model import OrderState, Side, Source
from xtb.secrets import Secret
from xtb.sim.aster import AsterFrontEnd, AsterSettings
from xtb.sim.aster.settings import RateLimits
from xtb.sim.server import SimHandle, start_simulator

D = Decimal
REST = "http://venue/fapi/v3/"


def weight(method: str, path: str) -> int:
    return request_cost(method, URL(REST + path)).weight


# ----------------------------------------------------------------------------------- the rate card


def test_weights_follow_the_spec() -> None:
    assert weight("GET", "depth?symbol=ETHUSDT&limit=5") == 2
    assert weight("GET", "depth?symbol=ETHUSDT&limit=100") == 5
    assert weight("GET", "depth?symbol=ETHUSDT") == 10  # default limit 500
    assert weight("GET", "depth?symbol=ETHUSDT&limit=1000") == 20
    assert weight("GET", "depth?symbol=ETHUSDT&limit=7") == 20  # not a listed limit: the most
    assert weight("GET", "openOrders?symbol=ETHUSDT&nonce=1") == 1
    assert weight("GET", "openOrders?nonce=1") == 40
    assert weight("GET", "ticker/24hr") == 40
    assert weight("GET", "ticker/bookTicker?symbol=ETHUSDT") == 1
    assert weight("GET", "ticker/bookTicker") == 2
    for name in ("balance", "accountWithJoinMargin", "positionRisk", "allOrders", "userTrades"):
        assert weight("GET", name) == 5
    assert weight("POST", "batchOrders") == 5
    assert weight("POST", "countdownCancelAll") == 10
    assert weight("GET", "income") == 30
    assert weight("GET", "exchangeInfo") == weight("GET", "order") == weight("DELETE", "order") == 1
    assert request_cost("GET", URL("http://venue/fapi/v2/positionRisk")).weight == 5  # V1 paths alike


def test_new_orders_count_against_the_orders_limits() -> None:
    assert request_cost("POST", URL(REST + "order")).units("orders") == 1
    assert request_cost("POST", URL(REST + "batchOrders")).units("orders") == 5  # up to 5 in a batch
    assert request_cost("DELETE", URL(REST + "order")).units("orders") == 0
    assert request_cost("GET", URL(REST + "order")).units("orders") == 0


def test_limits_come_from_exchange_info_else_the_documented_defaults() -> None:
    listed = {
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
            {"rateLimitType": "SOMETHING_NEW", "interval": "MINUTE", "intervalNum": 1, "limit": 1},
        ]
    }
    assert published_limits(listed) == (Limit("weight", 1200, 60, "ip"), Limit("orders", 50, 10, "account"))
    assert published_limits({"rateLimits": []}) is None
    assert published_limits({"symbols": []}) is None
    assert DEFAULT_LIMITS == (
        Limit("weight", 2400, 60, "ip"),
        Limit("orders", 1200, 60, "account"),
        Limit("orders", 300, 10, "account"),
    )


# ------------------------------------------------------------------- against a low-limit simulator

LOW = RateLimits(weight_per_minute=100, orders_per_10s=5, orders_per_minute=1200)


@dataclass
class Paced:
    sim: SimHandle
    aster: AsterConnector
    time: ManualTime

    def refusals(self) -> list[tuple[str, str, int | None]]:
        """Every REST answer the venue gave that was not a 200."""
        records = self.sim.frontend.request_log.records()
        return [(r.method, r.path, r.status) for r in records if r.path.startswith("/fapi/") and r.status != 200]

    def answered(self) -> int:
        """The connector's REST requests that have had their answer (WebSocket upgrades weigh 0)."""
        return sum(1 for e in self.aster.transcript if e.weight > 0)

    def rest_requests(self) -> int:
        return sum(1 for r in self.sim.frontend.request_log.records() if r.path.startswith("/fapi/"))

    async def drive(self, work: Awaitable[Any]) -> Any:
        """Run `work`; whenever the pacer holds a request, move the clock to the end of its wait, once
        the venue has received every request sent so far (the clock does not jump while a request
        is on the wire: a real one moves a few milliseconds then, well inside the safety margin)."""
        task = asyncio.ensure_future(work)
        while not task.done():
            held = asyncio.ensure_future(self.time.until_sleeping(timeout=TIMEOUT))
            await asyncio.wait([task, held], return_when=asyncio.FIRST_COMPLETED)
            if held.done():
                held.result()
                await eventually(lambda: self.answered() == self.aster.request_usage.requests)
                self.time.advance(self.time.asked[-1])
            else:
                held.cancel()
        return task.result()


@pytest.fixture
async def paced(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Paced]:
    time = ManualTime(start=1_000.0)
    factory = functools.partial(AsterFrontEnd, settings=AsterSettings(rate_limits=LOW), clock=SYSTEM_CLOCK)
    sim = await start_simulator("aster", factory, run_markets=False, clock=time.clock)
    for symbol in sim.markets.symbols:
        sim.control.freeze(symbol)
    account = sim.account
    config = ConnectorConfig(
        venue="aster",
        rest_url=sim.urls["rest"],
        ws_url=sim.urls["ws"],
        credentials={name: Secret(account[name], name) for name in ("user", "signer_private_key")},
        symbols=(ETH,),
        request_timeout=TIMEOUT,
        start_timeout=TIMEOUT,
        cancel_wait=TIMEOUT,
        reconnect=ReconnectPolicy(initial=0.05, maximum=0.5),
    )
    aster = AsterConnector(config, clock=time.clock)
    aster.pacer.sleep = time.sleep  # the pacer waits on the manual clock
    try:
        await aster.start()
        yield Paced(sim, aster, time)
    finally:
        await aster.stop()
        await sim.stop()


async def test_the_connector_paces_by_the_limits_the_venue_publishes(paced: Paced) -> None:
    assert paced.aster.pacer.limits == (
        Limit("weight", 100, 60, "ip"),
        Limit("orders", 1200, 60, "account"),
        Limit("orders", 5, 10, "account"),
    )
    assert [s.capacity for s in paced.aster.pacer.status()] == [90, 1080, 4]


async def test_a_burst_over_the_weight_limit_is_held_back_never_refused(paced: Paced) -> None:
    aster = paced.aster
    started = aster.request_usage
    tops = await paced.drive(asyncio.gather(*(aster.get_top_of_book(ETH, Source.REST) for _ in range(100))))
    assert len(tops) == 100 and all(t.bid is not None for t in tops)
    used = aster.request_usage
    assert used.weight > LOW.weight_per_minute  # unpaced, the venue would have answered 429, then 418
    assert used.weight - started.weight == 100 and used.waits >= 1
    assert paced.refusals() == []
    # what we count is what the venue counts: requests, and the weight in its window
    assert used.requests == paced.rest_requests()
    assert sum(e.weight for e in aster.transcript) == used.weight
    async with aster.http.get(aster.config.rest_url + "/fapi/v3/time") as answer:
        reported = int(answer.headers["X-MBX-USED-WEIGHT-1M"])
    assert reported == aster.pacer.status()[0].used <= 90


async def test_a_burst_of_orders_over_the_orders_limit_is_held_back_never_refused(paced: Paced) -> None:
    aster = paced.aster

    async def bid(ticks: int) -> Any:
        return await aster.submit_limit_order(ETH, Side.BUY, D("0.010"), D("2900.0") - D("0.1") * ticks)

    trackers = await paced.drive(asyncio.gather(*(bid(i) for i in range(7))))  # 5 allowed per 10 s
    assert [t.state for t in trackers] == [OrderState.OPEN] * 7  # none refused with -1015
    assert paced.refusals() == []
    assert paced.time.asked and all(wait <= 10 for wait in paced.time.asked)  # the 10 s window held them
    orders_10s = paced.aster.pacer.status()[2]
    assert orders_10s.peak == 4
    assert await aster.cancel_all(ETH) == 7


async def test_weight_spent_by_another_client_on_our_ip_holds_the_connector_back(paced: Paced) -> None:
    aster = paced.aster
    async with aiohttp.ClientSession() as other:  # not paced by the connector, same IP
        for _ in range(4):
            url = f"{aster.config.rest_url}/fapi/v3/depth?symbol={ETH}&limit=1000"  # weight 20
            async with other.get(url) as answer:
                assert answer.status == 200
    ours = aster.pacer.status()[0].used
    await aster.get_top_of_book(ETH, Source.REST)  # its answer reports the venue's count
    assert aster.pacer.status()[0].used == ours + 1 + 80
    await paced.drive(asyncio.gather(*(aster.get_top_of_book(ETH, Source.REST) for _ in range(10))))
    assert paced.time.asked  # held until the other client's weight left the window
    assert paced.refusals() == []


async def test_the_clock_offset_is_measured_around_the_request_not_the_wait_for_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wall = ManualTime(start=1_767_225_600.0).clock  # the host's wall clock, moved by hand

    class Answer:
        status, headers = 200, {}

        async def text(self) -> str:
            return json.dumps({"serverTime": int(wall.monotonic() * 1000)})  # the venue agrees with us

        async def __aenter__(self) -> Answer:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

    class Session:
        async def pace(self, method: str, url: object, params: object = None) -> Cost:
            wall.advance(30)  # a long wait for room under the limits
            return Cost()

        def request(self, method: str, url: object, **kwargs: object) -> Answer:
            assert kwargs["prepaid"] == Cost()  # not paced (nor waited for) a second time
            return Answer()

    monkeypatch.setattr(venue_clock, "time", SimpleNamespace(time=wall.monotonic))
    rest = aster_rest.AsterRest(Session(), "http://venue", None)  # type: ignore[arg-type]
    await rest.sync_clock()
    assert rest.clock_offset_ms == 0  # had the wait been timed, the offset would be off by 15 s


async def test_exchange_info_publishes_the_limits_the_simulator_enforces() -> None:
    """The connector paces by what exchangeInfo lists, so the simulator must list what it enforces."""
    factory = functools.partial(AsterFrontEnd, settings=AsterSettings(rate_limits=LOW), clock=SYSTEM_CLOCK)
    sim = await start_simulator("aster", factory, run_markets=False)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{sim.urls['rest']}/fapi/v3/exchangeInfo") as resp:
                listed = (await resp.json())["rateLimits"]
    finally:
        await sim.stop()
    assert {(r["rateLimitType"], r["interval"], r["intervalNum"], r["limit"]) for r in listed} == {
        ("REQUEST_WEIGHT", "MINUTE", 1, LOW.weight_per_minute),
        ("ORDERS", "MINUTE", 1, LOW.orders_per_minute),
        ("ORDERS", "SECOND", 10, LOW.orders_per_10s),
    }
