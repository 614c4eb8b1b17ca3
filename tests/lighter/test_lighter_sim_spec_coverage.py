"""Every REST endpoint and WebSocket channel the Lighter spec lists (`fixtures/spec_endpoints.json`,
copied from the spec) is served by the simulator with a body shaped like the spec documents: the
keys it names, with their JSON types, and the spec's own example where it gives one. A failure
names every endpoint or channel that is missing or misshapen.

Before the reads, the test account rests a bid (0.0200 ETH at 2999.99) that the market then fills,
so trades, candles, fundings, positions and transactions all have something to show.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.lighter.conftest import (
    PAYLOADS,
    Client,
    order_fields,
    private_key,
    receive,
    receive_until,
    sdk_client,
    signed_tx_info,
)
from xtb.sim.server import SimHandle

SPEC = json.loads((Path(__file__).parent / "fixtures" / "spec_endpoints.json").read_text())
ACCOUNT = 123456
KEY = 4
MARKET = 0
RESOLUTION = "1m"
HOUR_MS = 3_600_000
_TYPES: dict[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}
REFUSED_STREAMS = {
    # the simulator lists no spot markets: a market id there is the spec's unknown-channel frame
    "spot_market_stats/{m}": "unknown_channel",
}


def shape_errors(body: Any, shape: dict[str, str]) -> list[str]:
    """What in `body` differs from the spec's keys and JSON types."""
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, not an object"]
    errors = []
    for key, kinds in shape.items():
        if key not in body:
            errors.append(f"no {key!r}")
        elif not any(_TYPES[kind](body[key]) for kind in kinds.split("|")):
            errors.append(f"{key!r} is {type(body[key]).__name__}, not {kinds}")
    return errors


def json_type(value: Any) -> str:
    return next(name for name, test in _TYPES.items() if name != "number" and test(value))


def example_shape(example: dict[str, Any]) -> dict[str, str]:
    return {key: json_type(value) for key, value in example.items()}


def entry_name(entry: dict[str, Any]) -> str:
    return f"{entry['method']} {entry['path']}"


class Scene:
    """The simulator after the test account's filled bid, and the values requests need."""

    def __init__(self, sim: SimHandle, http: aiohttp.ClientSession, token: str) -> None:
        self.sim = sim
        self.http = http
        self.client = Client(http, sim)
        self.token = token
        self.sk = private_key(sim)
        self.nonce = 0
        self.found: dict[str, Any] = {}

    def signed_order(self, client_index: int) -> str:
        fields = order_fields(ACCOUNT, KEY, self.nonce, ClientOrderIndex=client_index, Price=299999, BaseAmount=200)
        self.nonce += 1
        return signed_tx_info(14, fields, self.sk)

    async def call(self, entry: dict[str, Any], request: dict[str, Any], *, token: str | None) -> tuple[int, Any]:
        headers = {"Authorization": token} if token else None
        url = self.client.rest + entry["path"]
        params = {k: str(v) for k, v in request.get("params", {}).items()}
        async with self.http.request(
            entry["method"], url, params=params, data=request.get("form"), headers=headers
        ) as resp:
            return resp.status, await resp.json(content_type=None)


def requests(scene: Scene) -> dict[str, Callable[[], dict[str, Any]]]:
    """How to call each endpoint (built when called: transactions take the next nonce)."""
    now = int(time.time() * 1000)
    window = {"start_timestamp": now - 24 * HOUR_MS, "end_timestamp": now + HOUR_MS, "count_back": 10}
    mine = {"account_index": ACCOUNT}
    l1 = scene.sim.account["l1_address"]

    def batch() -> dict[str, Any]:
        infos = [scene.signed_order(900), scene.signed_order(901)]
        return {"form": {"tx_types": "[14,14]", "tx_infos": json.dumps(infos)}}

    def create_token() -> dict[str, Any]:
        expiry = now // 1000 + 2 * 86_400
        return {"form": {**mine, "name": "reader", "expiry": expiry, "sub_account_access": "false", "scopes": "read.*"}}

    return {
        "GET /": dict,
        "GET /info": dict,
        "GET /api/v1/orderBookDetails": dict,
        "GET /api/v1/orderBooks": dict,
        "GET /api/v1/orderBookOrders": lambda: {"params": {"market_id": MARKET, "limit": 5}},
        "GET /api/v1/recentTrades": lambda: {"params": {"market_id": MARKET, "limit": 5}},
        "GET /api/v1/assetDetails": dict,
        "GET /api/v1/candles": lambda: {"params": {"market_id": MARKET, "resolution": RESOLUTION, **window}},
        "GET /api/v1/fundings": lambda: {"params": {"market_id": MARKET, "resolution": "1h", **window}},
        "GET /api/v1/funding-rates": dict,
        "GET /api/v1/exchangeStats": dict,
        "GET /api/v1/account": lambda: {"params": {"by": "index", "value": ACCOUNT}},
        "GET /api/v1/accountsByL1Address": lambda: {"params": {"l1_address": l1}},
        "GET /api/v1/accountLimits": lambda: {"params": mine},
        "GET /api/v1/apikeys": lambda: {"params": mine},
        "GET /api/v1/nextNonce": lambda: {"params": {**mine, "api_key_index": KEY}},
        "POST /api/v1/sendTx": lambda: {"form": {"tx_type": "14", "tx_info": scene.signed_order(800)}},
        "POST /api/v1/sendTxBatch": batch,
        "GET /api/v1/accountActiveOrders": lambda: {"params": {**mine, "market_id": MARKET}},
        "GET /api/v1/accountInactiveOrders": lambda: {"params": {**mine, "limit": 10}},
        "GET /api/v1/accountOrders": lambda: {"params": {**mine, "client_order_indexes": "700,800"}},
        "GET /api/v1/trades": lambda: {"params": {**mine, "sort_by": "timestamp", "limit": 10}},
        "GET /api/v1/tx": lambda: {"params": {"by": "hash", "value": scene.found["tx_hash"]}},
        "GET /api/v1/accountTxs": lambda: {"params": {"by": "account_index", "value": ACCOUNT, "limit": 10, **mine}},
        "GET /api/v1/deposit/history": lambda: {"params": {**mine, "l1_address": l1}},
        "GET /api/v1/withdraw/history": lambda: {"params": mine},
        "GET /api/v1/transfer/history": lambda: {"params": mine},
        "GET /api/v1/positionFunding": lambda: {"params": {**mine, "limit": 10}},
        "GET /api/v1/pnl": lambda: {"params": {"by": "index", "value": ACCOUNT, "resolution": "1h", **window}},
        "GET /api/v1/liquidations": lambda: {"params": {**mine, "limit": 10}},
        "GET /api/v1/transferFeeInfo": lambda: {"params": mine},
        "GET /api/v1/withdrawalDelay": dict,
        "GET /api/v1/blocks": lambda: {"params": {"limit": 10}},
        "GET /api/v1/currentHeight": dict,
        "GET /api/v1/tokens": lambda: {"params": mine},
        "POST /api/v1/tokens/create": create_token,
        "POST /api/v1/tokens/revoke": lambda: {"form": {**mine, "token_id": scene.found["token_id"]}},
        "GET /api/v1/getMakerOnlyApiKeys": lambda: {"params": mine},
        "POST /api/v1/setMakerOnlyApiKeys": lambda: {"form": {**mine, "api_key_indexes": f"[{KEY}]"}},
        "GET /api/v1/systemConfig": dict,
        "GET /api/v1/feeTiers": dict,
    }


async def filled_bid(sim: SimHandle, http: aiohttp.ClientSession) -> Scene:
    sdk = await sdk_client(sim)
    try:
        token, error = sdk.create_auth_token_with_expiry(600, api_key_index=KEY)
        assert error is None, error
    finally:
        await sdk.close()
    scene = Scene(sim, http, token)
    sim.control.set_mid("ETH", "3000")  # best bid 2999.98: the bid at 2999.99 is the touch
    status, body = await scene.client.send_tx(14, scene.signed_order(700))
    assert status == 200, body
    scene.found["tx_hash"] = body["tx_hash"]
    sim.control.take("ETH", "buy")  # the bids
    (trade,) = sim.frontend.state.tape[MARKET]  # type: ignore[attr-defined]
    assert trade["bid_account_id"] == ACCOUNT
    return scene


async def test_every_rest_endpoint_is_served_in_the_spec_shape(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    scene = await filled_bid(sim, http)
    recipes = requests(scene)
    failures: dict[str, str] = {}
    for entry in SPEC["rest"]:
        name = entry_name(entry)
        if name not in recipes:
            failures[name] = "the test has no request for it"
            continue
        private = entry["auth"] == "private"
        try:
            request = recipes[name]()
        except KeyError as exc:
            failures[name] = f"needs {exc} from an earlier answer"
            continue
        if private:
            status, body = await scene.call(entry, request, token=None)
            if (status, body.get("code")) != (400, 21120):
                failures[name] = f"answers {status} {body} without a token"
                continue
        token = scene.token if entry["auth"] in ("private", "varies") else None
        status, body = await scene.call(entry, request, token=token)
        if status != 200:
            failures[name] = f"{status} {body}"
            continue
        errors = shape_errors(body, entry["response"])
        example = PAYLOADS.get(entry.get("example", ""))
        if example is not None:
            errors += [f"unlike the spec's example: {e}" for e in shape_errors(body, example_shape(example))]
        if errors:
            failures[name] = "; ".join(errors)
        scene.found.update({k: body[k] for k in ("token_id",) if k in body})
    assert not failures, "\n".join(f"{name}: {why}" for name, why in failures.items())


def subscription(pattern: str) -> str:
    return pattern.format(m=MARKET, a=ACCOUNT, res=RESOLUTION)


def answers(channel: str) -> Callable[[Any], bool]:
    """A frame on `channel`, or an error frame (the subscription's answer either way)."""
    return lambda frame: frame.get("channel") == channel or "error" in frame


async def test_every_stream_is_served_in_the_spec_shape(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    scene = await filled_bid(sim, http)
    failures: dict[str, str] = {}
    async with http.ws_connect(sim.urls["ws"]) as ws:
        assert shape_errors(await receive(ws), example_shape(PAYLOADS["connected"])) == []
        for entry in SPEC["streams"]:
            name, request = entry["subscribe"], subscription(entry["subscribe"])
            if name in REFUSED_STREAMS:
                await ws.send_json({"type": "subscribe", "channel": request})
                refusal = json.loads(
                    json.dumps(SPEC["refusals"][REFUSED_STREAMS[name]]["frame"]).replace("{request}", request)
                )
                if (got := await receive(ws)) != refusal:
                    failures[name] = f"answers {got}, not the refusal {refusal}"
                continue
            if entry["auth"] == "yes":
                await ws.send_json({"type": "subscribe", "channel": request})
                refused = await receive(ws)
                if refused.get("error", {}).get("code") != 30012:
                    failures[name] = f"answers {refused} without a token"
                    continue
            frame: dict[str, Any] = {"type": "subscribe", "channel": request}
            if entry["auth"] == "yes":
                frame["auth"] = scene.token
            await ws.send_json(frame)
            first, _ = await receive_until(ws, answers(subscription(entry["channel"])))
            if "error" in first:
                failures[name] = f"refused: {first['error']}"
                continue
            errors = shape_errors(first, {**entry["payload"], "type": "string"})
            if first["type"] != f"subscribed/{request.split('/')[0]}":
                errors.append(f"first frame is {first['type']!r}")
            example = PAYLOADS.get(entry.get("example", ""))
            if example is not None:
                errors += [f"unlike the spec's example: {e}" for e in shape_errors(first, example_shape(example))]
            if errors:
                failures[name] = "; ".join(errors)
    assert not failures, "\n".join(f"{name}: {why}" for name, why in failures.items())


async def test_every_socket_request_is_answered_in_the_spec_shape(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    scene = await filled_bid(sim, http)
    frames = {
        "ping": lambda: {"type": "ping"},
        "jsonapi/sendtx": lambda: {
            "type": "jsonapi/sendtx",
            "data": {"id": "7", "tx_type": 14, "tx_info": json.loads(scene.signed_order(810))},
        },
        "jsonapi/sendtxbatch": lambda: {
            "type": "jsonapi/sendtxbatch",
            "data": {"id": "8", "tx_types": "[14]", "tx_infos": json.dumps([scene.signed_order(811)])},
        },
    }
    failures: dict[str, str] = {}
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)
        for entry in SPEC["ws_requests"]:
            kind = entry["type"]
            if kind not in frames:
                failures[kind] = "the test has no frame for it"
                continue
            await ws.send_json(frames[kind]())
            reply = await receive(ws)
            if errors := shape_errors(reply, entry["reply"]):
                failures[kind] = f"{reply}: {'; '.join(errors)}"
    assert not failures, "\n".join(f"{kind}: {why}" for kind, why in failures.items())


async def test_an_unknown_path_is_the_spec_refusal(client: Client) -> None:
    refusal = SPEC["refusals"]["unknown_path"]
    for method, path in (("GET", "/api/v1/nope"), ("POST", "/api/v1/orderBooks")):
        async with client.http.request(method, client.rest + path) as resp:
            assert (resp.status, await resp.json(content_type=None)) == (refusal["status"], refusal["body"]), path
