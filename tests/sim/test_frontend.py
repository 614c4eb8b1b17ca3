"""The front-end base over real loopback HTTP and WebSocket: routing, auth verdicts, fan-out,
engine events, and every REST and stream fault as a client observes it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web

from tests.sim.plain_venue import KEY_HEADER, SYMBOL, PlainVenue
from xtb.clock import SYSTEM_CLOCK
from xtb.model import Side
from xtb.sim.engine import Engine
from xtb.sim.engine_types import EngineEvent
from xtb.sim.faults import RestAction, RestFault, StreamAction, StreamFault
from xtb.sim.frontend import FrontEnd
from xtb.sim.periodic import Periodic
from xtb.sim.stream_hub import StreamConnection
from xtb.sim.venue_streams import VenueStreams

TIMEOUT = 3.0
BOOK = f"book:{SYMBOL}"


@contextlib.asynccontextmanager
async def running_venue(**kwargs: Any) -> AsyncIterator[PlainVenue]:
    """A plain venue on free loopback ports with accounts alice and bob and no synthetic market."""
    engine = Engine(SYSTEM_CLOCK)
    venue = PlainVenue(engine, seed=1, **kwargs)
    for market in venue.sim_markets():
        engine.add_market(market.spec)
    for account in ("alice", "bob"):
        engine.create_account(account, Decimal("1000000"))
        venue.issue_credentials(account)
    await venue.start()
    try:
        yield venue
    finally:
        await venue.stop()


@pytest.fixture
async def venue() -> AsyncIterator[PlainVenue]:
    async with running_venue() as venue:
        yield venue


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as session:
        yield session


def key(venue: PlainVenue, account: str = "alice") -> dict[str, str]:
    return {KEY_HEADER: venue.credentials[account]["key"]}


def order(client_id: str, side: str = "buy", price: str = "49000", size: str = "0.01") -> dict[str, Any]:
    return {"symbol": SYMBOL, "side": side, "size": size, "price": price, "client_id": client_id}


async def receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
    msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert msg.type is WSMsgType.TEXT, msg
    return json.loads(msg.data)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, channel: str) -> None:
    await ws.send_json({"op": "subscribe", "channel": channel})
    assert await receive(ws) == {"op": "subscribed", "channel": channel}


# ------------------------------------------------------------------------------------ REST basics


async def test_serves_on_a_free_port_and_reports_it(venue: PlainVenue) -> None:
    port = venue.ports["main"]
    assert port > 0
    assert venue.urls() == {"rest": f"http://127.0.0.1:{port}", "ws": f"ws://127.0.0.1:{port}/ws"}


async def test_routes_answer_and_the_log_records_auth_verdicts(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    rest = venue.urls()["rest"]
    async with http.post(f"{rest}/order", json=order("a1")) as resp:
        assert resp.status == 401
        assert await resp.json() == {"error": f"missing {KEY_HEADER} header"}
    async with http.post(f"{rest}/order", json=order("a1"), headers={KEY_HEADER: "wrong"}) as resp:
        assert resp.status == 401
    async with http.post(f"{rest}/order", json=order("a1"), headers=key(venue)) as resp:
        assert resp.status == 200
        placed = await resp.json()
    assert placed["client_id"] == "a1" and placed["status"] == "new" and placed["price"] == "49000.0"
    async with http.get(f"{rest}/order", params={"client_id": "a1"}, headers=key(venue)) as resp:
        assert (await resp.json())["order_id"] == placed["order_id"]
    async with http.get(f"{rest}/book", params={"symbol": SYMBOL}) as resp:
        assert (await resp.json())["bids"] == [["49000.0", "0.010"]]
    async with http.delete(f"{rest}/order", params={"client_id": "a1"}, headers=key(venue)) as resp:
        assert (await resp.json())["status"] == "cancelled"
    async with http.get(f"{rest}/nowhere") as resp:
        assert resp.status == 404

    rows = [(r.method, r.path, r.auth, r.account, r.status) for r in venue.request_log.records()]
    assert rows == [
        ("POST", "/order", "denied", None, 401),
        ("POST", "/order", "denied", None, 401),
        ("POST", "/order", "ok", "alice", 200),
        ("GET", "/order", "ok", "alice", 200),
        ("GET", "/book", "public", None, 200),
        ("DELETE", "/order", "ok", "alice", 200),
        ("GET", "/nowhere", "public", None, 404),
    ]
    assert venue.request_log.records()[1].detail == f"unknown {KEY_HEADER}"
    assert all(r.latency >= 0 and r.fault is None for r in venue.request_log.records())


async def test_request_log_is_bounded(http: aiohttp.ClientSession) -> None:
    async with running_venue(log_size=3) as venue:
        for depth in range(1, 6):
            async with http.get(f"{venue.urls()['rest']}/book", params={"depth": str(depth)}) as resp:
                assert resp.status == 200
        assert len(venue.request_log) == 3
        assert len(venue.request_log.records(limit=2)) == 2


# ----------------------------------------------------------------------------------- REST faults


async def test_status_fault_answers_429_with_retry_after_and_applies_nothing(
    venue: PlainVenue, http: aiohttp.ClientSession
) -> None:
    venue.faults.add(RestFault(RestAction.STATUS, path="/order", method="POST", status=429, retry_after=2))
    rest = venue.urls()["rest"]
    async with http.post(f"{rest}/order", json=order("r1"), headers=key(venue)) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "2"
        assert "error" in await resp.json()
    assert venue.engine.order_by_client_id("alice", "r1") is None
    async with http.post(f"{rest}/order", json=order("r1"), headers=key(venue)) as resp:
        assert resp.status == 200  # the fault was for one request
    assert [r.fault for r in venue.request_log.records()] == ["status", None]


async def test_status_fault_503_without_retry_after(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    venue.faults.add(RestFault(RestAction.STATUS, path="/book"))
    async with http.get(f"{venue.urls()['rest']}/book") as resp:
        assert resp.status == 503
        assert "Retry-After" not in resp.headers
        assert "Service Unavailable" in (await resp.json())["error"]


async def test_delay_fault_holds_the_answer(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    venue.faults.add(RestFault(RestAction.DELAY, path="/book", delay=0.2))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with http.get(f"{venue.urls()['rest']}/book") as resp:
        assert resp.status == 200
    assert loop.time() - started >= 0.2
    assert venue.request_log.records()[-1].latency >= 0.2


async def test_drop_response_applies_the_request_and_disconnects(
    venue: PlainVenue, http: aiohttp.ClientSession
) -> None:
    venue.faults.add(RestFault(RestAction.DROP_RESPONSE, path="/order", method="POST"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(f"{venue.urls()['rest']}/order", json=order("d1"), headers=key(venue)) as resp:
            await resp.read()
    applied = venue.engine.order_by_client_id("alice", "d1")
    assert applied is not None and applied.is_open
    record = venue.request_log.records()[-1]
    assert (record.fault, record.dropped, record.status) == ("drop_response", True, 200)


async def test_apply_then_status_applies_the_request_and_answers_an_error(
    venue: PlainVenue, http: aiohttp.ClientSession
) -> None:
    venue.faults.add(RestFault(RestAction.APPLY_THEN_STATUS, path="/order", method="POST", status=503))
    async with http.post(f"{venue.urls()['rest']}/order", json=order("a1"), headers=key(venue)) as resp:
        assert resp.status == 503
    applied = venue.engine.order_by_client_id("alice", "a1")
    assert applied is not None and applied.is_open  # the client heard 503, the venue has the order
    assert venue.request_log.records()[-1].status == 503


async def test_reject_order_waits_for_an_order_and_refuses_it(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    venue.faults.add(RestFault(RestAction.REJECT_ORDER, reason="risk limit exceeded"))  # path "*"
    rest = venue.urls()["rest"]
    async with http.get(f"{rest}/book") as resp:
        assert resp.status == 200  # a read does not spend it
    async with http.post(f"{rest}/order", json=order("x0")) as resp:
        assert resp.status == 401  # nor an order that fails authentication
    async with http.post(f"{rest}/order", json=order("x1"), headers=key(venue)) as resp:
        assert resp.status == 400
        assert await resp.json() == {"error": "risk limit exceeded"}
    assert venue.engine.order_by_client_id("alice", "x1") is None
    async with http.post(f"{rest}/order", json=order("x2"), headers=key(venue)) as resp:
        assert resp.status == 200
    assert [r.fault for r in venue.request_log.records()] == [None, None, "reject_order", None]


async def test_control_prefix_is_exempt_from_faults(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    venue.faults.add(RestFault(RestAction.STATUS, count=None))
    async with http.get(f"{venue.urls()['rest']}/_sim/anything") as resp:
        assert resp.status == 404  # nothing mounted in this test, but no 503 either
    assert len(venue.request_log) == 0


# ----------------------------------------------------------------------------------------- streams


async def test_fan_out_follows_subscriptions(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    ws_url = venue.urls()["ws"]
    async with http.ws_connect(ws_url) as a, http.ws_connect(ws_url, headers=key(venue)) as b:
        await subscribe(a, BOOK)
        await subscribe(b, BOOK)
        await subscribe(b, "orders")
        assert venue.publish(BOOK, "book", {"n": 1}) == 2
        assert venue.publish("orders:alice", "order", {"n": 2}) == 1
        assert venue.publish(BOOK, "book", {"n": 3}) == 2
        assert [await receive(a), await receive(a)] == [{"n": 1}, {"n": 3}]
        assert [await receive(b), await receive(b), await receive(b)] == [{"n": 1}, {"n": 2}, {"n": 3}]


async def test_private_channel_needs_an_authenticated_socket(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(venue.urls()["ws"]) as ws:
        await ws.send_json({"op": "subscribe", "channel": "orders"})
        assert (await receive(ws))["op"] == "error"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(venue.urls()["ws"], headers={KEY_HEADER: "wrong"})
    assert refused.value.status == 401
    rows = [(r.path, r.auth, r.status) for r in venue.request_log.records()]
    assert rows == [("/ws", "public", 101), ("/ws", "denied", 401)]


async def test_engine_events_reach_subscribers(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    rest = venue.urls()["rest"]
    async with http.ws_connect(venue.urls()["ws"], headers=key(venue)) as ws:
        await subscribe(ws, "orders")
        await subscribe(ws, BOOK)
        async with http.post(f"{rest}/order", json=order("e1", "sell", "50000", "0.01"), headers=key(venue)) as resp:
            assert resp.status == 200
        accepted, book = await receive(ws), await receive(ws)
        assert accepted["type"] == "order" and accepted["order"]["client_id"] == "e1"
        assert accepted["order"]["status"] == "new"
        assert book == {"type": "book", "symbol": SYMBOL, "bid": None, "ask": "50000.0", "seq": book["seq"]}
        venue.engine.submit("bob", SYMBOL, Side.BUY, Decimal("0.01"), price=Decimal("50000"))  # takes alice's order
        fill, filled = await receive(ws), await receive(ws)  # bob's own events are not on alice's channel
        assert fill["type"] == "fill" and fill["fill"]["account_id"] == "alice"
        assert fill["fill"]["liquidity"] == "maker" and fill["fill"]["price"] == "50000.0"
        assert filled["type"] == "order" and filled["order"]["status"] == "filled"


async def next_numbers(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[int]:
    return [(await receive(ws))["n"] for _ in range(count)]


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (StreamAction.DROP, [2, 3]),
        (StreamAction.DUPLICATE, [1, 1, 2, 3]),
        (StreamAction.REORDER, [2, 1, 3]),
    ],
)
async def test_stream_fault_changes_what_the_client_sees(
    venue: PlainVenue, http: aiohttp.ClientSession, action: StreamAction, expected: list[int]
) -> None:
    async with http.ws_connect(venue.urls()["ws"]) as ws:
        await subscribe(ws, BOOK)
        venue.faults.add(StreamFault(action, channel="book:*", kind="book"))
        for n in (1, 2, 3):
            venue.publish(BOOK, "book", {"n": n})
        assert await next_numbers(ws, len(expected)) == expected
    assert list(venue.faults.applied) == [f"stream {action.value} {BOOK} book"]


async def test_stream_delay_fault_holds_the_message(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(venue.urls()["ws"]) as ws:
        await subscribe(ws, BOOK)
        venue.faults.add(StreamFault(StreamAction.DELAY, delay=0.2))
        loop = asyncio.get_running_loop()
        started = loop.time()
        venue.publish(BOOK, "book", {"n": 1})
        venue.publish(BOOK, "book", {"n": 2})
        assert await next_numbers(ws, 1) == [1]
        assert loop.time() - started >= 0.2
        assert await next_numbers(ws, 1) == [2]  # order on the connection is kept


async def test_stream_close_fault_closes_the_socket(venue: PlainVenue, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(venue.urls()["ws"]) as ws, http.ws_connect(venue.urls()["ws"]) as other:
        await subscribe(ws, BOOK)
        await subscribe(other, BOOK)
        venue.faults.add(StreamFault(StreamAction.CLOSE))
        venue.publish(BOOK, "book", {"n": 1})  # the first socket takes the fault, the other gets the message
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.CLOSE and msg.data == FrontEnd.stream_fault_close_code
        assert await next_numbers(other, 1) == [1]


async def test_a_client_that_falls_behind_is_disconnected(http: aiohttp.ClientSession) -> None:
    async with running_venue(queue_size=2) as venue, http.ws_connect(venue.urls()["ws"]) as ws:
        await subscribe(ws, BOOK)
        for n in range(5):  # synchronous: the sender cannot drain in between
            venue.publish(BOOK, "book", {"n": n})
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        while msg.type is WSMsgType.TEXT:
            msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.CLOSE and msg.data == 1013


async def test_heartbeat_pings_the_client(http: aiohttp.ClientSession) -> None:
    async with running_venue(heartbeat=0.05) as venue, http.ws_connect(venue.urls()["ws"], autoping=False) as ws:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.PING


async def test_stop_closes_open_sockets(http: aiohttp.ClientSession) -> None:
    async with running_venue() as venue:
        ws = await http.ws_connect(venue.urls()["ws"])
        await subscribe(ws, BOOK)
        await venue.stop()
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is WSMsgType.CLOSE and msg.data == 1001
        assert not venue.running and venue.hub.connections == ()


class RecordingStreams(VenueStreams):
    """A venue's stream side that records what the front-end base hands it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.beats: list[int] = []
        self.closed = asyncio.Event()
        self.second_beat = asyncio.Event()
        self.periodic = Periodic("test-venue-periodic", 0.001, self._beat)

    def on_open(self, conn: StreamConnection) -> None:
        self.calls.append(("open", conn.path))

    async def on_message(self, conn: StreamConnection, data: str | bytes) -> None:
        self.calls.append(("message", data))

    def on_close(self, conn: StreamConnection) -> None:
        self.calls.append(("close", conn.path))
        self.closed.set()

    def on_engine_event(self, event: EngineEvent) -> None:
        self.calls.append(("event", type(event).__name__))

    async def _beat(self, beat: int) -> None:
        self.beats.append(beat)
        if beat == 2:
            self.second_beat.set()


class StreamsOnlyVenue(FrontEnd):
    name = "streams-only"

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.streams = RecordingStreams()

    def setup(self) -> None:
        self.websocket("/ws")


async def test_the_base_wires_a_venues_streams_and_runs_its_clocked_work_while_serving(
    http: aiohttp.ClientSession,
) -> None:
    venue = StreamsOnlyVenue(Engine(SYSTEM_CLOCK))
    streams = venue.streams
    assert isinstance(streams, RecordingStreams) and streams.periodic is not None
    assert not streams.periodic.running
    await venue.start()
    try:
        await asyncio.wait_for(streams.second_beat.wait(), TIMEOUT)
        async with http.ws_connect(venue.base_url(scheme="ws") + "/ws") as ws:
            await ws.send_str("hello")
            venue.engine.create_account("carol", Decimal("5"))
        await asyncio.wait_for(streams.closed.wait(), TIMEOUT)
    finally:
        await venue.stop()
    assert not streams.periodic.running
    assert streams.beats[:2] == [1, 2]
    opened, message, closed = ("open", "/ws"), ("message", "hello"), ("close", "/ws")
    event = ("event", "BalanceChanged")
    assert sorted(streams.calls) == sorted([opened, event, message, closed])  # the engine event races the socket
    assert streams.calls.index(opened) < streams.calls.index(message) and streams.calls[-1] == closed


# -------------------------------------------------------------------------------------- many hosts


class ThreeHosts(FrontEnd):
    """GRVT-like: a login host, a trading host and a stream host, each on its own port."""

    name = "three"
    site_names = ("main", "trades", "stream")

    def setup(self) -> None:
        self.route("POST", "/login", self.answer, site="main")
        self.route("POST", "/order", self.answer, site="trades")
        self.websocket("/ws/full", site="stream")

    async def answer(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"path": request.path})


async def test_a_front_end_serves_several_hosts_on_their_own_ports(http: aiohttp.ClientSession) -> None:
    venue = ThreeHosts(Engine(SYSTEM_CLOCK))
    ports = await venue.start()
    try:
        assert set(ports) == {"main", "trades", "stream"} and len(set(ports.values())) == 3
        async with http.post(f"{venue.base_url('trades')}/order") as resp:
            assert await resp.json() == {"path": "/order"}
        async with http.post(f"{venue.base_url('main')}/order") as resp:
            assert resp.status == 404  # the route lives on the trades host only
        assert venue.urls()["ws"] == f"ws://127.0.0.1:{ports['stream']}/ws/full"
        async with http.ws_connect(venue.urls()["ws"]) as ws:
            assert not ws.closed
        assert {r.site for r in venue.request_log.records()} == {"trades", "main", "stream"}
    finally:
        await venue.stop()
