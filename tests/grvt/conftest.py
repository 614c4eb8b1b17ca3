"""A GRVT simulator per test on free loopback ports, and helpers to talk to it the venue's way:
log in on the edge, sign orders (with grvt-pysdk, as the connector does), call REST and sockets."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.waiting import TIMEOUT
from xtb.clock import loop_time
from xtb.connectors.grvt import sdk
from xtb.secrets import Secret
from xtb.sim.grvt import GrvtFrontEnd, GrvtSettings
from xtb.sim.server import SimHandle, start_simulator

BTC = "BTC_USDT_Perp"
ETH = "ETH_USDT_Perp"
FIXTURES = Path(__file__).parent / "fixtures"
VECTORS = json.loads((FIXTURES / "vectors.json").read_text())
PAYLOADS = json.loads((FIXTURES / "payloads.json").read_text())
D = Decimal


class FixedClock:
    """A venue clock stopped at one instant, so the spec's vectors (signed in the past) verify."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def time(self) -> float:
        return self.seconds

    def monotonic(self) -> float:
        return self.seconds


async def start_grvt(*, run_markets: bool = False, **settings: Any) -> SimHandle:
    """A GRVT simulator with no speed bump (tests want speed) and the synthetic markets still."""
    options = {"speed_bump_ms": 0, **settings}
    factory = functools.partial(GrvtFrontEnd, settings=GrvtSettings(**options))
    handle = await start_simulator("grvt", factory, run_markets=run_markets)
    for symbol in handle.markets.symbols:
        handle.control.freeze(symbol)
    return handle


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_grvt()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def fe(handle: SimHandle) -> GrvtFrontEnd:
    frontend = handle.frontend
    assert isinstance(frontend, GrvtFrontEnd)
    return frontend


def hosts(handle: SimHandle) -> sdk.Hosts:
    urls = handle.urls
    return sdk.Hosts.from_hosts(urls, urls["rest"], urls["ws"])


class Client:
    """One account of one simulator: login, signed orders, REST calls returning (status, body)."""

    def __init__(self, http: aiohttp.ClientSession, handle: SimHandle, creds: Mapping[str, Any]) -> None:
        self.http = http
        self.handle = handle
        self.creds = dict(creds)
        self.urls = handle.urls
        self.env = sdk.point_sdk_at(hosts(handle), fe(handle).settings.chain_id)
        self.headers: dict[str, str] = {}
        self._cid = 2**63

    @property
    def sub(self) -> str:
        return str(self.creds["sub_account_id"])

    async def login(self) -> tuple[int, Any, Mapping[str, str]]:
        url = self.urls["edge"] + "/auth/api_key/login"
        async with self.http.post(url, json={"api_key": self.creds["api_key"]}) as resp:
            body = await resp.json(content_type=None)
            if resp.status == 200:
                token = resp.headers["Set-Cookie"].split(";")[0]
                self.headers = {"Cookie": token, "X-Grvt-Account-Id": resp.headers["X-Grvt-Account-Id"]}
            return resp.status, body, resp.headers

    async def call(
        self, route: str, body: Any = None, *, host: str = "rest", lite: bool = False, headers: Any = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        url = f"{self.urls[host]}/{'lite' if lite else 'full'}/v1/{route}"
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        sent = {"Content-Type": "application/json", **(self.headers if headers is None else headers)}
        async with self.http.post(url, data=data, headers=sent) as resp:
            assert resp.content_type == "application/json", (resp.status, await resp.text())
            return resp.status, await resp.json()

    def next_cid(self) -> str:
        self._cid += 1
        return str(self._cid)

    def order(
        self, price: str | None, size: str = "0.01", *, buy: bool = True, tif: str = "GOOD_TILL_TIME",
        post_only: bool = False, reduce_only: bool = False, instrument: str = BTC, cid: str | None = None,
        key: str | None = None, sub: str | None = None, expiration_ns: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A `create_order` body signed by grvt-pysdk (through the connector's signing path)."""
        market = fe(self.handle).market_defs[instrument]
        meta = sdk.InstrumentMeta(instrument, market.instrument_hash, market.base_decimals, market.base, market.quote)
        now_ns = fe(self.handle).now_ns()
        return sdk.sign_order(
            self.env, Secret(key or self.creds["private_key"], "private_key"), sub_account_id=sub or self.sub,
            instrument=meta, is_buy=buy, size=D(size), limit_price=None if price is None else D(price),
            time_in_force=tif, post_only=post_only, reduce_only=reduce_only, client_order_id=cid or self.next_cid(),
            nonce=int(time.time_ns() % 2**32), expiration_ns=expiration_ns or now_ns + 3600 * 10**9,
        )  # fmt: skip

    async def create(self, body: Any, **kwargs: Any) -> tuple[int, Any]:
        return await self.call("create_order", body, **kwargs)


@pytest.fixture
async def client(http: aiohttp.ClientSession, sim: SimHandle) -> AsyncIterator[Client]:
    c = Client(http, sim, sim.account)
    status, body, _ = await c.login()
    assert status == 200, body
    try:
        yield c
    finally:
        sdk.release(c.env)


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next text frame, parsed."""
    msg = await asyncio.wait_for(ws.receive(), timeout)
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse, predicate: Callable[[Any], bool], timeout: float = TIMEOUT
) -> tuple[Any, list[Any]]:
    """The first frame matching `predicate`, and every frame before it."""
    seen: list[Any] = []
    deadline = loop_time() + timeout
    while True:
        frame = await receive(ws, max(0.01, deadline - loop_time()))
        if predicate(frame):
            return frame, seen
        seen.append(frame)


async def rpc(
    ws: aiohttp.ClientWebSocketResponse, method: str, params: Any, rid: int, seen: list[Any] | None = None
) -> Any:
    """Send one JSON-RPC request and return its reply; frames that came first go to `seen`."""
    await ws.send_json({"jsonrpc": "2.0", "method": method, "params": params, "id": rid})
    reply, before = await receive_until(ws, lambda f: f.get("id") == rid)
    if seen is not None:
        seen.extend(before)
    return reply
