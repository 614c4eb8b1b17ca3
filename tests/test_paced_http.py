"""The paced session reports every exchange to the transcript (what aiohttp's trace hooks used to):
answered requests with their status and weight, failed ones with the exception's name, socket
upgrades as 101 (or the status of a refused upgrade), and it feeds the venue's usage headers to the
pacer."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from xtb.clock import SYSTEM_CLOCK
from xtb.connectors.paced_http import PacedSession
from xtb.connectors.pacing import Cost, Limit, Pacer, RateCard

Exchange = tuple[str, str, int | None, str, int]


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hi", headers={"X-Used-1M": "7"})


async def socket_route(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.close()
    return ws


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_post("/hello", hello)
    app.router.add_get("/ws", socket_route)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def paced() -> AsyncIterator[tuple[PacedSession, list[Exchange], Pacer]]:
    seen: list[Exchange] = []
    card = RateCard((Limit("weight", 100, 60),), lambda method, url: Cost(3), {"X-Used-1M": ("weight", 60.0)})
    pacer = Pacer(card, key=f"paced-http-{id(seen)}", clock=SYSTEM_CLOCK, margin=1.0)

    def record(started: float, method: str, url: str, status: int | None, error: str, weight: int) -> None:
        assert started > 0
        seen.append((method, url, status, error, weight))

    async with aiohttp.ClientSession() as session:
        yield PacedSession(session, pacer, on_exchange=record), seen, pacer


async def test_an_answered_request_is_recorded_with_its_status_weight_and_query(paced: Any, base_url: str) -> None:
    session, seen, pacer = paced
    async with session.get(f"{base_url}/hello", params={"a": "1"}) as resp:
        assert await resp.text() == "hi"
    assert pacer.status()[0].used == 7  # we booked 3, the venue counts 7: its count wins
    resp = await session.post(f"{base_url}/hello", data=b"x")
    resp.release()
    assert pacer.status()[0].used == 10  # 7 + 3; the venue's 7 is less and changes nothing
    assert seen == [("GET", f"{base_url}/hello?a=1", 200, "", 3), ("POST", f"{base_url}/hello", 200, "", 3)]


async def test_a_request_that_gets_no_answer_is_recorded_with_the_error(paced: Any) -> None:
    session, seen, _ = paced
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(aiohttp.ClientConnectionError):
        await session.get(f"http://127.0.0.1:{port}/x", params={"k": "v"})
    assert seen == [("GET", f"http://127.0.0.1:{port}/x?k=v", None, "ClientConnectorError", 3)]


async def test_socket_upgrades_are_recorded_both_ways_of_opening_them(paced: Any, base_url: str) -> None:
    session, seen, _ = paced
    async with session.ws_connect(f"{base_url}/ws") as ws:
        assert isinstance(ws, aiohttp.ClientWebSocketResponse)
    assert ws.closed  # the context closed it
    ws = await session.ws_connect(f"{base_url}/ws")
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(f"{base_url}/hello")  # answers 200, not an upgrade
    assert seen == [
        ("GET", f"{base_url}/ws", 101, "", 0),
        ("GET", f"{base_url}/ws", 101, "", 0),
        ("GET", f"{base_url}/hello", 200, "", 0),
    ]
