"""The Lighter simulator's stream and read shapes over loopback: the `connected` greeting, `/` in
requests and `:` in frames, snapshot then updates with nonce continuity, error frames, pings,
`jsonapi/sendtx`, the order lifecycle on account channels, and REST payloads the SDK's own models
parse."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import lighter
import pytest

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

ACCOUNT = 123456
KEY = 4


async def token_for(sim: SimHandle) -> str:
    sdk = await sdk_client(sim)
    try:
        token, error = sdk.create_auth_token_with_expiry(600, api_key_index=KEY)
        assert error is None
        return token
    finally:
        await sdk.close()


async def subscribe(ws: aiohttp.ClientWebSocketResponse, channel: str, token: str | None = None) -> Any:
    frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
    if token:
        frame["auth"] = token
    await ws.send_json(frame)
    return await receive(ws)


async def test_greeting_book_snapshot_and_nonce_continuity(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(sim.urls["ws"]) as ws:
        greeting = await receive(ws)
        assert greeting["type"] == "connected" and greeting["session_id"]
        snapshot = await subscribe(ws, "order_book/0")
        assert (snapshot["type"], snapshot["channel"]) == ("subscribed/order_book", "order_book:0")
        book = snapshot["order_book"]
        truth = sim.engine.book("ETH", 100)
        assert book["bids"][0] == {"price": f"{truth.bids[0].price:.2f}", "size": f"{truth.bids[0].size:.4f}"}
        assert len(book["asks"]) == len(truth.asks) and book["code"] == 0
        nonce = book["nonce"]
        sim.control.move_touch("ETH", 3)
        updates = []
        while True:
            frame = await receive(ws)
            updates.append(frame)
            if frame["order_book"]["nonce"] == sim.frontend.state.book_nonce[0]:  # type: ignore[attr-defined]
                break
        for frame in updates:
            assert frame["type"] == "update/order_book" and frame["channel"] == "order_book:0"
            assert frame["order_book"]["begin_nonce"] == nonce < frame["order_book"]["nonce"]
            nonce = frame["order_book"]["nonce"]
            assert frame["offset"] == frame["order_book"]["offset"] and frame["last_updated_at"] > 10**15
        removed = [
            lv for f in updates for lv in f["order_book"]["asks"] + f["order_book"]["bids"] if lv["size"] == "0.0000"
        ]
        assert removed  # padded zero deletes a level


async def test_control_frames_and_errors(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)
        await subscribe(ws, "ticker/0")
        assert await subscribe(ws, "ticker/0") == {
            "error": {"code": 30003, "message": "Already Subscribed to : ticker:0"}
        }
        await ws.send_json({"type": "unsubscribe", "channel": "order_book/1"})
        assert await receive(ws) == {"error": {"code": 30002, "message": "Not Subscribed to : order_book:1"}}
        assert (await subscribe(ws, "order_book/9"))["error"]["code"] == 30005
        assert (await subscribe(ws, "nonsense"))["error"]["code"] == 30005
        await ws.send_str("{")
        assert (await receive(ws))["error"]["code"] == 30000
        await ws.send_json({"type": "ping"})
        assert await receive(ws) == {"type": "pong"}
        await ws.send_json({"type": "unsubscribe", "channel": "ticker/0"})
        assert await receive(ws) == {"type": "unsubscribed", "channel": "ticker:0"}
        refused = await subscribe(ws, f"account_all_orders/{ACCOUNT}")
        assert refused["error"]["code"] == 30012 and "missing token" in refused["error"]["message"]
        for name in ("height", "market_stats/all", "trade/1", f"account_all/{ACCOUNT}", f"user_stats/{ACCOUNT}"):
            frame = await subscribe(ws, name)  # public, or token optional
            assert frame["type"] == f"subscribed/{name.split('/')[0]}", frame


async def test_order_lifecycle_on_account_channels(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    token = await token_for(sim)
    client = Client(http, sim)
    sk = private_key(sim)
    sim.control.set_mid("ETH", "3000")  # best bid 2999.98, best ask 3000.02
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)
        for name in ("account_all_orders", "account_all_trades", "account_all_positions", "account_tx"):
            snapshot = await subscribe(ws, f"{name}/{ACCOUNT}", token)
            assert snapshot["type"] == f"subscribed/{name}"
        await subscribe(ws, f"account_orders/0/{ACCOUNT}", token)
        # a bid alone inside the spread rests: in-progress, then open
        await client.send_tx(14, signed_tx_info(14, order_fields(ACCOUNT, KEY, 0, Price=299999, BaseAmount=200), sk))
        frames = [await receive(ws) for _ in range(4)]
        statuses = [(f["channel"], f["orders"]["0"][0]["status"]) for f in frames]
        assert statuses == [
            (f"account_all_orders:{ACCOUNT}", "in-progress"), (f"account_orders:0:{ACCOUNT}", "in-progress"),
            (f"account_all_orders:{ACCOUNT}", "open"), (f"account_orders:0:{ACCOUNT}", "open"),
        ]  # fmt: skip
        order = frames[2]["orders"]["0"][0]
        assert (order["price"], order["initial_base_amount"], order["is_ask"], order["side"]) == (
            "2999.99",
            "0.0200",
            False,
            "",
        )
        assert order["order_index"] >= 2**48 and order["order_id"] == str(order["order_index"])
        assert (order["client_order_index"], order["client_order_id"]) == (501, "501")
        # half of it fills: the trade frame comes before the order's new state
        sim.control.take("ETH", "buy", "0.5")
        trade_frame, _ = await receive_until(ws, lambda f: f.get("channel", "").startswith("account_all_trades"))
        (trade,) = trade_frame["trades"]["0"]
        assert (trade["bid_account_id"], trade["bid_client_id"], trade["is_maker_ask"], trade["size"]) == (
            ACCOUNT, 501, False, "0.0100",
        )  # fmt: skip
        assert trade["maker_fee"] == 20 and trade["bid_id"] == order["order_index"]
        update, _ = await receive_until(ws, lambda f: f.get("channel") == f"account_all_orders:{ACCOUNT}")
        partial = update["orders"]["0"][0]
        assert (partial["status"], partial["filled_base_amount"], partial["remaining_base_amount"]) == (
            "open", "0.0100", "0.0100",
        )  # fmt: skip
        position, _ = await receive_until(ws, lambda f: f.get("channel") == f"account_all_positions:{ACCOUNT}")
        assert (position["positions"]["0"]["sign"], position["positions"]["0"]["position"]) == (1, "0.0100")
        # a post-only that crosses is accepted, then canceled-post-only
        crossing = order_fields(ACCOUNT, KEY, 1, ClientOrderIndex=502, Price=300005)
        assert (await client.send_tx(14, signed_tx_info(14, crossing, sk)))[0] == 200

        def settled(frame: Any) -> bool:
            if frame.get("channel") != f"account_all_orders:{ACCOUNT}":
                return False
            order = frame["orders"]["0"][0]
            return order["client_order_index"] == 502 and order["status"] != "in-progress"

        final, _ = await receive_until(ws, settled)
        assert final["orders"]["0"][0]["status"] == "canceled-post-only"
        tx, _ = await receive_until(ws, lambda f: f.get("channel") == f"account_tx:{ACCOUNT}")
        assert tx["txs"][0]["type"] == 14 and tx["txs"][0]["nonce"] == 1


async def test_sendtx_over_the_socket(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    sk = private_key(sim)
    async with http.ws_connect(sim.urls["ws"]) as ws:
        await receive(ws)
        good = signed_tx_info(14, order_fields(ACCOUNT, KEY, 0), sk)
        await ws.send_json({"type": "jsonapi/sendtx", "data": {"id": "1", "tx_type": 14, "tx_info": json.loads(good)}})
        answer = await receive(ws)
        assert (answer["code"], answer["id"], answer["type"], len(answer["tx_hash"])) == (
            200,
            "1",
            "jsonapi/sendtx",
            80,
        )
        await ws.send_json({"type": "jsonapi/sendtx", "data": {"id": "2", "tx_type": 14, "tx_info": json.loads(good)}})
        assert await receive(ws) == {"error": {"code": 21104, "message": "invalid nonce"}, "id": "2"}
        batch = [signed_tx_info(14, order_fields(ACCOUNT, KEY, n, ClientOrderIndex=700 + n), sk) for n in (1, 2)]
        await ws.send_json(
            {"type": "jsonapi/sendtxbatch", "data": {"id": "3", "tx_types": "[14,14]", "tx_infos": json.dumps(batch)}}
        )
        answer = await receive(ws)
        assert answer["id"] == "3" and len(answer["tx_hash"]) == 2


async def test_rest_payloads_parse_with_the_sdk_models(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    client = Client(http, sim)
    token = await token_for(sim)
    sk = private_key(sim)
    await client.send_tx(14, signed_tx_info(14, order_fields(ACCOUNT, KEY, 0), sk))
    market = order_fields(ACCOUNT, KEY, 1, ClientOrderIndex=502, Type=1, TimeInForce=0, OrderExpiry=0, Price=310000)
    await client.send_tx(14, signed_tx_info(14, market, sk))
    m = lighter.models
    checks: list[tuple[Any, str, dict[str, Any], str | None]] = [
        (m.Status, "/", {}, None),
        (m.ZkLighterInfo, "/info", {}, None),
        (m.OrderBookDetails, "/api/v1/orderBookDetails", {}, None),
        (m.OrderBooks, "/api/v1/orderBooks", {}, None),
        (m.OrderBookOrders, "/api/v1/orderBookOrders", {"market_id": 0, "limit": 3}, None),
        (m.AssetDetails, "/api/v1/assetDetails", {}, None),
        (m.DetailedAccounts, "/api/v1/account", {"by": "index", "value": ACCOUNT}, None),
        (m.AccountApiKeys, "/api/v1/apikeys", {"account_index": ACCOUNT}, None),
        (m.NextNonce, "/api/v1/nextNonce", {"account_index": ACCOUNT, "api_key_index": KEY}, None),
        (m.AccountLimits, "/api/v1/accountLimits", {"account_index": ACCOUNT}, token),
        (m.Orders, "/api/v1/accountActiveOrders", {"account_index": ACCOUNT, "market_id": 0}, token),
        (m.Orders, "/api/v1/accountInactiveOrders", {"account_index": ACCOUNT, "limit": 10}, token),
        (m.Orders, "/api/v1/accountOrders", {"account_index": ACCOUNT, "client_order_indexes": "501,502"}, token),
        (m.Trades, "/api/v1/trades", {"account_index": ACCOUNT, "sort_by": "timestamp", "limit": 10}, token),
        (m.Trades, "/api/v1/recentTrades", {"market_id": 0, "limit": 5}, None),
    ]
    for model, path, params, auth in checks:
        status, body = await client.get(path, auth, **params)
        assert status == 200, (path, body)
        assert model.from_dict(body) is not None, path
    orders = (await client.get("/api/v1/accountOrders", token, client_order_indexes="501,502"))[1]["orders"]
    assert {o["client_order_index"]: o["status"] for o in orders} == {501: "open", 502: "filled"}
    book = (await client.get("/api/v1/orderBookOrders", market_id=0, limit=2))[1]
    assert len(book["asks"]) == 2 and book["total_asks"] >= 2
    assert float(book["asks"][0]["price"]) <= float(book["asks"][1]["price"])  # best first
    cancel = {"AccountIndex": ACCOUNT, "ApiKeyIndex": KEY, "MarketIndex": 0, "Index": 501,
              "ExpiredAt": order_fields(0, 0, 0)["ExpiredAt"], "Nonce": 2}  # fmt: skip
    tx_hash = (await client.send_tx(15, signed_tx_info(15, cancel, sk)))[1]["tx_hash"]
    status, body = await client.get("/api/v1/tx", by="hash", value=tx_hash)
    assert status == 200 and m.EnrichedTx.from_dict(body).type == 15


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [("/api/v1/nope", 404, {"code": 29404, "message": "not found"}), ("/api/v1/orderBookOrders", 400, None)],
)
async def test_error_shapes(client: Client, path: str, status: int, body: Any) -> None:
    got_status, got = await client.get(path)
    assert got_status == status and set(got) == {"code", "message"}
    if body is not None:
        assert got == body


async def test_rate_limit_fault_answers_the_venue_shape(sim: SimHandle, client: Client) -> None:
    sim.control.add_faults({"rest": [{"action": "status", "status": 429, "path": "/api/v1/nextNonce"}]})
    assert await client.get("/api/v1/nextNonce", account_index=ACCOUNT, api_key_index=KEY) == (
        429, PAYLOADS["rate_limited"],
    )  # fmt: skip
