"""The Backpack simulator over real loopback HTTP and WebSocket, checked against the venue spec:
ED25519 auth on the spec's own vectors, error shapes, the wire key sets of §9, and the streams."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.backpack.conftest import (
    SOL,
    TIMEOUT,
    VECTORS,
    Client,
    FixedClock,
    connect,
    receive,
    receive_until,
    start_backpack,
    synced,
    vector_signing_string,
)
from xtb.connectors.backpack.auth import BackpackSigner
from xtb.secrets import Secret
from xtb.sim.server import SimHandle

ROOT = Path(__file__).resolve().parents[2]
VECTOR_ACCOUNT = "spec-vectors"
AUTH_ERROR = "INVALID_CLIENT_REQUEST"
V = {v["name"].split("-")[0]: v for v in VECTORS["vectors"]}

LIVE_ORDER_KEYS = {
    "clientId", "createdAt", "executedQuantity", "executedQuoteQuantity", "id", "orderType", "postOnly", "price",
    "quantity", "reduceOnly", "relatedOrderId", "selfTradePrevention", "side", "status", "stopLossLimitPrice",
    "stopLossTriggerBy", "stopLossTriggerPrice", "strategyId", "symbol", "takeProfitLimitPrice",
    "takeProfitTriggerBy", "takeProfitTriggerPrice", "timeInForce", "triggerBy", "triggerPrice", "triggerQuantity",
    "triggeredAt",
}  # fmt: skip
HISTORY_ORDER_KEYS = (LIVE_ORDER_KEYS - {"reduceOnly", "relatedOrderId", "triggeredAt"}) | {
    "expiryReason", "quoteQuantity", "slippageTolerance", "slippageToleranceType", "systemOrderType",
}  # fmt: skip
MARKET_KEYS = {
    "symbol", "baseSymbol", "quoteSymbol", "marketType", "rwaMarketType", "orderBookState", "visible", "createdAt",
    "filters", "imfFunction", "mmfFunction", "fundingInterval", "fundingRateLowerBound", "fundingRateUpperBound",
    "openInterestLimit", "positionLimitWeight",
}  # fmt: skip
FILL_KEYS = {"clientId", "fee", "feeSymbol", "isMaker", "orderId", "price", "quantity", "side", "symbol",
             "systemOrderType", "timestamp", "tradeId"}  # fmt: skip
WS_ORDER_KEYS = {"e", "E", "T", "s", "i", "S", "o", "f", "q", "Q", "X", "z", "Z", "t", "V", "r", "y", "O"}


def vector_headers(vector: dict[str, Any], signature: str | None = None, *, window: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-API-Key": VECTORS["api_key"],
        "X-Signature": signature or vector["signature"],
        "X-Timestamp": str(vector["timestamp"]),
    }
    if window or "window" in vector:
        headers["X-Window"] = str(vector.get("window", 5000))
    return headers


async def send_vector(
    http: aiohttp.ClientSession, sim: SimHandle, vector: dict[str, Any], **kwargs: Any
) -> tuple[int, Any]:
    """Replay a spec vector byte for byte (its body or query string) at its own timestamp."""
    sim.frontend.auth_clock = FixedClock(vector["timestamp"])
    url = sim.urls["rest"] + vector["path"] + ("?" + vector["query"] if "query" in vector else "")
    data = vector.get("body", "").encode()
    async with http.request(vector["method"], url, data=data, headers=vector_headers(vector, **kwargs)) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


@pytest.fixture
def vectors_account(sim: SimHandle) -> str:
    sim.engine.create_account(VECTOR_ACCOUNT, Decimal(1000))
    sim.frontend.register_api_secret(VECTOR_ACCOUNT, VECTORS["secret"])
    sim.control.set_mid(SOL, "150")  # best bid 149.99, best ask 150.01: vector 4's 150 bid rests
    return VECTOR_ACCOUNT


def is_auth_error(status: int, body: Any) -> bool:
    return status == 401 or (isinstance(body, dict) and body.get("code") == AUTH_ERROR and "X-" in body["message"])


# ----------------------------------------------------------------------------------------- auth


async def test_every_spec_vector_verifies_as_a_real_request(
    sim: SimHandle, http: aiohttp.ClientSession, vectors_account: str
) -> None:
    for name in ("1", "2", "4", "6", "7", "8", "9", "10", "11"):
        assert vector_signing_string(V[name]) == V[name]["string"]  # the fixture is the spec's
    status, body = await send_vector(http, sim, V["4"])
    assert status == 200, body
    assert (body["status"], body["clientId"], body["price"], body["postOnly"]) == ("New", 123, "150", True)
    status, body = await send_vector(http, sim, V["6"])
    assert status == 200 and [o["operation"] for o in body] == ["Ok", "Ok"], body
    assert [o["price"] for o in body] == ["141", "140"]
    status, body = await send_vector(http, sim, V["7"])
    assert (status, body) == (404, {"code": "RESOURCE_NOT_FOUND", "message": "Not Found"})
    status, body = await send_vector(http, sim, V["1"])  # BTC_USDT is no market here: refused after auth
    assert status == 400 and isinstance(body, str) and "Invalid market symbol" in body
    status, body = await send_vector(http, sim, V["8"])
    assert status == 200 and sorted(o["price"] for o in body) == ["140", "141", "150"]
    assert {o["status"] for o in body} == {"Cancelled"}
    status, body = await send_vector(http, sim, V["9"])  # reduce-only market with no position
    assert status == 200 and (body["status"], body["orderType"], body["reduceOnly"]) == ("Expired", "Market", True)
    status, body = await send_vector(http, sim, V["10"])  # X-Window 60000; the order is no longer open
    assert (status, body["code"]) == (404, "RESOURCE_NOT_FOUND")
    status, body = await send_vector(http, sim, V["11"])
    assert (status, body) == (200, [])
    status, body = await send_vector(http, sim, V["2"])  # X-Window omitted: window=5000 is signed
    assert (status, body) == (200, {"USDC": {"available": "1000", "locked": "0", "staked": "0"}})
    status, body = await send_vector(http, sim, V["2"], window=True)  # and the same with the header
    assert status == 200


async def test_capitalised_boolean_signature_is_an_invalid_signature(
    sim: SimHandle, http: aiohttp.ClientSession, vectors_account: str
) -> None:
    status, body = await send_vector(http, sim, V["4"], signature=VECTORS["wrong_boolean_signature"])
    assert (status, body) == (400, {"code": AUTH_ERROR, "message": "Invalid signature"})
    assert sim.control.open_orders(VECTOR_ACCOUNT) == []


async def test_window_is_checked_against_the_venue_clock(
    sim: SimHandle, http: aiohttp.ClientSession, vectors_account: str
) -> None:
    vector = V["2"]
    sim.frontend.auth_clock = FixedClock(vector["timestamp"] + 5000)  # now == ts + window: still valid
    async with http.get(sim.urls["rest"] + "/api/v1/capital", headers=vector_headers(vector)) as resp:
        assert resp.status == 200
    for now in (vector["timestamp"] + 5001, vector["timestamp"] - 5001):  # stale, and too far ahead
        sim.frontend.auth_clock = FixedClock(now)
        async with http.get(sim.urls["rest"] + "/api/v1/capital", headers=vector_headers(vector)) as resp:
            assert resp.status == 400
            assert await resp.json() == {"code": AUTH_ERROR, "message": "Request has expired"}


async def test_auth_refusals_in_the_venue_shapes(client: Client) -> None:
    status, body, headers = await client.call("GET", "/api/v1/capital", headers={"X-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert (status, body) == (400, {"code": AUTH_ERROR, "message": "Invalid X-Signature header"})
    assert headers["Content-Type"].startswith("application/json")
    other = BackpackSigner(Secret(base64.b64encode(bytes(range(32))).decode(), "other"))
    foreign = other.headers("balanceQuery", {}, client.now_ms())
    foreign["X-API-Key"] = client.signer.api_key  # a known key, signed with another one
    status, body, _ = await client.call("GET", "/api/v1/capital", signed=False, headers=foreign)
    assert (status, body) == (400, {"code": AUTH_ERROR, "message": "Invalid signature"})
    status, body, _ = await Client(client.http, client.handle, other).call("GET", "/api/v1/capital")
    assert (status, body) == (401, {"code": "UNAUTHORIZED", "message": "Unauthorized"})
    status, body, _ = await client.call("GET", "/api/v1/capital", window=60_001)
    assert (status, body) == (400, {"code": AUTH_ERROR, "message": "Invalid X-Window header"})
    status, body, _ = await client.call("GET", "/api/v1/capital", window=60_000)
    assert status == 200 and "USDC" in body


async def test_missing_or_malformed_headers_fail_the_parameter_parser(sim: SimHandle, client: Client) -> None:
    rest = sim.urls["rest"]
    good = client.signer.headers("balanceQuery", {}, client.now_ms())
    missing = {k: v for k, v in good.items() if k != "X-Timestamp"}
    async with client.http.get(rest + "/api/v1/capital", headers=missing) as resp:
        assert resp.status == 400 and resp.content_type == "text/plain"
        assert (await resp.text()).startswith("failed to parse parameter `X-TIMESTAMP`: ")
    async with client.http.get(rest + "/api/v1/capital", headers={**good, "X-Timestamp": "12ab"}) as resp:
        assert resp.status == 400 and (await resp.text()).startswith("failed to parse parameter `X-TIMESTAMP`: ")
    async with client.http.get(rest + "/wapi/v1/history/fills") as resp:  # /wapi: session auth possible → 401
        assert resp.status == 401 and await resp.json() == {"code": "UNAUTHORIZED", "message": "Unauthorized"}


async def test_signature_covers_the_raw_number_text(client: Client) -> None:
    """`1.50` sent as a JSON number is signed as `1.50`; a client that signs `1.5` is refused."""
    body = '{"symbol":"SOL_USDC_PERP","side":"Bid","orderType":"Limit","price":"149.00","quantity":1.50}'
    for signed_quantity, expected in (("1.5", 400), ("1.50", 200)):
        params = {"symbol": SOL, "side": "Bid", "orderType": "Limit", "price": "149.00", "quantity": signed_quantity}
        headers = client.signer.headers("orderExecute", params, client.now_ms())
        headers["Content-Type"] = "application/json"
        async with client.http.post(client.rest + "/api/v1/order", data=body, headers=headers) as resp:
            assert resp.status == expected, await resp.text()
            if expected == 200:
                assert (await resp.json())["quantity"] == "1.5"  # REST answers canonical decimals


async def test_query_values_are_signed_percent_decoded(client: Client) -> None:
    headers = client.signer.headers("orderHistoryQueryAll", {"symbol": SOL, "limit": "5"}, client.now_ms())
    url = client.rest + "/wapi/v1/history/orders?symbol=SOL%5FUSDC%5FPERP&limit=5"
    async with client.http.get(url, headers=headers) as resp:
        assert resp.status == 200 and resp.headers["X-Page-Size"] == "5"


# ------------------------------------------------------------------------------------ REST shapes


async def test_public_routes_and_error_shapes(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    rest = sim.urls["rest"]
    noise = {"X-API-Key": "whatever", "Content-Type": "application/json; charset=utf-8"}  # the SDK sends these
    async with http.get(rest + "/api/v1/ping", headers=noise) as resp:
        assert (resp.status, resp.content_type, await resp.text()) == (200, "text/plain", "pong")
    async with http.get(rest + "/api/v1/time", headers=noise) as resp:
        assert resp.content_type == "text/plain" and (await resp.text()).isdigit()
    async with http.get(rest + "/api/v1/status") as resp:
        assert await resp.json() == {"message": None, "status": "Ok"}
    async with http.get(rest + "/api/v1/markets/SOL_USDC_PERP") as resp:  # no such route
        assert (resp.status, resp.content_type, await resp.text()) == (404, "text/plain", "not found")
    async with http.get(rest + "/api/v1/depth", params={"symbol": SOL, "limit": "7"}) as resp:
        assert resp.status == 400 and resp.content_type == "text/plain"
        assert await resp.text() == (
            'failed to parse parameter `limit`: failed to parse "DepthLimit": Expect a valid enumeration value.'
        )
    async with http.get(rest + "/api/v1/depth", params={"symbol": "NOPE_USDC_PERP"}) as resp:
        assert (resp.status, await resp.json()) == (400, {"code": AUTH_ERROR, "message": "Invalid market symbol"})
    async with http.get(rest + "/api/v1/ticker", params={"symbol": SOL}) as resp:
        ticker = await resp.json()
    assert "bid" not in ticker and isinstance(ticker["trades"], str)
    for key in ("firstPrice", "lastPrice", "high", "low", "priceChange", "priceChangePercent", "volume"):
        Decimal(ticker[key])


async def test_market_and_depth_objects(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    rest = sim.urls["rest"]
    async with http.get(rest + "/api/v1/markets") as resp:
        markets = {m["symbol"]: m for m in await resp.json()}
    assert {"SOL_USDC_PERP", "BTC_USDC_PERP"} <= set(markets)
    sol = markets[SOL]
    assert set(sol) == MARKET_KEYS
    assert sol["filters"]["price"]["tickSize"] == "0.01" and sol["filters"]["quantity"]["stepSize"] == "0.01"
    assert markets["BTC_USDC_PERP"]["filters"]["quantity"]["minQuantity"] == "0.00001"
    assert isinstance(sol["fundingInterval"], int) and sol["rwaMarketType"] is None
    assert "leverage" not in sol["filters"]
    async with http.get(rest + "/api/v1/market", params={"symbol": SOL}) as resp:
        assert await resp.json() == sol
    async with http.get(rest + "/api/v1/depth", params={"symbol": SOL, "limit": "5"}) as resp:
        depth = await resp.json()
    assert set(depth) == {"asks", "bids", "lastUpdateId", "timestamp"}
    assert isinstance(depth["lastUpdateId"], str) and isinstance(depth["timestamp"], int)
    assert depth["timestamp"] > 10**15  # µs
    bids = [Decimal(p) for p, _ in depth["bids"]]
    asks = [Decimal(p) for p, _ in depth["asks"]]
    assert bids == sorted(bids) and asks == sorted(asks)  # both ascending: the best bid is LAST
    truth = sim.engine.top_of_book(SOL)
    assert (bids[-1], asks[0]) == (truth.bid, truth.ask)
    assert all("." not in q or not q.endswith("0") for _, q in depth["bids"] + depth["asks"])  # unpadded


async def test_order_objects_live_history_and_fills(sim: SimHandle, client: Client) -> None:
    sim.control.set_mid(SOL, "150")
    status, placed, _ = await client.call("POST", "/api/v1/order", body=client.order("150.00", "2", clientId=7))
    assert status == 200, placed
    assert set(placed) == LIVE_ORDER_KEYS
    assert placed["price"] == "150" and placed["quantity"] == "2" and placed["postOnly"] is False
    assert isinstance(placed["createdAt"], int) and isinstance(placed["clientId"], int)
    assert placed["id"].isdigit() and placed["reduceOnly"] is None and placed["triggeredAt"] is None
    sim.control.take(SOL, "buy", "0.5")  # half of our bid fills
    status, open_order, _ = await client.call("GET", "/api/v1/order", params={"symbol": SOL, "clientId": 7})
    assert (open_order["status"], open_order["executedQuantity"], open_order["executedQuoteQuantity"]) == (
        "PartiallyFilled", "1", "150",
    )  # fmt: skip
    status, cancelled, _ = await client.call("DELETE", "/api/v1/order", body={"symbol": SOL, "orderId": placed["id"]})
    assert (status, cancelled["status"], cancelled["executedQuantity"]) == (200, "Cancelled", "1")
    status, body, _ = await client.call("GET", "/api/v1/order", params={"symbol": SOL, "orderId": placed["id"]})
    assert (status, body["code"]) == (404, "RESOURCE_NOT_FOUND")  # only open orders answer here
    status, history, headers = await client.call("GET", "/wapi/v1/history/orders", params={"symbol": SOL})
    assert status == 200 and headers["X-Total"] == "1"
    (row,) = history
    assert set(row) == HISTORY_ORDER_KEYS
    assert (row["id"], row["status"], row["quoteQuantity"], row["expiryReason"]) == (
        placed["id"],
        "Cancelled",
        "300",
        None,
    )
    assert isinstance(row["createdAt"], str) and "T" in row["createdAt"] and not row["createdAt"].endswith("Z")
    status, fills, _ = await client.call("GET", "/wapi/v1/history/fills", params={"symbol": SOL, "fillType": "User"})
    (fill,) = fills
    assert set(fill) == FILL_KEYS
    assert (fill["clientId"], fill["orderId"], fill["isMaker"], fill["fee"]) == ("7", placed["id"], True, "0.03")
    assert isinstance(fill["tradeId"], int)


async def test_positions_balances_and_account(sim: SimHandle, client: Client) -> None:
    status, positions, _ = await client.call("GET", "/api/v1/position")
    assert (status, positions) == (200, [])
    status, order, _ = await client.call(
        "POST", "/api/v1/order", body={"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "2"}
    )
    assert (order["status"], order["executedQuantity"]) == ("Filled", "2") and "price" not in order
    status, positions, _ = await client.call("GET", "/api/v1/position")
    (pos,) = positions
    assert pos["netQuantity"] == "2" and isinstance(pos["positionId"], str) and isinstance(pos["userId"], int)
    assert pos["cumulativeInterest"] == "0" and pos["subaccountId"] is None
    status, collateral, _ = await client.call("GET", "/api/v1/capital/collateral")
    assert Decimal(collateral["netEquityAvailable"]) < Decimal(collateral["netEquity"])
    status, account, _ = await client.call("GET", "/api/v1/account")
    assert (account["futuresMakerFee"], account["futuresTakerFee"]) == ("2", "5")
    status, body, _ = await client.call("PATCH", "/api/v1/account", body={"leverageLimit": "5"})
    assert (status, body) == (200, None)


async def test_position_exposure_counts_resting_orders_and_net_quantity_does_not(
    sim: SimHandle, client: Client
) -> None:
    """§4.13: `netQuantity` is the signed size; `netExposure*` add the worst case of the open orders
    (signed like `netQuantity` for a short): the two agree only while nothing rests."""
    sell = {"symbol": SOL, "side": "Ask", "orderType": "Market", "quantity": "2"}
    assert (await client.call("POST", "/api/v1/order", body=sell))[0] == 200

    async def position() -> dict[str, Any]:
        status, rows, _ = await client.call("GET", "/api/v1/position", params={"symbol": SOL})
        assert status == 200
        (row,) = rows
        return row

    flat_book = await position()
    assert (flat_book["netQuantity"], flat_book["netExposureQuantity"]) == ("-2", "-2")
    placed = []
    for side, price, quantity in (("Ask", "151", "1"), ("Bid", "149", "3")):
        status, order, _ = await client.call("POST", "/api/v1/order", body=client.order(price, quantity, side=side))
        assert (status, order["status"]) == (200, "New")
        placed.append(order["id"])
    resting = await position()
    # long case -2 + 3 = 1, short case -2 - 1 = -3: the worst case is the short one
    assert (resting["netQuantity"], resting["netExposureQuantity"]) == ("-2", "-3")
    assert Decimal(resting["netExposureNotional"]) == 3 * Decimal(resting["markPrice"])
    for order_id in placed:
        assert (await client.call("DELETE", "/api/v1/order", body={"symbol": SOL, "orderId": order_id}))[0] == 200
    cancelled = await position()
    assert (cancelled["netQuantity"], cancelled["netExposureQuantity"]) == ("-2", "-2")


async def test_fill_history_filters_by_order_id(sim: SimHandle, client: Client) -> None:
    """§4.12: `orderId` narrows the fills to one order's (the connector's fill recovery asks so)."""
    sim.control.set_mid(SOL, "150")
    ids = []
    for price, cid in (("150.00", 1), ("149.99", 2)):
        status, placed, _ = await client.call("POST", "/api/v1/order", body=client.order(price, "1", clientId=cid))
        assert status == 200, placed
        ids.append(placed["id"])
    sim.control.take(SOL, "buy", "0.5")  # half of the first order
    sim.control.take(SOL, "buy", "1")  # the rest of it
    sim.control.take(SOL, "buy", "1")  # the second order, whole
    params = {"symbol": SOL, "fillType": "User", "sortDirection": "Asc"}
    status, every, _ = await client.call("GET", "/wapi/v1/history/fills", params=params)
    assert status == 200 and [(f["orderId"], f["quantity"]) for f in every] == [
        (ids[0], "0.5"), (ids[0], "0.5"), (ids[1], "1"),
    ]  # fmt: skip
    for order_id, cid in zip(ids, ("1", "2"), strict=True):
        one = {**params, "orderId": order_id}
        status, rows, headers = await client.call("GET", "/wapi/v1/history/fills", params=one)
        assert status == 200 and rows == [f for f in every if f["orderId"] == order_id]
        assert {r["clientId"] for r in rows} == {cid} and headers["X-Total"] == str(len(rows))
    status, rows, _ = await client.call("GET", "/wapi/v1/history/fills", params={**params, "orderId": "12345"})
    assert (status, rows) == (200, [])
    trade_ids = [f["tradeId"] for f in every]
    assert len(set(trade_ids)) == 3 and all(isinstance(t, int) for t in trade_ids)


async def test_post_only_cross_is_refused_at_once_with_no_stream_event(sim: SimHandle, client: Client) -> None:
    async with connect(client.http, sim.urls["ws"]) as ws:
        signature = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": signature})
        assert await synced(ws) == []
        ask = sim.engine.top_of_book(SOL).ask
        status, body, _ = await client.call("POST", "/api/v1/order", body=client.order(str(ask), postOnly=True))
        assert (status, body) == (400, {"code": "INVALID_ORDER", "message": "Order would immediately match and take."})
        assert sim.control.open_orders(sim.frontend.test_account) == []
        bid = sim.engine.top_of_book(SOL).bid
        status, placed, _ = await client.call("POST", "/api/v1/order", body=client.order(str(bid), postOnly=True))
        assert status == 200
        first = await receive(ws)  # the refused order sent nothing: the first event is the next order's
        assert (first["stream"], first["data"]["e"], first["data"]["i"]) == (
            "account.orderUpdate", "orderAccepted", placed["id"],
        )  # fmt: skip
        assert set(first["data"]) == WS_ORDER_KEYS | {"p"}
        assert first["data"]["o"] == "LIMIT" and first["data"]["t"] is None and first["data"]["y"] is True
        assert first["data"]["q"] == "1.00"  # padded on WS


async def test_reduce_only_without_position_expires_with_both_events(sim: SimHandle, client: Client) -> None:
    async with connect(client.http, sim.urls["ws"]) as ws:
        signature = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": [f"account.orderUpdate.{SOL}"], "signature": signature})
        assert await synced(ws) == []
        body = {"symbol": SOL, "side": "Ask", "orderType": "Market", "quantity": "1", "reduceOnly": True, "clientId": 0}
        status, order, _ = await client.call("POST", "/api/v1/order", body=body)
        assert (status, order["status"], order["executedQuantity"], order["clientId"]) == (200, "Expired", "0", 0)
        accepted, expired = await receive(ws), await receive(ws)
        assert accepted["stream"] == f"account.orderUpdate.{SOL}"
        assert (accepted["data"]["e"], expired["data"]["e"]) == ("orderAccepted", "orderExpired")
        assert expired["data"]["R"] == "ReduceOnlyNotReduced" and "R" not in accepted["data"]
        assert accepted["data"]["c"] == 0 and accepted["data"]["o"] == "MARKET" and "p" not in accepted["data"]


async def test_self_trade_expires_the_taker_and_shrinking_reduce_only_is_modified(
    sim: SimHandle, client: Client
) -> None:
    sim.control.set_mid(SOL, "150")
    async with connect(client.http, sim.urls["ws"]) as ws:
        signature = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": signature})
        assert await synced(ws) == []
        _, own_ask, _ = await client.call("POST", "/api/v1/order", body=client.order("150.00", "1", side="Ask"))
        body = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "1"}
        status, taker, _ = await client.call("POST", "/api/v1/order", body=body)
        assert (status, taker["status"], taker["executedQuantity"]) == (200, "Expired", "0")  # STP RejectTaker
        expired, _ = await receive_until(ws, lambda f: f["data"]["e"] == "orderExpired")
        assert (expired["data"]["i"], expired["data"]["R"]) == (taker["id"], "SelfTradePrevention")
        await client.call("DELETE", "/api/v1/order", body={"symbol": SOL, "orderId": own_ask["id"]})
        await client.call("POST", "/api/v1/order", body=body | {"quantity": "2"})  # long 2
        closing = client.order("151.00", "2", side="Ask", reduceOnly=True)
        _, resting, _ = await client.call("POST", "/api/v1/order", body=closing)
        assert (resting["status"], resting["reduceOnly"]) == ("New", True)
        await client.call("POST", "/api/v1/order", body=body | {"side": "Ask", "quantity": "1.5"})  # long 0.5
        modified, _ = await receive_until(ws, lambda f: f["data"]["e"] == "orderModified")
        assert (modified["data"]["i"], modified["data"]["q"], modified["data"]["r"]) == (resting["id"], "0.50", True)
        _, shrunk, _ = await client.call("GET", "/api/v1/order", params={"symbol": SOL, "orderId": resting["id"]})
        assert shrunk["quantity"] == "0.5"


# ------------------------------------------------------------------------------------------ streams


async def test_ws_errors_keep_the_socket_open_and_unknown_symbols_are_silent(sim: SimHandle, client: Client) -> None:
    async with connect(client.http, sim.urls["ws"]) as ws:
        await ws.send_str("not json")
        assert await receive(ws) == {"id": None, "error": {"code": 4002, "message": "Parse error"}}
        await ws.send_json({"method": "FOO", "params": [], "id": 5})
        assert (await receive(ws))["error"]["code"] == 4002
        await ws.send_json({"method": "SUBSCRIBE", "params": ["nope.SOL_USDC_PERP"]})
        assert await receive(ws) == {"id": None, "error": {"code": 4006, "message": "Invalid stream"}}
        await ws.send_json({"method": "SUBSCRIBE", "params": [f"depth.100ms.{SOL}"]})
        assert (await receive(ws))["error"]["code"] == 4008
        bad = client.signer.subscribe_signature(client.now_ms())
        bad[1] = VECTORS["vectors"][2]["signature"]  # a real signature, over another text
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate", f"depth.{SOL}"], "signature": bad})
        assert await receive(ws) == {"id": None, "error": {"code": 4003, "message": "Invalid signature"}}
        await ws.send_json({"method": "SUBSCRIBE", "params": ["depth.NOPE_USDC_PERP", f"bookTicker.{SOL}"]})
        assert await synced(ws) == []  # no ack, no error: silence for the unknown symbol
        sim.control.move_touch(SOL, 3)
        frame = await receive(ws)  # the socket is still open; nothing came for NOPE, nor depth (refused frame)
        assert frame["stream"] == f"bookTicker.{SOL}" and isinstance(frame["data"]["u"], int)
        assert ws.closed is False
        good = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": good})
        await synced(ws)
        bid = sim.engine.top_of_book(SOL).bid
        await client.call("POST", "/api/v1/order", body=client.order(str(bid), postOnly=True))
        frame, _ = await receive_until(ws, lambda f: f.get("stream") == "account.orderUpdate")
        assert frame["data"]["e"] == "orderAccepted"


async def test_depth_stream_continues_the_rest_snapshot(sim: SimHandle, http: aiohttp.ClientSession) -> None:
    async with connect(http, sim.urls["ws"]) as ws:
        await ws.send_json({"method": "SUBSCRIBE", "params": [f"depth.{SOL}", f"trade.{SOL}"]})
        await ws.send_json({"method": "SUBSCRIBE", "params": [f"depth.{SOL}"]})  # idempotent
        assert await synced(ws) == []  # no acks
        async with http.get(sim.urls["rest"] + "/api/v1/depth", params={"symbol": SOL}) as resp:
            last = int((await resp.json())["lastUpdateId"])
        sim.control.take(SOL, "sell", "1")  # lifts the whole best ask, then the next one
        sim.control.take(SOL, "sell", "1")
        frames = []
        while len([f for f in frames if f["stream"] == f"depth.{SOL}"]) < 2:
            frames.append(await receive(ws))
        depth = [f["data"] for f in frames if f["stream"] == f"depth.{SOL}"]
        assert [(d["U"], d["u"]) for d in depth] == [(last + 1, last + 1), (last + 2, last + 2)]  # no duplicates
        assert depth[0]["a"][0][1] == "0.00"  # the lifted level is deleted, padded to the step
        trade = next(f["data"] for f in frames if f["stream"] == f"trade.{SOL}")
        assert trade["m"] is False and isinstance(trade["t"], int) and isinstance(trade["T"], int)


async def test_position_stream_snapshot_then_events(sim: SimHandle, client: Client) -> None:
    await client.call(
        "POST", "/api/v1/order", body={"symbol": SOL, "side": "Ask", "orderType": "Market", "quantity": "1"}
    )
    async with connect(client.http, sim.urls["ws"]) as ws:
        signature = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.positionUpdate"], "signature": signature})
        snapshot = await receive(ws)
        assert (
            "e" not in snapshot["data"] and snapshot["data"]["q"] == "-1.00" and isinstance(snapshot["data"]["i"], int)
        )
        body = {"symbol": SOL, "side": "Bid", "orderType": "Market", "quantity": "1", "reduceOnly": True}
        await client.call("POST", "/api/v1/order", body=body)
        closed = await receive(ws)
        assert closed["data"]["e"] == "positionClosed" and closed["data"]["i"] == snapshot["data"]["i"]
        assert Decimal(closed["data"]["q"]) == 0 and closed["data"]["l"] == "0"


async def test_server_sends_protocol_pings_at_the_configured_interval(http: aiohttp.ClientSession) -> None:
    sim = await start_backpack(ping_interval=0.05)
    try:
        async with connect(http, sim.urls["ws"]) as ws:
            msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
            assert msg.type is aiohttp.WSMsgType.PING  # nothing else is sent on connect
            await ws.pong(msg.data)
    finally:
        await sim.stop()


def test_command_line_prints_a_funded_test_account() -> None:
    """`python -m xtb.sim backpack` prints its line; the account it names can sign and is funded."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xtb.sim", "backpack", "--seed", "3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert info["venue"] == "backpack" and info["ws"] == info["rest"].replace("http://", "ws://")
        assert set(info["account"]) == {"api_key", "api_secret"}
        signer = BackpackSigner(Secret(info["account"]["api_secret"], "api_secret"))
        assert signer.api_key == info["account"]["api_key"]

        async def balance() -> tuple[int, Any]:
            headers = signer.headers("balanceQuery", {}, int(time.time() * 1000))
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
                async with http.get(info["rest"] + "/api/v1/capital", headers=headers) as resp:
                    return resp.status, await resp.json()

        status, body = asyncio.run(balance())
        assert status == 200 and Decimal(body["USDC"]["available"]) > 0
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)


async def test_unsigned_unsubscribe_stops_private_data(sim: SimHandle, client: Client) -> None:
    async with connect(client.http, sim.urls["ws"]) as ws:
        signature = client.signer.subscribe_signature(client.now_ms())
        await ws.send_json({"method": "SUBSCRIBE", "params": ["account.orderUpdate"], "signature": signature})
        await ws.send_json({"method": "UNSUBSCRIBE", "params": ["account.orderUpdate"]})
        await ws.send_json({"method": "SUBSCRIBE", "params": [f"bookTicker.{SOL}"]})
        await synced(ws)
        bid = sim.engine.top_of_book(SOL).bid
        better = str(bid + Decimal("0.01"))
        status, _, _ = await client.call("POST", "/api/v1/order", body=client.order(better, postOnly=True))
        assert status == 200
        frame = await receive(ws)  # the new best bid moves the book ticker; no order update came first
        assert frame["stream"] == f"bookTicker.{SOL}" and frame["data"]["b"] == better
        assert sim.frontend.hub.connections[0].channels == {f"bookTicker.{SOL}"}
