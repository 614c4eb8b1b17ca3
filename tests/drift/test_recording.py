"""The recorder hears every REST answer and every text frame a connector receives, through the one
hook in the shared transport (`PacedSession`, `RecordingWebSocket`), without changing what the
venue code reads; non-JSON answers and unnamed frames are counted, not recorded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from xtb.clock import SYSTEM_CLOCK
from xtb.connectors.paced_http import PacedSession, RecordingWebSocket
from xtb.connectors.pacing import UNLIMITED, Pacer
from xtb.drift.recorder import NOT_JSON, UNNAMED, ShapeRecorder
from xtb.drift.shape_file import ShapeFile
from xtb.secrets import Secret

FRAMES = [
    {"channel": "trades", "data": {"px": "1.5"}},
    "not json {",
    {"no": "name"},
    {"channel": "trades", "data": {"px": "1.25", "extra": True}},
]


async def _answer(request: web.Request) -> web.StreamResponse:
    if request.path == "/text":
        return web.Response(text="pong")
    return web.json_response({"price": "1.50", "status": "NEW", "path": request.path})


async def _socket(request: web.Request) -> web.StreamResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    for frame in FRAMES:
        await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
    await ws.send_bytes(b"\x00binary")
    await ws.close()
    return ws


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/ws", _socket)
    app.router.add_route("*", "/{tail:.*}", _answer)
    async with TestServer(app) as srv:
        yield srv


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(ws_response_class=RecordingWebSocket) as http:
        yield http


def paced(http: aiohttp.ClientSession, recorder: ShapeRecorder | None) -> PacedSession:
    return PacedSession(http, Pacer(UNLIMITED, key="test", clock=SYSTEM_CLOCK), recorder=recorder)


async def test_every_answer_is_recorded_once_and_the_venue_code_still_reads_it(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    recorder = ShapeRecorder("demo", "simulator", "simulator")
    http = paced(session, recorder)
    async with http.get(server.make_url("/api/v1/order/123456?symbol=X")) as resp:
        assert (await resp.json())["price"] == "1.50"  # the body was read for the recorder, and is still there
    async with http.post(server.make_url("/info"), data=json.dumps({"type": "meta"})) as resp:
        assert await resp.text()
    resp = await http.get(server.make_url("/text"))
    assert await resp.text() == "pong"
    assert set(recorder.file.shapes) == {"GET /api/v1/order/{}", "POST /info type=meta"}
    assert recorder.recorded == 2 and recorder.skipped == {NOT_JSON: 1}


async def test_without_a_recorder_nothing_is_read_for_it(server: TestServer, session: aiohttp.ClientSession) -> None:
    http = paced(session, None)
    async with http.get(server.make_url("/api/v1/order")) as resp:
        assert resp._body is None  # aiohttp's cache: nobody read the body before the venue code
        assert (await resp.json())["status"] == "NEW"


@pytest.mark.parametrize("how", ["async for", "receive_str"])
async def test_every_text_frame_is_recorded_however_the_venue_reads_it(
    server: TestServer, session: aiohttp.ClientSession, how: str
) -> None:
    recorder = ShapeRecorder("demo", "simulator", "simulator")
    http = paced(session, recorder)
    async with http.ws_connect(server.make_url("/ws")) as ws:
        if how == "async for":
            seen = [msg async for msg in ws]
            assert len(seen) == len(FRAMES) + 1  # the venue code gets every frame, binary too
        else:
            for _ in FRAMES:
                await ws.receive_str()
    assert set(recorder.file.shapes) == {"trades"}
    assert recorder.recorded == 2
    assert recorder.skipped == {NOT_JSON: 1, UNNAMED: 1}


def test_the_written_file_holds_no_secret_nor_hidden_identifier(tmp_path: Path) -> None:
    secret = Secret("s3cr3t-signing-key-value", "api_secret")
    address = "0x" + "ab" * 20
    recorder = ShapeRecorder("demo", "venue", "testnet")
    recorder.hide([address, 7])  # an account index of one digit is too short to mask text by
    recorder.frame(json.dumps({"channel": "user", "data": {"user": address, "kind": "fill"}}))
    recorder.frame(json.dumps({"channel": "echo", "data": {"echo": secret.reveal(), "mode": "a"}}))
    recorder.rest("GET", f"/api/v1/account/{address}", None, json.dumps({address: {"mode": "cross"}}))
    text = recorder.write(tmp_path / "demo.json").read_text()
    assert address not in text and secret.reveal() not in text
    assert ShapeFile.read(tmp_path / "demo.json").venue == "demo"
