"""The front-end base refuses hostile requests once for every venue, in the venue's own shape: unknown
routes, wrong methods, oversized URLs, headers and bodies, undecodable bytes, dot segments, requests
aiohttp cannot parse, and, as the last resort, a handler's crash (logged with its traceback). The
control API keeps its own shape and routes nothing through `/_sim/..`. Stream sockets survive bad
frames: a handler's crash closes that socket with 1011, an oversized frame with 1009, and the
others are still served."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.sim.hostile_data import DEEP
from tests.sim.hostile_http import Answer, HostileRequest, exchange
from tests.sim.plain_venue import PlainVenue
from xtb.sim import inbound
from xtb.sim.refusals import Limits, Refusal, Refused
from xtb.sim.server import SimHandle, start_simulator
from xtb.sim.stream_hub import StreamConnection

LIMITS = Limits(body=4096, url=512, header=512, parser=16 * 1024, ws_message=4096)
STATUS = {Refusal.NOT_FOUND: 404, Refusal.METHOD_NOT_ALLOWED: 405, Refusal.BAD_REQUEST: 400,
          Refusal.TOO_LARGE: 400, Refusal.INTERNAL: 500}  # fmt: skip


class ShapedVenue(PlainVenue):
    """The plain test venue with a shape of its own for refusals, a route that crashes, routes that
    read a form and JSON the bounded way, and a socket frame that crashes its handler."""

    name = "shaped"
    broken_hook = False

    def setup(self) -> None:
        super().setup()
        self.route("GET", "/crash", self._crash)
        self.route("POST", "/form", self._form)
        self.route("POST", "/json", self._json)
        self.route("GET", "/refuse", self._refuse_here)

    def refusal(self, request: web.BaseRequest, kind: Refusal, message: str) -> tuple[int, Any]:
        if self.broken_hook:
            raise RuntimeError("the venue's hook is broken too")
        return STATUS[kind], {"venue": "shaped", "kind": kind.value, "message": message}

    async def _crash(self, request: web.Request) -> web.StreamResponse:
        raise RuntimeError("boom: a bug in a handler")

    async def _form(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(dict(await inbound.read_form(request)))

    async def _json(self, request: web.Request) -> web.StreamResponse:
        try:
            return web.json_response({"parsed": await inbound.read_json(request)})
        except ValueError as exc:
            return web.json_response({"venue": "shaped", "kind": "json", "message": str(exc)}, status=400)

    async def _refuse_here(self, request: web.Request) -> web.StreamResponse:
        raise Refused(Refusal.BAD_REQUEST, "refused from inside a handler")

    async def on_ws_message(self, conn: StreamConnection, data: str | bytes) -> None:
        if data == "crash":
            raise RuntimeError("boom: a bug in a stream handler")
        await super().on_ws_message(conn, data)


@pytest.fixture
async def sim() -> AsyncIterator[SimHandle]:
    def factory(engine: Any, *, seed: int = 0) -> ShapedVenue:
        return ShapedVenue(engine, seed=seed, request_limits=LIMITS)

    handle = await start_simulator("shaped", factory, run_markets=False)
    try:
        yield handle
    finally:
        await handle.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def send(sim: SimHandle, request: HostileRequest) -> Answer:
    return await exchange(sim.frontend.host, sim.frontend.ports["main"], request)


def refused(answer: Answer, kind: str, status: int) -> str:
    body = answer.json()
    assert answer.status == status and isinstance(body, dict), answer.describe()
    assert (body.get("venue"), body.get("kind")) == ("shaped", kind), answer.describe()
    return str(body["message"])


# ------------------------------------------------------------------------------------------ REST


async def test_unknown_routes_and_wrong_methods_get_the_venue_shape_and_are_logged(sim: SimHandle) -> None:
    assert "no route for GET /nowhere" in refused(await send(sim, HostileRequest("GET", "/nowhere")), "not_found", 404)
    refused(await send(sim, HostileRequest("PUT", "/order")), "method_not_allowed", 405)
    refused(await send(sim, HostileRequest("GET", "/book/")), "not_found", 404)
    rows = [(r.method, r.path, r.status) for r in sim.frontend.request_log.records()]
    assert rows == [("GET", "/nowhere", 404), ("PUT", "/order", 405), ("GET", "/book/", 404)]


async def test_dot_segments_route_nowhere(sim: SimHandle) -> None:
    for path in ("/x/../book", "/./book", "/%2e%2e/book", "/x/..%2Fbook"):
        refused(await send(sim, HostileRequest("GET", path)), "not_found", 404)


async def test_oversized_requests_are_refused_before_they_are_read(sim: SimHandle) -> None:
    assert "URL of" in refused(await send(sim, HostileRequest("GET", "/book", "x=" + "a" * 600)), "too_large", 400)
    big_header = (("X-Big", b"a" * 600),)
    assert "header" in refused(await send(sim, HostileRequest("GET", "/book", headers=big_header)), "too_large", 400)
    body = b"[" * (LIMITS.body + 1)
    answer = await send(sim, HostileRequest("POST", "/json", body=body))
    assert "body of" in refused(answer, "too_large", 400)
    chunked = HostileRequest("", "", raw=b"POST /json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                             b"Connection: close\r\n\r\n1001\r\n" + b"[" * 4097 + b"\r\n0\r\n\r\n")  # fmt: skip
    refused(await send(sim, chunked), "too_large", 400)  # no Content-Length: refused while read


async def test_what_the_http_parser_refuses_gets_the_venue_shape(sim: SimHandle) -> None:
    for raw in (
        b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # past the parser's own line limit
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS client hello
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ):
        assert "malformed HTTP request" in refused(await send(sim, HostileRequest("", "", raw=raw)), "bad_request", 400)
    async with aiohttp.ClientSession() as session, session.get(sim.urls["rest"] + "/book") as resp:
        assert resp.status == 200  # and the server still serves


async def test_undecodable_bytes_and_bodies_that_are_not_their_content_type(sim: SimHandle) -> None:
    headers = (("X-Test-Key", b"\xff\xfe"),)
    assert "UTF-8" in refused(await send(sim, HostileRequest("GET", "/book", headers=headers)), "bad_request", 400)
    form = (("Content-Type", b"application/x-www-form-urlencoded"),)
    refused(await send(sim, HostileRequest("POST", "/form", headers=form, body=b"a=\xff\xfe")), "bad_request", 400)
    multipart = (("Content-Type", b"multipart/form-data; boundary=xx"),)
    refused(await send(sim, HostileRequest("POST", "/form", headers=multipart, body=b"a=1")), "bad_request", 400)
    answer = await send(sim, HostileRequest("POST", "/form", headers=form, body=b"a=1&b=%C3%A9"))
    assert (answer.status, answer.json()) == (200, {"a": "1", "b": "é"})


async def test_json_bodies_are_bounded_and_lone_surrogates_refused(sim: SimHandle) -> None:
    for body, problem in (
        (b"[" * 1000 + b"]" * 1000, "deeper than"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"a": NaN}', "NaN is not JSON"),
        (b'"\xff"', "not UTF-8"),
    ):
        answer = await send(sim, HostileRequest("POST", "/json", body=body))
        assert problem in refused(answer, "json", 400), answer.describe()
    answer = await send(sim, HostileRequest("POST", "/json", body=b'{"a": "\\ud83d\\ude00"}'))
    assert answer.json() == {"parsed": {"a": "😀"}}  # a surrogate pair is a character, not a lone surrogate


async def test_a_crashing_handler_is_the_venues_internal_error_with_its_traceback_logged(
    sim: SimHandle, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="xtb.sim.frontend"):
        refused(await send(sim, HostileRequest("GET", "/crash")), "internal", 500)
    (record,) = [r for r in caplog.records if "failed on GET /crash" in r.getMessage()]
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])
    refused(await send(sim, HostileRequest("GET", "/refuse")), "bad_request", 400)  # Refused from a handler


async def test_a_broken_refusal_hook_still_gets_json(sim: SimHandle, caplog: pytest.LogCaptureFixture) -> None:
    sim.frontend.broken_hook = True  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="xtb.sim.frontend"):
        answer = await send(sim, HostileRequest("GET", "/nowhere"))
    assert (answer.status, answer.json()) == (404, {"error": "no route for GET /nowhere"})
    assert any("failed to shape a not_found refusal" in r.getMessage() for r in caplog.records)


async def test_a_socket_path_without_the_upgrade_is_a_bad_request(sim: SimHandle) -> None:
    assert "not a WebSocket upgrade" in refused(await send(sim, HostileRequest("GET", "/ws")), "bad_request", 400)
    refused(await send(sim, HostileRequest("POST", "/ws")), "method_not_allowed", 405)


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="positive int"):
        Limits(body=0)
    with pytest.raises(ValueError, match="parser"):
        Limits(url=10_000, parser=8_000)


def test_integers_are_bounded_before_conversion() -> None:
    assert inbound.integer("18446744073709551615") == 2**64 - 1
    assert inbound.integer("-7", signed=True) == -7
    for text in ("9" * 5000, "9" * 21, "", "-", "-7", "+7", " 7", "١٢", "²", "0x1"):
        assert inbound.integer(text) is None, text


# ----------------------------------------------------------------------------------- control API


async def test_the_control_api_routes_nothing_through_dot_segments(sim: SimHandle) -> None:
    for path in ("/_sim/../api", "/_sim/../book", "/_sim/../_sim/accounts", "/_sim/./accounts", "/_sim/%2e%2e/book",
                 "/_sim/..%2Fbook"):  # fmt: skip
        answer = await send(sim, HostileRequest("GET", path))
        assert answer.status == 404 and set(answer.json()) == {"error"}, (path, answer.describe())
    answer = await send(sim, HostileRequest("GET", "/_sim/accounts"))
    assert answer.status == 200 and isinstance(answer.json(), list)


async def test_the_control_api_keeps_its_shape_for_hostile_requests(sim: SimHandle) -> None:
    for request, status in (
        (HostileRequest("POST", "/_sim/accounts", body=b"[" * DEEP + b"]" * DEEP), 413),
        (HostileRequest("POST", "/_sim/accounts", body=b"[" * 1000 + b"]" * 1000), 400),
        (HostileRequest("POST", "/_sim/accounts", body=b'{"account_id": "\\ud800"}'), 400),
        (HostileRequest("GET", "/_sim/accounts", "x=" + "a" * 600), 413),
        (HostileRequest("PATCH", "/_sim/accounts"), 405),
        (HostileRequest("GET", "/_sim%2Faccounts"), 404),
    ):
        answer = await send(sim, request)
        body = answer.json()
        assert answer.status == status and isinstance(body, dict) and set(body) == {"error"}, answer.describe()


# --------------------------------------------------------------------------------------- streams


async def test_a_crashing_stream_handler_closes_that_socket_only(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    url = sim.urls["ws"]
    async with http.ws_connect(url) as other, http.ws_connect(url) as ws:
        await ws.send_str("crash")
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.CLOSE and ws.close_code == 1011, msg
        await other.send_str(json.dumps({"op": "subscribe", "channel": "book:BTC-PERP"}))
        assert (await other.receive_json(timeout=5)) == {"op": "subscribed", "channel": "book:BTC-PERP"}


async def test_an_oversized_frame_closes_the_socket_with_1009(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await ws.send_str("a" * (LIMITS.ws_message + 1))
        msg = await ws.receive(timeout=5)
        assert msg.type is aiohttp.WSMsgType.CLOSE and ws.close_code == 1009, msg
    async with http.ws_connect(sim.urls["ws"]) as ws:  # still accepting
        await ws.send_str("{}")
        assert (await asyncio.wait_for(ws.receive_json(), 5))["op"] == "error"
