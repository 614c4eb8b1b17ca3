"""A minimal front-end around the Hyperliquid simulator's socket, for testing it on its own.

The real front-end (its REST side, venue records, signing) is another module's; here `/ws` is served
by `HyperliquidSimStreams` over the real engine with two coins, and the front-end callables are
fakes that record their calls: `info` answers `l2Book` / `allMids` through the shared renderers and
chosen statuses for the other types, `exchange` answers a fixed body, `recent_fills` a fixed list.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from tests.waiting import TIMEOUT
from xtb.clock import ManualClock
from xtb.model import MarketInfo, Side
from xtb.sim.engine import Engine
from xtb.sim.engine_types import MarketSpec
from xtb.sim.faults import FaultPlan
from xtb.sim.frontend import FrontEnd
from xtb.sim.hyperliquid import books
from xtb.sim.hyperliquid.streams import HyperliquidSimStreams
from xtb.sim.hyperliquid.ws_settings import HyperliquidWsSettings
from xtb.sim.stream_hub import StreamConnection

FRAMES = json.loads((Path(__file__).parent / "fixtures" / "ws_frames.json").read_text())

ALICE = "0x14791697260e4c9a71f18484c9f997b308e59325"  # K1 of the signing vectors, lower-cased
BOB = "0x" + "b0" * 20
MARKETS = (
    MarketInfo("BTC", tick_size=Decimal("1"), step_size=Decimal("0.00001"), min_size=Decimal("0.00001")),
    MarketInfo("ETH", tick_size=Decimal("0.1"), step_size=Decimal("0.0001"), min_size=Decimal("0.0001")),
)


@dataclass
class Calls:
    info: list[dict[str, Any]] = field(default_factory=list)
    exchange: list[tuple[dict[str, Any], StreamConnection]] = field(default_factory=list)
    fills: list[tuple[str, bool]] = field(default_factory=list)
    info_status: dict[str, int] = field(default_factory=dict)  # info type → forced status
    info_bodies: dict[str, Any] = field(default_factory=dict)  # info type → forced 200 body
    exchange_status: int = 200
    exchange_body: Any = None
    snapshot_fills: list[dict[str, Any]] = field(default_factory=list)


class WsOnlyVenue(FrontEnd):
    name = "hyperliquid-ws-test"

    def setup(self) -> None:
        self.websocket("/ws")


@dataclass
class Harness:
    frontend: WsOnlyVenue
    engine: Engine
    streams: HyperliquidSimStreams
    calls: Calls
    faults: FaultPlan

    @property
    def ws_url(self) -> str:
        url = self.frontend.urls()["ws"]
        assert isinstance(url, str)
        return url

    def order(self, account: str, coin: str, side: Side, size: str, price: str) -> None:
        self.engine.submit(account, coin, side, Decimal(size), price=Decimal(price))


def now_ms(engine: Engine) -> Callable[[], int]:
    return lambda: books.ms(engine.clock.time())


@asynccontextmanager
async def serve(**settings: Any) -> AsyncIterator[Harness]:
    """The socket on a free loopback port, with BTC and ETH listed and ALICE and BOB funded. The
    engine's clock stands still 30 s into a minute (candles stay in one bucket); timers run on
    the event loop's clock, so idle closes and pushes still come."""
    engine = Engine(ManualClock(start=1_000.0, epoch=1_767_225_630.0))
    for info in MARKETS:
        engine.add_market(MarketSpec(info))
    for account in (ALICE, BOB):
        engine.create_account(account, Decimal("1000000"))
    faults = FaultPlan()
    frontend = WsOnlyVenue(engine, faults=faults, heartbeat=None)
    calls = Calls()
    clock = now_ms(engine)

    async def info(payload: dict[str, Any]) -> tuple[int, Any]:
        calls.info.append(payload)
        kind = payload.get("type")
        if isinstance(kind, str) and kind in calls.info_status:
            return calls.info_status[kind], None
        if isinstance(kind, str) and kind in calls.info_bodies:
            return 200, calls.info_bodies[kind]
        if kind == "l2Book":
            body = books.l2_book(
                engine,
                str(payload.get("coin")),
                n_sig_figs=payload.get("nSigFigs"),
                mantissa=payload.get("mantissa"),
                levels=20,
                now_ms=clock(),
            )
            return 200, body
        if kind == "allMids":
            return 200, books.all_mids(engine, ["BTC", "ETH"])
        return 422, "Failed to deserialize the JSON body into the target type"

    async def exchange(payload: dict[str, Any], conn: StreamConnection) -> tuple[int, Any]:
        calls.exchange.append((payload, conn))
        return calls.exchange_status, calls.exchange_body

    def recent_fills(user: str, aggregate: bool) -> list[dict[str, Any]]:
        calls.fills.append((user, aggregate))
        return calls.snapshot_fills

    streams = HyperliquidSimStreams(
        frontend.hub,
        engine,
        settings=HyperliquidWsSettings(**settings),
        coins=lambda: ("BTC", "ETH"),
        info=info,
        exchange=exchange,
        recent_fills=recent_fills,
        now_ms=clock,
    )
    frontend.streams = streams
    await frontend.start()
    try:
        yield Harness(frontend, engine, streams, calls, faults)
    finally:
        await frontend.stop()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
    """The next frame as JSON (fails after the shared deadline)."""
    msg = await ws.receive(timeout=TIMEOUT)
    assert msg.type is aiohttp.WSMsgType.TEXT, f"expected a text frame, got {msg.type} {msg.data!r}"
    return json.loads(msg.data)


async def request_reply(ws: aiohttp.ClientWebSocketResponse, request: Any) -> Any:
    await ws.send_json(request)
    return await receive(ws)


async def receive_until(ws: aiohttp.ClientWebSocketResponse, accept: Callable[[Any], bool]) -> tuple[Any, list[Any]]:
    """The first frame `accept` takes, and the frames before it."""
    skipped: list[Any] = []
    while True:
        message = await receive(ws)
        if accept(message):
            return message, skipped
        skipped.append(message)


def subscribe(kind: str, **fields: Any) -> dict[str, Any]:
    return {"method": "subscribe", "subscription": {"type": kind, **fields}}


def unsubscribe(kind: str, **fields: Any) -> dict[str, Any]:
    return {"method": "unsubscribe", "subscription": {"type": kind, **fields}}
