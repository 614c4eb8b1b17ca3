"""Every REST endpoint and WebSocket stream the Backpack spec lists (fixtures/spec_endpoints.json,
copied from the spec) is served by the simulator: each answers with a body shaped like the spec's
example (key names and JSON types), each stream sends its first message once its event happens, and
what the spec says the venue refuses is refused the venue's way. A route or stream removed from the
simulator fails the test that names it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.backpack.conftest import SOL, Client, connect, receive, receive_until, synced
from xtb.sim.backpack.auth import INSTRUCTIONS
from xtb.sim.server import SimHandle

SPEC = json.loads((Path(__file__).parent / "fixtures" / "spec_endpoints.json").read_text())
REST: list[dict[str, Any]] = SPEC["rest"]
STREAMS: list[dict[str, Any]] = SPEC["streams"]
NO_ROUTE = (404, "not found")  # §7.2: the answer to a path the venue does not serve
BID = "139"  # rests below the book around 150
STREAM_VALUES = {"{symbol}": SOL, "{interval}": "1m", "{ticker}": "AAPL"}
PAGE_HEADERS = ("X-Current-Page", "X-Page-Count", "X-Page-Size", "X-Total")
BUY_2 = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "2"}
POST_ONLY_BID = {"symbol": SOL, "side": "Bid", "orderType": "Limit", "price": BID, "quantity": "1", "postOnly": True}


def rest_id(entry: dict[str, Any]) -> str:
    return f"{entry['method']} {entry['path']}"


def stream_name(entry: dict[str, Any]) -> str:
    name: str = entry["stream"]
    for placeholder, value in STREAM_VALUES.items():
        name = name.replace(placeholder, value)
    return name


def _type(value: Any) -> str:
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, kind):
            return name
    return {dict: "object", list: "array"}.get(type(value), "null")


def shape_errors(
    example: Any,
    actual: Any,
    where: str = "$",
    *,
    open_keys: bool = False,
    variants: dict[str, dict[str, Any]] | None = None,
) -> set[str]:
    """Where `actual` differs from the documented example in key names or JSON types (the rules
    are the fixture's `shape_rules`)."""
    if example is None:
        return set()
    if _type(example) != _type(actual):
        return {f"{where}: {_type(actual)} where the spec has {_type(example)}"}
    errors: set[str] = set()
    if isinstance(example, dict) and example:
        missing, extra = set(example) - set(actual), set(actual) - set(example)
        if missing:
            errors.add(f"{where}: missing keys {sorted(missing)}")
        if extra and not open_keys:
            errors.add(f"{where}: keys the spec does not have {sorted(extra)}")
        for key in set(example) & set(actual):
            errors |= shape_errors(example[key], actual[key], f"{where}.{key}")
    elif isinstance(example, list) and example:
        for i, item in enumerate(actual):
            errors |= shape_errors(_variant(example[0], item, variants or {}), item, f"{where}[{i}]")
    return errors


def _variant(example: Any, item: Any, variants: dict[str, dict[str, Any]]) -> Any:
    for tag, shapes in variants.items():
        if isinstance(item, dict) and item.get(tag) in shapes:
            return shapes[item[tag]]
    return example


def test_the_shape_check_can_fail() -> None:
    """A renamed key, a string for an integer and a wrong type in a list element are each found;
    null and {} in an example accept anything."""
    example = {"a": 1, "b": "x", "c": None, "d": [{"e": True}], "f": {}}
    assert shape_errors(example, {"a": 2, "b": "y", "c": [1], "d": [{"e": False}], "f": {"z": 1}}) == set()
    assert shape_errors(example, {"a": "2", "b": "y", "c": 1, "d": [], "f": {}}) == {
        "$.a: string where the spec has integer"
    }
    assert shape_errors(example, {"a": 1, "bb": "y", "c": 1, "d": [{"e": 1}], "f": {}}) == {
        "$: missing keys ['b']",
        "$: keys the spec does not have ['bb']",
        "$.d[0].e: integer where the spec has boolean",
    }
    assert shape_errors({"a": 1}, {"a": 1, "more": 2}, open_keys=True) == set()
    tagged = {"t": {"Short": {"t": "Short"}}}
    assert shape_errors([{"t": "Long", "n": 1}], [{"t": "Short"}, {"t": "Long", "n": 2}], variants=tagged) == set()
    assert shape_errors([{"t": "Long", "n": 1}], [{"t": "Short"}]) == {"$[0]: missing keys ['n']"}


# ------------------------------------------------------------------------------------- REST


@pytest.fixture
async def traded(sim: SimHandle, client: Client) -> dict[str, str]:
    """An account with a position, fills and a resting post-only bid on a market that traded:
    every list the spec shows a row of has one. Returns the request placeholders' values."""
    sim.control.set_mid(SOL, "150")
    since = client.now_ms() // 1000 - 60
    status, _, _ = await client.call("POST", "/api/v1/order", body=BUY_2)
    assert status == 200
    status, order, _ = await client.call("POST", "/api/v1/order", body=POST_ONLY_BID)
    assert status == 200, order
    return {"{orderId}": order["id"], "{bidPrice}": BID, "{startTime}": str(since)}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


@pytest.mark.parametrize("entry", REST, ids=rest_id)
async def test_every_spec_endpoint_answers_in_the_documented_shape(
    entry: dict[str, Any], client: Client, traded: dict[str, str]
) -> None:
    name = rest_id(entry)
    signed = entry["auth"] == "signed"
    if signed:
        assert (entry["method"], entry["path"]) in INSTRUCTIONS, f"{name}: no §2.4 instruction to verify it with"
    status, body, headers = await client.call(
        entry["method"],
        entry["path"],
        params=_fill(entry.get("query"), traded),
        body=_fill(entry.get("body"), traded),
        signed=signed,
    )
    assert (status, body) != NO_ROUTE, f"{name} is not served"
    assert status == entry["status"], f"{name} answered {status}: {body!r}"
    answer = entry["answer"]
    if answer == "text":
        assert headers["Content-Type"].startswith("text/plain"), name
        assert isinstance(body, (str, int)) and re.match(entry["text"], str(body)), f"{name}: {body!r}"
        return
    if answer == "empty":
        assert body is None, f"{name} answered a body: {body!r}"
        return
    assert headers["Content-Type"].startswith("application/json"), name
    example = entry["example"]
    errors = shape_errors(example, body, open_keys=entry.get("open_keys", False), variants=entry.get("variants"))
    assert not errors, f"{name}: {sorted(errors)}"
    if isinstance(example, list):
        if "empty_in_sim" in entry:
            assert body == [], f"{name}: the simulator has none ({entry['empty_in_sim']}), yet answered {body!r}"
        else:
            assert body, f"{name}: an empty list where the account has rows"
    if entry["path"].startswith("/wapi/v1/history/"):
        assert all(h in headers for h in PAGE_HEADERS), f"{name}: no pagination headers"


async def test_what_the_spec_says_is_not_a_route_is_refused_as_one(client: Client) -> None:
    for refused in SPEC["refused"]["rest"]:
        status, body, _ = await client.call(refused["method"], refused["path"], signed=False)
        assert (status, body) == (refused["status"], refused["text"]), refused["path"]


def test_the_simulator_serves_no_route_the_spec_does_not_list(sim: SimHandle) -> None:
    """The fixture is the whole route table: a route outside it is either missing from the list or
    invented by the simulator."""
    listed = {(e["method"], e["path"]) for e in REST}
    served = {(r.method, r.path) for r in sim.frontend.routes if not r.websocket}
    assert served == listed


# -------------------------------------------------------------------------------------- streams


@pytest.fixture
async def ws(sim: SimHandle, http: aiohttp.ClientSession) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with connect(http, sim.urls["ws"]) as socket:
        yield socket


async def _subscribe(ws: aiohttp.ClientWebSocketResponse, client: Client, name: str) -> list[Any]:
    """SUBSCRIBE (signed for `account.*`) and the frames that arrived until the server read it."""
    frame: dict[str, Any] = {"method": "SUBSCRIBE", "params": [name]}
    if name.startswith("account."):
        frame["signature"] = client.signer.subscribe_signature(client.now_ms())
    await ws.send_json(frame)
    return await synced(ws)


async def _trigger(sim: SimHandle, client: Client, name: str) -> None:
    """Make the event the stream reports happen: a resting order for order updates, a market
    order (a trade, a position, a fee off the balance) for the rest; the book moves with it."""
    if name.startswith(("markPrice.", "ticker.", "openInterest.")):
        return  # periodic
    sim.control.set_mid(SOL, "150")
    body = POST_ONLY_BID if name.startswith("account.orderUpdate") else BUY_2
    status, answer, _ = await client.call("POST", "/api/v1/order", body=body)
    assert status == 200, answer


@pytest.mark.parametrize("entry", STREAMS, ids=lambda e: e["stream"])
async def test_every_spec_stream_subscribes_and_sends_its_first_message(
    entry: dict[str, Any], sim: SimHandle, client: Client, ws: aiohttp.ClientWebSocketResponse
) -> None:
    name = stream_name(entry)
    early = await _subscribe(ws, client, name)
    assert not [f for f in early if "error" in f], f"{name} refused: {early}"
    if "silent" in entry:  # the spec's answer: accepted, and nothing is sent
        early += await _subscribe(ws, client, f"trade.{SOL}")  # a trade frame marks when the event was through
        sim.control.set_mid(SOL, "150")
        assert (await client.call("POST", "/api/v1/order", body=BUY_2))[0] == 200
        _, before = await receive_until(ws, lambda f: f.get("stream") == f"trade.{SOL}")
        assert early + before == [], f"{name} answered {early + before}"
        return
    await _trigger(sim, client, name)
    frame, before = await receive_until(ws, lambda f: f.get("stream") == name)
    assert not [f for f in before if "error" in f], f"{name} refused: {before}"
    assert set(frame) == {"stream", "data"}
    errors = shape_errors(entry["example"], frame["data"])
    assert not errors, f"{name}: {sorted(errors)}"


@pytest.mark.parametrize("refused", SPEC["refused"]["ws"], ids=lambda r: str(r["code"]))
async def test_stream_refusals_are_the_spec_error_frames(
    refused: dict[str, Any], ws: aiohttp.ClientWebSocketResponse
) -> None:
    await ws.send_json(refused["frame"])
    assert await receive(ws) == {"id": None, "error": {"code": refused["code"], "message": refused["message"]}}
    await ws.send_json({"method": "SUBSCRIBE", "params": [f"trade.{SOL}"]})
    assert await synced(ws) == []  # one error frame, and the socket still serves
