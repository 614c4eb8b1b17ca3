"""A Backpack simulator per test, on free loopback ports, and helpers to talk to it the venue's way."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.waiting import TIMEOUT
from xtb.clock import loop_time
from xtb.connectors.backpack.auth import BackpackSigner, signing_string
from xtb.secrets import Secret
from xtb.sim.backpack import BackpackFrontEnd, BackpackSettings
from xtb.sim.backpack.auth import INSTRUCTIONS  # the spec's §2.4 table
from xtb.sim.server import SimHandle, start_simulator

SOL = "SOL_USDC_PERP"
BTC = "BTC_USDC_PERP"
VECTORS = json.loads((Path(__file__).parent / "fixtures" / "signing_vectors.json").read_text())


class FixedClock:
    """A venue clock stopped at one instant (ms), so signatures from the past still verify."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def time(self) -> float:
        return self.ms / 1000

    def monotonic(self) -> float:
        return self.ms / 1000


async def start_backpack(*, run_markets: bool = True, **settings: Any) -> SimHandle:
    """A Backpack simulator with no taker speed bump (tests want speed), markets frozen unless run."""
    options = {"taker_delay_ms": 0, **settings}
    factory = functools.partial(BackpackFrontEnd, settings=BackpackSettings(**options))
    handle = await start_simulator("backpack", factory, run_markets=run_markets)
    for symbol in handle.markets.symbols:
        handle.control.freeze(symbol)
    return handle


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    handle = await start_backpack()
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def signer_for(handle: SimHandle, account: str | None = None) -> BackpackSigner:
    creds = handle.account if account is None else handle.frontend.credentials[account]
    return BackpackSigner(Secret(creds["api_secret"], "api_secret"))


class Client:
    """Signed and public requests to one simulator as one account, returning (status, body, headers)."""

    def __init__(self, http: aiohttp.ClientSession, handle: SimHandle, signer: BackpackSigner) -> None:
        self.http = http
        self.handle = handle
        self.signer = signer
        self.rest = handle.urls["rest"]

    def now_ms(self) -> int:
        return self.handle.frontend.now_ms()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        signed: bool = True,
        window: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, Mapping[str, str]]:
        sent = {"Content-Type": "application/json; charset=utf-8"}
        query = {k: str(v) for k, v in (params or {}).items()}
        if signed:
            signed_params = body if body is not None else query
            sent.update(self.signer.headers(INSTRUCTIONS[(method, path)], signed_params, self.now_ms(), window or 5000))
            if window is None:
                del sent["X-Window"]
        sent.update(headers or {})
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        async with self.http.request(method, self.rest + path, params=query or None, data=data, headers=sent) as resp:
            text = await resp.text()
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return resp.status, parsed, resp.headers

    def order(self, price: str, quantity: str = "1", side: str = "Bid", **extra: Any) -> dict[str, Any]:
        return {"symbol": SOL, "side": side, "orderType": "Limit", "price": price, "quantity": quantity, **extra}


@pytest.fixture
def client(http: aiohttp.ClientSession, sim: SimHandle) -> Client:
    return Client(http, sim, signer_for(sim))


def vector_signing_string(vector: Mapping[str, Any]) -> str:
    return signing_string(vector["instruction"], vector["params"], vector["timestamp"], vector.get("window", 5000))


def connect(http: aiohttp.ClientSession, url: str) -> Any:
    """A socket whose pongs the test sees (`synced`); server pings are answered by `receive`."""
    return http.ws_connect(url, autoping=False)


async def receive(ws: aiohttp.ClientWebSocketResponse, timeout: float = TIMEOUT) -> Any:
    """The next text frame, parsed."""
    deadline = loop_time() + timeout
    while True:
        msg = await asyncio.wait_for(ws.receive(), max(0.01, deadline - loop_time()))
        if msg.type is aiohttp.WSMsgType.PING:
            await ws.pong(msg.data)
            continue
        if msg.type is aiohttp.WSMsgType.PONG:
            continue
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        return json.loads(msg.data)


async def synced(ws: aiohttp.ClientWebSocketResponse) -> list[Any]:
    """Ping and wait for the pong: the server has read every frame sent before. Returns the text
    frames that arrived meanwhile."""
    await ws.ping(b"sync")
    frames = []
    while True:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        if msg.type is aiohttp.WSMsgType.PONG:
            return frames
        if msg.type is aiohttp.WSMsgType.PING:
            await ws.pong(msg.data)
        else:
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            frames.append(json.loads(msg.data))


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
